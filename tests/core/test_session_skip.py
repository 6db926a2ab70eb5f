"""A session with no source skips quiet seconds (replay, downtime) and still emits exactly
what stepping every second emits: a reference session that never skips must agree."""

import pytest

from ketamon.core.alarm_profile import load_alarm_profile
from ketamon.core.baseline import Baseline
from ketamon.core.session import Session
from ketamon.core.vitals import NibpReading, Sample, Vital
from ketamon.resources import alarm_profiles_dir

MIN = 60.0


class SteppingSession(Session):
    """The reference: every second ticked, as before issue 15."""

    def _skip_quiet_steps(self, t_s: float) -> bool:
        return False


def _drive(cls, library, plan, judge_silence: bool, offset_s: float):
    profile = load_alarm_profile(alarm_profiles_dir() / "default.toml")
    s = cls(library, simulated=True, alarm_profile=profile, timed_technical_alarms=judge_silence)
    s.configure(plan, [], offset_s)
    s.enter_baseline(offset_s + 3.3, Baseline(120, 75, 70, None, "entered"))
    s.start(offset_s + 7.1)
    s.advance_to(offset_s + 5 * MIN + 0.25)
    # A cuff reading now and then (BP rise: an alarm that escalates while nothing arrives).
    for minute, sbp in ((6, 125), (9, 170), (22, 168), (45, 130)):
        t = offset_s + minute * MIN + 0.4
        s.advance_to(t)
        s.ingest(NibpReading(t, sbp, 80, 95).samples() + [Sample(t, Vital.HR, 75.0)])
        if minute == 22:
            s.pause(t + 0.9, "line check")
            s.acknowledge_alarms(t + 2 * MIN)
            s.resume(t + 5 * MIN + 0.05)
    s.resume_after_downtime(offset_s + 60 * MIN, offset_s + 95 * MIN + 0.7)
    s.advance_to(offset_s + 4 * 60 * MIN + 0.3)
    return [(e.t_s, e.kind, e.message, e.data) for e in s.events], s.t_s, s.phase()


@pytest.mark.parametrize("judge_silence", [True, False])
@pytest.mark.parametrize("offset_s", [0.0, 0.1, 1234.567])
def test_skipping_quiet_seconds_changes_nothing(library, plan_70kg, judge_silence, offset_s):
    fast = _drive(Session, library, plan_70kg, judge_silence, offset_s)
    slow = _drive(SteppingSession, library, plan_70kg, judge_silence, offset_s)
    assert fast == slow
    assert any(kind == "alarm.start" for _, kind, _, _ in fast[0])  # the case has alarms
