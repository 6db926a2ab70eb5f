"""Rebuild refuses damaged records with a message naming time, record and field, re-refuses
commands refused live, and still rebuilds schema-1 recordings (no command records)."""

import logging

import pytest

from ketamon.core.infusion import Phase
from ketamon.core.session import SessionEvent
from ketamon.core.vitals import Sample, Vital
from ketamon.io.rebuild import RebuildError, plan_from_prescription, replay
from ketamon.io.run_config import RunConfig, autostart, make_session, rebuilt_session


def recorded(resources):
    """A live simulated session after autostart (setup, measured baseline, start)."""
    live = make_session(RunConfig(), resources)
    autostart(live, RunConfig(), resources)
    return live


def prescription(live):
    setup = next(e for e in live.events if e.kind == "command.setup")
    return dict(setup.data["prescription"])


@pytest.mark.parametrize("bag", [True, 0, -5.0, float("nan"), float("inf"), "500"])
def test_a_bag_volume_that_is_not_a_volume_is_refused(resources, bag):
    p = prescription(recorded(resources)) | {"bag_volume_ml": bag}
    with pytest.raises(RebuildError, match="bag_volume_ml .* is not a volume in mL"):
        plan_from_prescription(p, resources.protocols)


def test_a_recorded_bag_volume_is_kept(resources):
    p = prescription(recorded(resources)) | {"bag_volume_ml": 250.0}
    assert plan_from_prescription(p, resources.protocols).bag_volume_ml == 250.0


def test_a_command_missing_its_fields_names_time_record_and_field(resources):
    live = recorded(resources)
    stream = [*live.events, SessionEvent(400.0, "command.enter_baseline", "", {"dbp": 80})]
    with pytest.raises(RebuildError) as info:
        replay(rebuilt_session(resources, simulated=True), stream, resources.protocols, 500.0, True)
    message = str(info.value)
    assert message.startswith("at 400 s, command.enter_baseline: the recorded command is damaged")
    assert "KeyError" in message and "sbp" in message


@pytest.mark.parametrize(
    "record",
    [
        SessionEvent(350.0, "technical.artefacts", "", {"frames": "many"}),
        SessionEvent(350.0, "technical.report", "", {"present": True}),
        SessionEvent(350.0, "artefact.rejected", "", {"values": ["sbp", 300]}),
        SessionEvent(350.0, "artefact.rejected", "", {"values": {"nonsense": 1}}),
    ],
    ids=["artefacts-count", "report-condition", "rejected-list", "rejected-vital"],
)
def test_a_damaged_input_record_is_refused(resources, record):
    stream = [*recorded(resources).events, record]
    with pytest.raises(RebuildError, match=rf"at 350 s, {record.kind}: .* damaged"):
        replay(rebuilt_session(resources, simulated=True), stream, resources.protocols, 400.0, True)


def test_equipment_reports_are_delivered_with_the_samples_of_their_time(resources):
    live = recorded(resources)
    t = live.t_s + 10.0
    stream = [
        *live.events,
        Sample(t, Vital.HR, 80.0),
        SessionEvent(
            t, "technical.report", "Sensor off", {"condition": "sensor_off", "present": True}
        ),
        SessionEvent(t, "technical.artefacts", "", {"frames": 3}),
    ]
    rebuilt = rebuilt_session(resources, simulated=True)
    replay(rebuilt, stream, resources.protocols, until_s=t + 1, baseline_from_events=True)
    assert rebuilt.snapshot().latest[Vital.HR].value == 80.0
    started = [e.data["alarm_id"] for e in rebuilt.events if e.kind == "alarm.start"]
    assert "sensor_off" in started  # the report, re-delivered, raised its alarm again
    assert any(e.kind == "technical.artefacts" and e.data == {"frames": 3} for e in rebuilt.events)


