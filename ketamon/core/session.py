"""One treatment session: feeds samples to the infusion, baseline (and alarm) logic.

Data flows one way: a source produces timestamped samples, the session judges
them and publishes samples and events; the UI, the recorder and the headless
runner subscribe. The session never reads a clock: the caller says what time it is.

Session holds the nurse's commands (each recorded before its effects) and the
clock; its collaborators: nibp_log.py (cuff readings), session_views.py (snapshot,
discharge criteria), session_workflow.py (pump hand-offs, reminders),
device_silence.py (per-device 'no data'), session_records.py (setup records).
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import replace

from ketamon.core.alarm_profile import AlarmProfile, Priority
from ketamon.core.alarm_technical import DEVICE_SEPARATOR
from ketamon.core.alarms import AlarmEngine, AlarmEvent
from ketamon.core.artefact import ArtefactRules, split_artefacts
from ketamon.core.baseline import Baseline, measured_baseline
from ketamon.core.concentration import PredictedConcentration, concentration_curve, pk_model
from ketamon.core.device_silence import DeviceSilence
from ketamon.core.dosing import DosePlan, check_limits
from ketamon.core.events import encode_alarm, encode_command
from ketamon.core.infusion import CommandError, Infusion, InfusionEvent, Phase
from ketamon.core.limits import DrugLibrary, LimitFinding, LimitLevel
from ketamon.core.manual_bp import MANUAL_SOURCE, ManualBp
from ketamon.core.nibp import next_due_s
from ketamon.core.nibp_log import NibpLog
from ketamon.core.protocol import NibpProgram
from ketamon.core.publisher import Publisher
from ketamon.core.scores import CourseSettings, ScoreError, check_score
from ketamon.core.session_records import prescription_data, setup_confirmed_data
from ketamon.core.session_types import InstructorControl, PolledSource, SessionEvent, Snapshot
from ketamon.core.session_views import build_snapshot, discharge_criteria
from ketamon.core.session_workflow import handoffs_for, reminder_conditions
from ketamon.core.vitals import NibpReading, Sample, Vital
from ketamon.core.workflow import Criterion, PumpHandoff, pretreatment_findings, unmet

SESSION_ENDED = "session.ended"  # after a discharge and all it caused
SESSION_RESUMED = "session.resumed"  # the app was not running for a while (a crash)
NOTE_RETRACTED = "annotation.retracted"  # a note undone (its record stays)
MAX_STEP_S = 1.0  # the session judges time in steps no longer than one sample period
REPEAT_BP_CUFF_S = 60.0  # a repeat cuff reading asked for now completes about a minute later
# CLINICAL.md §10: MOAA/S <= 3 is a sedation event, <= 2 a medium alarm.
SEDATION_EVENT_MOAAS = 3
SEDATION_ALARM_MOAAS = 2
# CLINICAL.md §4: physiological alarms are armed from infusion start until discharge.
ARMED_PHASES = (Phase.INFUSING, Phase.PAUSED, Phase.OBSERVATION, Phase.DISCHARGE_READY)


def _mean(values: list[float]) -> float | None:
    return sum(values) / len(values) if values else None


class LimitsNotCleared(CommandError):
    """Setup refused: a hard limit is broken or a soft one is not acknowledged."""

    def __init__(self, findings: list[LimitFinding]):
        self.findings = findings
        super().__init__("; ".join(f.message for f in findings))


class Session:
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
        self.source: PolledSource | None = None
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
    def t_s(self) -> float:
        return self._t

    # ---- setup ----------------------------------------------------------------------

    def configure(self, plan: DosePlan, acknowledged: list[LimitFinding], t_s: float) -> None:
        """Accept the prescription. Hard limits refuse; every soft finding must be acknowledged."""
        self._command(
            t_s,
            "setup",
            {
                "prescription": prescription_data(plan),
                "acknowledged": [[f.key, f.value] for f in acknowledged],
            },
        )
        if self.infusion is not None and self.infusion.started_s() is not None:
            raise CommandError("The infusion has started: the prescription cannot change.")
        findings = check_limits(plan, self.library)
        hard = [f for f in findings if f.level is LimitLevel.HARD]
        acked_keys = {(f.key, f.value) for f in acknowledged}
        missing = [f for f in findings if f not in hard and (f.key, f.value) not in acked_keys]
        if hard or missing:
            raise LimitsNotCleared(hard + missing)
        self._t = max(self._t, t_s)
        self.plan = plan
        self.acknowledged = [f for f in findings if f.level is LimitLevel.SOFT]
        self.infusion = Infusion(plan, t_s)
        model = pk_model(self.course.pk_model)
        self.concentration = PredictedConcentration(model, plan.patient.weight_kg, t_s)
        self._event(
            SessionEvent(t_s, "setup.confirmed", plan.protocol.name, setup_confirmed_data(plan))
        )
        for finding in self.acknowledged:
            self._event(
                SessionEvent(t_s, "limit.acknowledged", finding.message, {"key": finding.key})
            )

    def enter_baseline(self, t_s: float, baseline: Baseline) -> None:
        """The nurse types the baseline instead of (or over) the measured one."""
        t_s = max(t_s, self._t)
        self.advance_to(t_s)
        args = {"sbp": baseline.sbp_mmhg, "dbp": baseline.dbp_mmhg, "hr": baseline.hr_bpm}
        self._command(t_s, "enter_baseline", args | {"source": baseline.source})
        self.baseline = self._with_clinic_rules(baseline)
        self.baseline_entered_s = t_s
        self._event(
            SessionEvent(
                t_s,
                "baseline.entered",
                f"{baseline.sbp_mmhg:.0f}/{baseline.dbp_mmhg:.0f}",
                {"sbp": baseline.sbp_mmhg, "dbp": baseline.dbp_mmhg, "hr": baseline.hr_bpm},
            )
        )

    def enter_bp(self, t_s: float, reading: ManualBp) -> None:
        """The nurse enters a cuff reading taken at `reading.measured_at_s` (up to 15 min back).

        A sample like a device's: same artefact and alarm rules; before the start it
        counts toward the measured baseline.
        """
        t_s = max(t_s, self._t)
        self.advance_to(t_s)
        self._command(t_s, "enter_bp", reading.args())
        if (problem := reading.problem(t_s)) is not None:
            raise CommandError(problem)
        data = reading.args() | {"map": round(reading.mean_mmhg, 1)}
        self._event(SessionEvent(t_s, "nibp.manual", reading.text(), data))
        self.ingest(reading.samples(), MANUAL_SOURCE)

    # ---- nurse commands ---------------------------------------------------------------

    def start(
        self,
        t_s: float,
        review_acknowledged: bool = False,
        override_reason: str | None = "",
        checklist: tuple[str, ...] = (),
    ) -> None:
        """Start the infusion after the pre-treatment checks (CLINICAL.md §11).

        The baseline needs BP and HR (HR, and SpO2 when a device gave it, are taken from
        the pre-start readings if the nurse typed BP only). Readings outside the clinic's
        pre-treatment range need `review_acknowledged` and an `override_reason`;
        `checklist`: the pre-treatment items ticked (recorded). `override_reason` None:
        a recording made before reasons were asked (rebuild only).
        """
        self.advance_to(t_s)
        args = {"review_acknowledged": review_acknowledged, "checklist": list(checklist)}
        if override_reason is not None:
            args["override_reason"] = override_reason
        self._command(t_s, "start", args)
        infusion = self._require_infusion()
        if self.baseline is None:
            program = self.plan.protocol.nibp if self.plan else NibpProgram()
            raise CommandError(
                f"No baseline yet: take {program.baseline_readings} NIBP readings at least "
                f"{program.baseline_min_span_min:g} min apart, or enter one."
            )
        self._complete_baseline(t_s)
        if self.baseline.hr_bpm is None:
            raise CommandError("The baseline needs a resting HR: enter it with the BP.")
        rules = self.plan.protocol.pretreatment
        findings = pretreatment_findings(self.baseline, rules)
        reason_missing = override_reason is not None and not override_reason.strip()
        if findings and (not review_acknowledged or reason_missing):
            raise CommandError(
                "Outside the pre-treatment range: "
                + "; ".join(findings)
                + ". Review, and give a reason to start anyway."
            )
        if findings:
            reason = (override_reason or "").strip()
            self._event(
                SessionEvent(t_s, "baseline.review_acknowledged", "; ".join(findings),
                             {"reason": reason})
            )  # fmt: skip
        ticked = {c.strip().casefold() for c in checklist}
        self._event(
            SessionEvent(
                t_s,
                "pretreatment.checklist",
                f"{sum(i.casefold() in ticked for i in rules.checklist)}/{len(rules.checklist)}",
                {"items": {i: i.casefold() in ticked for i in rules.checklist}},
            )
        )
        self._forward(infusion.start(t_s))

    def _complete_baseline(self, t_s: float) -> None:
        """A typed BP-only baseline takes HR and SpO2 from the pre-start readings."""
        b = self.baseline
        hr = b.hr_bpm if b.hr_bpm is not None else _mean(self._baseline_hr)
        spo2 = b.spo2_pct if b.spo2_pct is not None else _mean(self._baseline_spo2)
        if (hr, spo2) == (b.hr_bpm, b.spo2_pct):
            return
        self.baseline = replace(b, hr_bpm=hr, spo2_pct=spo2)
        data = {"hr": None if hr is None else round(hr, 1)}
        data["spo2"] = None if spo2 is None else round(spo2, 1)
        self._event(
            SessionEvent(t_s, "baseline.completed", "HR/SpO2 from pre-start readings", data)
        )

    def pause(self, t_s: float, reason: str) -> None:
        self.advance_to(t_s)
        self._command(t_s, "pause", {"reason": reason})
        self._forward(self._require_infusion().pause(t_s, reason))

    def resume(self, t_s: float) -> None:
        self.advance_to(t_s)
        self._command(t_s, "resume", {})
        self._forward(self._require_infusion().resume(t_s))
        if self.alarms is not None:
            self._judge_workflow(t_s)  # the pause reminder ends with the pause

    def stop(self, t_s: float, reason: str) -> None:
        self.advance_to(t_s)
        self._command(t_s, "stop", {"reason": reason})
        self._forward(self._require_infusion().stop(t_s, reason))

    def discharge(self, t_s: float, checklist: str = "", early_reason: str = "") -> None:
        """Discharge when every criterion of the protocol is met (CLINICAL.md §9).

        `checklist`: the ticked items, separated by ';'. With unmet criteria, only an
        early (against-advice) discharge with `early_reason`, recorded as such.
        """
        self.advance_to(t_s)
        args = {"checklist": checklist}
        if early_reason:
            args["early_reason"] = early_reason
        self._command(t_s, "discharge", args)
        infusion = self._require_infusion()
        missing = unmet(self.discharge_criteria(checklist)) if self.judge_discharge else []
        early = bool(early_reason.strip())
        if missing and not early:
            raise CommandError(
                "Discharge refused: "
                + "; ".join(c.text for c in missing)
                + " (an early discharge needs a reason)"
            )
        events = infusion.discharge(t_s, checklist, early=early)
        if early:
            self._event(
                SessionEvent(
                    t_s,
                    "discharge.early",
                    early_reason.strip(),
                    {"unmet": [c.text for c in missing]},
                )
            )
        self._forward(events)
        # The last word of a session: everything the discharge caused is published above.
        self._event(SessionEvent(t_s, SESSION_ENDED, "discharged"))

    def discharge_criteria(self, checklist: str = "") -> list[Criterion]:
        """The protocol's discharge criteria judged now, each with its numbers (§9)."""
        return discharge_criteria(self, checklist)

    def confirm_pump(self, t_s: float) -> None:
        """The nurse confirms the pump now runs as the pending hand-off says (§8)."""
        self.advance_to(max(t_s, self._t))
        self._command(t_s, "confirm_pump", {})
        pending = self.pending_handoff()
        if pending is None:
            raise CommandError("No pump change is waiting for confirmation.")
        confirmed = replace(pending, confirmed_s=self._t)
        self.handoffs[self.handoffs.index(pending)] = confirmed
        after_s = self._t - pending.t_s
        self._event(
            SessionEvent(
                self._t,
                "pump.confirmed",
                pending.instruction,
                confirmed.data() | {"after_s": round(after_s, 3)},
            )
        )
        if self.alarms is not None:
            self._alarm_events(self.alarms.set_condition(self._t, "pump_change", False))

    def pending_handoff(self) -> PumpHandoff | None:
        """The latest pump change, if the nurse has not confirmed it."""
        if self.handoffs and self.handoffs[-1].confirmed_s is None:
            return self.handoffs[-1]
        return None

    def record_sedation(self, t_s: float, moaas: int) -> None:
        """A MOAA/S score 0-5 (CLINICAL.md §10): <= 3 a sedation event, <= 2 a medium alarm."""
        t_s = max(t_s, self._t)
        self.advance_to(t_s)
        self._command(t_s, "moaas", {"score": moaas})
        if isinstance(moaas, bool) or moaas not in range(6):
            raise CommandError(f"A MOAA/S score is a whole number 0-5 (got {moaas!r}).")
        self.moaas.append((t_s, int(moaas)))
        sedated = moaas <= SEDATION_EVENT_MOAAS
        self._event(
            SessionEvent(
                t_s, "sedation.moaas", f"MOAA/S {moaas}", {"score": moaas, "sedation": sedated}
            )
        )
        if self.alarms is not None:
            alarm = moaas <= SEDATION_ALARM_MOAAS
            self._alarm_events(
                self.alarms.set_observation(
                    t_s,
                    "sedation",
                    "Sedation (MOAA/S)",
                    Priority.MEDIUM if alarm else None,
                    f"MOAA/S {moaas} (alarm at {SEDATION_ALARM_MOAAS} or less)",
                    float(moaas),
                    float(SEDATION_ALARM_MOAAS),
                )
            )

    def record_score(
        self, t_s: float, scale: str, value: float, entered_wall_s: float | None = None
    ) -> None:
        """A depression score (CLINICAL.md §11): before the infusion, during it, or a
        follow-up added to a closed session (`entered_wall_s`: when it was entered)."""
        t_s = max(t_s, self._t)
        self.advance_to(t_s)
        args: dict = {"scale": scale, "value": value}
        if entered_wall_s is not None:
            args["entered_wall_s"] = entered_wall_s
        self._command(t_s, "score", args)
        try:
            checked_scale, checked = check_score(scale, value)
        except ScoreError as exc:
            raise CommandError(str(exc)) from None
        if entered_wall_s is not None and not (
            isinstance(entered_wall_s, int | float)
            and not isinstance(entered_wall_s, bool)
            and math.isfinite(entered_wall_s)
        ):
            raise CommandError(f"a follow-up's entry time {entered_wall_s!r} is not a time")
        data = {"scale": scale, "value": checked, "phase": self.phase().value}
        if entered_wall_s is not None:
            data["entered_wall_s"] = entered_wall_s
        text = f"{checked_scale.label} {checked:.0f}"
        self._event(SessionEvent(t_s, "score.recorded", text, data))

    def log(self, t_s: float, kind: str, message: str, data: dict | None = None) -> None:
        """An application event worth keeping in the record (e.g. session.resumed)."""
        self._event(SessionEvent(t_s, kind, message, dict(data or {})))

    def resume_after_downtime(self, from_s: float, to_s: float, gap_text: str = "") -> None:
        """The app was not running from `from_s` to `to_s` (session s) and now runs again.

        The pump ran on: the timer and dose advance. Nobody watched: no samples are
        taken for that time (the trends show a gap) and its silence raises no alarm.
        Recorded at `from_s`, so a rebuild meets it before the gap.
        """
        self.advance_to(max(from_s, self._t))
        down_s = max(0.0, to_s - from_s)
        self._event(
            SessionEvent(
                self._t,
                SESSION_RESUMED,
                f"resumed after {down_s:.0f} s: check the pump",
                {"down_from_s": self._t, "down_to_s": to_s, "gap": gap_text},
            )
        )
        source, self.source = self.source, None
        judge, self.judge_silence = self.judge_silence, False
        try:
            self.advance_to(to_s)
        finally:
            self.source, self.judge_silence = source, judge
        if source is not None:
            source.poll(to_s)  # what the patient did meanwhile was never seen
        if self.alarms is not None:
            self.alarms.restart_silence_clock(to_s)
        self.device_silence.restart(to_s)

    def arm_alarms(self, t_s: float) -> None:
        """Arm alarms with no infusion: reviewing monitoring data someone brings."""
        if self.alarms is not None:
            self._alarm_events(self.alarms.set_armed(t_s, True))

    def annotate(self, t_s: float, text: str, data: dict | None = None) -> None:
        """A nurse's note or charted side effect, time-stamped (shown on the trends)."""
        t_s = max(t_s, self._t)
        self.advance_to(t_s)
        self._command(t_s, "annotate", {"text": text, "data": dict(data or {})})
        if not text.strip():
            raise CommandError("An annotation needs some text.")
        self._event(SessionEvent(t_s, "annotation", text.strip(), dict(data or {})))

    def retract_note(self, t_s: float, note_t_s: float) -> None:
        """Undo a note: the note made at `note_t_s` is marked retracted by a record of its
        own; the note's record stays (the history is never rewritten)."""
        t_s = max(t_s, self._t)
        self.advance_to(t_s)
        self._command(t_s, "retract_note", {"note_t_s": note_t_s})
        note = self.live_note_at(note_t_s)
        if note is None:
            raise CommandError(f"There is no note at {note_t_s:.0f} s to undo.")
        data = {"note_t_s": note.t_s, "text": note.message}
        self._event(SessionEvent(t_s, NOTE_RETRACTED, f"Undone: {note.message}", data))

    def live_note_at(self, note_t_s: float) -> SessionEvent | None:
        """The note made at `note_t_s` that has not been retracted, if any."""
        retracted = {e.data.get("note_t_s") for e in self.events if e.kind == NOTE_RETRACTED}
        for e in reversed(self.events):
            if e.kind == "annotation" and abs(e.t_s - note_t_s) < 1e-6:
                return None if e.t_s in retracted else e
        return None

    def instructor(self, t_s: float, kind: str, text: str, data: dict | None = None) -> None:
        """An instructor's override or fault: recorded, then handed to a source that takes
        instructions (the training simulator), whose samples and reports carry its effects.
        A rebuild without a source only records it; a resume's simulator obeys it again."""
        t_s = max(t_s, self._t)
        self.advance_to(t_s)
        self._command(t_s, "instructor", {"kind": kind, "text": text, "data": dict(data or {})})
        if isinstance(self.source, InstructorControl):
            self.source.instruct(kind, dict(data or {}))

    def acknowledge_alarms(self, t_s: float) -> None:
        self.advance_to(t_s)
        self._command(t_s, "acknowledge", {})
        if self.alarms is not None:
            self._alarm_events(self.alarms.acknowledge(t_s))

    def pause_audio(self, t_s: float) -> None:
        self.advance_to(t_s)
        self._command(t_s, "pause_audio", {})
        if self.alarms is None or not self.alarms.armed:
            raise CommandError("Alarms are not armed: there is no audio to pause.")
        self._alarm_events(self.alarms.pause_audio(t_s))

    def report_technical(self, t_s: float, condition: str, present: bool, detail: str = "") -> None:
        """A source reports an equipment condition (source_lost, sensor_off, artefact).

        A device thread's report may carry a time just before the last clock tick: it is
        judged now, never moving time backwards.
        """
        t_s = max(t_s, self._t)
        self.advance_to(t_s)
        if self._technical_state.get(condition) != present:
            # Recorded on change only (a monitor repeats its state every frame), so a
            # rebuilt session sees the same equipment history.
            self._technical_state[condition] = present
            data = {"condition": condition, "present": present}
            if DEVICE_SEPARATOR in condition:  # one of several devices: name it
                data["device"] = condition.partition(DEVICE_SEPARATOR)[2]
            self._event(SessionEvent(t_s, "technical.report", detail, data))
        if self.alarms is not None:
            self._alarm_events(self.alarms.report_technical(t_s, condition, present, detail))

    def device_heard(self, t_s: float, device: str) -> None:
        """One of several devices delivered a frame (or connected) at `t_s`: its silence
        counts from here. A store per frame; each step compares it with `no_data_s`."""
        self.device_silence.heard(t_s, device)

    def report_artefacts(self, t_s: float, frames: int) -> None:
        """A source rejected `frames` malformed frames; the alarm engine judges the rate."""
        t_s = max(t_s, self._t)
        self.advance_to(t_s)
        if frames > 0:
            # An input like a sample: recorded, so a rebuild judges the same counts.
            self._event(SessionEvent(t_s, "technical.artefacts", "", {"frames": frames}))
        if self.alarms is not None:
            self._alarm_events(self.alarms.count_artefacts(t_s, frames))

    # ---- time and data ------------------------------------------------------------------

    def advance_to(self, t_s: float, arrive: Callable[[], None] | None = None) -> None:
        """Move the session clock to `t_s`, in steps of at most one second.

        `arrive`: what a source delivers at `t_s` (a rebuild's recorded samples and
        equipment reports), judged where a polled source's would be: before the tick.
        """
        if t_s < self._t - 1e-9:
            raise ValueError(f"time went backwards: {t_s} < {self._t}")
        while self._t < t_s:
            if self.source is None and self._skip_quiet_steps(t_s):
                continue
            step_t = min(t_s, self._t + MAX_STEP_S)
            if self.infusion is not None:
                self._forward(self.infusion.advance_to(step_t))
                if self.concentration is not None:
                    self.concentration.advance_to(self.infusion, step_t)
            self._request_nibp_if_due(step_t)
            self._t = step_t
            if self.source is not None:
                samples = self.source.poll(step_t)
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
                judge = self.judge_silence
                self._alarm_events(self.alarms.tick(step_t, self.nibp_due_s(), judge))
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
        if engine is not None and self.infusion is not None:
            # The workflow reminders (_judge_workflow) tick too: an unconfirmed pump
            # change or a pause can fire. Neither starts without a command or transition.
            paused = self.infusion.paused_since_s(self._t) is not None
            if self.pending_handoff() is not None or paused:
                return False
        until_s = self.infusion.quiet_until_s() if self.infusion is not None else math.inf
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
        self._complete_nibp_readings()
        if self.alarms is not None:
            self._alarm_events(self.alarms.on_samples(samples, self.baseline))
        self.on_samples.emit(samples)

    def phase(self, t_s: float | None = None) -> Phase:
        if self.infusion is None:
            return Phase.SETUP
        return self.infusion.phase(self._t if t_s is None else t_s)

    def nibp_due_s(self, t_s: float | None = None) -> float | None:
        """When the next cuff reading is due, judged by the phase at `t_s` (default: now)."""
        if self.infusion is None or self.plan is None:
            return None
        t_s = self._t if t_s is None else t_s
        # Asked twice a step (the cuff request, the overdue check): the answer changes
        # only with time, a new or rejected reading, or an infusion transition (an event).
        key = (
            t_s,
            len(self.nibp.readings),
            self.nibp.last_rejected_s,
            self.infusion,
            len(self.infusion.events),
        )
        if key == self._nibp_due_key:
            return self._nibp_due
        due = next_due_s(
            self.plan.protocol.nibp,
            self.phase(t_s),
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
        request = getattr(self.source, "request_nibp", None)
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
        if request is not None:
            request(e.t_s + REPEAT_BP_CUFF_S)

    def _poll_technical(self, t_s: float) -> None:
        state = getattr(self.source, "technical_state", None)
        if state is None:
            return
        for condition, present in state().items():
            if self._technical_state.get(condition, False) != present:
                self.report_technical(t_s, condition, present, condition.replace("_", " "))

    def _judge_device_silence(self, t_s: float) -> None:
        """A connected device silent for `no_data_s`: `no_data@<device>`, reported (and so
        recorded) on change like any equipment condition, so a rebuild applies the same.
        A lost device is 'source lost' alone: one alarm for one pulled cable."""
        if self.alarms is None:
            return
        limit_s = self.alarms.profile.technical.no_data_s
        changes = self.device_silence.changes(t_s, limit_s, self._technical_state)
        for condition, quiet, detail in changes:
            self.report_technical(t_s, condition, quiet, detail)

    def _request_nibp_if_due(self, step_t: float) -> None:
        request = getattr(self.source, "request_nibp", None)
        if request is None:
            return
        due = self.nibp_due_s(step_t)
        if due is None or due > step_t:
            return
        if self._requested_nibp_s is not None and math.isclose(self._requested_nibp_s, due):
            return
        self._requested_nibp_s = due
        request(max(due, self._t))

    def _complete_nibp_readings(self) -> None:
        for reading in self.nibp.complete():
            if self.phase(reading.t_s) is Phase.BASELINE:
                self._update_measured_baseline()

    def _update_measured_baseline(self) -> None:
        if self.baseline is not None and self.baseline.source == "entered":
            return
        pre_start = [r for r in self.nibp.readings if self.phase(r.t_s) is Phase.BASELINE]
        program = self.plan.protocol.nibp if self.plan else NibpProgram()
        baseline = measured_baseline(
            pre_start,
            self._baseline_hr,
            self._baseline_spo2,
            program.baseline_readings,
            program.baseline_min_span_min * 60.0,
        )
        if baseline is not None:
            baseline = self._with_clinic_rules(baseline)
            self.baseline = baseline
            self._event(
                SessionEvent(
                    pre_start[-1].t_s,
                    "baseline.measured",
                    f"{baseline.sbp_mmhg:.0f}/{baseline.dbp_mmhg:.0f}",
                    {
                        "sbp": round(baseline.sbp_mmhg, 1),
                        "dbp": round(baseline.dbp_mmhg, 1),
                        "hr": None if baseline.hr_bpm is None else round(baseline.hr_bpm, 1),
                        "n": baseline.n_readings,
                    },
                )
            )

    def _with_clinic_rules(self, baseline: Baseline) -> Baseline:
        """`baseline` judged by the protocol's review threshold (its [nibp] table)."""
        if self.plan is None:
            return baseline
        program = self.plan.protocol.nibp
        return replace(
            baseline,
            review_sbp_mmhg=program.baseline_review_sbp_mmhg,
            review_dbp_mmhg=program.baseline_review_dbp_mmhg,
        )

    def _require_infusion(self) -> Infusion:
        if self.infusion is None:
            raise CommandError("Set up the patient and prescription first.")
        return self.infusion

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
