"""Rebuild re-issues every recorded command through the Session's own methods."""

import pytest

from ketamon.core.baseline import Baseline
from ketamon.core.dosing import Patient, check_limits, make_plan
from ketamon.core.infusion import CommandError, Phase
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
    soft = make_plan(protocol.with_segment(0, dose=0.8), Patient(70.0, patient_id="P1"), 1.0)
    with pytest.raises(CommandError):
        live.start(1.0)  # refused: no setup yet, but recorded
    live.configure(soft, check_limits(soft, live.library), 2.0)  # soft limit acknowledged
    live.enter_baseline(10.0, Baseline(150, 95, 72, None, "entered"))
    with pytest.raises(CommandError, match="review"):
        live.start(20.0)
    live.start(30.0, review_acknowledged=True)
    live.instructor(40.0, "override", "HR +20", {"vital": "hr", "offset": 20})
    live.annotate(50.0, "Dissociation", {"type": "side_effect"})
    live.pause_audio(60.0)
    live.acknowledge_alarms(70.0)
    live.pause(100.0, "nausea")
    live.resume(200.0)
    live.stop(300.0, "patient request")
    with pytest.raises(CommandError):
        live.discharge(400.0, "too early")
    live.advance_to(300.0 + 61 * 60)
    live.discharge(live.t_s, "alert; escort")

    rebuilt = rebuilt_session(resources, simulated=False)
    replay(rebuilt, list(live.events), resources.protocols)
    assert log_of(rebuilt.events) == log_of(live.events)
    assert rebuilt.phase() is Phase.DISCHARGED
    commands = [e.kind for e in live.events if e.kind.startswith("command.")]
    assert commands[:3] == ["command.start", "command.setup", "command.enter_baseline"]
    assert "command.instructor" in commands and "command.discharge" in commands


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
