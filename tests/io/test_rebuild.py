"""Rebuild re-issues every recorded command through the Session's own methods."""

import pytest

from ketamon.core.baseline import Baseline
from ketamon.core.dosing import Patient, check_limits, make_plan
from ketamon.core.infusion import CommandError, Phase
from ketamon.core.manual_bp import ManualBp
from ketamon.core.scenario import load_scenarios
from ketamon.core.session import SessionEvent
from ketamon.io.device import PortSettings
from ketamon.io.rebuild import RebuildError, replay
from ketamon.io.run_config import (
    RunConfig,
    SourceKind,
    autostart,
    make_session,
    protocol_for,
    rebuilt_session,
    recording_meta,
    source_label,
)
from ketamon.resources import scenarios_dir


def log_of(events):
    return [(e.t_s, e.kind, e.message, e.data) for e in events]


def test_every_command_kind_round_trips_refusals_included(resources):
    protocol = resources.protocols[0]
    live = rebuilt_session(resources, simulated=False)
    stream = []  # samples and events in the order a recording keeps them
    live.on_event.connect(stream.append)
    live.on_samples.connect(stream.extend)
    soft = make_plan(protocol.with_segment(0, dose=0.8), Patient(70.0, patient_id="P1"), 1.0)
    with pytest.raises(CommandError):
        live.start(1.0)  # refused: no setup yet, but recorded
    live.configure(soft, check_limits(soft, live.library), 2.0)  # soft limit acknowledged
    live.enter_baseline(10.0, Baseline(150, 95, 72, None, "entered"))
    with pytest.raises(CommandError, match="Review, and give a reason"):
        live.start(20.0)
    live.start(30.0, review_acknowledged=True, override_reason="prescriber reviewed")
    live.instructor(40.0, "override", "HR +20", {"vital": "hr", "offset": 20})
    live.annotate(50.0, "Dissociation", {"type": "side_effect"})
    live.retract_note(52.0, 50.0)  # a tap on the wrong button, undone
    with pytest.raises(CommandError):
        live.retract_note(53.0, 50.0)  # already undone: refused, and recorded
    live.record_score(55.0, "phq9", 14)
    with pytest.raises(CommandError, match="0 to 27"):
        live.record_score(56.0, "phq9", 31)  # refused, and recorded
    live.pause_audio(60.0)
    live.acknowledge_alarms(70.0)
    live.enter_bp(80.0, ManualBp(131, 84, 75.0, hr_bpm=70))  # measured 5 s before it was typed
    live.enter_bp(85.0, ManualBp(200, 50, 85.0))  # taken, then rejected as an artefact
    with pytest.raises(CommandError, match="below SBP"):
        live.enter_bp(90.0, ManualBp(120, 130, 90.0))
    live.pause(100.0, "nausea")
    live.resume(200.0)
    live.stop(300.0, "patient request")
    with pytest.raises(CommandError):
        live.discharge(400.0, "too early")
    with pytest.raises(CommandError, match="No pump change"):
        live.confirm_pump(310.0)  # stopped by the nurse: no hand-off pending
    live.record_sedation(320.0, 2)  # a medium sedation alarm
    live.record_sedation(400.0, 5)
    live.advance_to(300.0 + 61 * 60)
    with pytest.raises(CommandError, match="Discharge refused: .*take a new one"):
        live.discharge(live.t_s, "alert; escort")
    live.discharge(live.t_s, "alert; escort", early_reason="patient insisted, escort present")
    live.record_score(live.t_s, "madrs", 12, entered_wall_s=1.8e9)  # a follow-up

    rebuilt = rebuilt_session(resources, simulated=False)
    rebuilt_samples = []
    rebuilt.on_samples.connect(rebuilt_samples.extend)
    replay(rebuilt, stream, resources.protocols)
    assert log_of(rebuilt.events) == log_of(live.events)
    # The manual reading's samples come from its command, once (not again from the record).
    assert rebuilt_samples == [s for s in stream if not isinstance(s, SessionEvent)]
    assert rebuilt.rejected_readings == live.rejected_readings == 1
    assert [s.value for s in rebuilt_samples] == [131, 84, pytest.approx(99.667, abs=1e-3), 70]
    assert rebuilt.phase() is Phase.DISCHARGED
    commands = [e.kind for e in live.events if e.kind.startswith("command.")]
    assert commands[:3] == ["command.start", "command.setup", "command.enter_baseline"]
    assert "command.instructor" in commands and "command.discharge" in commands
    assert "command.retract_note" in commands
    kinds = [e.kind for e in rebuilt.events]
    assert "annotation" in kinds and "annotation.retracted" in kinds  # the note stays
    assert {"command.confirm_pump", "command.moaas"} <= set(commands)
    assert [e.message for e in rebuilt.events if e.kind == "discharge.early"] == [
        "patient insisted, escort present"
    ]
    assert commands.count("command.enter_bp") == 3
    assert commands.count("command.score") == 3
    scores = [e.data["value"] for e in rebuilt.events if e.kind == "score.recorded"]
    assert scores == [14, 12]


