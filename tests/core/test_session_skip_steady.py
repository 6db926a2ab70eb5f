"""Skipping quiet seconds past standing alarms and reminders changes nothing.

An unconfirmed pump change that stands for hours, a BP alarm that escalated and
stands, a pause with its reminder, acknowledgements and a late confirmation: a
session with no source that skips the seconds where nothing can happen (replay) must
emit exactly what a reference session that ticks every second emits.
"""

import pytest

from ketamon.core.alarm_profile import load_alarm_profile
from ketamon.core.baseline import Baseline
from ketamon.core.dosing import Patient, check_limits, make_plan
from ketamon.core.session import Session
from ketamon.core.vitals import NibpReading, Sample, Vital
from ketamon.resources import alarm_profiles_dir

MIN = 60.0


class SteppingSession(Session):
    """The reference: every second ticked."""

    def _skip_quiet_steps(self, t_s: float) -> bool:
        return False


def _drive(cls, library, plan, offset_s: float, confirm_at_min: float | None):
    profile = load_alarm_profile(alarm_profiles_dir() / "default.toml")
    s = cls(library, simulated=True, alarm_profile=profile, timed_technical_alarms=False)
    s.configure(plan, check_limits(plan, library), offset_s)
    s.enter_baseline(offset_s + 2.2, Baseline(120, 75, 70, None, "entered"))
    s.start(offset_s + 5.3)
    # A BP rise at the end of loading: an alarm that escalates, then stands.
    for minute, sbp in ((20, 124), (41, 172), (44, 171), (70, 126)):
        t = offset_s + minute * MIN + 0.6
        s.advance_to(t)
        s.ingest(NibpReading(t, sbp, 80, 95).samples() + [Sample(t, Vital.HR, 75.0)])
    s.acknowledge_alarms(offset_s + 75 * MIN + 0.1)
    s.pause(offset_s + 90 * MIN + 0.3, "line check")
    s.advance_to(offset_s + 110 * MIN)
    s.resume(offset_s + 111 * MIN + 0.9)
    if confirm_at_min is not None:
        s.confirm_pump(offset_s + confirm_at_min * MIN + 0.45)
    s.advance_to(offset_s + 5 * 60 * MIN + 0.3)
    return [(e.t_s, e.kind, e.message, e.data) for e in s.events], s.t_s, s.phase()


@pytest.mark.parametrize("offset_s", [0.0, 0.7, 1234.567])
@pytest.mark.parametrize("confirm_at_min", [None, 43.0, 180.0])
def test_standing_alarms_and_reminders_are_skipped_exactly(
    library, maintenance_protocol, offset_s, confirm_at_min
):
    protocol = maintenance_protocol.with_segment(1, duration_min=180)
    plan = make_plan(protocol, Patient(70.0), 1.0)
    fast = _drive(Session, library, plan, offset_s, confirm_at_min)
    slow = _drive(SteppingSession, library, plan, offset_s, confirm_at_min)
    assert fast == slow
    kinds = [kind for _, kind, _, _ in fast[0]]
    assert "alarm.escalated" in kinds and "pump.handoff" in kinds


class CountingSession(Session):
    """Counts the skips taken."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.skips: list[bool] = []

    def _skip_quiet_steps(self, t_s: float) -> bool:
        skipped = super()._skip_quiet_steps(t_s)
        self.skips.append(skipped)
        return skipped


def test_a_standing_pump_change_no_longer_stops_the_skipping(library, maintenance_protocol):
    """The skip is taken past an unconfirmed pump change (it stood hours, ticked by the
    second, in a replay of an 8-hour session)."""
    protocol = maintenance_protocol.with_segment(1, duration_min=180)
    plan = make_plan(protocol, Patient(70.0), 1.0)
    profile = load_alarm_profile(alarm_profiles_dir() / "default.toml")
    s = CountingSession(library, True, alarm_profile=profile, timed_technical_alarms=False)
    s.configure(plan, check_limits(plan, library), 0.0)
    s.enter_baseline(1.0, Baseline(120, 75, 70, None, "entered"))
    s.start(2.0)
    s.advance_to(60 * MIN)  # past the hand-off at 40 min and its reminder
    assert s.pending_handoff() is not None
    assert s.alarms.alarms  # the reminder stands
    s.skips.clear()
    s.advance_to(120 * MIN)
    assert s.skips[0] is True
    assert len(s.skips) < 10  # not one a second
