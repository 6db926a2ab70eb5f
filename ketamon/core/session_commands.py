"""The nurse's and instructor's commands on a session (Session's command half).

Each command is recorded (`_command`) before anything it causes, so rebuild, resume,
replay and review re-issue the records through these same methods and never guess a
command from its effects. A refused command raises CommandError after its record.
`NurseCommands` is a base of `Session` (core/session.py): it works on the session's
state and clock (advance_to, the infusion, the alarm engine, the event log). Times in
session seconds.
"""

from __future__ import annotations

import math
from dataclasses import replace

from ketamon.core.alarm_profile import Priority
from ketamon.core.baseline import Baseline
from ketamon.core.concentration import PredictedConcentration, pk_model
from ketamon.core.dosing import DosePlan, check_limits
from ketamon.core.infusion import CommandError, Infusion
from ketamon.core.limits import LimitFinding, LimitLevel
from ketamon.core.manual_bp import MANUAL_SOURCE, ManualBp
from ketamon.core.protocol import NibpProgram
from ketamon.core.scores import ScoreError, check_score
from ketamon.core.session_records import prescription_data, setup_confirmed_data
from ketamon.core.session_types import InstructorControl, SessionEvent
from ketamon.core.session_views import discharge_criteria
from ketamon.core.workflow import Criterion, PumpHandoff, pretreatment_findings, unmet

SESSION_ENDED = "session.ended"  # after a discharge and all it caused
NOTE_RETRACTED = "annotation.retracted"  # a note undone (its record stays)
# CLINICAL.md §10: MOAA/S <= 3 is a sedation event, <= 2 a medium alarm.
SEDATION_EVENT_MOAAS = 3
SEDATION_ALARM_MOAAS = 2


def _mean(values: list[float]) -> float | None:
    return sum(values) / len(values) if values else None


class LimitsNotCleared(CommandError):
    """Setup refused: a hard limit is broken or a soft one is not acknowledged."""

    def __init__(self, findings: list[LimitFinding]):
        self.findings = findings
        super().__init__("; ".join(f.message for f in findings))


class NurseCommands:
    """Setup, the infusion's commands, charting and alarm handling: Session's commands."""

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
