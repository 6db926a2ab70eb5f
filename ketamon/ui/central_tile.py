"""One bed on the central station: a tile (bed, phase, time left, vitals with age, top alarm)
and, on click, that bed's trends since it started publishing."""

from __future__ import annotations

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import QDialog, QFrame, QGridLayout, QLabel, QVBoxLayout, QWidget

from ketamon.core.central import BedView
from ketamon.core.vitals import Vital
from ketamon.format import mmss
from ketamon.ui.alarm_banner import Flasher
from ketamon.ui.theme import VITAL_COLOURS

STALE_AGE_S = 60.0  # continuous vitals older than this are shown dimmed with their age
TREND_VITALS = (Vital.SBP, Vital.DBP, Vital.HR, Vital.SPO2, Vital.RR)


def age_text(age_s: float | None) -> str:
    if age_s is None:
        return ""
    return "now" if age_s < 5 else f"{mmss(age_s)} ago"


class BedTile(QFrame):
    """Shows one BedView; emits `clicked(bed)`; never commands the bed (read-only)."""

    clicked = Signal(str)

    def __init__(self, bed: str, flasher: Flasher, parent: QWidget | None = None):
        super().__init__(parent, objectName="centralTile")
        self.bed = bed
        self._flasher = flasher
        self._view: BedView | None = None
        self._background = "#101418"
        self.setCursor(Qt.CursorShape.PointingHandCursor)
        self.setMinimumSize(360, 230)
        grid = QGridLayout(self)
        self.name = QLabel(bed, objectName="centralBed")
        self.phase = QLabel("", objectName="centralPhase")
        self.time_left = QLabel("", objectName="centralTimeLeft")
        self.alarm = QLabel("", objectName="centralAlarm")
        self.alarm.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.values: dict[Vital, QLabel] = {}
        self.ages: dict[Vital, QLabel] = {}
        grid.addWidget(self.name, 0, 0, 1, 2)
        grid.addWidget(self.time_left, 0, 2, 1, 2, Qt.AlignmentFlag.AlignRight)
        grid.addWidget(self.phase, 1, 0, 1, 4)
        for col, (vital, label) in enumerate(
            ((Vital.HR, "HR"), (Vital.SPO2, "SpO2"), (Vital.SBP, "NIBP"))
        ):
            title = QLabel(label)
            title.setStyleSheet(f"color: {VITAL_COLOURS[vital]}; font-size: 14px;")
            value = QLabel("--", objectName="centralValue")
            value.setStyleSheet(
                f"color: {VITAL_COLOURS[vital]}; font-size: 34px; font-weight: bold;"
            )
            age = QLabel("", objectName="centralAge")
            grid.addWidget(title, 2, col)
            grid.addWidget(value, 3, col)
            grid.addWidget(age, 4, col)
            self.values[vital], self.ages[vital] = value, age
        grid.addWidget(self.alarm, 5, 0, 1, 4)
        self.name.setStyleSheet("font-size: 26px; font-weight: bold;")
        self.phase.setStyleSheet("font-size: 16px;")
        self.time_left.setStyleSheet("font-size: 22px;")
        flasher.toggled.connect(self._on_flash)

    def show_view(self, view: BedView) -> None:
        self._view = view
        state = view.state
        phase = state.phase if state else "waiting for the bed's state"
        self.phase.setText(f"{phase} (session closed)" if view.closed else phase)
        left = state.time_left_s if state else None
        self.time_left.setText(f"{mmss(left)} left" if left is not None else "")
        for vital in (Vital.HR, Vital.SPO2):
            latest = view.latest.get(vital)
            self.values[vital].setText("--" if latest is None else f"{latest[1]:.0f}")
            self.ages[vital].setText(age_text(view.age_s(vital)))
        sbp, dbp = view.latest.get(Vital.SBP), view.latest.get(Vital.DBP)
        self.values[Vital.SBP].setText(f"{sbp[1]:.0f}/{dbp[1]:.0f}" if sbp and dbp else "--/--")
        self.ages[Vital.SBP].setText(age_text(view.age_s(Vital.SBP)))
        self._paint()

    def alarm_text(self) -> str:
        return self.alarm.text()

    def background(self) -> str:
        """The alarm strip's background colour right now (for tests and the flash)."""
        return self._background

    def mousePressEvent(self, event) -> None:  # noqa: N802 (Qt API)
        self.clicked.emit(self.bed)
        super().mousePressEvent(event)

    def _on_flash(self) -> None:
        self._paint()

    def _paint(self) -> None:
        top = self._view.highest_alarm() if self._view else None
        if top is None:
            self._background = "#101418"
            self.alarm.setText("")
            self.alarm.setStyleSheet("")
            self.setStyleSheet("#centralTile { border: 2px solid #30363d; }")
            return
        background, text = self._flasher.colours(top.priority)
        self._background = background
        self.alarm.setText(f"{top.priority.marker} {top.label}")
        self.alarm.setStyleSheet(
            f"background: {background}; color: {text}; font-size: 24px; font-weight: bold;"
        )
        self.setStyleSheet(f"#centralTile {{ border: 3px solid {background}; }}")


class BedTrends(QDialog):
    """The bed's trends since it started publishing (BP, HR, SpO2, RR against session min)."""

    def __init__(self, view: BedView, parent: QWidget | None = None):
        super().__init__(parent)
        self.setWindowTitle(f"{view.bed}: trends")
        self.resize(900, 600)
        self.graphics = pg.GraphicsLayoutWidget()
        self.graphics.setBackground("#000000")
        layout = QVBoxLayout(self)
        layout.addWidget(self.graphics)
        self.curves: dict[Vital, pg.PlotDataItem] = {}
        rows = (
            ("BP mmHg", (Vital.SBP, Vital.DBP)),
            ("HR /min", (Vital.HR,)),
            ("SpO2 %", (Vital.SPO2,)),
            ("RR /min", (Vital.RR,)),
        )
        first = None
        for n, (title, vitals) in enumerate(rows):
            plot = self.graphics.addPlot(row=n, col=0, title=title)
            if first is None:
                first = plot
            else:
                plot.setXLink(first)
            for vital in vitals:
                data = np.array(view.trends.get(vital, []), dtype=float).reshape(-1, 2)
                pen = pg.mkPen(VITAL_COLOURS[vital], width=2)
                symbol = "o" if vital.is_nibp else None
                self.curves[vital] = plot.plot(
                    data[:, 0] / 60.0,
                    data[:, 1],
                    pen=None if symbol else pen,
                    symbol=symbol,
                    symbolBrush=VITAL_COLOURS[vital],
                    symbolSize=6,
                )
        first.setLabel("bottom", "session minutes")
