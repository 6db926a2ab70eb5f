"""One treatment session: feeds samples to the infusion, baseline (and alarm) logic.

Data flows one way: a source produces timestamped samples, the session judges
them and publishes samples and events; the UI, the recorder and the headless
runner subscribe. The session never reads a clock: the caller says what time it is.

Session holds the state and the clock (advance_to: every step judged, quiet
stretches skipped); its halves: session_commands.py (the nurse's commands, each
recorded before its effects) and session_reports.py (equipment reports, downtime,
completed cuff readings); its collaborators: nibp_log.py (cuff readings),
session_views.py (snapshot, discharge criteria), session_workflow.py (pump hand-offs,
reminders), device_silence.py (per-device 'no data'), session_records.py (setup
records).
"""

from __future__ import annotations

import math
from collections.abc import Callable

from ketamon.core.alarm_profile import AlarmProfile
from ketamon.core.alarms import AlarmEngine, AlarmEvent
from ketamon.core.artefact import ArtefactRules, split_artefacts
from ketamon.core.baseline import Baseline
from ketamon.core.concentration import PredictedConcentration, concentration_curve
from ketamon.core.device_silence import DeviceSilence
from ketamon.core.dosing import DosePlan
from ketamon.core.events import encode_alarm, encode_command
from ketamon.core.infusion import Infusion, InfusionEvent, Phase
from ketamon.core.limits import DrugLibrary, LimitFinding
from ketamon.core.nibp import next_due_s
from ketamon.core.nibp_log import NibpLog
from ketamon.core.publisher import Publisher
from ketamon.core.scores import CourseSettings
from ketamon.core.session_commands import NOTE_RETRACTED as NOTE_RETRACTED  # re-exported
from ketamon.core.session_commands import SESSION_ENDED as SESSION_ENDED  # re-exported
from ketamon.core.session_commands import LimitsNotCleared as LimitsNotCleared  # re-exported
from ketamon.core.session_commands import NurseCommands
from ketamon.core.session_reports import SESSION_RESUMED as SESSION_RESUMED  # re-exported
from ketamon.core.session_reports import SourceReports
from ketamon.core.session_types import CuffControl, PolledSource, SessionEvent, Snapshot
from ketamon.core.session_views import build_snapshot
from ketamon.core.session_workflow import (
    handoffs_for,
    reminder_conditions,
    reminders_quiet_until_s,
)
from ketamon.core.vitals import NibpReading, Sample, Vital
from ketamon.core.workflow import PumpHandoff

MAX_STEP_S = 1.0  # the session judges time in steps no longer than one sample period
REPEAT_BP_CUFF_S = 60.0  # a repeat cuff reading asked for now completes about a minute later
# CLINICAL.md §4: physiological alarms are armed from infusion start until discharge.
ARMED_PHASES = (Phase.INFUSING, Phase.PAUSED, Phase.OBSERVATION, Phase.DISCHARGE_READY)


VITALS_SOURCE = "vitals.source"  # a named source takes over vitals (recorded input)


