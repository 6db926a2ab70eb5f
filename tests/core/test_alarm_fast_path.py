"""The alarm engine's fast path (idle rules, value inside the safe band) changes nothing.

A reference engine that judges every rule on every sample, as before issue 15, must
emit exactly the same events as the engine with its fast path, on random walks that
cross every threshold, with baseline changes, acknowledgements and a disarm on the way.
"""

from hypothesis import given, settings
from hypothesis import strategies as st

from ketamon.core.alarm_profile import load_alarm_profile
from ketamon.core.alarms import AlarmEngine
from ketamon.core.baseline import Baseline
from ketamon.core.vitals import NibpReading, Sample, Vital
from ketamon.resources import alarm_profiles_dir

PROFILE = load_alarm_profile(alarm_profiles_dir() / "default.toml")
BASELINES = (
    None,
    Baseline(120, 75, 70, 98, "entered"),
    Baseline(150, 95, 100, 92, "measured"),
)


class JudgeEverything(AlarmEngine):
    """The slow reference: no rule is ever skipped."""

    def _quiet(self, sample, rules, baseline) -> bool:
        return False


def _run(engine: AlarmEngine, steps) -> list:
    engine.set_armed(0.0, True)
    events = []
    t = 0.0
    for hr, spo2, rr, cuff, baseline_index, action, hold_s in steps:
        baseline = BASELINES[baseline_index]
        for k in range(hold_s):  # held long enough to pass the rules' delays
            t += 1.0
            samples = [
                Sample(t, Vital.HR, hr + k % 3),
                Sample(t, Vital.SPO2, spo2 - k % 2),
                Sample(t, Vital.RR, rr),
            ]
            if cuff is not None and k == 0:
                samples += NibpReading(t, cuff[0], cuff[1], (cuff[0] + 2 * cuff[1]) / 3).samples()
            events += engine.on_samples(samples, baseline)
            events += engine.tick(t, nibp_due_s=None)
        if action == "ack":
            events += engine.acknowledge(t)
        elif action == "disarm":
            events += engine.set_armed(t, False) + engine.set_armed(t, True)
    return [(e.t_s, e.action, e.alarm_id, e.priority, e.detail) for e in events]


step = st.tuples(
    st.floats(30, 140),  # HR across 40/50 low and 110/120 high, and rises of 30 over 70/100
    st.floats(80, 100),  # SpO2 across its limits
    st.floats(4, 35),
    st.none() | st.tuples(st.floats(80, 200), st.floats(50, 120)),
    st.sampled_from((0, 1, 1, 1, 2)),
    st.sampled_from((None,) * 20 + ("ack", "disarm")),
    st.integers(1, 25),
)


@settings(max_examples=60, deadline=None)
@given(st.lists(step, min_size=1, max_size=40))
def test_fast_path_emits_what_judging_every_rule_emits(steps):
    assert _run(AlarmEngine(PROFILE), steps) == _run(JudgeEverything(PROFILE), steps)


def test_the_fast_path_is_taken_for_values_far_from_every_limit():
    engine = AlarmEngine(PROFILE)
    engine.set_armed(0.0, True)
    baseline = BASELINES[1]
    rules = engine._rules_for[Vital.HR]
    assert engine._quiet(Sample(1.0, Vital.HR, 75.0), rules, baseline)
    assert not engine._quiet(Sample(1.0, Vital.HR, 110.0), rules, baseline)  # on a limit
