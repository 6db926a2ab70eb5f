"""Large vital-sign numerics, readable from across the room, each with its baseline."""

from __future__ import annotations

import math

from PySide6.QtWidgets import QFrame, QGridLayout, QHBoxLayout, QLabel, QVBoxLayout, QWidget

from ketamon.core.alarm_profile import Priority
from ketamon.core.session import Snapshot
from ketamon.core.vitals import Vital
from ketamon.format import age, number
from ketamon.ui.alarm_banner import Flasher
from ketamon.ui.fit_label import FitLabel
from ketamon.ui.session_model import SessionModel
from ketamon.ui.theme import VITAL_COLOURS

TILE_VITALS = {
    Vital.HR: {Vital.HR},
    Vital.SPO2: {Vital.SPO2},
    Vital.SBP: {Vital.SBP, Vital.DBP, Vital.MAP},
    Vital.RR: {Vital.RR},
}


class VitalTile(QFrame):
    """One numeric: title and unit, a value that fills the tile, small lines for baseline and age.

    `sample` is the widest value the tile shows ("888", "888/888"): the digits are sized
    to it, so they fill the tile and do not jump as the value changes.
    """

    def __init__(
        self, title: str, unit: str, colour: str, sample: str, parent: QWidget | None = None
    ):
        super().__init__(parent)
        self.setObjectName("panel")
        self.colour = colour
        self.alarm: Priority | None = None
        self._border = ""
        self.title = QLabel(title, objectName="tileLabel")
        self.unit = QLabel(unit, objectName="tileSmall")
        self.value = FitLabel("---", sample)
        self.value.setObjectName("tileValue")
        self.value.set_colour(colour)
        self.baseline = QLabel("", objectName="tileSmall")
        self.detail = QLabel("", objectName="tileSmall")
        # Where the value came from: "GE S/5 on ttyUSB1", "manual", "simulator".
        self.source = QLabel("", objectName="tileSmall")
        self.stale = QLabel("", objectName="tileStale")
        self.stale.hide()
        self.title.setStyleSheet(f"color: {colour};")
        top = QHBoxLayout()
        top.setSpacing(8)
        top.addWidget(self.title)
        top.addWidget(self.unit)
        top.addWidget(self.source)
        top.addStretch(1)
        top.addWidget(self.stale)
        top.addWidget(self.baseline)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(6, 2, 6, 2)
        layout.setSpacing(0)
        layout.addLayout(top)
        layout.addWidget(self.value, 1)
        layout.addWidget(self.detail)
        self.detail.hide()  # only the NIBP tile has a detail line (MAP and age)

    def show_alarm(self, priority: Priority | None, flasher: Flasher) -> None:
        """Border in the alarm's colour, flashing at its rate; the digits stay readable."""
        self.alarm = priority
        border = ""
        if priority is not None:
            background, _ = flasher.colours(priority)
            border = f"QFrame#panel {{ border: 6px solid {background}; }}"
        if border != self._border:
            self._border = border
            self.setStyleSheet(border)

    @property
    def border_colour(self) -> str | None:
        if not self._border:
            return None
        return self._border.split("solid ")[1].split(";")[0]

    def show_value(self, text: str, current: bool, stale_text: str = "") -> None:
        self.value.setText(text)
        self.value.set_colour(self.colour if current else "#707070")
        self.stale.setText(stale_text)
        self.stale.setVisible(bool(stale_text))


