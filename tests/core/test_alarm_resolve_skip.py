"""The alarm engine's skipped resolves (nothing changed since the last) change nothing.

A reference engine that re-derives its alarms from the findings on every call, as
before issue 15, must emit exactly the same events as the engine that skips a resolve
when nothing it reads changed: random walks across the thresholds with cuff readings,
technical and session conditions, a charted sedation score, acknowledgements, audio
pauses and a disarm on the way.
"""

from hypothesis import given, settings
from hypothesis import strategies as st

from ketamon.core.alarm_profile import Priority, load_alarm_profile
from ketamon.core.alarms import AlarmEngine
from ketamon.core.baseline import Baseline
from ketamon.core.vitals import NibpReading, Sample, Vital
from ketamon.resources import alarm_profiles_dir

PROFILE = load_alarm_profile(alarm_profiles_dir() / "default.toml")
BASELINE = Baseline(120, 75, 70, 98, "entered")


class ResolveEveryTime(AlarmEngine):
    """The slow reference: every resolve re-derives the alarms from the findings."""

    def _resolve(self, t_s: float) -> list:
        return self._resolve_findings(t_s)


ACTIONS = (
    None,
    None,
    None,
    None,
    "ack",
    "pause_audio",
    "disarm",
    "source_lost",
    "source_back",
    "pump_late",
    "pump_confirmed",
    "sedated",
    "awake",
)


def _run(engine: AlarmEngine, steps) -> list:
    engine.set_armed(0.0, True)
    events = []
    t = 0.0
    pump_detail = "Maintenance: set the pump to 14.0 mg/h"
    for hr, spo2, cuff, action, hold_s, silent, nibp_due in steps:
        for k in range(hold_s):
            t += 1.0
            samples = [] if silent and k > 0 else [Sample(t, Vital.RR, 14.0)]
            if not silent:
                samples += [Sample(t, Vital.HR, hr + k % 3), Sample(t, Vital.SPO2, spo2)]
            if cuff is not None and k == 0:
                samples += NibpReading(t, cuff[0], cuff[1], (cuff[0] + 2 * cuff[1]) / 3).samples()
            events += engine.on_samples(samples, BASELINE)
            late = action == "pump_late"
            events += engine.set_condition(t, "pump_change", late, pump_detail if late else "")
            events += engine.tick(t, nibp_due_s=None if nibp_due is None else t - nibp_due)
        if action == "ack":
            events += engine.acknowledge(t)
        elif action == "pause_audio":
            events += engine.pause_audio(t)
        elif action == "disarm":
            events += engine.set_armed(t, False) + engine.set_armed(t, True)
        elif action in ("source_lost", "source_back"):
            present = action == "source_lost"
            events += engine.report_technical(t, "source_lost", present, "cable")
        elif action in ("sedated", "awake"):
            priority = Priority.MEDIUM if action == "sedated" else None
            events += engine.set_observation(t, "sedation", "Sedation", priority, "MOAA/S 2")
    return [(e.t_s, e.action, e.alarm_id, e.priority, e.detail, e.value) for e in events]


step = st.tuples(
    st.floats(30, 140),  # HR across its low and high limits and rises over baseline
    st.floats(80, 100),  # SpO2 across its limits
    st.none() | st.tuples(st.floats(80, 200), st.floats(50, 120)),
    st.sampled_from(ACTIONS),
    st.integers(1, 40),  # held long enough for the delays, escalation, no data
    st.booleans(),  # HR and SpO2 silent: 'no data' after its delay
    st.none() | st.floats(0, 1200),  # NIBP overdue by this much (s)
)


@settings(max_examples=60, deadline=None)
@given(st.lists(step, min_size=1, max_size=30))
def test_skipping_unchanged_resolves_emits_what_resolving_every_time_emits(steps):
    assert _run(AlarmEngine(PROFILE), steps) == _run(ResolveEveryTime(PROFILE), steps)


def test_a_standing_reminder_is_not_resolved_again():
    """The point of the skip: a condition that stands (an unconfirmed pump change) and
    unchanged samples leave nothing to resolve."""
    engine = AlarmEngine(PROFILE)
    engine.set_armed(0.0, True)
    assert engine.set_condition(1.0, "pump_change", True, "set the pump")
    assert not engine._changed
    assert engine.set_condition(2.0, "pump_change", True, "set the pump") == []
    engine.on_samples([Sample(2.0, Vital.HR, 75.0)], BASELINE)
    assert not engine._changed
    assert engine.is_quiet(judge_silence=False) is False  # it may still escalate
