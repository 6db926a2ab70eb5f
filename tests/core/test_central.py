"""The central model: repeats dropped, holes counted, alarms followed, OFFLINE, audio."""

from __future__ import annotations

from ketamon.core.alarm_profile import Priority
from ketamon.core.central import CentralModel
from ketamon.core.central_types import (
    AlarmRecord,
    BedAlarm,
    BedOffline,
    BedState,
    Heartbeat,
    VitalsBatch,
)
from ketamon.core.vitals import Vital


def alarm(seq, event, alarm_id="hr_high", priority=Priority.HIGH, run="r1"):
    return AlarmRecord("b1", run, seq, float(seq), event, alarm_id, priority, "HR very high")


def test_repeated_messages_are_applied_once_and_holes_are_counted():
    model = CentralModel()
    model.apply(alarm(1, "start"), 0.0)
    model.apply(alarm(1, "start"), 0.1)  # QoS 1 may deliver twice
    model.apply(alarm(3, "end"), 0.2)
    bed = model.beds["b1"]
    assert [r.seq for r in bed.alarm_events] == [1, 3]
    assert bed.holes == 1
    model.apply(alarm(1, "start", run="r2"), 0.3)  # a restarted bedside counts afresh
    assert bed.holes == 1 and len(bed.alarm_events) == 3


def test_active_alarms_follow_events_and_the_state_only_until_the_first_event():
    model = CentralModel()
    state = BedState("b1", 10.0, "Infusing", 100.0, 5.0, (BedAlarm("x", Priority.LOW, "Old"),))
    model.apply(state, 0.0)
    assert model.beds["b1"].highest_alarm().label == "Old"
    model.apply(alarm(1, "start"), 0.1)
    assert model.beds["b1"].highest_alarm().priority is Priority.HIGH
    model.apply(alarm(2, "end"), 0.2)
    assert model.beds["b1"].highest_alarm() is None


def test_offline_after_6_s_of_silence_or_at_the_last_will():
    model = CentralModel()
    model.apply(Heartbeat("b1"), 0.0)
    model.apply(Heartbeat("b2"), 0.0)
    model.tick(6.0)
    assert not model.beds["b1"].offline
    model.apply(BedOffline("b2"), 6.0)
    model.tick(6.1)
    assert model.beds["b1"].offline and model.beds["b2"].offline
    assert model.beds["b1"].highest_alarm().label == "OFFLINE"
    model.apply(Heartbeat("b1"), 7.0)
    assert not model.beds["b1"].offline


def test_audio_for_high_alarms_only_with_its_own_acknowledge_and_pause():
    model = CentralModel(audio_pause_s=120)
    model.apply(alarm(1, "start", "spo2", Priority.MEDIUM), 0.0)
    assert model.audio_priority(0.0) is None
    model.apply(alarm(2, "start"), 0.0)
    assert model.audio_priority(0.0) is Priority.HIGH
    model.pause_audio(1.0)
    assert model.audio_priority(100.0) is None
    model.tick(121.0)
    assert model.audio_priority(121.0) is Priority.HIGH
    model.acknowledge()
    assert model.audio_priority(122.0) is None
    model.apply(alarm(3, "end"), 130.0)
    model.apply(alarm(4, "start"), 140.0)  # a new high alarm sounds again
    assert model.audio_priority(140.0) is Priority.HIGH


def test_vitals_keep_the_latest_and_the_trend():
    model = CentralModel()
    model.apply(VitalsBatch("b1", "r", 1, ((1.0, Vital.HR, 70.0), (2.0, Vital.HR, 71.0))), 0.0)
    model.apply(BedState("b1", 12.0, "Infusing", None, None), 0.0)
    bed = model.beds["b1"]
    assert bed.latest[Vital.HR] == (2.0, 71.0)
    assert bed.age_s(Vital.HR) == 10.0
    assert bed.trends[Vital.HR] == [(1.0, 70.0), (2.0, 71.0)]


def test_a_bed_that_closed_cleanly_is_not_an_alarm():
    from ketamon.core.central_types import BedClosed

    model = CentralModel()
    model.apply(Heartbeat("b1"), 0.0)
    model.apply(BedClosed("b1"), 1.0)
    model.tick(60.0)
    assert model.beds["b1"].closed and not model.beds["b1"].offline
    assert model.beds["b1"].highest_alarm() is None
