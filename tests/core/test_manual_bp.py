"""A manual BP is a sample like any device reading: judged, counted, recorded as a command."""

import pytest

from ketamon.core.baseline import Baseline
from ketamon.core.events import alarm_events, command
from ketamon.core.infusion import CommandError, Phase
from ketamon.core.manual_bp import ManualBp
from ketamon.core.session import Session
from ketamon.core.source_choice import SourceChoice
from ketamon.core.vitals import Sample, Vital

MIN = 60.0


def device_session(resources, plan):
    """A session fed by no simulator (a pulse oximeter only: nobody measures the cuff)."""
    session = Session(resources.library, simulated=False, alarm_profile=resources.alarm_profile)
    session.configure(plan, [], 0.0)
    return session


def in_observation(resources, plan):
    session = device_session(resources, plan)
    session.enter_baseline(1.0, Baseline(125, 80, 70, None, "entered"))
    session.start(2.0)
    session.advance_to(2.0 + 41 * MIN)
    assert session.phase() is Phase.OBSERVATION
    return session


def test_185_over_112_in_observation_raises_one_high_bp_alarm(resources, plan_70kg):
    session = in_observation(resources, plan_70kg)
    now = session.t_s
    session.enter_bp(now, ManualBp(185, 112, now - 2 * MIN, hr_bpm=88))
    starts = [a for a in alarm_events(session.events) if a.action == "start"]
    bp = [a for a in starts if "sbp" in a.vitals or "dbp" in a.vitals]
    assert len(bp) == 1
    assert bp[0].priority.label == "high" and bp[0].value == 185
    # Recorded as the nurse's command, then the reading, then what it caused.
    kinds = [e.kind for e in session.events]
    i = kinds.index("command.enter_bp")
    assert kinds[i + 1] == "nibp.manual"
    assert command(session.events[i]).args == {
        "sbp": 185,
        "dbp": 112,
        "map": None,
        "hr": 88,
        "measured_at_s": now - 2 * MIN,
    }
    snap = session.snapshot()
    assert snap.latest[Vital.SBP].value == 185
    assert snap.latest[Vital.MAP].value == pytest.approx(112 + 73 / 3)
    assert snap.sources[Vital.SBP] == "manual"


@pytest.mark.parametrize(
    ("sbp", "dbp", "back_s", "map_mmhg", "reason"),
    [
        (120, 130, 0.0, None, "below SBP"),
        (120, 80, 20 * MIN, None, "up to 15 min"),
        (120, 80, -60.0, None, "future"),
        (900, 80, 0.0, None, "not a possible"),
        (120, 80, 0.0, 130, "between DBP and SBP"),
    ],
)
def test_nonsense_is_refused_but_recorded(resources, plan_70kg, sbp, dbp, back_s, map_mmhg, reason):
    session = device_session(resources, plan_70kg)
    now = 30 * MIN
    session.advance_to(now)
    with pytest.raises(CommandError, match=reason):
        session.enter_bp(now, ManualBp(sbp, dbp, now - back_s, map_mmhg))
    assert [e.kind for e in session.events][-1] == "command.enter_bp"
    assert Vital.SBP not in session.latest


def test_baseline_readings_entered_by_hand_make_the_measured_baseline(resources, plan_70kg):
    session = device_session(resources, plan_70kg)
    session.enter_bp(1 * MIN, ManualBp(130, 84, 0.5 * MIN))
    session.enter_bp(7 * MIN, ManualBp(126, 80, 6 * MIN))
    assert session.baseline is not None and session.baseline.source == "measured"
    assert session.baseline.sbp_mmhg == pytest.approx(128)


def test_a_late_entry_does_not_hide_a_newer_reading_and_prompts_when_due(resources, plan_70kg):
    session = in_observation(resources, plan_70kg)
    assert session.snapshot().nibp_prompt == "BP due now: take and enter"
    t = session.t_s
    session.ingest([Sample(t, Vital.HR, 70.0)], "Masimo on ttyUSB0")
    session.enter_bp(t + 1, ManualBp(140, 90, t - 0.5 * MIN, hr_bpm=65))
    snap = session.snapshot()
    assert snap.latest[Vital.HR].value == 70.0  # the oximeter's is newer
    assert snap.sources[Vital.HR] == "Masimo on ttyUSB0"
    # The reading resets the cuff schedule from when it was measured.
    assert snap.nibp_due_s == pytest.approx(t - 0.5 * MIN + 15 * MIN)
    assert snap.nibp_prompt is None


def test_a_simulated_cuff_is_never_the_nurses_to_enter(library, plan_70kg):
    session = Session(library, simulated=True)
    session.configure(plan_70kg, [], 0.0)
    assert session.snapshot().nibp_due_s == 0.0
    assert session.snapshot().nibp_prompt is None


def test_each_vital_comes_from_the_first_device_that_supplies_it():
    choice = SourceChoice(["masimo", "ge"])
    assert choice.accept("ge", Vital.HR, 0.0)  # the oximeter has sent no HR yet
    assert choice.accept("masimo", Vital.HR, 1.0)
    assert not choice.accept("ge", Vital.HR, 2.0)  # now it does
    assert choice.accept("ge", Vital.SBP, 2.0)  # and never sends NIBP
    assert choice.accept("ge", Vital.HR, 12.0)  # silent 11 s: the next device takes over
    assert choice.accept("masimo", Vital.HR, 13.0)
    assert not choice.accept("ge", Vital.HR, 14.0)
    assert choice.accept("ge", Vital.HR, 19.0)  # silent 6 s: beyond the 5 s hold


def test_a_lost_device_hands_its_vitals_over_at_once():
    choice = SourceChoice(["masimo", "ge"])
    assert choice.accept("masimo", Vital.HR, 10.0)
    assert not choice.accept("ge", Vital.HR, 11.0)
    choice.release("masimo")  # cable pulled
    assert choice.accept("ge", Vital.HR, 11.5)
    assert choice.accept("masimo", Vital.HR, 20.0)  # back, first in the list again
    assert not choice.accept("ge", Vital.HR, 21.0)