class NumericsPanel(QWidget):
    """HR, SpO2, NIBP and RR tiles in a grid, updated from each snapshot of `model`.

    HR and SpO2 side by side on top, NIBP across the whole width (its value is the
    widest), RR below: each tile is wide enough for its digits to be as tall as the
    tile allows (CLINICAL.md: read from across the room).
    """

    def __init__(self, model: SessionModel, flasher: Flasher, parent: QWidget | None = None):
        super().__init__(parent)
        self._flasher = flasher
        self._alarm_priorities: dict[Vital, Priority | None] = {}
        self.tiles = {
            Vital.HR: VitalTile("HR", "bpm", VITAL_COLOURS[Vital.HR], "188"),
            Vital.SPO2: VitalTile("SpO2", "%", VITAL_COLOURS[Vital.SPO2], "100"),
            Vital.SBP: VitalTile("NIBP", "mmHg", VITAL_COLOURS[Vital.SBP], "188/118"),
            Vital.RR: VitalTile("RR", "/min", VITAL_COLOURS[Vital.RR], "88"),
        }
        layout = QGridLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(6)
        layout.addWidget(self.tiles[Vital.HR], 0, 0)
        layout.addWidget(self.tiles[Vital.SPO2], 0, 1)
        layout.addWidget(self.tiles[Vital.SBP], 1, 0, 1, 2)
        layout.addWidget(self.tiles[Vital.RR], 2, 0)
        self.extra = QVBoxLayout()  # room beside RR for other numerics (devices, sedation)
        layout.addLayout(self.extra, 2, 1)
        for row in range(3):
            layout.setRowStretch(row, 1)
        layout.setColumnStretch(0, 1)
        layout.setColumnStretch(1, 1)
        model.snapshot_changed.connect(self._on_snapshot_changed)
        flasher.toggled.connect(self._on_flash)

    def _on_flash(self) -> None:
        for vital, tile in self.tiles.items():
            tile.show_alarm(self._alarm_priorities.get(vital), self._flasher)

    def _on_snapshot_changed(self, snap: Snapshot) -> None:
        for vital in self.tiles:
            concerned = [a.priority for a in snap.alarms if a.vitals & TILE_VITALS[vital]]
            self._alarm_priorities[vital] = max(concerned, default=None)
        self._on_flash()
        for vital, tile in self.tiles.items():
            tile.source.setText(snap.sources.get(vital, ""))
        for vital in (Vital.HR, Vital.SPO2, Vital.RR):
            sample = snap.latest.get(vital)
            tile = self.tiles[vital]
            if sample is None:
                tile.show_value("---", False)
                continue
            # The profile's 'no data' time; without an alarm engine nothing is judged.
            stale_s = snap.no_data_s if snap.no_data_s is not None else math.inf
            current = snap.t_s - sample.t_s <= stale_s
            tile.show_value(
                number(sample.value) if current else "---",
                current,
                "" if current else "NO DATA",
            )
        self._show_nibp(snap)
        self._show_baselines(snap)

    def _show_nibp(self, snap: Snapshot) -> None:
        tile = self.tiles[Vital.SBP]
        sbp, dbp, map_ = (snap.latest.get(v) for v in (Vital.SBP, Vital.DBP, Vital.MAP))
        if sbp is None or dbp is None:
            tile.show_value("---/---", False)
            tile.detail.setText("no reading yet")
            return
        text = f"{number(sbp.value)}/{number(dbp.value)}"
        tile.show_value(text, not snap.nibp_stale, "STALE" if snap.nibp_stale else "")
        detail = age(snap.t_s - sbp.t_s)
        if map_ is not None and map_.t_s == sbp.t_s:
            detail = f"MAP {number(map_.value)}   {detail}"
        tile.detail.setText(detail)
        tile.detail.show()

    def _show_baselines(self, snap: Snapshot) -> None:
        b = snap.baseline
        if b is None:
            for tile in self.tiles.values():
                tile.baseline.setText("baseline pending")
            return
        self.tiles[Vital.SBP].baseline.setText(f"BL {b.sbp_mmhg:.0f}/{b.dbp_mmhg:.0f}")
        self.tiles[Vital.HR].baseline.setText(f"BL {number(b.hr_bpm)}")
        self.tiles[Vital.SPO2].baseline.setText(f"BL {number(b.spo2_pct)}")
        self.tiles[Vital.RR].baseline.setText("")
