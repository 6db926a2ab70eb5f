"""The alarm engine: rules judged on samples and time, one alarm per condition (CLINICAL.md §4, §5).

Physiological rules come from the clinic's AlarmProfile. Rules in one group are
one condition: its alarm shows the highest-priority rule met, so one event never
raises two alarms. Continuous vitals must violate a rule for its condition delay;
NIBP rules judge each new reading once. Technical conditions (no data, source
lost, sensor off, NIBP overdue, artefacts) follow the profile's `technical` table.

The engine is the state machine over those conditions: arming, latching,
acknowledge, audio pause and break-through, escalation. Rule states live in
alarm_rules.py (RuleJudge), technical and session conditions in alarm_conditions.py
(TechnicalConditions), their names and priorities in alarm_technical.py. Every
change is an AlarmEvent with its session time, value and limit. Time is always an
argument: the engine never reads a clock.
"""

from __future__ import annotations

from ketamon.core.alarm_conditions import TechnicalConditions
from ketamon.core.alarm_profile import AlarmKind, AlarmProfile, AlarmRule, Priority
from ketamon.core.alarm_rules import NIBP, RuleJudge
from ketamon.core.alarm_technical import (
    CAUSES,
    ESCALATING_TECHNICAL,
    TECHNICAL_LABELS,
    ArtefactCounter,
    technical_base,
)
from ketamon.core.alarm_types import Alarm, AlarmEvent, Finding
from ketamon.core.baseline import Baseline
from ketamon.core.vitals import Sample, Vital


