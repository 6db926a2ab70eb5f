"""The bedside window: banner, infusion panel, trends and numerics, all fed by one SessionModel."""

from __future__ import annotations

import time
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING

from PySide6.QtCore import Qt
from PySide6.QtGui import QAction, QKeySequence
from PySide6.QtWidgets import QLabel, QMainWindow, QMessageBox, QVBoxLayout, QWidget

import ketamon
from ketamon.core.infusion import Phase
from ketamon.core.scenario import ScriptedMonitor
from ketamon.format import mmss, time_of_day
from ketamon.ui.actions import NurseActions
from ketamon.ui.annotations import CadssDialog, NoteDialog
from ketamon.ui.dashboard import Dashboard

if TYPE_CHECKING:
    from ketamon.core.course import Course, SessionFacts
    from ketamon.core.limits import DrugLibrary
    from ketamon.core.protocol import Protocol
    from ketamon.core.session import Snapshot
    from ketamon.io.device import PortSettings
    from ketamon.ui.instructor import InstructorPanel
    from ketamon.ui.replay_model import ReplayBar
    from ketamon.ui.session_model import SessionModel
    from ketamon.ui.sources import Sources

# What only a menu command or a replay needs (the session browser, course view, PDF
# report, CSV export, port dialog, replay bar, instructor panel) is imported when it is
# first used: the first frame comes up without it (bench/startup.py).


def phase_text(phase: Phase) -> str:
    """'The infusion is running', said as a sentence for messages."""
    return {
        Phase.INFUSING: "The infusion is running",
        Phase.PAUSED: "The infusion is paused",
        Phase.OBSERVATION: "The patient is under observation",
        Phase.DISCHARGE_READY: "The patient is ready for discharge",
    }.get(phase, f"The session is at {phase.value.lower()}")


NOT_A_DEVICE = (
    "ketamon supports monitoring and training. It is not a certified medical device: "
    "the patient monitor and the infusion pump remain the reference."
)