def test_pump_hand_offs_and_confirmations_round_trip(resources):
    by_id = {p.id: p for p in resources.protocols}
    protocol = by_id["ketamine-loading-maintenance"]
    live = rebuilt_session(resources, simulated=False)
    live.configure(make_plan(protocol, Patient(70.0, patient_id="P2"), 1.0), [], 0.0)
    live.enter_baseline(1.0, Baseline(120, 75, 70, None, "entered"))
    live.start(10.0)
    live.advance_to(10.0 + 40 * 60)
    pending = live.snapshot().pump_handoff
    assert pending is not None and pending.rate_ml_per_h == pytest.approx(14.0)
    assert pending.instruction == "Maintenance: set the pump to 14.0 mg/h = 14.0 mL/h"
    live.confirm_pump(10.0 + 40 * 60 + 30)
    assert live.snapshot().pump_handoff is None
    live.advance_to(10.0 + 100 * 60 + 120)  # maintenance ended 2 min ago: stop unconfirmed
    assert live.snapshot().pump_handoff.stop
    rebuilt = rebuilt_session(resources, simulated=False)
    replay(rebuilt, list(live.events), resources.protocols, until_s=live.t_s)
    assert log_of(rebuilt.events) == log_of(live.events)
    assert [h.confirmed_s for h in rebuilt.handoffs] == [10.0 + 40 * 60 + 30, None]
    starts = [e for e in rebuilt.events if e.kind == "alarm.start"]
    assert [(e.t_s, e.data["alarm_id"]) for e in starts if e.data["alarm_id"] == "pump_change"] == [
        (10.0 + 100 * 60 + 60, "pump_change")
    ]


def test_an_unknown_command_is_left_out_and_a_lost_protocol_refused(resources, caplog):
    live = make_session(RunConfig(), resources)
    autostart(live, RunConfig(), resources)
    stream = [*live.events, SessionEvent(400.0, "command.teleport", "", {})]
    rebuilt = rebuilt_session(resources, simulated=True)
    # No samples here: the measured baseline comes from its record (as replay does).
    replay(rebuilt, stream, resources.protocols, until_s=400.0, baseline_from_events=True)
    assert "command.teleport" in caplog.text
    assert rebuilt.phase() is Phase.INFUSING
    with pytest.raises(RebuildError, match="not in resources/protocols"):
        replay(rebuilt_session(resources, simulated=True), live.events, [])


def test_the_run_config_says_what_it_runs(resources, tmp_path):
    scenario = load_scenarios(scenarios_dir())["tachycardia"]
    with pytest.raises(ValueError):
        RunConfig(SourceKind.SCENARIO)  # a scenario run without its scenario
    with pytest.raises(ValueError):
        RunConfig(port=PortSettings("/dev/null", "masimo-ascii"))  # a port on the simulator
    sc = RunConfig(SourceKind.SCENARIO, scenario=scenario)
    assert sc.patient_weight_kg == scenario.patient.weight_kg
    assert "training scenario" in source_label(sc)
    assert recording_meta(sc, resources)["source"]["scenario"] == "tachycardia"
    port = PortSettings("/dev/ttyUSB0", "masimo-ascii", 9600)
    device = sc.with_port(port)
    assert device.source is SourceKind.DEVICES and not device.simulated
    assert recording_meta(device, resources)["source"]["port"] == "/dev/ttyUSB0"
    assert source_label(device) == "Device /dev/ttyUSB0 (masimo-ascii)"
    assert device.with_port(None).source is SourceKind.SIMULATOR
    entered = RunConfig(SourceKind.DEVICES, port=port, baseline=(128.0, 82.0, None))
    session = make_session(entered, resources)
    autostart(session, entered, resources)
    assert session.baseline.sbp_mmhg == 128.0 and session.phase() is Phase.BASELINE
    second = resources.protocols[-1]
    assert protocol_for(RunConfig(protocol_id=second.id), resources) is second
    with pytest.raises(ValueError, match="no protocol"):
        protocol_for(RunConfig(protocol_id="nope"), resources)


