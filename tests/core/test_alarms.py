"""The alarm engine, rule by rule, on hand-made samples with exact times."""

import dataclasses

import pytest

from ketamon.core.alarm_profile import AlarmKind, Priority, load_alarm_profile
from ketamon.core.alarms import AlarmEngine
from ketamon.core.baseline import Baseline
from ketamon.core.vitals import NibpReading, Sample, Vital
from ketamon.resources import alarm_profiles_dir

BASELINE = Baseline(sbp_mmhg=120, dbp_mmhg=75, hr_bpm=70, spo2_pct=98, source="entered")


@pytest.fixture(scope="module")
def profile():
    return load_alarm_profile(alarm_profiles_dir() / "default.toml")


@pytest.fixture
def engine(profile):
    eng = AlarmEngine(profile)
    eng.set_armed(0.0, True)
    return eng


def feed_hr(engine, values, start_s=1.0, baseline=BASELINE, spo2=98.0):
    """One HR (and SpO2, so no technical alarm) sample a second."""
    events = []
    for i, value in enumerate(values):
        t = start_s + i
        samples = [Sample(t, Vital.HR, value), Sample(t, Vital.SPO2, spo2)]
        events += engine.on_samples(samples, baseline)
        events += engine.tick(t, nibp_due_s=None)
    return events


def nibp(engine, t_s, sbp, dbp, baseline=BASELINE):
    return engine.on_samples(NibpReading(t_s, sbp, dbp, (sbp + 2 * dbp) / 3).samples(), baseline)


def actions(events, alarm_id=None):
    return [(e.t_s, e.action) for e in events if alarm_id is None or e.alarm_id == alarm_id]


# ---- crossing and condition delay -------------------------------------------------


def test_hr_high_needs_its_condition_delay(engine):
    events = feed_hr(engine, [115] * 20)
    starts = [e for e in events if e.action == "start"]
    assert len(starts) == 1
    alarm = starts[0]
    assert alarm.t_s == 16.0  # first violating sample at 1 s, delay 15 s
    assert alarm.priority is Priority.MEDIUM
    assert alarm.kind is AlarmKind.PHYSIOLOGICAL
    assert alarm.value == 115
    assert alarm.limit == 110


def test_a_brief_excursion_shorter_than_the_delay_raises_nothing(engine):
    events = feed_hr(engine, [70] * 5 + [118] * 12 + [70] * 5)
    assert [e for e in events if e.action == "start"] == []


def test_no_duplicates_while_the_condition_lasts(engine):
    events = feed_hr(engine, [115] * 200)
    assert [e.action for e in events if e.alarm_id == "hr_high"].count("start") == 1


# ---- one alarm per event: priorities within a group ------------------------------------


def test_worsening_changes_the_one_alarm_instead_of_adding_one(engine):
    events = feed_hr(engine, [115] * 20 + [125] * 15)
    hr = [e for e in events if e.alarm_id == "hr_high"]
    assert [e.action for e in hr] == ["start", "change"]
    assert hr[1].priority is Priority.HIGH
    assert hr[1].t_s == 31.0  # >= 120 from 21 s, delay 10 s
    assert len(engine.active()) == 1


# ---- hysteresis -------------------------------------------------------------------------


def test_hysteresis_keeps_a_running_alarm_until_clearly_back(engine, profile):
    assert profile.hysteresis_for(Vital.HR) == 3
    high_baseline = dataclasses.replace(BASELINE, hr_bpm=90)  # rise limit 120: out of play
    clear_s = profile.rules[[r.id for r in profile.rules].index("hr_high")].clear_delay_s
    assert clear_s == 30
    samples = [112] * 20 + [109, 108, 110, 109] + [106] * 40
    events = feed_hr(engine, samples, baseline=high_baseline)
    hr = actions(events, "hr_high")
    assert hr[0] == (16.0, "start")
    # 108-110 are within 3 bpm of the limit: still on; from 106 on (t 25 s) it clears once
    # the condition has been absent for the clear delay.
    assert hr[1] == (25.0 + clear_s, "end")


