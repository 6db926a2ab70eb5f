"""Headless run loops in-process: pacing, quit-after, scripted actions past the end,
refusals, a storage problem, a missing port, and the live device loop on an in-memory device."""

import io
import json
import logging
import time

import pytest

from ketamon.core.infusion import Phase
from ketamon.core.session import SessionEvent
from ketamon.core.vitals import Sample, Vital
from ketamon.headless import ScriptedNurse, run_device_session, run_headless, run_session
from ketamon.io.actions import Action
from ketamon.io.device import Batch, PortSettings
from ketamon.io.device_thread import DeviceThread
from ketamon.io.parsers.base import Frame
from ketamon.io.recording import Recording
from ketamon.io.run_config import RunConfig, SourceKind, autostart, make_session, recording_meta
from ketamon.io.session_recorder import SessionRecorder


def started(config, resources):
    session = make_session(config, resources)
    autostart(session, config, resources)
    return session


def lines(out):
    return [json.loads(line) for line in out.getvalue().splitlines()]


def test_quit_after_zero_returns_before_time_moves(resources):
    session = started(RunConfig(speed=None), resources)
    t0 = session.t_s
    run_session(session, None, quit_after_s=0.0)
    assert session.t_s == t0


def test_paced_speed_follows_the_wall_clock(resources):
    speed = 600.0
    session = started(RunConfig(speed=speed), resources)
    t0 = session.t_s
    wall0 = time.monotonic()
    run_session(session, speed, quit_after_s=0.3)
    wall_s = time.monotonic() - wall0
    # Paced: never ahead of the wall clock times the speed, and it did move.
    assert t0 < session.t_s <= t0 + wall_s * speed
    assert session.phase() not in (Phase.DISCHARGE_READY, Phase.DISCHARGED)


def test_max_speed_runs_on_until_an_action_past_the_end_is_applied(resources):
    session = started(RunConfig(speed=None), resources)
    out = io.StringIO()
    late_s = 7200.0  # after the observation is complete (1:45:00 here)
    nurse = ScriptedNurse(
        [
            Action(late_s, "annotate", {"kind": "note", "text": "phoned home"}),
            Action(600.0, "resume", {}),  # nothing is paused: refused, and the run goes on
        ],
        out,
    )
    run_session(session, None, quit_after_s=None, nurse=nurse)
    assert not nurse.pending
    assert session.t_s == pytest.approx(late_s)
    ready = next(e for e in session.events if e.kind == "infusion.discharge_ready")
    assert ready.t_s < late_s  # without the action the run would have stopped here
    notes = [e for e in session.events if e.kind == "annotation"]
    assert [(n.t_s, n.message) for n in notes] == [(late_s, "phoned home")]
    refused = [line for line in lines(out) if line["event"] == "refused"]
    assert len(refused) == 1
    assert refused[0]["command"] == "resume" and refused[0]["t_s"] == 600.0
    assert refused[0]["reason"]


def test_an_action_due_before_now_is_applied_now(resources):
    session = started(RunConfig(speed=None), resources)
    now_s = session.t_s + 120.0
    session.advance_to(now_s)
    nurse = ScriptedNurse([Action(5.0, "annotate", {"kind": "note", "text": "late entry"})], None)
    nurse.apply_due(session)
    note = next(e for e in session.events if e.kind == "annotation")
    assert note.t_s == now_s


def test_unwritable_data_dir_is_said_first_and_the_run_goes_on(resources, tmp_path):
    blocker = tmp_path / "not-a-folder"
    blocker.write_text("a file where the recordings folder should be")
    out = io.StringIO()
    config = RunConfig(speed=None, data_dir=blocker / "recordings")
    assert run_headless(config, resources, out=out, quit_after_s=0.0) == 0
    first = lines(out)[0]
    assert first["event"] == "warning" and first["condition"] == "RECORDING FAILED"
    assert first["t_s"] == 0.0 and "recordings" in first["detail"]


def test_a_missing_port_stops_a_device_run_before_it_starts(resources, tmp_path, caplog):
    port = str(tmp_path / "ttyNOPE")
    config = RunConfig(source=SourceKind.DEVICES, port=PortSettings(port, "ge-s5"))
    with caplog.at_level(logging.ERROR):
        assert run_headless(config, resources, out=io.StringIO()) == 2
    assert "not found" in caplog.text and port in caplog.text


