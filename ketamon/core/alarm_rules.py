"""Physiological alarm rules judged on samples (CLINICAL.md §4, §5).

A RuleJudge keeps each rule's state (pending, met, clearing) from the clinic's
AlarmProfile and says which rule of each group is met; the AlarmEngine turns that
into alarms. Continuous vitals must violate a rule for its delay (seconds); NIBP
rules judge each new cuff reading once. Values in each vital's unit.
"""

from __future__ import annotations

import math

from ketamon.core.alarm_profile import AlarmProfile, AlarmRule, Criterion
from ketamon.core.alarm_types import Finding, RuleState
from ketamon.core.baseline import Baseline
from ketamon.core.vitals import Sample, Vital

NIBP = frozenset({Vital.SBP, Vital.DBP, Vital.MAP})


class RuleJudge:
    """The profile's rules, their states and the latest value of each vital they judge."""

    def __init__(self, profile: AlarmProfile):
        self.profile = profile
        self.states = {r.id: RuleState() for r in profile.rules}
        # The rules that are not idle (RuleState.is_idle false), kept by judge and reset
        # (the only places a state changes): with none, a sample in the band is quiet.
        self._busy: set[str] = set()
        self.latest: dict[Vital, Sample] = {}
        # Which rules a sample of each vital can change; a cuff reading (judged when
        # its last part arrives, whichever that is) concerns every NIBP rule.
        nibp_rules = tuple(r for r in profile.rules if r.vitals & NIBP)
        self.rules_for = {
            vital: nibp_rules
            if vital.is_nibp
            else tuple(r for r in profile.rules if vital in r.vitals)
            for vital in Vital
        }
        # Each rule's criteria with their thresholds, computed once per baseline (the
        # baseline is immutable and replaced when it changes).
        self._checks_baseline: Baseline | None = None
        self._checks: dict[str, list[tuple[Criterion, Vital, float | None, float]]] = {}
        self._bands: dict[Vital, tuple[float, float] | None] = {}  # see band_for

    def reset(self) -> None:
        """Every rule idle again (alarms disarmed)."""
        self.states = {r.id: RuleState() for r in self.profile.rules}
        self._busy.clear()

    def any_met(self) -> bool:
        return any(state.met for state in self.states.values())

    def judge(self, rule: AlarmRule, sample: Sample, baseline: Baseline | None) -> bool:
        """Update the rule's state from the latest values; True if it is or was met."""
        touched = self._judge(rule, sample, baseline)
        if self.states[rule.id].is_idle():
            self._busy.discard(rule.id)
        else:
            self._busy.add(rule.id)
        return touched

    def _judge(self, rule: AlarmRule, sample: Sample, baseline: Baseline | None) -> bool:
        state = self.states[rule.id]
        was_met = state.met
        hits = []
        latest_of = self.latest
        for criterion, vital, base, threshold in self.checks_for(rule, baseline):
            latest = latest_of.get(vital)
            if latest is None:
                continue
            if vital.is_nibp and latest.t_s != sample.t_s:
                continue  # NIBP: judge only the reading that just arrived
            hysteresis = self.profile.hysteresis_for(vital) if state.met else 0.0
            if criterion.meets(latest.value, threshold, hysteresis):
                hits.append((criterion, latest.value, base, threshold))
        if not hits:
            state.pending_since_s = None
            if state.met and rule.clear_delay_s > 0 and not rule.vitals & NIBP:
                if state.clear_since_s is None:
                    state.clear_since_s = sample.t_s
                if sample.t_s - state.clear_since_s < rule.clear_delay_s - 1e-9:
                    return True  # not yet: one good sample does not end an alarm
            state.clear_since_s = None
            state.met = False
            return was_met
        state.clear_since_s = None
        criterion, value, base, threshold = hits[0]
        if state.pending_since_s is None:
            state.pending_since_s = sample.t_s
        state.value = value
        state.limit = threshold
        state.message = "; ".join(c.describe(v, b) for c, v, b, _ in hits)
        if sample.t_s - state.pending_since_s >= rule.delay_s - 1e-9:
            state.met = True
        return state.met or was_met

    def is_quiet(
        self, sample: Sample, rules: tuple[AlarmRule, ...], baseline: Baseline | None
    ) -> bool:
        """True if judging `rules` on `sample` would change nothing: the common case.

        So when every rule is idle and the value lies strictly inside the band where
        none of their criteria can hold (only for rules that look at this one vital).
        """
        band = self.band_for(sample.vital, rules, baseline)
        if band is None or not band[0] < sample.value < band[1]:
            return False
        if not self._busy:
            return True  # every rule idle
        states = self.states
        return all(states[rule.id].is_idle() for rule in rules)

    def band_for(
        self, vital: Vital, rules: tuple[AlarmRule, ...], baseline: Baseline | None
    ) -> tuple[float, float] | None:
        """(low, high): a value strictly between meets none of `rules`' criteria (no
        hysteresis: the rules are idle). None if a rule looks at another vital too."""
        if baseline is not self._checks_baseline:
            self.checks_for(rules[0], baseline)  # resets the per-baseline caches
        if vital in self._bands:
            return self._bands[vital]
        low, high = -math.inf, math.inf
        band: tuple[float, float] | None = None
        if not vital.is_nibp:
            for rule in rules:
                for criterion, crit_vital, _, threshold in self.checks_for(rule, baseline):
                    if crit_vital is not vital:
                        break
                    if criterion.raises:
                        high = min(high, threshold)
                    else:
                        low = max(low, threshold)
                else:
                    continue
                break
            else:
                band = (low, high)
        self._bands[vital] = band
        return band

    def checks_for(
        self, rule: AlarmRule, baseline: Baseline | None
    ) -> list[tuple[Criterion, Vital, float | None, float]]:
        """`rule`'s criteria that can be judged, with their baseline value and threshold.

        A criterion whose threshold needs a missing baseline is left out (it never holds).
        """
        if baseline is not self._checks_baseline:
            self._checks_baseline = baseline
            self._checks = {}
            self._bands = {}
        checks = self._checks.get(rule.id)
        if checks is None:
            checks = []
            for criterion in rule.criteria:
                base = baseline_for(criterion, baseline)
                threshold = criterion.threshold(base)
                if threshold is not None:
                    checks.append((criterion, criterion.vital, base, threshold))
            self._checks[rule.id] = checks
        return checks

    def findings(self) -> dict[str, Finding]:
        """Each group's met rule of highest priority, by group (file order breaks ties)."""
        found: dict[str, Finding] = {}
        for rule in self.profile.rules:  # file order breaks ties between equal priorities
            state = self.states[rule.id]
            if not state.met:
                continue
            current = found.get(rule.group)
            if current is None or rule.priority > current.priority:
                found[rule.group] = Finding(
                    rule.priority,
                    rule.label,
                    state.message,
                    frozenset(rule.vitals),
                    state.value,
                    state.limit,
                    rule.latching,
                    rule.id,
                )
        return found


def baseline_for(criterion: Criterion, baseline: Baseline | None) -> float | None:
    """The baseline value a rise criterion is measured from (mmHg, bpm, %), or None."""
    if baseline is None or not criterion.is_rise:
        return None
    vital = criterion.vital
    if vital is Vital.SBP:
        return baseline.sbp_mmhg
    if vital is Vital.DBP:
        return baseline.dbp_mmhg
    if vital is Vital.HR:
        return baseline.hr_bpm
    if vital is Vital.SPO2:
        return baseline.spo2_pct
    return None