def test_one_good_sample_does_not_end_an_alarm(engine, profile):
    """Hysteresis in time (clear_delay_s): an artefact's good value ends nothing."""
    high_baseline = dataclasses.replace(BASELINE, hr_bpm=90)
    events = feed_hr(engine, [112] * 20 + [80] + [112] * 20 + [80] * 5, baseline=high_baseline)
    assert actions(events, "hr_high") == [(16.0, "start")]


# ---- baseline-relative limits ---------------------------------------------------------------


def test_hr_rise_over_baseline(engine):
    low_baseline = dataclasses.replace(BASELINE, hr_bpm=60)
    events = feed_hr(engine, [92] * 20, baseline=low_baseline)  # +32 over 60, below 110
    start = next(e for e in events if e.action == "start")
    assert start.alarm_id == "hr_high"
    assert start.limit == 90
    assert "+32 over baseline 60" in start.detail


def test_bp_rise_over_baseline_judged_once_per_reading(engine):
    assert actions(nibp(engine, 600, 150, 80)) == []  # +30
    events = nibp(engine, 1200, 158, 80)  # +38 SBP, fine
    assert actions(events) == []
    events = nibp(engine, 1800, 161, 101)  # +41 SBP and >= 160: one alarm, not two
    starts = [e for e in events if e.action == "start"]
    assert len(starts) == 1
    assert starts[0].condition == "BP rise over baseline"
    assert starts[0].priority is Priority.MEDIUM
    assert nibp(engine, 2400, 130, 80)[-1].action == "end"


def test_dbp_rise_alone_counts(engine):
    start = nibp(engine, 600, 125, 101)[0]
    assert start.action == "start" and start.condition == "BP rise over baseline"
    assert "DBP 101 mmHg: +26 over baseline 75" in start.detail


def test_rise_rules_wait_for_a_baseline(engine):
    assert nibp(engine, 600, 150, 95, baseline=None) == []


def test_percent_rise(profile):
    rule = profile.rules[1]
    pct = dataclasses.replace(
        rule, criteria=(dataclasses.replace(rule.criteria[0], op="rise_pct", limit=20),)
    )
    eng = AlarmEngine(dataclasses.replace(profile, rules=(pct,)))
    eng.set_armed(0.0, True)
    assert nibp(eng, 60, 143, 80) == []  # +19%
    assert nibp(eng, 120, 145, 80)[0].action == "start"  # +21%


# ---- latching and acknowledge ------------------------------------------------------------


def test_high_alarm_latches_until_acknowledged(engine):
    events = nibp(engine, 600, 185, 95)
    assert events[0].priority is Priority.HIGH
    events = nibp(engine, 1200, 130, 80)
    assert actions(events) == [(1200, "condition_ended")]
    assert engine.active()[0].present is False  # still shown
    events = engine.acknowledge(1300)
    assert actions(events) == [(1300, "end")]
    assert engine.active() == []


def test_medium_alarm_does_not_latch(engine):
    nibp(engine, 600, 165, 80)
    assert actions(nibp(engine, 1200, 130, 80)) == [(1200, "end")]


def test_latched_priority_holds_until_acknowledged(engine):
    nibp(engine, 600, 185, 95)  # high, latching
    events = nibp(engine, 1200, 165, 85)  # now only 'BP high' (medium) holds
    assert engine.active()[0].priority is Priority.HIGH
    assert actions(events) == [(1200, "change")]  # rule changed, priority held
    engine.acknowledge(1250)
    nibp(engine, 1800, 166, 85)
    assert engine.active()[0].priority is Priority.MEDIUM


def test_acknowledge_silences_but_keeps_showing_a_present_alarm(engine):
    feed_hr(engine, [115] * 20)
    assert engine.audio_priority(20) is Priority.MEDIUM
    events = engine.acknowledge(21)
    assert actions(events) == [(21, "acknowledged")]
    assert engine.audio_priority(22) is None
    assert engine.active()[0].acknowledged