class MemoryDevice(DeviceThread):
    """A DeviceThread whose reader is a script in memory: frames handed out on `drain()`
    (no port, no thread); start/stop are counted."""

    def __init__(self, settings, frames):
        super().__init__(settings)
        self.frames = list(frames)
        self.started = self.stopped = 0

    def start(self):
        self.started += 1

    def stop(self):
        self.stopped += 1

    def drain(self):
        if not self.frames:
            return []
        now = time.monotonic()
        batch = Batch(frames=[(now, f) for f in self.frames], connected=True)
        self.frames = []
        return [(batch, None)]


def device_config(baseline):
    return RunConfig(
        source=SourceKind.DEVICES, port=PortSettings("mem0", "ge-s5"), baseline=baseline
    )


def test_device_loop_starts_once_the_monitor_gives_the_resting_hr(resources):
    config = device_config((120.0, 80.0, None))  # BP entered, HR left to the monitor
    session = started(config, resources)
    assert session.phase() is Phase.BASELINE
    frame = Frame(values={Vital.HR: 72.0, Vital.SPO2: 98.0})
    device = MemoryDevice(config.port, [frame])
    run_device_session(session, [device], quit_after_s=0.3)
    assert (device.started, device.stopped) == (1, 1)
    assert session.phase() is Phase.INFUSING
    start = next(e for e in session.events if e.kind == "infusion.started")
    assert start.t_s < 0.3
    assert session.snapshot().latest[Vital.HR].value == 72.0


def test_device_loop_without_an_hr_says_once_why_it_has_not_started(resources, caplog):
    config = device_config((120.0, 80.0, None))
    session = started(config, resources)
    devices = [MemoryDevice(config.port, []), MemoryDevice(PortSettings("mem1", "ge-s5"), [])]
    with caplog.at_level(logging.WARNING, logger="ketamon.headless"):
        run_device_session(session, devices, quit_after_s=0.3)
    assert session.phase() is Phase.BASELINE
    assert [d.stopped for d in devices] == [1, 1]
    said = [r for r in caplog.records if "not started yet" in r.getMessage()]
    assert len(said) == 1, caplog.text


class InterruptedDevice(MemoryDevice):
    """Ctrl-C arrives while the loop drains the device."""

    def drain(self):
        raise KeyboardInterrupt


def test_ctrl_c_in_the_device_loop_stops_the_devices(resources):
    config = device_config((120.0, 80.0, 70.0))
    session = started(config, resources)
    device = InterruptedDevice(config.port, [])
    run_device_session(session, [device], quit_after_s=None)  # returns: no KeyboardInterrupt
    assert (device.started, device.stopped) == (1, 1)


def test_a_device_run_is_recorded_and_the_nurse_acts_on_live_time(resources, tmp_path):
    config = device_config((120.0, 80.0, 70.0))
    session = make_session(config, resources)
    # Subscribed before the setup, as a headless run does: the file appears with it.
    recorder = SessionRecorder(session, tmp_path, recording_meta(config, resources))
    autostart(session, config, resources)
    nurse = ScriptedNurse(
        [Action(0.0, "annotate", {"kind": "note", "text": "on the monitor"})], None
    )
    device = MemoryDevice(config.port, [Frame(values={Vital.HR: 66.0})])
    run_device_session(session, [device], quit_after_s=0.3, recorder=recorder, nurse=nurse)
    recorder.close("closed")
    assert not nurse.pending
    (path,) = tmp_path.glob("*.ketamon")
    recording = Recording(path)
    try:
        stream = list(recording.stream())
        assert recording.meta["source"]["kind"] == "device"
    finally:
        recording.close()
    hr = [s.value for s in stream if isinstance(s, Sample) and s.vital is Vital.HR]
    assert hr == [66.0]
    notes = [e.message for e in stream if isinstance(e, SessionEvent) and e.kind == "annotation"]
    assert notes == ["on the monitor"]


def test_a_headless_device_run_with_an_entered_baseline_arms_at_once(resources, caplog):
    # pyserial's loop:// port: a real DeviceThread on a port that sends nothing.
    port = PortSettings("loop://", "ketamon-text", allow_url=True)
    config = RunConfig(source=SourceKind.DEVICES, port=port, baseline=(120.0, 80.0, 70.0))
    out = io.StringIO()
    assert run_headless(config, resources, out=out, quit_after_s=0.3) == 0
    assert lines(out)[0]["event"] == "armed"
    no_baseline = RunConfig(source=SourceKind.DEVICES, port=port)
    with caplog.at_level(logging.INFO, logger="ketamon.headless"):
        assert run_headless(no_baseline, resources, out=io.StringIO(), quit_after_s=0.2) == 0
    assert "waiting for the baseline NIBP readings" in caplog.text
