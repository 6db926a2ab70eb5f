"""The nurse enters a blood pressure measured by hand (or by a cuff with no link)."""

from __future__ import annotations

import math
from collections.abc import Callable

from PySide6.QtWidgets import QDialog, QFormLayout, QLabel, QLineEdit, QWidget

from ketamon.core.dosing import InputError, parse_positive
from ketamon.core.manual_bp import MAX_BACK_S, ManualBp
from ketamon.ui.dialogs import ok_cancel


class BpDialog(QDialog):
    """SBP/DBP (MAP computed if left empty), HR optional, and how long ago it was measured.

    `now_s()` is the session time when OK is pressed: the reading is checked against
    it (core/manual_bp.py) and a problem is shown here, never applied.
    """

    def __init__(self, now_s: Callable[[], float], parent: QWidget | None = None):
        super().__init__(parent)
        self.setWindowTitle("Enter BP")
        self.setObjectName("bpDialog")
        self._now_s = now_s
        self.sbp = QLineEdit(placeholderText="mmHg")
        self.dbp = QLineEdit(placeholderText="mmHg")
        self.map = QLineEdit(placeholderText="mmHg (optional: computed)")
        self.hr = QLineEdit(placeholderText="bpm (optional)")
        self.minutes_ago = QLineEdit("0")
        self.minutes_ago.setPlaceholderText(f"0 = now, up to {MAX_BACK_S / 60:.0f}")
        self.error = QLabel("", objectName="error")
        self.error.setWordWrap(True)
        form = QFormLayout(self)
        form.addRow("Systolic BP", self.sbp)
        form.addRow("Diastolic BP", self.dbp)
        form.addRow("Mean BP", self.map)
        form.addRow("Heart rate", self.hr)
        form.addRow("Measured (min ago)", self.minutes_ago)
        form.addRow(self.error)
        self.buttons = ok_cancel(self, self._on_ok)
        form.addRow(self.buttons)
        self.reading: ManualBp | None = None

    def _on_ok(self) -> None:
        try:
            reading = self._reading(self._now_s())
        except InputError as exc:
            self.error.setText(str(exc))
            return
        self.reading = reading
        self.accept()

    def _reading(self, now_s: float) -> ManualBp:
        sbp = parse_positive(self.sbp.text(), "Systolic BP", "mmHg")
        dbp = parse_positive(self.dbp.text(), "Diastolic BP", "mmHg")
        map_ = parse_positive(self.map.text(), "Mean BP", "mmHg") if self.map.text() else None
        hr = parse_positive(self.hr.text(), "Heart rate", "bpm") if self.hr.text() else None
        ago_text = self.minutes_ago.text().strip().replace(",", ".") or "0"
        try:
            ago_min = float(ago_text)
        except ValueError:
            raise InputError(f"Measured: '{ago_text}' is not a number of minutes.") from None
        if not math.isfinite(ago_min) or ago_min < 0:
            raise InputError("Measured: minutes ago must be 0 (now) or more.")
        reading = ManualBp(sbp, dbp, max(0.0, now_s - ago_min * 60.0), map_, hr)
        problem = reading.problem(now_s)
        if ago_min * 60.0 > now_s and problem is None:
            problem = "Measured before the session began."
        if problem is not None:
            raise InputError(problem)
        return reading