# ---- audio pause and breakthrough -----------------------------------------------------------


def test_audio_pause_lasts_two_minutes_then_resumes(engine):
    feed_hr(engine, [115] * 20)
    engine.pause_audio(20.0)
    assert engine.audio_priority(21.0) is None
    assert engine.audio_pause_left_s(50.0) == 90.0
    events = feed_hr(engine, [115] * 130, start_s=21)
    assert (140.0, "audio_resumed") in actions(events)
    assert engine.audio_priority(141.0) is Priority.MEDIUM


def test_higher_priority_breaks_through_a_pause(engine):
    feed_hr(engine, [115] * 20)
    engine.pause_audio(20.0)
    events = nibp(engine, 30.0, 190, 100)
    assert ("audio_resumed") in [e.action for e in events]
    assert engine.audio_priority(30.0) is Priority.HIGH


def test_same_priority_does_not_break_through(engine):
    feed_hr(engine, [115] * 20)
    engine.pause_audio(20.0)
    nibp(engine, 30.0, 165, 80)  # another medium
    assert engine.audio_priority(31.0) is None


def test_audio_cannot_be_turned_off(engine):
    assert not hasattr(engine, "audio_off")
    assert not hasattr(engine, "turn_off")


# ---- escalation ------------------------------------------------------------------------------


def test_unresolved_medium_escalates_once_a_repeat_reading_confirms_it(engine, profile):
    after = profile.escalate_medium_after_s
    assert after == 300
    nibp(engine, 600, 165, 80)
    assert engine.repeat_bp_due_s() == 600 + profile.repeat_bp_s  # "repeat BP now"
    nibp(engine, 700, 166, 82)  # the repeat: still high
    assert engine.repeat_bp_due_s() is None
    engine.tick(600 + after - 1, nibp_due_s=None)
    assert engine.active()[0].priority is Priority.MEDIUM
    events = engine.tick(600 + after, nibp_due_s=None)
    escalated = [e for e in events if e.action == "escalated"]
    assert escalated and escalated[0].priority is Priority.HIGH


def test_a_single_bp_reading_does_not_escalate_until_its_repeat_is_overdue(engine, profile):
    """Issue 13: one 162/80 must not become high 5 min later with no new reading."""
    nibp(engine, 600, 162, 80)
    for t in range(601, 600 + 301):
        assert not [e for e in engine.tick(t, nibp_due_s=None) if e.action == "escalated"]
    assert engine.active()[0].priority is Priority.MEDIUM
    overdue_s = 600 + profile.repeat_bp_s + profile.technical.nibp_overdue_s
    events = [e for t in range(901, int(overdue_s) + 1) for e in engine.tick(t, None)]
    escalated = [e for e in events if e.action == "escalated"]
    assert [e.t_s for e in escalated] == [overdue_s]


def test_acknowledged_medium_does_not_escalate(engine, profile):
    nibp(engine, 600, 165, 80)
    engine.acknowledge(610)
    engine.tick(600 + profile.escalate_medium_after_s + 10, nibp_due_s=None)
    assert engine.active()[0].priority is Priority.MEDIUM


# ---- technical alarms ------------------------------------------------------------------------


def test_no_hr_spo2_data_for_ten_seconds(engine):
    feed_hr(engine, [70] * 5)  # last samples at 5 s
    assert engine.tick(14.0, None) == []
    events = engine.tick(15.0, None)
    (start,) = events
    assert start.alarm_id == "no_data"
    assert start.kind is AlarmKind.TECHNICAL
    assert start.priority is Priority.MEDIUM
    events = feed_hr(engine, [70], start_s=16.0)
    assert actions(events, "no_data") == [(16.0, "end")]


def test_nibp_overdue_by_two_minutes(engine):
    feed_hr(engine, [70] * 725)  # HR and SpO2 flowing (to 725 s): only the cuff is late
    assert engine.tick(600 + 119, nibp_due_s=600) == []
    (start,) = engine.tick(600 + 120, nibp_due_s=600)
    assert (start.alarm_id, start.priority) == ("nibp_overdue", Priority.LOW)
    assert actions(engine.tick(725, nibp_due_s=1200), "nibp_overdue") == [(725, "end")]


