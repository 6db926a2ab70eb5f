"""A label whose font grows to fill its space, as a monitor's numerics fill their tiles."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtGui import QFont, QFontMetricsF
from PySide6.QtWidgets import QLabel, QSizePolicy, QWidget

REFERENCE_PX = 100  # measure the sample text at this size, then scale linearly


class FitLabel(QLabel):
    """Text drawn as large as the label's rectangle allows.

    `sample` is the widest text the label will usually hold ("888", "888/888"): the
    size is fitted to it, so the digits do not jump when the value changes from 99 to
    100; a longer text (or no sample) is fitted as it is, so nothing is ever cut.
    `fill` is the share of the height the digits' cap height may take (the rest is
    the font's own ascent/descent room). The size never drops below `min_px`.
    """

    def __init__(
        self,
        text: str,
        sample: str = "",
        *,
        bold: bool = True,
        family: str = "DejaVu Sans",
        fill: float = 0.85,
        min_px: int = 14,
        max_px: int = 400,
        digits: bool = True,
        parent: QWidget | None = None,
    ):
        """`digits`: the text is numbers (no ascenders or descenders), so the em may
        overflow the label's height a little; otherwise the whole line must fit."""
        super().__init__(text, parent)
        self.sample = sample
        self._fill = fill
        self._min_px = min_px
        self._max_px = max_px
        self._colour = ""
        self._px = 0
        self._family = family
        self._bold = bold
        self._digits = digits
        # The layout gives the space; the text never asks for more (no feedback loop).
        self.setSizePolicy(QSizePolicy.Policy.Ignored, QSizePolicy.Policy.Ignored)
        self.setMinimumSize(20, 20)
        self.setAlignment(Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter)
        self._fit()

    @property
    def pixel_size(self) -> int:
        """The font's pixel size now (for tests and the README's measurements)."""
        return self._px

    def setText(self, text: str) -> None:  # noqa: N802 (Qt API)
        if text != self.text():
            super().setText(text)
            self._fit()

    def set_colour(self, colour: str) -> None:
        if colour != self._colour:
            self._colour = colour
            self._restyle()

    def resizeEvent(self, event) -> None:  # noqa: N802 (Qt API)
        super().resizeEvent(event)
        self._fit()

    def _fit(self) -> None:
        font = QFont(self._family)
        font.setBold(self._bold)
        font.setPixelSize(REFERENCE_PX)
        metrics = QFontMetricsF(font)
        width = max(
            1.0,
            metrics.horizontalAdvance(self.sample),
            *(metrics.horizontalAdvance(line) for line in self.text().split("\n")),
        )
        cap = max(1.0, metrics.tightBoundingRect("0123456789").height())
        room = self.contentsRect()
        room_w = max(1, room.width() - 4)
        room_h = max(1, room.height())
        by_width = REFERENCE_PX * room_w / width
        # The digits' cap height fills `fill` of the height. The font's line (accents
        # above, descenders below) may overflow: digits have neither, and centred they
        # stay inside while the em is under 1.25 x the height.
        by_height = min(REFERENCE_PX * room_h * self._fill / cap, 1.25 * room_h)
        if not self._digits:
            by_height = min(by_height, REFERENCE_PX * room_h / max(1.0, metrics.height()))
        px = int(max(self._min_px, min(self._max_px, by_width, by_height)))
        if px != self._px:
            self._px = px
            self._restyle()

    def _restyle(self) -> None:
        weight = "bold" if self._bold else "normal"
        colour = f"color: {self._colour};" if self._colour else ""
        self.setStyleSheet(
            f"font-size: {self._px}px; font-weight: {weight}; "
            f'font-family: "{self._family}"; {colour}'
        )
