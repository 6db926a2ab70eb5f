"""Rebuild refuses damaged records with a message naming time, record and field, re-refuses
commands refused live, and still rebuilds schema-1 recordings (no command records)."""

import logging

import pytest

from ketamon.core.infusion import Phase
from ketamon.core.manual_bp import ManualBp
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


@pytest.mark.parametrize(
    "args, error",
    [
        ({"sbp": "high", "dbp": 80}, "ValueError"),
        ({"dbp": 80}, "KeyError: 'sbp'"),
        ({"sbp": 120, "dbp": 80, "measured_at_s": "x"}, "ValueError"),
    ],
)
def test_a_damaged_manual_bp_record_is_refused(resources, args, error):
    live = recorded(resources)
    t = live.t_s + 10
    stream = [*live.events, SessionEvent(t, "command.enter_bp", "", args)]
    with pytest.raises(
        RebuildError, match=rf"command.enter_bp: the recorded command is damaged \({error}"
    ):
        replay(rebuilt_session(resources, simulated=True), stream, resources.protocols, t + 1, True)


def manual_bp_stream(resources):
    """A live session where the nurse typed a BP; the monitor's SpO2 arrives in the same second."""
    live = make_session(RunConfig(), resources)
    stream = []
    live.on_event.connect(stream.append)
    live.on_samples.connect(stream.extend)
    autostart(live, RunConfig(), resources)
    t = live.t_s + 10
    live.advance_to(t)
    live.enter_bp(t, ManualBp(131, 84, t, hr_bpm=70))
    return [item for item in stream if not isinstance(item, Sample) or item.t_s >= t], t


def test_a_typed_bp_is_delivered_once_and_a_monitor_sample_beside_it_too(resources):
    stream, t = manual_bp_stream(resources)
    stream.append(Sample(t, Vital.SPO2, 97.0))
    rebuilt = rebuilt_session(resources, simulated=True)
    got = []
    rebuilt.on_samples.connect(got.extend)
    replay(rebuilt, stream, resources.protocols, until_s=t + 1, baseline_from_events=True)
    typed = [s.value for s in got if s.vital is Vital.SBP and s.t_s == t]
    assert typed == [131.0]  # recorded after its command, not delivered a second time
    assert [s.value for s in got if s.vital is Vital.SPO2 and s.t_s == t][-1] == 97.0


def test_a_damaged_rejection_beside_a_typed_bp_is_refused(resources):
    stream, t = manual_bp_stream(resources)
    stream.append(SessionEvent(t, "artefact.rejected", "", {"values": {"sbp": "x"}}))
    with pytest.raises(RebuildError, match=rf"at {t:.0f} s, artefact.rejected: .* damaged"):
        replay(rebuilt_session(resources, simulated=True), stream, resources.protocols, t + 1, True)


def test_nothing_after_until_is_applied(resources):
    live = recorded(resources)
    t = live.t_s
    stream = [
        *live.events,
        SessionEvent(t + 100, "command.pause", "", {"reason": "nausea"}),
        Sample(t + 101, Vital.HR, 90.0),
    ]
    for legacy in (False, True):
        source = legacy_stream_of(stream) if legacy else stream
        rebuilt = rebuilt_session(resources, simulated=True)
        replay(rebuilt, source, resources.protocols, until_s=t + 50, baseline_from_events=True)
        assert rebuilt.phase() is Phase.INFUSING and rebuilt.t_s == t + 50


def legacy_stream_of(stream):
    return [i for i in stream if isinstance(i, Sample) or not i.kind.startswith("command.")]


def test_schema_1_equipment_report_raises_its_alarm(resources):
    live = recorded(resources)
    t = live.t_s + 10
    report = SessionEvent(
        t, "technical.report", "Sensor off", {"condition": "sensor_off", "present": True}
    )
    rebuilt = rebuilt_session(resources, simulated=True)
    replay(rebuilt, [*legacy_stream(live), report], resources.protocols, t + 1, True)
    started = [e.data["alarm_id"] for e in rebuilt.events if e.kind == "alarm.start"]
    assert "sensor_off" in started