@pytest.mark.parametrize(
    ("condition", "priority"),
    [("source_lost", Priority.MEDIUM), ("sensor_off", Priority.LOW), ("artefact", Priority.LOW)],
)
def test_reported_technical_conditions(engine, condition, priority):
    (start,) = engine.report_technical(5.0, condition, True, "cable unplugged")
    assert (start.alarm_id, start.priority, start.kind) == (
        condition,
        priority,
        AlarmKind.TECHNICAL,
    )
    assert engine.report_technical(6.0, condition, True) == []  # no duplicate
    assert actions(engine.report_technical(9.0, condition, False)) == [(9.0, "end")]


def test_the_cause_is_listed_before_its_consequence(engine):
    """A pulled cable: 'no data' (its consequence) comes after 'source lost' (the cause)."""
    for t in range(5):
        engine.on_samples(
            [Sample(float(t), Vital.HR, 70.0), Sample(float(t), Vital.SPO2, 98.0)], None
        )
    engine.tick(30.0, None)  # silence long enough for 'no data'
    engine.report_technical(31.0, "source_lost", True, "cable unplugged")
    ids = [a.id for a in engine.active()]
    assert ids.index("source_lost") < ids.index("no_data")
    engine.report_technical(40.0, "source_lost", False)
    assert "source_lost" not in [a.id for a in engine.active()]


def test_unknown_technical_condition_is_a_programming_error(engine):
    with pytest.raises(ValueError):
        engine.report_technical(1.0, "smoke", True)


# ---- arming ------------------------------------------------------------------------------------


def test_unarmed_engine_raises_nothing_and_disarming_ends_everything(profile):
    engine = AlarmEngine(profile)
    assert feed_hr(engine, [130] * 30) == []
    engine.set_armed(100.0, True)
    nibp(engine, 110.0, 190, 115)
    events = engine.set_armed(200.0, False)
    assert [e.action for e in events] == ["end", "disarmed"]
    assert engine.active() == []


def test_every_event_carries_time_value_and_limit(engine):
    events = feed_hr(engine, [40] * 15)
    start = next(e for e in events if e.action == "start")
    assert (start.alarm_id, start.priority, start.value, start.limit) == (
        "hr_low",
        Priority.HIGH,
        40,
        40,
    )
    assert start.t_s == 11.0


def test_network_links_raise_low_technical_alarms_even_before_arming():
    profile = load_alarm_profile(alarm_profiles_dir() / "default.toml")
    assert profile.technical.hl7_unacknowledged_s == 60
    engine = AlarmEngine(profile)
    (start,) = engine.report_technical(5.0, "hl7_unacknowledged", True, "NAK AE")
    assert (start.action, start.condition, start.priority) == (
        "start",
        "HL7 NOT ACKNOWLEDGED",
        Priority.LOW,
    )
    (start,) = engine.report_technical(6.0, "broker_away", True, "refused")
    assert start.kind is AlarmKind.TECHNICAL and start.condition == "Broker away"
    ends = engine.report_technical(7.0, "broker_away", False)
    assert [e.action for e in ends] == ["end"]


def test_the_engine_judges_the_artefact_rate_and_clears_it_when_it_falls(engine, profile):
    limit = profile.technical.artefact_per_min
    assert actions(engine.count_artefacts(10.0, int(limit))) == []  # at the limit: not above
    events = engine.count_artefacts(20.0, 2)
    assert [(e.action, e.alarm_id) for e in events] == [("start", "artefact")]
    assert "malformed frames a minute" in events[0].detail
    assert engine.tick(60.0, None, judge_silence=False) == []  # still within the minute
    ended = engine.tick(81.0, None, judge_silence=False)  # the burst left the window
    assert ("end", "artefact") in [(e.action, e.alarm_id) for e in ended]
