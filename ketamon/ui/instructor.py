"""The instructor panel (its own window, for a second screen) and the debrief.

The panel acts on the scenario's simulated monitor: live offsets per vital,
one-tap equipment faults, the scheduled events with their countdown, pause and
fast-forward of session time, and notes. Every instructor action is an event
in the session, so the debrief and the recording show it.
"""

from __future__ import annotations

import time
from pathlib import Path

from PySide6.QtWidgets import (
    QAbstractItemView,
    QDialog,
    QDialogButtonBox,
    QFileDialog,
    QGridLayout,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QPushButton,
    QSpinBox,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from ketamon.core.debrief import DebriefRow, debrief_rows
from ketamon.core.scenario import ScriptedMonitor
from ketamon.core.session import Snapshot
from ketamon.core.vitals import Vital
from ketamon.format import mmss, number, time_of_day
from ketamon.ui.session_model import SessionModel

OVERRIDE_VITALS = (Vital.HR, Vital.SPO2, Vital.SBP, Vital.DBP, Vital.RR)
FAULTS = {
    "probe_off": "Probe off",
    "cuff_failure": "Cuff failure",
    "cable_unplugged": "Cable unplugged",
    "artefact": "Motion artefact",
}
FAST_FORWARD_S = 300.0


class InstructorPanel(QWidget):
    """Controls for one scenario session in `model`."""

    def __init__(self, model: SessionModel, parent: QWidget | None = None):
        super().__init__(parent)
        self.model = model
        self.source: ScriptedMonitor = model.session.source
        self.setWindowTitle(f"ketamon instructor — {self.source.scenario.name}")
        title = QLabel(f"Scenario: {self.source.scenario.name}", objectName="big")
        self.status = QLabel("", objectName="instructorStatus")
        self.vitals = QLabel("", objectName="instructorVitals")
        description = QLabel(self.source.scenario.description, objectName="caption")
        description.setWordWrap(True)

        overrides = QGridLayout()
        self.offsets: dict[Vital, QSpinBox] = {}
        for row, vital in enumerate(OVERRIDE_VITALS):
            box = QSpinBox()
            box.setRange(-150, 150)
            box.setSuffix(f" {vital.unit}")
            box.valueChanged.connect(lambda value, v=vital: self._on_offset_changed(v, value))
            overrides.addWidget(QLabel(f"{vital.label} offset"), row, 0)
            overrides.addWidget(box, row, 1)
            self.offsets[vital] = box

        faults = QHBoxLayout()
        self.fault_buttons: dict[str, QPushButton] = {}
        for key, label in FAULTS.items():
            button = QPushButton(label, objectName="faultButton")
            button.setCheckable(True)
            button.toggled.connect(lambda on, k=key: self._on_fault_toggled(k, on))
            faults.addWidget(button)
            self.fault_buttons[key] = button

        self.schedule = QTableWidget(0, 3)
        self.schedule.setHorizontalHeaderLabels(["Event", "At", "State"])
        self.schedule.verticalHeader().hide()
        self.schedule.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.schedule.horizontalHeader().setStretchLastSection(True)

        self.pause_button = QPushButton("Pause time")
        self.pause_button.clicked.connect(self._on_pause_clicked)
        self.forward_button = QPushButton(f"Fast-forward {FAST_FORWARD_S / 60:g} min")
        self.forward_button.clicked.connect(self._on_forward_clicked)
        self.debrief_button = QPushButton("Debrief…")
        self.debrief_button.clicked.connect(self.open_debrief)
        time_row = QHBoxLayout()
        for button in (self.pause_button, self.forward_button, self.debrief_button):
            time_row.addWidget(button)

        self.note = QLineEdit(placeholderText="Instructor note (Enter to add)")
        self.note.returnPressed.connect(self._on_note)

        layout = QVBoxLayout(self)
        layout.addWidget(title)
        layout.addWidget(description)
        layout.addWidget(self.status)
        layout.addWidget(self.vitals)
        layout.addLayout(overrides)
        layout.addLayout(faults)
        layout.addWidget(QLabel("Scheduled events", objectName="caption"))
        layout.addWidget(self.schedule, 1)
        layout.addLayout(time_row)
        layout.addWidget(self.note)
        self.debrief: DebriefDialog | None = None
        model.snapshot_changed.connect(self._on_snapshot_changed)
        self._on_snapshot_changed(model.snapshot())

    def _show_status(self, snap: Snapshot) -> None:
        """What the trainee's screen shows now: clock, phase, vitals (the instructor's view)."""
        status = snap.status
        phase = status.phase_label if status else snap.phase.value
        self.status.setText(f"{self.when(snap.t_s)}   {phase.upper()}")
        parts = []
        sbp, dbp = snap.latest.get(Vital.SBP), snap.latest.get(Vital.DBP)
        if sbp is not None and dbp is not None:
            parts.append(f"NIBP {number(sbp.value)}/{number(dbp.value)}")
        for vital, name in VITALS_SHOWN:
            sample = snap.latest.get(vital)
            parts.append(f"{name} {number(sample.value) if sample else '---'}")
        alarms = f"   alarms: {len(snap.alarms)}" if snap.alarms else ""
        self.vitals.setText("   ".join(parts) + alarms)

    # ---- actions ------------------------------------------------------------------------

    def _log(self, kind: str, text: str, data: dict | None = None) -> None:
        session = self.model.session
        session.instructor(self.model.clock.now_s(), kind, text, data)

    def _on_offset_changed(self, vital: Vital, value: int) -> None:
        # The session records the command, then the simulator obeys it (as on resume).
        self._log(
            "override",
            f"{vital.label} offset {value:+d} {vital.unit}",
            {"vital": vital.value, "offset": value},
        )

    def _on_fault_toggled(self, fault: str, on: bool) -> None:
        verb = "started" if on else "ended"
        self._log("fault", f"Fault {verb}: {FAULTS[fault]}", {"fault": fault, "on": on})

    def _on_pause_clicked(self) -> None:
        clock = self.model.clock
        if clock.running:
            clock.pause()
            self._log("time", "session time paused")
        else:
            clock.start()
            self._log("time", "session time resumed")
        self.pause_button.setText("Pause time" if clock.running else "Resume time")

    def _on_forward_clicked(self) -> None:
        clock = self.model.clock
        self._log("time", f"fast-forward {FAST_FORWARD_S / 60:g} min")
        clock.fast_forward(clock.now_s() + FAST_FORWARD_S)

    def _on_note(self) -> None:
        text = self.note.text().strip()
        if text:
            self._log("note", text)
            self.note.clear()

    def when(self, t_s: float) -> str:
        """Time of day and session time of `t_s`: '14:05:09 (25:10)'."""
        wall_s = self.model.wall_time_s(t_s)
        clock = "" if wall_s is None else time_of_day(wall_s, seconds=True) + " "
        return f"{clock}({mmss(t_s)})"

    def open_debrief(self) -> None:
        self.debrief = DebriefDialog(
            debrief_rows(self.model.session.events),
            self.source.scenario.name,
            self.when,
            self,
        )
        self.debrief.open()

    def _on_snapshot_changed(self, snap: Snapshot) -> None:
        self._show_status(snap)
        rows = self.source.schedule(snap.t_s)
        self.schedule.setRowCount(len(rows))
        for r, (event, start_s, state) in enumerate(rows):
            at = "after " + event.at_phase.replace("_", " ") if start_s is None else mmss(start_s)
            if state == "pending" and start_s is not None:
                state = f"in {mmss(start_s - snap.t_s)}"
            for c, text in enumerate((event.name, at, state)):
                self.schedule.setItem(r, c, QTableWidgetItem(text))


VITALS_SHOWN = ((Vital.HR, "HR"), (Vital.SPO2, "SpO2"), (Vital.RR, "RR"))


class DebriefDialog(QDialog):
    """The timeline of the run: alarms, trainee actions with response times, instructor events."""

    def __init__(
        self,
        rows: list[DebriefRow],
        scenario: str = "",
        when=None,
        parent: QWidget | None = None,
    ):
        """`when(t_s)` says when a line happened (time of day and session time)."""
        super().__init__(parent)
        self.setWindowTitle("Debrief")
        self.resize(1000, 600)
        self.rows = rows
        self.scenario = scenario
        self._when = when or mmss
        self.trainee = QLineEdit(placeholderText="Trainee's name (for the PDF)")
        self.table = QTableWidget(len(rows), 4)
        self.table.setHorizontalHeaderLabels(["Time", "Who/what", "Event", "Response"])
        self.table.verticalHeader().hide()
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.setWordWrap(True)
        header = self.table.horizontalHeader()
        for column in (0, 1):
            header.setSectionResizeMode(column, QHeaderView.ResizeMode.ResizeToContents)
        header.setSectionResizeMode(2, QHeaderView.ResizeMode.Stretch)  # the event reads whole
        header.setSectionResizeMode(3, QHeaderView.ResizeMode.Stretch)
        for r, row in enumerate(rows):
            for c, text in enumerate((self._when(row.t_s), row.kind, row.text, response_text(row))):
                item = QTableWidgetItem(text)
                item.setToolTip(text)
                self.table.setItem(r, c, item)
        self.table.resizeRowsToContents()
        self.buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
        self.pdf_button = self.buttons.addButton(
            "Export PDF…", QDialogButtonBox.ButtonRole.ActionRole
        )
        self.pdf_button.clicked.connect(self._on_export)
        self.buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        if scenario:
            layout.addWidget(QLabel(f"Scenario: {scenario}", objectName="big"))
        layout.addWidget(self.trainee)
        layout.addWidget(self.table)
        layout.addWidget(self.buttons)

    def table_text(self) -> list[list[str]]:
        return [
            [self.table.item(r, c).text() for c in range(4)] for r in range(self.table.rowCount())
        ]

    def _on_export(self) -> None:
        target, _ = QFileDialog.getSaveFileName(self, "Debrief PDF", "debrief.pdf", "PDF (*.pdf)")
        if target:
            write_debrief_pdf(
                Path(target), self.rows, self.scenario, self.trainee.text().strip(), self._when
            )


def response_text(row: DebriefRow) -> str:
    """'45 s (answered: high alarm: BP very high)' or what became of an alarm."""
    if row.kind == "alarm":
        return row.response
    if row.response_s is None:
        return row.response
    text = f"{row.response_s:.0f} s"
    return f"{text} (answered: {row.response})" if row.response else text


def write_debrief_pdf(
    path: Path,
    rows: list[DebriefRow],
    scenario: str = "",
    trainee: str = "",
    when=None,
    date: str | None = None,
) -> Path:
    """The debrief timeline as a PDF (same page layout as the session report)."""
    from ketamon.ui.report import pdf_pages

    with pdf_pages(path, "ketamon training debrief") as pages:
        pages.text("ketamon training debrief", 18, bold=True)
        pages.text("SIMULATED SESSION: training data, not a patient", 12, True, "#a000a0")
        pages.text(f"Scenario: {scenario or 'unknown'}", 12)
        pages.text(f"Trainee: {trainee or 'not given'}", 12)
        pages.text(f"Date: {date or time.strftime('%Y-%m-%d %H:%M')}", 12)
        pages.gap()
        when = when or mmss
        for row in rows:
            response = response_text(row)
            response = f"   -> {response}" if response else ""
            pages.text(f"{when(row.t_s)}  [{row.kind}]  {row.text}{response}", 10)
    return path