def test_a_device_session_resumes_with_a_silent_gap(resources, tmp_path):
    """A monitor session (no simulator to regenerate it): samples up to the crash, then a gap
    the alarm engine does not judge, then listening again from now."""
    from ketamon.core.vitals import NibpReading, Sample, Vital
    from ketamon.io.recording import Recording
    from ketamon.io.resume import ResumeHistory, rebuild_for_resume
    from ketamon.io.session_recorder import SessionRecorder
    from ketamon.io.summary import review_recording

    port = PortSettings("/dev/ttyUSB0", "masimo-ascii", 9600)
    config = RunConfig(SourceKind.DEVICES, port=port, data_dir=tmp_path)
    live = make_session(config, resources)
    recorder = SessionRecorder(live, tmp_path, recording_meta(config, resources))
    autostart(live, config, resources)
    for t in range(1, 700):
        live.ingest([Sample(float(t), Vital.HR, 72.0), Sample(float(t), Vital.SPO2, 98.0)])
        if t in (10, 320):
            live.ingest(NibpReading(float(t), 122, 78, 93).samples())
        live.advance_to(float(t))
        if t == 330:
            live.start(330.0)
    recorder.note_clock(1000.0, 699.0, 1.0)
    recorder.close("open")  # as a crash leaves it
    (path,) = tmp_path.glob("*.ketamon")

    history = ResumeHistory()
    attached = []
    session, down_s = rebuild_for_resume(
        path,
        resources,
        wall_now_s=1000.0 + 600.0,
        before_downtime=lambda s: attached.append(
            SessionRecorder(s, tmp_path, {}, resume_path=path)
        ),
        history=history,
    )
    assert down_s == pytest.approx(600.0)
    assert session.phase() is Phase.INFUSING and session.t_s == pytest.approx(1299.0)
    assert history.arrays()[Vital.HR][0].max() == 699.0  # the trends before the crash
    before = [e.data["alarm_id"] for e in live.events if e.kind == "alarm.start"]
    assert before == ["nibp_overdue"]  # live, before the crash: this monitor took no cuff
    starts = [e for e in session.events if e.kind == "alarm.start" and e.t_s > 699.0]
    assert starts == []  # ten minutes of silence, and no 'no data' for it
    session.advance_to(session.t_s + 5)  # listening again: still within the no-data time
    attached[0].close("closed")
    assert Recording(path).meta["status"] == "closed"
    summary = review_recording(path, resources)
    assert [a["condition"] for a in summary["alarms"]] == ["NIBP overdue"]  # as live
    assert all(a["t_s"] <= 699.0 for a in summary["alarms"])


def test_several_devices_in_one_run_config(resources):
    masimo = PortSettings("/dev/ttyUSB0", "masimo-ascii")
    ge = PortSettings("/dev/ttyUSB1", "ge-s5", 19200, "E", rtscts=True)
    both = RunConfig().with_devices([masimo, ge])
    assert both.source is SourceKind.DEVICES and both.port == masimo
    assert RunConfig(SourceKind.DEVICES, port=masimo).devices == (masimo,)
    meta = recording_meta(both, resources)["source"]
    assert [d["name"] for d in meta["devices"]] == ["Masimo on ttyUSB0", "GE S/5 on ttyUSB1"]
    assert source_label(both) == "Devices /dev/ttyUSB0 (masimo-ascii), /dev/ttyUSB1 (ge-s5)"
    # A pulse oximeter alone leaves the cuff to the nurse; a GE measures it.
    assert not make_session(RunConfig().with_devices([masimo]), resources).nibp_supplied
    assert make_session(both, resources).nibp_supplied
    with pytest.raises(ValueError, match="listed twice"):
        RunConfig().with_devices([masimo, PortSettings("/dev/ttyUSB0", "ge-s5")])