class Session(NurseCommands, SourceReports):
    """The one object every source feeds and every view reads. Times in session seconds."""

    def __init__(
        self,
        library: DrugLibrary,
        simulated: bool,
        alarm_profile: AlarmProfile | None = None,
        timed_technical_alarms: bool = True,
        artefact_rules: ArtefactRules | None = None,
        course: CourseSettings | None = None,
    ):
        """`timed_technical_alarms` False: no 'no data' / 'NIBP overdue' (reviewing data
        sampled once a minute, where silence between samples means nothing); time still
        ticks, so alarms escalate as live. `judge_silence` can be switched off for a
        while (a resumed session catching up on the time the app was not running)."""
        self.library = library
        self.simulated = simulated
        self.alarms = AlarmEngine(alarm_profile) if alarm_profile is not None else None
        if self.alarms is not None:
            # Equipment alarms from the moment a source is connected (a device or the
            # simulator), before the infusion arms the physiological ones.
            self.alarms.watch_equipment = True
        self.judge_silence = timed_technical_alarms
        self._technical_state: dict[str, bool] = {}
        # Several devices: when each last delivered a frame (or connected), session s, and
        # its conditions (no_data@<device>, source_lost@<device>). Silent for the profile's
        # no_data_s while connected: its own 'no data' alarm (device_heard).
        self.device_silence = DeviceSilence()
        self.plan: DosePlan | None = None
        self.infusion: Infusion | None = None
        self._source: PolledSource | None = None
        self._cuff: CuffControl | None = None
        self.baseline: Baseline | None = None
        self.acknowledged: list[LimitFinding] = []
        self.events: list[SessionEvent] = []
        self.latest: dict[Vital, Sample] = {}
        self.on_samples: Publisher[list[Sample]] = Publisher()
        self.on_event: Publisher[SessionEvent] = Publisher()
        self._t = 0.0
        self.nibp = NibpLog()  # the cuff readings so far
        self._baseline_hr: list[float] = []
        self._baseline_spo2: list[float] = []
        self._requested_nibp_s: float | None = None
        self._nibp_due_key: tuple | None = None  # nibp_due_s's last question and answer
        self._nibp_due: float | None = None
        self.artefact_rules = artefact_rules or ArtefactRules()
        self.rejected_readings = 0  # artefacts (core/artefact.py): never vitals, peaks, baselines
        # False: a display rebuilt from the commands alone, with no samples to judge the
        # discharge criteria on (io/replay.py), takes the recorded discharges as they were.
        self.judge_discharge = True
        self.baseline_entered_s: float | None = None  # a typed baseline, when
        self.handoffs: list[PumpHandoff] = []  # CLINICAL.md §8, in session order
        self.moaas: list[tuple[float, int]] = []  # (t_s, MOAA/S score), CLINICAL.md §10
        # Where each shown vital came from ("GE S/5 on ttyUSB1", "manual", "simulator").
        self.sources: dict[Vital, str] = {}
        # What a sample ingested without a source is from (a rebuild names the recorded device).
        self.default_source = "simulator" if simulated else "device"
        # A source measures the cuff by itself (the simulator, a monitor with NIBP); when
        # none does, a due reading is the nurse's to take and enter (enter_bp).
        self.nibp_supplied = simulated
        self.course = course or CourseSettings()
        # The model's Cp from what the pump delivered (core/concentration.py); from setup on.
        self.concentration: PredictedConcentration | None = None

    @property
    def source(self) -> PolledSource | None:
        """What the session polls each step (a simulator), or None (devices push samples in,
        rebuilds feed recorded ones)."""
        return self._source

    @source.setter
    def source(self, source: PolledSource | None) -> None:
        self._source = source
        # Asked once here rather than every step: can the session start this source's cuff?
        self._cuff = source if isinstance(source, CuffControl) else None

    @property
    def t_s(self) -> float:
        return self._t

    # ---- the app's own records (commands: session_commands.py; reports: session_reports.py)

    def log(self, t_s: float, kind: str, message: str, data: dict | None = None) -> None:
        """An application event worth keeping in the record (e.g. session.resumed)."""
        self._event(SessionEvent(t_s, kind, message, dict(data or {})))

    def arm_alarms(self, t_s: float) -> None:
        """Arm alarms with no infusion: reviewing monitoring data someone brings."""
        if self.alarms is not None:
            self._alarm_events(self.alarms.set_armed(t_s, True))

    # ---- time and data ------------------------------------------------------------------

    def advance_to(self, t_s: float, arrive: Callable[[], None] | None = None) -> None:
        """Move the session clock to `t_s`, in steps of at most one second.

        `arrive`: what a source delivers at `t_s` (a rebuild's recorded samples and
        equipment reports), judged where a polled source's would be: before the tick.
        """
        if t_s < self._t - 1e-9:
            raise ValueError(f"time went backwards: {t_s} < {self._t}")
        while self._t < t_s:
            if self._source is None and self._skip_quiet_steps(t_s):
                continue
            step_t = min(t_s, self._t + MAX_STEP_S)
            if self.infusion is not None:
                transitions = self.infusion.advance_to(step_t)
                if transitions:
                    self._forward(transitions)
                if self.concentration is not None:
                    self.concentration.advance_to(self.infusion, step_t)
            self._request_nibp_if_due(step_t)
            self._t = step_t
            if self._source is not None:
                samples = self._source.poll(step_t)
                if samples:
                    self.ingest(samples)
                self._poll_technical(step_t)
            if arrive is not None and step_t >= t_s:
                arrive()
                arrive = None
            if self.device_silence.watching and self.judge_silence:
                self._judge_device_silence(step_t)
            if self.alarms is not None and self.infusion is not None:
                self._judge_workflow(step_t)
            if self.alarms is not None:
                events = self.alarms.tick(step_t, self.nibp_due_s(), self.judge_silence)
                if events:
                    self._alarm_events(events)
        if arrive is not None:
            arrive()

    def _skip_quiet_steps(self, t_s: float) -> bool:
        """With no source, pass at once over the steps before `t_s` where nothing can happen.

        A rebuild driven by commands alone (replay) or a resumed session's downtime would
        otherwise tick every second for hours. Nothing can happen while no input arrives,
        the alarm engine is quiet (AlarmEngine.is_quiet) and the infusion's next transition
        lies ahead. The clock lands on the same times stepping gives (floating-point sums
        of MAX_STEP_S), so what follows is exactly what stepping would do. True if skipped.
        """
        engine = self.alarms
        if engine is not None and not engine.is_quiet(self.judge_silence):
            return False
        if self.device_silence.watching and self.judge_silence:
            return False  # a device's silence (no_data@<device>) is judged every step
        until_s = self.infusion.quiet_until_s() if self.infusion is not None else math.inf
        if engine is not None and self.infusion is not None:
            # The workflow reminders (_judge_workflow) tick too: an unconfirmed pump
            # change turns late, a pause counts its minutes. Neither starts without a
            # command or transition.
            paused_since_s = self.infusion.paused_since_s(self._t)
            tech = engine.profile.technical
            reminders_s = reminders_quiet_until_s(
                self._t, self.pending_handoff(), paused_since_s, tech
            )
            until_s = min(until_s, reminders_s)
        t = self._t
        while True:
            after = min(t_s, t + MAX_STEP_S)
            if after >= t_s or after >= until_s:
                break
            t = after
        if t <= self._t:
            return False
        # What the last skipped step would have done: move every clock (no events).
        if self.infusion is not None:
            self._forward(self.infusion.advance_to(t))
            if self.concentration is not None:
                # Piecewise exact in the pump's rates (core/concentration.py): one step
                # over the quiet stretch gives the per-second value up to rounding.
                self.concentration.advance_to(self.infusion, t)
        self._t = t
        if engine is not None and self.infusion is not None:
            self._judge_workflow(t)  # as it stands: changes nothing
        if engine is not None:
            self._alarm_events(engine.tick(t, self.nibp_due_s(), self.judge_silence))
        return True

    def ingest(self, samples: list[Sample], source: str | None = None) -> None:
        """Take a batch of samples from any source (polled or pushed by a device thread).

        A cuff reading (SBP, DBP and optionally MAP at one time) arrives within one batch.
        `source`: what the tiles name as its origin (None: "simulator" or the device).
        """
        samples, rejections = split_artefacts(self.artefact_rules, samples)
        for r in rejections:
            self.rejected_readings += 1
            if "sbp" in r.values:  # the cuff did measure: the next one is due an interval on
                self.nibp.note_rejected(r.t_s)
            self._event(SessionEvent(r.t_s, "artefact.rejected", r.reason, {"values": r.values}))
        if not samples:
            return
        in_baseline = self.phase() is Phase.BASELINE  # the clock does not move in a batch
        label = source or self.default_source
        latest, sources = self.latest, self.sources
        if source is not None:
            self._note_source(samples, source)
        for sample in samples:
            shown = latest.get(sample.vital)
            # A reading entered late (measured minutes ago) does not hide a newer one.
            if shown is None or sample.t_s >= shown.t_s:
                latest[sample.vital] = sample
                sources[sample.vital] = label
            if sample.vital.is_nibp:
                self.nibp.add_part(sample)
            elif in_baseline:
                if sample.vital is Vital.HR:
                    self._baseline_hr.append(sample.value)
                elif sample.vital is Vital.SPO2:
                    self._baseline_spo2.append(sample.value)
        if self.nibp.waiting:
            self._complete_nibp_readings()
        if self.alarms is not None:
            self._alarm_events(self.alarms.on_samples(samples, self.baseline))
        self.on_samples.emit(samples)

    def _note_source(self, samples: list[Sample], source: str) -> None:
        """A named source (a device) takes over vitals: recorded, before its samples, so a
        rebuild names each vital's samples by the device that sent them."""
        latest, sources = self.latest, self.sources
        taken = []
        for sample in samples:
            shown = latest.get(sample.vital)
            if (shown is None or sample.t_s >= shown.t_s) and sources.get(sample.vital) != source:
                if sample.vital.value not in taken:
                    taken.append(sample.vital.value)
        if taken:
            data = {"source": source, "vitals": taken}
            self._event(SessionEvent(samples[0].t_s, VITALS_SOURCE, source, data))

    def phase(self, t_s: float | None = None) -> Phase:
        if self.infusion is None:
            return Phase.SETUP
        return self.infusion.phase(self._t if t_s is None else t_s)

    def nibp_due_s(self, t_s: float | None = None) -> float | None:
        """When the next cuff reading is due, judged by the phase at `t_s` (default: now)."""
        if self.infusion is None or self.plan is None:
            return None
        t_s = self._t if t_s is None else t_s
        # Asked twice a step (the cuff request, the overdue check): the answer is a
        # function of the phase at t_s (and when it began: fixed by the infusion's
        # commands), the readings, a rejected one and the program.
        phase = self.phase(t_s)
        key = (
            phase,
            len(self.nibp.readings),
            self.nibp.last_rejected_s,
            self.infusion,
            self.infusion.version,
            self.plan,
        )
        if key == self._nibp_due_key:
            return self._nibp_due
        due = next_due_s(
            self.plan.protocol.nibp,
            phase,
            self.infusion.phase_start_s(t_s),
            self.nibp.last_measured_s(),
        )
        self._nibp_due_key, self._nibp_due = key, due
        return due

    def snapshot(self) -> Snapshot:
        """What the dashboard shows now (core/session_views.py)."""
        return build_snapshot(self)

    def predicted_cp_curve(
        self, until_s: float, step_s: float = 10.0
    ) -> tuple[list[float], list[float]]:
        """The model's Cp (ng/mL) from setup to `until_s` every `step_s` (empty before setup),
        from the rates delivered (CLINICAL.md §6): the same numbers live, replayed and reported."""
        cp, infusion = self.concentration, self.infusion
        if cp is None or infusion is None or self.plan is None:
            return [], []
        weight_kg = self.plan.patient.weight_kg
        setup_s = infusion.events[0].t_s
        return concentration_curve(infusion, cp.model, weight_kg, setup_s, until_s, step_s)

    def predicted_cp_at(self, t_s: float) -> float | None:
        """The model's Cp (ng/mL) at any time since setup (a replay's position)."""
        times, values = self.predicted_cp_curve(t_s, step_s=max(t_s, 1.0))
        return values[-1] if values else None

    @property
    def nibp_readings(self) -> list[NibpReading]:
        return list(self.nibp.readings)

    # ---- internals ------------------------------------------------------------------

    def _judge_workflow(self, t_s: float) -> None:
        """Time-driven nurse reminders: an unconfirmed pump change, a long pause (§8)."""
        conditions = reminder_conditions(
            t_s,
            self.pending_handoff(),
            self.infusion.paused_since_s(t_s),
            self.alarms.profile.technical,
        )
        for condition, present, detail in conditions:
            self._alarm_events(self.alarms.set_condition(t_s, condition, present, detail))

    def _request_repeat_bp(self, e: AlarmEvent) -> None:
        """A BP alarm asks for a repeat reading: the cuff, when the source can be asked (§4)."""
        if e.action != "start" or not {"sbp", "dbp"} & set(e.vitals):
            return
        cuff = self._cuff
        self._event(
            SessionEvent(
                e.t_s,
                "nibp.repeat_requested",
                "repeat BP now",
                # Whether the cuff could be asked is the live source's business: a rebuild
                # has no source, and must log the same event.
                {"alarm_id": e.alarm_id},
            )
        )
        if cuff is not None:
            cuff.request_nibp(e.t_s + REPEAT_BP_CUFF_S)

    def _request_nibp_if_due(self, step_t: float) -> None:
        cuff = self._cuff
        if cuff is None:
            return
        due = self.nibp_due_s(step_t)
        if due is None or due > step_t:
            return
        if self._requested_nibp_s is not None and math.isclose(self._requested_nibp_s, due):
            return
        self._requested_nibp_s = due
        cuff.request_nibp(max(due, self._t))

    def _forward(self, events: list[InfusionEvent]) -> None:
        for e in events:
            self._event(SessionEvent(e.t_s, f"infusion.{e.kind.value}", e.detail, dict(e.data)))
        if self.plan is not None:  # each segment change and the end is a pump change (§8)
            for handoff in handoffs_for(events, self.plan, len(self.handoffs)):
                self.handoffs.append(handoff)
                self._event(
                    SessionEvent(handoff.t_s, "pump.handoff", handoff.instruction, handoff.data())
                )
        if events and self.alarms is not None and self.infusion is not None:
            t_s = events[-1].t_s
            armed = self.infusion.phase(t_s) in ARMED_PHASES
            self._alarm_events(self.alarms.set_armed(t_s, armed))

    def _alarm_events(self, events: list[AlarmEvent]) -> None:
        for e in events:
            self._event(encode_alarm(e))
            self._request_repeat_bp(e)

    def _command(self, t_s: float, name: str, args: dict) -> None:
        """Record a nurse or instructor command before anything it causes (rebuild reads these)."""
        self._event(encode_command(t_s, name, args))

    def _event(self, event: SessionEvent) -> None:
        self.events.append(event)
        self.on_event.emit(event)
