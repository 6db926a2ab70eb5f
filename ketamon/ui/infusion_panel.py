"""The infusion panel: phase, time left, progress, rate, dose, next NIBP and the controls."""

from __future__ import annotations

from PySide6.QtCore import QEvent, Qt, Signal
from PySide6.QtWidgets import (
    QFrame,
    QGridLayout,
    QHBoxLayout,
    QLabel,
    QProgressBar,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from ketamon.core.infusion import Phase
from ketamon.core.session import Snapshot
from ketamon.format import mmss, time_of_day
from ketamon.ui.fit_label import FitLabel
from ketamon.ui.session_model import SessionModel


class InfusionPanel(QFrame):
    """Shows the infusion status from `model`; buttons only emit requests (no clinical logic)."""

    setup_requested = Signal()
    baseline_requested = Signal()
    start_requested = Signal()
    pause_requested = Signal()
    resume_requested = Signal()
    stop_requested = Signal()
    discharge_requested = Signal()
    bp_requested = Signal()

    def __init__(self, model: SessionModel, parent: QWidget | None = None):
        super().__init__(parent)
        self.setObjectName("panel")
        # Phase and time left are the largest after the vitals; rate, dose and next
        # NIBP next (read at 2 m). Their fonts fill the space the window gives.
        self.phase = FitLabel("SETUP", "OBSERVATION", fill=0.6, max_px=64, digits=False)
        self.phase.setObjectName("phase")
        self.phase.setProperty("phase", Phase.SETUP.value)
        self.phase.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.phase.setMinimumHeight(40)
        self.remaining_caption = QLabel("Remaining", objectName="caption")
        self.remaining = FitLabel("--:--", "88:88", family="DejaVu Sans Mono", max_px=150)
        self.remaining.setObjectName("remaining")
        self.remaining.setMinimumHeight(56)
        self.progress = QProgressBar()
        self.progress.setRange(0, 1000)
        self.progress.setTextVisible(False)
        self.elapsed = QLabel("", objectName="caption")
        self.total_remaining = QLabel("", objectName="caption")
        self.rate = FitLabel("--", "188.8 mL/h", max_px=48, digits=False)
        self.rate_mg = QLabel("", objectName="caption")  # the same rate in mg/h
        self.dose = FitLabel("--", "88.8 / 88.8 mg", max_px=48, digits=False)  # given / planned
        self.nibp_due = FitLabel("--", "in 88:88", max_px=48, digits=False)
        for label in (self.rate, self.dose, self.nibp_due):
            label.setObjectName("big")
            label.setMinimumHeight(30)
        self.baseline = QLabel("", objectName="baselineInfo")
        self.baseline.setWordWrap(True)
        self.patient = QLabel("No patient set up", objectName="caption")
        self.patient.setWordWrap(True)

        self.setup_button = self._button("&New patient…", "setupButton", self.setup_requested)
        self.baseline_button = self._button(
            "Enter &baseline…", "baselineButton", self.baseline_requested
        )
        self.start_button = self._button("&Start", "startButton", self.start_requested)
        self.pause_button = self._button("&Pause", "pauseButton", self.pause_requested)
        self.resume_button = self._button("&Resume", "resumeButton", self.resume_requested)
        self.stop_button = self._button("St&op", "stopButton", self.stop_requested)
        self.discharge_button = self._button(
            "&Discharge…", "dischargeButton", self.discharge_requested
        )
        self.bp_button = self._button("&Enter BP… (F4)", "bpButton", self.bp_requested)

        facts = QGridLayout()
        facts.setVerticalSpacing(2)
        self.nibp_caption = QLabel("Next BP", objectName="caption")
        facts.addWidget(QLabel("Rate", objectName="caption"), 0, 0)
        facts.addWidget(self.rate, 0, 1)
        facts.addWidget(self.rate_mg, 0, 2)
        facts.addWidget(QLabel("Given", objectName="caption"), 1, 0)
        facts.addWidget(self.dose, 1, 1, 1, 2)
        facts.addWidget(self.nibp_caption, 2, 0)
        facts.addWidget(self.nibp_due, 2, 1, 1, 2)
        for row in range(3):
            facts.setRowStretch(row, 1)
        facts.setColumnStretch(1, 1)

        times = QHBoxLayout()
        times.addWidget(self.elapsed)
        times.addStretch(1)
        times.addWidget(self.total_remaining)

        # The controls form one row along the bottom of the window (the Dashboard
        # places it), like a monitor's soft keys: same place, whatever the phase.
        self.controls = QWidget(objectName="controls")
        controls = QHBoxLayout(self.controls)
        controls.setContentsMargins(6, 0, 6, 6)
        for button in (
            self.start_button,
            self.pause_button,
            self.resume_button,
            self.stop_button,
        ):
            controls.addWidget(button, 2)
        controls.addSpacing(24)
        for button in (
            self.bp_button,
            self.setup_button,
            self.baseline_button,
            self.discharge_button,
        ):
            controls.addWidget(button, 2)

        layout = QVBoxLayout(self)
        # Tight: on a 720-px screen every pixel here is a row of the alarm list below.
        layout.setContentsMargins(10, 6, 10, 6)
        layout.setSpacing(4)
        layout.addWidget(self.phase, 3)
        layout.addWidget(self.remaining_caption)
        layout.addWidget(self.remaining, 4)
        layout.addWidget(self.progress)
        layout.addLayout(times)
        layout.addLayout(facts, 8)
        layout.addWidget(self.baseline)
        layout.addWidget(self.patient)
        model.snapshot_changed.connect(self._on_snapshot_changed)
        self._model = model
        self._shown_phase: Phase | None = None
        self._on_snapshot_changed(model.snapshot())

    def changeEvent(self, event) -> None:  # noqa: N802 (Qt API)
        super().changeEvent(event)
        if event.type() in (QEvent.Type.StyleChange, QEvent.Type.FontChange):
            self._reserve_lines()

    def showEvent(self, event) -> None:  # noqa: N802 (Qt API)
        super().showEvent(event)
        self._reserve_lines()

    def _reserve_lines(self) -> None:
        """The wrapped lines keep two lines' room whatever they say, so nothing above
        moves when a text grows by a few words (READY FOR DISCHARGE)."""
        for label in (self.patient, self.baseline):
            label.setMinimumHeight(2 * label.fontMetrics().lineSpacing() + 2)
        self.patient.setMaximumHeight(self.patient.minimumHeight())

    def _button(self, text: str, name: str, signal) -> QPushButton:
        button = QPushButton(text, objectName=name)
        button.clicked.connect(signal.emit)
        return button

    def _on_snapshot_changed(self, snap: Snapshot) -> None:
        status = snap.status
        phase = snap.phase
        self.phase.setText((status.phase_label if status else phase.value).upper())
        if self.phase.property("phase") != phase.value:
            self.phase.setProperty("phase", phase.value)
            self.phase.style().unpolish(self.phase)
            self.phase.style().polish(self.phase)
        self._show_times(snap)
        self._show_facts(snap)
        self._show_buttons(phase, snap)

    def _show_times(self, snap: Snapshot) -> None:
        status = snap.status
        if status is None:
            self.remaining_caption.setText("Set up a patient to begin")
            self.remaining.setText("--:--")
            self._set_progress(0)
            self.elapsed.setText("")
            self.total_remaining.setText("")
            return
        if status.phase is Phase.BASELINE:
            self.remaining_caption.setText("Baseline, elapsed")
            self.remaining.setText(mmss(status.phase_elapsed_s))
            self._set_progress(0)
            self.elapsed.setText("Infusion not started")
        else:
            caption = {
                Phase.INFUSING: f"{status.segment_name} remaining",
                Phase.PAUSED: f"{status.segment_name} remaining (paused)",
                Phase.OBSERVATION: "Observation remaining",
                Phase.DISCHARGE_READY: "Observation complete",
                Phase.DISCHARGED: "Session ended",
            }[status.phase]
            ends = ""
            if status.phase in (Phase.INFUSING, Phase.OBSERVATION) and status.phase_remaining_s:
                ends = f", ends {self._clock(snap.t_s + status.phase_remaining_s)}"
            self.remaining_caption.setText(caption + ends)
            self.remaining.setText(mmss(status.phase_remaining_s))
            span = status.phase_elapsed_s + (status.phase_remaining_s or 0.0)
            fraction = 1.0 if span <= 0 else status.phase_elapsed_s / span
            self._set_progress(round(1000 * fraction))
            started = self._clock(snap.t_s - status.total_elapsed_s)
            self.elapsed.setText(f"Started {started}, {mmss(status.total_elapsed_s)} ago")
        self.total_remaining.setText(f"Session left {mmss(status.total_remaining_s)}")

    def _set_progress(self, value: int) -> None:
        """QProgressBar.setValue repaints at once on a big change (a replay's seek): the
        bar is drawn with the next frame instead, like every other widget."""
        self.progress.setUpdatesEnabled(False)
        self.progress.setValue(value)
        self.progress.setUpdatesEnabled(True)  # schedules its update

    def _show_facts(self, snap: Snapshot) -> None:
        status = snap.status
        plan = self._model.session.plan
        if status is None or plan is None:
            for label in (self.rate, self.dose, self.nibp_due):
                label.setText("--")
            self.patient.setText("No patient set up")
            self.baseline.setText("")
            return
        self.rate.setText(f"{status.rate_ml_per_h:.1f} mL/h")
        self.rate_mg.setText(f"{status.rate_mg_per_h:.1f} mg/h")
        self.dose.setText(f"{status.delivered_mg:.1f} / {status.planned_mg:.1f} mg")
        self._show_nibp_due(snap)
        patient = plan.patient
        who = patient.patient_id or "(no ID)"
        self.patient.setText(
            f"{who}, {patient.weight_kg:g} kg, {plan.concentration_mg_per_ml:g} mg/mL. "
            f"{plan.protocol.name}. {self._volume_text(status)}"
        )
        self.baseline.setText(self._baseline_text(snap))

    def _clock(self, t_s: float) -> str:
        """Time of day of session time `t_s` ('--:--' before the clock runs)."""
        return time_of_day(self._model.wall_time_s(t_s))

    def _show_nibp_due(self, snap: Snapshot) -> None:
        if snap.nibp_prompt is not None:  # no device measures the cuff: ask the nurse
            self.nibp_due.setText(snap.nibp_prompt)
            return
        if snap.nibp_due_s is None:
            self.nibp_due.setText("--")
            return
        late_s = snap.t_s - snap.nibp_due_s
        if late_s >= 60:
            self.nibp_due.setText(f"{int(late_s // 60)} min late")
        elif late_s >= 0:
            self.nibp_due.setText("now")
        else:
            self.nibp_due.setText(f"in {mmss(-late_s)}")
        self.nibp_due.setToolTip(f"due at {self._clock(snap.nibp_due_s)}")

    @staticmethod
    def _volume_text(status) -> str:
        """Volume infused and what is left in the bag (CLINICAL.md §8)."""
        text = f"Infused {status.volume_infused_ml:.1f} mL"
        if status.bag_remaining_ml is not None:
            text += f", bag {status.bag_remaining_ml:.1f} mL left"
        if status.bag_empty_in_s is not None:
            text += f", bag empty in {mmss(status.bag_empty_in_s)} of running"
        return text

    def _baseline_text(self, snap: Snapshot) -> str:
        b = snap.baseline
        if b is None:
            needed = self._model.session.plan.protocol.nibp.baseline_readings
            have = len(self._model.session.nibp_readings)
            return (
                f"Baseline: waiting for {needed} NIBP readings 5 min apart "
                f"({min(have, needed)} of {needed}), or enter it."
            )
        text = f"Baseline {b.sbp_mmhg:.0f}/{b.dbp_mmhg:.0f} mmHg"
        if b.hr_bpm is not None:
            text += f", HR {b.hr_bpm:.0f}"
        if b.spo2_pct is not None:
            text += f", SpO2 {b.spo2_pct:.0f}%"
        text += f" ({b.source})"
        if snap.readings_after_baseline:
            since = ", ".join(
                f"{r.sbp_mmhg:.0f}/{r.dbp_mmhg:.0f}" for r in snap.readings_after_baseline[-3:]
            )
            text += f"\nCuff since entry: {since}"
        if b.needs_review and snap.phase is Phase.BASELINE:  # a question before starting only
            text += "\n⚠ " + b.review_message()
        return text

    def _show_buttons(self, phase: Phase, snap: Snapshot) -> None:
        self._set_buttons(phase, snap)
        if phase is not self._shown_phase:
            self._shown_phase = phase
            self._focus_main_control(phase)

    def _focus_main_control(self, phase: Phase) -> None:
        """On each phase change the focus goes to that phase's main control (Pause while
        infusing), which only opens a confirmation: a stray Space or Enter after Start
        never pauses the audio or does anything irreversible."""
        main = {
            Phase.SETUP: self.setup_button,
            Phase.BASELINE: self.start_button
            if self.start_button.isEnabled()
            else self.baseline_button,
            Phase.INFUSING: self.pause_button,
            Phase.PAUSED: self.resume_button,
            Phase.OBSERVATION: None,
            Phase.DISCHARGE_READY: self.discharge_button,
            Phase.DISCHARGED: self.setup_button,
        }.get(phase)
        if main is None or not main.isEnabled():
            main = self.setup_button  # observation: nothing to press; nothing irreversible
        main.setFocus(Qt.FocusReason.OtherFocusReason)

    def _set_buttons(self, phase: Phase, snap: Snapshot) -> None:
        self.setup_button.setEnabled(phase in (Phase.SETUP, Phase.BASELINE, Phase.DISCHARGED))
        self.baseline_button.setEnabled(phase is Phase.BASELINE)
        self.start_button.setEnabled(phase is Phase.BASELINE and snap.baseline is not None)
        self.pause_button.setEnabled(phase is Phase.INFUSING)
        self.resume_button.setEnabled(phase is Phase.PAUSED)
        self.stop_button.setEnabled(phase in (Phase.INFUSING, Phase.PAUSED))
        # During observation too: the dialog shows what is unmet; early only with a reason.
        self.discharge_button.setEnabled(phase in (Phase.OBSERVATION, Phase.DISCHARGE_READY))
        self.bp_button.setEnabled(phase is not Phase.DISCHARGED)