def test_a_resumed_scenario_obeys_the_instructor_again(resources, tmp_path):
    """The instructor's offset is a command: on resume the simulator applies it again, so the
    regenerated patient is the one the trainee saw (HR +40 from minute 8)."""
    from ketamon.core.vitals import Vital
    from ketamon.io.recording import Recording
    from ketamon.io.resume import ResumeHistory, rebuild_for_resume
    from ketamon.io.session_recorder import SessionRecorder

    config = RunConfig(SourceKind.SCENARIO, scenario=load_scenarios(scenarios_dir())["tachycardia"])
    live = make_session(config, resources)
    recorder = SessionRecorder(live, tmp_path, recording_meta(config, resources))
    autostart(live, config, resources)
    live.advance_to(480.0)
    live.instructor(480.0, "override", "HR offset +40 bpm", {"vital": "hr", "offset": 40})
    live.instructor(500.0, "fault", "Fault started: probe off", {"fault": "probe_off", "on": True})
    live.instructor(530.0, "fault", "Fault ended: probe off", {"fault": "probe_off", "on": False})
    live.advance_to(600.0)
    recorder.note_clock(1000.0, 600.0, 1.0)
    recorder.close("open")  # as a crash leaves it
    (path,) = tmp_path.glob("*.ketamon")

    history = ResumeHistory()
    session, _ = rebuild_for_resume(path, resources, wall_now_s=1000.0, history=history)
    recorded = [(s.t_s, s.value) for s in Recording(path).samples() if s.vital is Vital.HR]
    times, values = history.arrays()[Vital.HR]
    again = dict(zip(times.tolist(), values.tolist(), strict=True))
    assert len(recorded) > 100
    assert [(t, again.get(t)) for t, _ in recorded] == recorded
    assert max(v for t, v in recorded if t > 490) > max(v for t, v in recorded if t < 470) + 25
    starts = [e.data["alarm_id"] for e in session.events if e.kind == "alarm.start"]
    assert starts == [e.data["alarm_id"] for e in live.events if e.kind == "alarm.start"]


def test_a_two_device_recording_names_each_vitals_device_in_review_and_replay(resources, tmp_path):
    """Masimo gives HR and SpO2, the GE the cuff; at 60 s the Masimo's HR stops and the GE's
    takes over. Rebuilt and replayed, each vital is named by the device that sent it."""
    from ketamon.core.vitals import NibpReading, Sample, Vital
    from ketamon.io.recording import Recording
    from ketamon.io.replay import ReplayData
    from ketamon.io.session_recorder import SessionRecorder
    from ketamon.io.summary import rebuild_recording

    masimo = PortSettings("/dev/ttyUSB0", "masimo-ascii")
    ge = PortSettings("/dev/ttyUSB1", "ge-s5", 19200, "E", rtscts=True)
    config = RunConfig(data_dir=tmp_path).with_devices([masimo, ge])
    names = [d["name"] for d in recording_meta(config, resources)["source"]["devices"]]
    live = make_session(config, resources)
    recorder = SessionRecorder(live, tmp_path, recording_meta(config, resources))
    autostart(live, config, resources)
    for t in range(1, 120):
        hr_from = names[0] if t < 60 else names[1]
        live.ingest([Sample(float(t), Vital.HR, 72.0 + (t >= 60))], hr_from)
        live.ingest([Sample(float(t), Vital.SPO2, 98.0)], names[0])
        if t in (10, 40):
            live.ingest(NibpReading(float(t), 122, 78, 93).samples(), names[1])
        live.advance_to(float(t))
    expected = {Vital.HR: names[1], Vital.SPO2: names[0], Vital.SBP: names[1]}
    assert {v: live.sources[v] for v in expected} == expected
    recorder.close("closed")
    (path,) = tmp_path.glob("*.ketamon")

    rebuilt, _peaks, _meta = rebuild_recording(path, resources)
    assert {v: rebuilt.sources[v] for v in expected} == expected
    handovers = [e.data for e in rebuilt.events if e.kind == "vitals.source"]
    assert handovers == [e.data for e in live.events if e.kind == "vitals.source"]
    assert {"source": names[1], "vitals": ["hr"]} in handovers
    replay = ReplayData(Recording(path), resources)
    before, after = replay.snapshot_at(30.0).sources, replay.snapshot_at(100.0).sources
    assert before[Vital.HR] == names[0] and after[Vital.HR] == names[1]
    assert after[Vital.SPO2] == names[0] and after[Vital.SBP] == names[1]