class AlarmEngine(TechnicalConditions):
    """Judges samples and time against `profile`; returns AlarmEvents from every call."""

    def __init__(self, profile: AlarmProfile):
        self.profile = profile
        self.armed = False
        # Equipment conditions reported by a source (source lost, sensor off, artefacts)
        # are shown from the moment a real device is attached, before alarms are armed.
        self.watch_equipment = False
        self.alarms: dict[str, Alarm] = {}
        self.audio_paused_until_s: float | None = None
        self._pause_ceiling: int = 0
        self._rule_judge = RuleJudge(profile)
        self._rules_for = self._rule_judge.rules_for  # vital -> the rules it concerns
        self._last_seen_s: dict[Vital, float] = {}
        self._armed_s = 0.0
        self._technical: dict[str, Finding] = {}
        self._observed: dict[str, Finding] = {}  # charted by the nurse (sedation score)
        self._last_nibp_reading_s: float | None = None  # latest cuff reading judged armed
        self._artefacts = ArtefactCounter()
        self._counting_artefacts = False
        self._ever_armed = False  # silence is judged from connection until the first arming
        self._t = 0.0
        # True when something _resolve reads (rule findings, technical and charted
        # conditions, the alarms themselves) changed since it last ran. _resolve is
        # idempotent: with nothing changed it would emit nothing and change nothing, so it
        # is skipped (a standing alarm would otherwise be re-derived for every sample).
        self._changed = False

    # ---- arming -------------------------------------------------------------------

    def set_armed(self, t_s: float, armed: bool) -> list[AlarmEvent]:
        if armed == self.armed:
            return []
        self.armed = armed
        self._changed = True
        self._t = max(self._t, t_s)
        if armed:
            self._armed_s = t_s
            self._ever_armed = True
            return [AlarmEvent(t_s, "armed", "alarms", detail=self.profile.name)]
        events = [
            AlarmEvent(t_s, "end", a.id, a.priority, a.kind, a.label, detail="alarms disarmed")
            for a in self.alarms.values()
        ]
        self.alarms.clear()
        self._technical.clear()
        self._observed.clear()
        self._rule_judge.reset()
        self.audio_paused_until_s = None
        return [*events, AlarmEvent(t_s, "disarmed", "alarms")]

    # ---- inputs ---------------------------------------------------------------------

    def on_samples(self, samples: list[Sample], baseline: Baseline | None) -> list[AlarmEvent]:
        """Judge a batch of samples (in time order)."""
        events: list[AlarmEvent] = []
        latest, last_seen_s = self._rule_judge.latest, self._last_seen_s
        for i, sample in enumerate(samples):
            vital, t_s = sample.vital, sample.t_s
            latest[vital] = sample
            # only later: a reading entered late (measured minutes ago) is no sign of silence
            seen_s = last_seen_s.get(vital)
            if seen_s is None or t_s > seen_s:
                last_seen_s[vital] = t_s
            if not self.armed:
                continue
            if vital.is_nibp:
                if _reading_continues(samples, i):
                    continue  # judge a cuff reading once, when all its parts are in
                self._last_nibp_reading_s = t_s
            rules = self._rules_for[vital]
            if not rules:
                continue
            if t_s > self._t:
                self._t = t_s
            touched = False
            if not self._quiet(sample, rules, baseline):
                for rule in rules:
                    touched |= self._rule_judge.judge(rule, sample, baseline)
            if touched:
                # A met (or just ended) rule: its finding's value and message move.
                self._changed = True
            if touched or self.alarms:
                events += self._resolve(sample.t_s)
        return events

    def tick(
        self, t_s: float, nibp_due_s: float | None, judge_silence: bool = True
    ) -> list[AlarmEvent]:
        """Time-driven conditions: missing data, NIBP overdue, escalation, audio pause end.

        `judge_silence` False: no 'no data' / 'NIBP overdue' (data sampled once a
        minute, or time when the app was not running); escalation still runs.
        """
        if not self.armed:
            if self.watch_equipment and judge_silence and not self._ever_armed:
                self._judge_silence_before_start(t_s)
                return self._resolve(t_s)
            return []
        self._t = max(self._t, t_s)
        if judge_silence:
            self._judge_silence(t_s, nibp_due_s)
        events = self._judge_artefacts(t_s) if self._counting_artefacts else []
        events += self._resolve(t_s)
        events += self._escalate(t_s)
        if self.audio_paused_until_s is not None and t_s >= self.audio_paused_until_s:
            ended_s = self.audio_paused_until_s
            self.audio_paused_until_s = None
            events.append(AlarmEvent(ended_s, "audio_resumed", "audio", detail="pause ended"))
        return events

    def is_quiet(self, judge_silence: bool) -> bool:
        """True if ticking, with no new input, can emit nothing and change nothing but the
        clock: disarmed, or armed with nothing to resolve, no met rule, audio pause,
        artefact count, silence to judge or alarm that may still escalate. Standing
        alarms and conditions (an unconfirmed pump change hours long) stay as they are.
        The session then skips the seconds until its next input or transition. A new
        time-driven condition must make this False while it can still fire.
        """
        if not self.armed:
            return True
        return (
            not judge_silence
            and not self._changed
            and not self._counting_artefacts
            and self.audio_paused_until_s is None
            and not self._rule_judge.any_met()
            and not any(self._may_escalate_later(a) for a in self.alarms.values())
        )

    def set_observation(
        self,
        t_s: float,
        alarm_id: str,
        label: str,
        priority: Priority | None,
        detail: str = "",
        value: float | None = None,
        limit: float | None = None,
    ) -> list[AlarmEvent]:
        """A charted observation (e.g. MOAA/S <= 2) is an alarm at `priority`; None ends it."""
        self._changed = True
        if priority is None:
            if self._observed.pop(alarm_id, None) is None:
                return []
        else:
            self._observed[alarm_id] = Finding(
                priority, label, detail or label, frozenset(), value, limit, False, alarm_id
            )
        return self._resolve(t_s) if self.armed else []

    def repeat_bp_due_s(self) -> float | None:
        """When a repeat cuff reading is due for an active BP alarm (None: none is wanted)."""
        due = [
            a.priority_since_s + self.profile.repeat_bp_s
            for a in self.alarms.values()
            if a.present and a.vitals & NIBP and not self._repeated_since(a.priority_since_s)
        ]
        return min(due, default=None)

    def _repeated_since(self, t_s: float) -> bool:
        return self._last_nibp_reading_s is not None and self._last_nibp_reading_s > t_s + 1e-9

    # ---- nurse actions ----------------------------------------------------------------

    def acknowledge(self, t_s: float) -> list[AlarmEvent]:
        """Acknowledge every alarm: silences present ones, clears latched ones that ended."""
        events = []
        for alarm in list(self.alarms.values()):
            if not alarm.present:
                del self.alarms[alarm.id]
                events.append(self._event(t_s, "end", alarm, "acknowledged after it ended"))
            elif not alarm.acknowledged:
                alarm.acknowledged = True
                events.append(self._event(t_s, "acknowledged", alarm))
        if events:
            self._changed = True  # a held (latched) priority may now drop
        return events

    def pause_audio(self, t_s: float) -> list[AlarmEvent]:
        """AUDIO PAUSED for the profile's time; a higher-priority new condition breaks through."""
        self.audio_paused_until_s = t_s + self.profile.audio_pause_s
        self._pause_ceiling = max((a.priority for a in self.alarms.values()), default=0)
        return [
            AlarmEvent(
                t_s,
                "audio_paused",
                "audio",
                detail=f"until {self.audio_paused_until_s:.0f} s",
            )
        ]

    # ---- what to show and sound ----------------------------------------------------------

    def active(self) -> list[Alarm]:
        """Alarms to show, most urgent first (priority, then oldest); a consequence
        (no data) comes right after its active cause (source lost), whatever its priority."""

        def own(alarm: Alarm) -> tuple:
            return (-alarm.priority, alarm.started_s, alarm.id)

        def key(alarm: Alarm) -> tuple:
            causes = [self.alarms[c] for c in CAUSES.get(alarm.id, ()) if c in self.alarms]
            if causes:
                return (*own(min(causes, key=own)), 1, *own(alarm))
            return (*own(alarm), 0)

        return sorted(self.alarms.values(), key=key)

    def audio_priority(self, t_s: float) -> Priority | None:
        """The tone to sound now: highest unacknowledged alarm, unless audio is paused."""
        if self.audio_paused_until_s is not None and t_s < self.audio_paused_until_s:
            return None
        audible = [a.priority for a in self.alarms.values() if not a.acknowledged]
        return max(audible, default=None)

    def audio_pause_left_s(self, t_s: float) -> float | None:
        if self.audio_paused_until_s is None or t_s >= self.audio_paused_until_s:
            return None
        return self.audio_paused_until_s - t_s

    # ---- internals ------------------------------------------------------------------

    def _quiet(
        self, sample: Sample, rules: tuple[AlarmRule, ...], baseline: Baseline | None
    ) -> bool:
        """True if judging `rules` on `sample` would change nothing (RuleJudge.is_quiet)."""
        return self._rule_judge.is_quiet(sample, rules, baseline)

    def _findings(self) -> dict[str, Finding]:
        """Every condition present now: met rule groups, charted observations, technical."""
        found = self._rule_judge.findings()
        found.update(self._observed)
        found.update(self._technical)
        return found

    def _resolve(self, t_s: float) -> list[AlarmEvent]:
        """Bring the alarms in line with the findings now (no-op if nothing changed)."""
        if not self._changed:
            return []
        return self._resolve_findings(t_s)

    def _resolve_findings(self, t_s: float) -> list[AlarmEvent]:
        self._changed = False
        events: list[AlarmEvent] = []
        findings = self._findings()
        for alarm_id, finding in findings.items():
            alarm = self.alarms.get(alarm_id)
            technical = technical_base(alarm_id) in TECHNICAL_LABELS
            kind = AlarmKind.TECHNICAL if technical else AlarmKind.PHYSIOLOGICAL
            if alarm is None:
                alarm = Alarm(
                    id=alarm_id,
                    kind=kind,
                    priority=finding.priority,
                    label=finding.label,
                    message=finding.message,
                    vitals=finding.vitals,
                    value=finding.value,
                    limit=finding.limit,
                    started_s=t_s,
                    priority_since_s=t_s,
                    rule_id=finding.rule_id,
                    latching=finding.latching,
                )
                self.alarms[alarm_id] = alarm
                events.append(self._event(t_s, "start", alarm))
                events += self._breakthrough(t_s, alarm.priority)
                continue
            alarm.message, alarm.value, alarm.limit = finding.message, finding.value, finding.limit
            if not alarm.present:
                alarm.present = True
                events.append(self._event(t_s, "condition_returned", alarm))
            # A latching alarm keeps its highest priority until the nurse acknowledges it.
            holding = alarm.latching and not alarm.acknowledged
            shown = max(finding.priority, alarm.priority) if holding else finding.priority
            if alarm.escalated:
                shown = max(shown, Priority.HIGH)
            if shown != alarm.priority or finding.rule_id != alarm.rule_id:
                raised = shown > alarm.priority
                alarm.priority, alarm.label, alarm.rule_id = shown, finding.label, finding.rule_id
                alarm.latching = alarm.latching or finding.latching
                alarm.priority_since_s = t_s
                if raised:
                    alarm.acknowledged = False  # a worse condition is a new one for the nurse
                events.append(self._event(t_s, "change", alarm))
                if raised:
                    events += self._breakthrough(t_s, alarm.priority)
        for alarm_id in [a for a in self.alarms if a not in findings]:
            alarm = self.alarms[alarm_id]
            if not alarm.present:
                continue
            if alarm.latching and not alarm.acknowledged:
                alarm.present = False
                events.append(
                    self._event(t_s, "condition_ended", alarm, "latched until acknowledged")
                )
            else:
                del self.alarms[alarm_id]
                events.append(self._event(t_s, "end", alarm))
        return events

    def _escalate(self, t_s: float) -> list[AlarmEvent]:
        after_s = self.profile.escalate_medium_after_s
        if after_s <= 0:
            return []
        events = []
        for alarm in self.alarms.values():
            if (
                self._may_escalate(alarm, t_s)
                and alarm.priority is Priority.MEDIUM
                and alarm.present
                and not alarm.acknowledged
                and t_s - alarm.priority_since_s >= after_s
            ):
                alarm.priority = Priority.HIGH
                alarm.escalated = True
                alarm.priority_since_s = t_s
                self._changed = True
                events.append(
                    self._event(t_s, "escalated", alarm, f"unresolved for {after_s:.0f} s")
                )
                events += self._breakthrough(t_s, alarm.priority)
        return events

    def _may_escalate_later(self, alarm: Alarm) -> bool:
        """`alarm` may escalate at some later tick (_escalate's conditions but the time)."""
        if self.profile.escalate_medium_after_s <= 0:
            return False
        if alarm.kind is AlarmKind.TECHNICAL and alarm.id not in ESCALATING_TECHNICAL:
            return False
        return alarm.priority is Priority.MEDIUM and alarm.present and not alarm.acknowledged

    def _may_escalate(self, alarm: Alarm, t_s: float) -> bool:
        """Physiological alarms and unconfirmed pump changes escalate; a BP alarm only once a
        repeat reading has confirmed it, or once that repeat is overdue (one reading is not
        enough to call the anaesthetist: CLINICAL.md §4)."""
        if alarm.kind is AlarmKind.TECHNICAL:
            return alarm.id in ESCALATING_TECHNICAL
        if not alarm.vitals & NIBP:
            return True
        overdue_s = self.profile.repeat_bp_s + self.profile.technical.nibp_overdue_s
        return self._repeated_since(alarm.priority_since_s) or (
            t_s - alarm.priority_since_s >= overdue_s
        )

    def _breakthrough(self, t_s: float, priority: Priority) -> list[AlarmEvent]:
        if self.audio_paused_until_s is None or priority <= self._pause_ceiling:
            return []
        self.audio_paused_until_s = None
        return [AlarmEvent(t_s, "audio_resumed", "audio", detail="higher-priority alarm")]

    def _event(self, t_s: float, action: str, alarm: Alarm, detail: str = "") -> AlarmEvent:
        return AlarmEvent(
            t_s,
            action,
            alarm.id,
            alarm.priority,
            alarm.kind,
            alarm.label,
            alarm.value,
            alarm.limit,
            detail or alarm.message,
            tuple(sorted(v.value for v in alarm.vitals)),
        )


def _reading_continues(samples: list[Sample], i: int) -> bool:
    """True if the next sample is another part of the same cuff reading."""
    return (
        i + 1 < len(samples)
        and samples[i + 1].vital.is_nibp
        and samples[i + 1].t_s == samples[i].t_s
    )