class MainWindow(QMainWindow):
    """Top-level window; `model_factory` makes a fresh SessionModel for each patient."""

    def __init__(
        self,
        model_factory: Callable[[], SessionModel],
        protocols: list[Protocol],
        library: DrugLibrary,
        source_text: str,
        sources: Sources | None = None,
        first_model: SessionModel | None = None,
    ):
        super().__init__()
        self._factory = model_factory
        self._protocols = protocols
        self._sources = sources
        self.model: SessionModel | None = None
        self.dashboard: Dashboard | None = None
        self.force_close = False
        self.actions = NurseActions(
            lambda: self.model,
            protocols,
            library,
            self,
            previous=self._previous_session if sources and sources.data_dir else None,
            scales=sources.resources.course.scales if sources else ("phq9",),
        )
        self.actions.session_needed.connect(self._on_session_needed)

        self.sim_banner = QLabel(
            "SIMULATION: simulated patient, not real data", objectName="simBanner"
        )
        self.sim_banner.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.replay_banner = QLabel("", objectName="replayBanner")
        self.replay_banner.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.replay_banner.hide()
        self.storage_banner = QLabel("", objectName="storageBanner")
        self.storage_banner.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.storage_banner.setWordWrap(True)
        self.storage_banner.hide()
        self.replay_bar: ReplayBar | None = None
        self.instructor: InstructorPanel | None = None
        self._central = QWidget()
        self._layout = QVBoxLayout(self._central)
        self._layout.setContentsMargins(0, 0, 0, 0)
        self._layout.setSpacing(0)
        self._layout.addWidget(self.storage_banner)
        self._layout.addWidget(self.replay_banner)
        self._layout.addWidget(self.sim_banner)
        self.setCentralWidget(self._central)

        self.clock_label = QLabel("")
        self.source_label = QLabel(source_text)
        self.alarm_label = QLabel("")
        self.statusBar().addWidget(self.clock_label)
        self.statusBar().addWidget(self.source_label)
        self.statusBar().addPermanentWidget(self.alarm_label)
        self._make_menu()
        self.load(first_model or model_factory())

    def show_storage_problem(self, problem: str) -> None:
        """Recordings cannot be saved: say so above everything, before any setup."""
        self.storage_banner.setText(
            f"RECORDING NOT POSSIBLE: {problem}. Monitoring and alarms work, but the "
            "session is not saved until the folder can be written."
        )
        self.storage_banner.show()

    def load(self, model: SessionModel) -> None:
        """Show `model` (a new patient): rebuild the dashboard around it."""
        if self.model is not None:
            self.model.close()
        if self.dashboard is not None:
            self.dashboard.stop()
            self._layout.removeWidget(self.dashboard)
            self.dashboard.hide()  # gone at once: never drawn under the new patient's screen
            self.dashboard.deleteLater()
        if self.replay_bar is not None:
            self._layout.removeWidget(self.replay_bar)
            self.replay_bar.hide()
            self.replay_bar.deleteLater()
            self.replay_bar = None
        self.model = model
        self.dashboard = Dashboard(model)
        self._layout.addWidget(self.dashboard, 1)
        panel = self.dashboard.infusion
        panel.setup_requested.connect(self.actions.request_setup)
        panel.baseline_requested.connect(self.actions.request_baseline)
        panel.start_requested.connect(self.actions.request_start)
        panel.pause_requested.connect(self.actions.request_pause)
        panel.resume_requested.connect(self.actions.request_resume)
        panel.stop_requested.connect(self.actions.request_stop)
        panel.discharge_requested.connect(self.actions.request_discharge)
        panel.bp_requested.connect(self.actions.request_bp)
        notes = self.dashboard.annotations
        notes.annotate_requested.connect(self.actions.request_annotation)
        notes.retract_requested.connect(self.actions.request_retract_note)
        notes.cadss_requested.connect(lambda: self.actions.request_dialog_annotation(CadssDialog()))
        notes.moaas_requested.connect(self.actions.request_moaas)
        self.dashboard.workflow.confirm_pump_requested.connect(self.actions.request_confirm_pump)
        notes.score_requested.connect(self.actions.request_score_dialog)
        notes.note_requested.connect(lambda: self.actions.request_dialog_annotation(NoteDialog()))
        banner = self.dashboard.alarm_banner
        banner.acknowledge_requested.connect(self.actions.request_acknowledge)
        banner.pause_audio_requested.connect(self.actions.request_pause_audio)
        model.snapshot_changed.connect(self._on_snapshot_changed)
        self._open_instructor(model)
        simulated = model.session.simulated
        self.sim_banner.setVisible(simulated)
        replaying = model.read_only
        self.replay_banner.setVisible(replaying)
        for widget in (
            self.dashboard.infusion.controls,
            self.dashboard.annotations,
            self.dashboard.workflow.confirm_button,
            self.dashboard.alarm_banner.ack_button,
        ):
            widget.setVisible(not replaying)
        title = "ketamon — SIMULATION" if simulated else "ketamon"
        if replaying:
            created = time.strftime(
                "%Y-%m-%d %H:%M", time.localtime(model.data.meta.get("created_wall_s", 0))
            )
            self.replay_banner.setText(
                f"REPLAY of {model.data.path.name} (recorded {created}): not live"
            )
            title = f"ketamon — REPLAY {model.data.path.name}"
            from ketamon.ui.replay_model import ReplayBar

            self.replay_bar = ReplayBar(model)
            self._layout.addWidget(self.replay_bar)
            model.seek(model.clock.start_s)
        self.setWindowTitle(title)
        self.source_label.setText(model.source_text() if replaying else self.source_label.text())
        model.refresh()

    def _action(self, menu, text: str, slot, shortcut=None, enabled: bool = True) -> QAction:
        action = QAction(text, self)
        if shortcut is not None:
            action.setShortcut(QKeySequence(shortcut))
        action.triggered.connect(slot)
        action.setEnabled(enabled)
        menu.addAction(action)
        return action

    def _make_menu(self) -> None:
        bar = self.menuBar()
        has_sources = self._sources is not None
        records = has_sources and self._sources.data_dir is not None
        file_menu = bar.addMenu("&File")
        self._action(file_menu, "&New patient…", self._on_new_patient, QKeySequence.StandardKey.New)
        self._action(file_menu, "&Monitor port…", self._on_choose_port, enabled=has_sources)
        self._action(
            file_menu,
            "&Recorded sessions…",
            self._on_browse,
            QKeySequence.StandardKey.Open,
            enabled=records,
        )
        self._action(file_menu, "Back to &live", self._on_back_to_live, enabled=has_sources)
        self._action(file_menu, "Use the &simulator", self._on_use_simulator, enabled=has_sources)
        self._action(file_menu, "&Quit", self.close, "Ctrl+Q")
        alarm_menu = bar.addMenu("&Alarms")
        self._action(alarm_menu, "&Acknowledge", self._on_acknowledge_key, "F2")
        self._action(alarm_menu, "&Pause audio", self._on_pause_audio_key, "F3")
        vitals_menu = bar.addMenu("&Vitals")
        self._action(vitals_menu, "&Enter BP…", self._on_enter_bp_key, "F4")
        training = bar.addMenu("&Training")
        # Only a training scenario has an instructor: elsewhere these are disabled.
        self.training_actions = [
            self._action(training, "&Instructor panel", self._on_instructor_panel),
            self._action(training, "&Debrief…", self._on_debrief),
        ]
        help_menu = bar.addMenu("&Help")
        self._action(help_menu, "&About ketamon", self._on_about)

    def _on_instructor_panel(self) -> None:
        if self.instructor is not None:
            self.instructor.show()
            self.instructor.raise_()

    def _on_debrief(self) -> None:
        if self.instructor is not None:
            self.instructor.open_debrief()

    def _on_new_patient(self) -> None:
        if self.dashboard.infusion.setup_button.isEnabled():
            self.actions.request_setup()

    def _open_instructor(self, model) -> None:
        """A scenario session gets the instructor panel, in a window of its own."""
        if self.instructor is not None:
            self.instructor.close()
            self.instructor = None
        if isinstance(getattr(model.session, "source", None), ScriptedMonitor):
            from ketamon.ui.instructor import InstructorPanel

            self.instructor = InstructorPanel(model)
            self.instructor.resize(700, 700)
            self.instructor.show()
        for action in self.training_actions:
            action.setEnabled(self.instructor is not None)

    def _on_acknowledge_key(self) -> None:
        if self.dashboard.alarm_banner.ack_button.isEnabled():
            self.actions.request_acknowledge()

    def _on_pause_audio_key(self) -> None:
        if self.dashboard.alarm_banner.pause_button.isEnabled():
            self.actions.request_pause_audio()

    def _source_change_allowed(self) -> bool:
        if self.model.read_only:
            return True
        phase = self.model.session.phase()
        if phase in (Phase.SETUP, Phase.BASELINE, Phase.DISCHARGED):
            return True
        self.actions.show_error(f"{phase_text(phase)}: the data source cannot change now.")
        return False

    def _on_choose_port(self) -> None:
        if not self._source_change_allowed():
            return
        from PySide6.QtCore import QSettings

        from ketamon.ui.port_dialog import PortDialog

        dialog = PortDialog(QSettings("ketamon", "ketamon"), self)
        dialog.accepted.connect(lambda: self._switch_source(dialog.devices))
        self.actions.open_dialog(dialog)

    def _on_use_simulator(self) -> None:
        if self._source_change_allowed():
            self._switch_source(None)

    def _on_browse(self) -> None:
        if not self._source_change_allowed():
            return
        from ketamon.ui.browser import SessionBrowser

        names = {p.id: p.name for p in self._protocols}
        dialog = SessionBrowser(self._sources.data_dir, self, names)
        dialog.accepted.connect(lambda: self._on_recording_chosen(dialog.chosen, dialog.action))
        self.actions.open_dialog(dialog)

    def _on_recording_chosen(self, path: Path, action: str) -> None:
        from PySide6.QtWidgets import QFileDialog

        from ketamon.io.export import export_csv
        from ketamon.io.rebuild import RebuildError
        from ketamon.io.recording import Recording, RecordingError
        from ketamon.io.replay import ReplayData
        from ketamon.io.summary import review_recording
        from ketamon.ui.replay_model import ReplayModel
        from ketamon.ui.report import write_report

        resources = self._sources.resources
        try:
            if action == "open":
                self.load(ReplayModel(ReplayData(Recording(path), resources)))
            elif action == "course":
                self._open_course(path)
            elif action == "csv":
                folder = QFileDialog.getExistingDirectory(self, "Export CSV to")
                if folder:
                    written = export_csv(Recording(path), Path(folder))
                    self.statusBar().showMessage(f"Wrote {written[0].name}, {written[1].name}")
            elif action == "pdf":
                target, _ = QFileDialog.getSaveFileName(
                    self, "PDF report", str(path.with_suffix(".pdf").name), "PDF (*.pdf)"
                )
                if target:
                    summary = review_recording(path, resources)
                    write_report(Path(target), summary, Recording(path))
                    self.statusBar().showMessage(f"Wrote {target}")
        except (RecordingError, RebuildError, OSError) as exc:
            self.actions.show_error(str(exc))

    def _previous_session(self, patient_id: str) -> SessionFacts | None:
        from ketamon.io.course_store import last_session

        return last_session(self._sources.data_dir, patient_id, self._sources.resources)

    def _open_course(self, path: Path) -> None:
        """The Course view of the patient whose session `path` is."""
        from ketamon.io.course_store import load_course, recording_patient_id
        from ketamon.io.recording import Recording
        from ketamon.ui.course_view import CourseView

        patient_id = recording_patient_id(Recording(path))
        if not patient_id:
            self.actions.show_error("This session has no patient ID: it belongs to no course.")
            return
        resources, data_dir = self._sources.resources, self._sources.data_dir

        def load() -> Course:
            return load_course(patient_id, data_dir, resources)[0]

        self.actions.open_dialog(CourseView(load, data_dir, resources.course.scales, self))

    def _on_back_to_live(self) -> None:
        if self.model.read_only:
            self.load(self._sources.new_model())
            self.model.clock.start()

    def _switch_source(self, devices: list[PortSettings] | None) -> None:
        """New sessions read these monitors, in priority order (None: the simulator)."""
        self._sources.use_devices(devices or [])
        self.load(self._sources.new_model())
        self.model.clock.start()

    def _on_session_needed(self) -> None:
        model = self._factory()
        self.load(model)
        model.clock.start()

    def _on_snapshot_changed(self, snap: Snapshot) -> None:
        speed = self.model.clock.speed
        speed_text = f"  ×{speed:g}" if speed != 1 else ""
        now = time_of_day(self.model.wall_time_s(snap.t_s))
        self.clock_label.setText(f"{now}   Session time {mmss(snap.t_s)}{speed_text}")
        # Notes belong to a patient's record: none before the setup is confirmed.
        self.dashboard.annotations.setEnabled(snap.phase is not Phase.SETUP)
        if self.model.device is not None:
            self.source_label.setText(self.model.source_text())

    def _on_enter_bp_key(self) -> None:
        if self.model is not None and self.model.session.phase() is not Phase.DISCHARGED:
            self.actions.request_bp()

    def _on_about(self) -> None:
        box = QMessageBox(
            QMessageBox.Icon.Information,
            "About ketamon",
            f"ketamon {ketamon.__version__}\n\n{NOT_A_DEVICE}",
            parent=self,
        )
        box.setObjectName("aboutBox")
        box.open()

    def closeEvent(self, event) -> None:  # noqa: N802 (Qt API)
        replaying = self.model is not None and self.model.read_only
        phase = self.model.session.phase() if self.model and not replaying else Phase.SETUP
        active = phase in (Phase.INFUSING, Phase.PAUSED, Phase.OBSERVATION)
        if active and not self.force_close:
            box = QMessageBox(
                QMessageBox.Icon.Warning,
                "Quit ketamon?",
                f"{phase_text(phase)}: quitting stops the monitoring and alarms on this "
                "screen. Quit anyway?",
                QMessageBox.StandardButton.Yes | QMessageBox.StandardButton.No,
                self,
            )
            box.setObjectName("quitBox")
            # Enter answers No: quitting mid-infusion takes a deliberate choice.
            box.setDefaultButton(QMessageBox.StandardButton.No)
            box.setEscapeButton(QMessageBox.StandardButton.No)
            if box.exec() != QMessageBox.StandardButton.Yes:
                event.ignore()
                return
        if self.model is not None:
            self.model.close()
        if self.dashboard is not None:
            self.dashboard.stop()
        if self.instructor is not None:
            self.instructor.close()
        super().closeEvent(event)