def test_a_command_refused_live_is_refused_again_and_the_rebuild_goes_on(resources):
    live = recorded(resources)
    t = live.t_s + 5.0
    stream = [
        *live.events,
        SessionEvent(t, "command.resume", "", {}),  # nothing was paused
        SessionEvent(t + 1, "command.pause", "", {"reason": "nausea"}),
    ]
    rebuilt = rebuilt_session(resources, simulated=True)
    replay(rebuilt, stream, resources.protocols, until_s=t + 2, baseline_from_events=True)
    assert rebuilt.phase() is Phase.PAUSED
    assert not any(e.kind == "infusion.resumed" for e in rebuilt.events)


# ---- schema 1: no command records --------------------------------------------------------


def legacy_stream(live):
    """What a schema-1 recording held: effects only, no `command.*` records."""
    return [e for e in live.events if not e.kind.startswith("command.")]


def test_a_schema_1_recording_is_rebuilt_from_effects_with_a_warning(resources, caplog):
    live = recorded(resources)
    t = live.t_s
    live.advance_to(t + 60)
    live.pause(t + 60, "nausea")
    live.advance_to(t + 120)
    live.resume(t + 120)
    live.advance_to(t + 180)
    live.annotate(t + 180, "Dissociation", {"type": "side_effect"})
    live.advance_to(t + 200)
    live.stop(t + 200, "patient request")
    stream = legacy_stream(live)
    rebuilt = rebuilt_session(resources, simulated=True)
    with caplog.at_level(logging.WARNING, logger="ketamon.io.rebuild"):
        replay(rebuilt, stream, resources.protocols, until_s=t + 300, baseline_from_events=True)
    assert "no command records" in caplog.text
    kinds = [e.kind for e in rebuilt.events]
    for kind in (
        "infusion.started",
        "infusion.paused",
        "infusion.resumed",
        "infusion.stopped_early",
    ):
        assert kinds.count(kind) == 1, kind
    assert [e.message for e in rebuilt.events if e.kind == "annotation"] == ["Dissociation"]
    assert rebuilt.phase() is live.phase()
    assert rebuilt.t_s == t + 300


def test_schema_1_one_press_acknowledging_several_alarms_is_one_command(resources):
    live = recorded(resources)
    t = live.t_s + 30
    stream = [
        *legacy_stream(live),
        Sample(t, Vital.HR, 80.0),
        Sample(t, Vital.SPO2, 97.0),
        Sample(t + 1, Vital.HR, 81.0),
        SessionEvent(t + 5, "alarm.acknowledged", "", {"condition": "a"}),
        SessionEvent(t + 5, "alarm.acknowledged", "", {"condition": "b"}),
        SessionEvent(t + 6, "alarm.audio_paused", "", {}),
    ]
    rebuilt = rebuilt_session(resources, simulated=True)
    replay(rebuilt, stream, resources.protocols, until_s=t + 10, baseline_from_events=True)
    acks = [e for e in rebuilt.events if e.kind == "command.acknowledge"]
    assert [e.t_s for e in acks] == [t + 5]
    assert rebuilt.snapshot().latest[Vital.HR].value == 81.0


def test_schema_1_a_refused_effect_is_a_rebuild_error(resources):
    live = recorded(resources)
    t = live.t_s + 5
    stream = [*legacy_stream(live), SessionEvent(t, "infusion.resumed", "", {})]
    with pytest.raises(RebuildError, match=rf"at {t:.0f} s, infusion.resumed: "):
        replay(rebuilt_session(resources, simulated=True), stream, resources.protocols, t, True)


def test_schema_1_a_damaged_effect_is_a_rebuild_error(resources):
    live = recorded(resources)
    t = live.t_s + 5
    stream = [*legacy_stream(live), SessionEvent(t, "baseline.entered", "", {"sbp": 120})]
    with pytest.raises(RebuildError, match=r"baseline.entered: the recorded command is damaged"):
        replay(rebuilt_session(resources, simulated=True), stream, resources.protocols, t, True)
