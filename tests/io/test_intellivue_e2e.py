"""IntelliVue end to end on a pty pair: emulated monitor <-> pyserial <-> DeviceConnection.

The monitor's side runs on the pty master in the test's own loop (it answers what
the host sent); the host is the real DeviceConnection with the intellivue parser,
on short timeouts so that reconnect cycles are quick.
"""

import json
import os
import select
import threading
import time
import tty
from collections import Counter

import pytest

from ketamon.core.baseline import Baseline
from ketamon.core.dosing import Patient, make_plan
from ketamon.core.session import Session
from ketamon.core.vitals import Sample, Vital
from ketamon.io.device import DeviceConnection, PortSettings
from ketamon.io.device_feed import DeviceFeed
from ketamon.io.emulator import Emulator
from ketamon.io.emulator_intellivue import IntelliVueSide
from ketamon.io.parsers.intellivue import IntelliVueParser, IntelliVueTiming
from ketamon.io.recording import SUFFIX, Recording
from tests.io.test_ge_s5_e2e import Lines, Relay, ketamon

FAST = IntelliVueTiming(poll_interval_s=0.1, keep_alive_s=0.5, answer_timeout_s=0.15)


class Monitor:
    """The emulated monitor on the pty master, answering the host on its own thread."""

    def __init__(self, cable, side):
        self.cable, self.side = cable, side
        self.t_s = 0.0  # the monitor's session time
        self.serving = threading.Event()
        self.serving.set()
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._serve, name="emulated IntelliVue")
        self._thread.start()

    def _serve(self):
        while not self._stop.is_set():
            ready, _, _ = select.select([self.cable.master], [], [], 0.01)
            if ready and self.serving.is_set():
                reply = self.side.receive(os.read(self.cable.master, 4096), self.t_s)
                if reply:
                    self.cable.write(reply)

    def deliver(self):
        """Let the monitor read what the host sent last (e.g. its release) while not serving."""
        time.sleep(0.05)
        return self.side.receive(os.read(self.cable.master, 4096), self.t_s)

    def stop(self):
        self._stop.set()
        self._thread.join(timeout=2.0)


class Rig(Monitor):
    """The host's DeviceConnection, stepped by the test, and the monitor."""

    def __init__(self, cable, side, timing=FAST):
        super().__init__(cable, side)
        settings = PortSettings(str(cable.link), "intellivue", 115200)
        self.connection = DeviceConnection(settings, retry_s=0.05, parser=IntelliVueParser(timing))
        self.values: list[tuple[Vital, float]] = []
        self.events: list[tuple[bool, str]] = []

    def step(self):
        batch = self.connection.step()
        for _, frame in batch.frames:
            self.values += list(frame.values.items())
        if batch.connected is not None:
            self.events.append((batch.connected, batch.detail))
        return batch

    def until(self, condition, timeout_s=10.0):
        deadline = time.monotonic() + timeout_s
        while time.monotonic() < deadline:
            self.step()
            if condition():
                return time.monotonic()
        raise AssertionError("condition not met in time")

    def finish(self):
        """Stop answering, read what is still on its way, then close (sending the release)."""
        self.serving.clear()
        for _ in range(3):
            self.step()
        self.connection.close()

    def close(self):
        self.stop()
        self.connection.close()


@pytest.mark.long_wall(seconds=4)
def test_every_value_sent_arrives_exactly_and_nothing_else(resources, cable):
    emulator = Emulator.demo(resources, "intellivue", seed=4)
    rig = Rig(cable, emulator.side, IntelliVueTiming(poll_interval_s=0.1, answer_timeout_s=2.0))
    try:
        for second in range(30):
            if second in (5, 20):
                for _ in range(600):  # fast-forward to the next cuff readings
                    emulator.next_second()
            emulator.sensor_off = 10 <= second < 15  # SpO2 sent as invalid meanwhile
            emulator.next_second()
            rig.t_s = emulator.session.t_s
            polls = len(rig.values)
            rig.until(lambda polls=polls: len(rig.values) > polls)
        rig.finish()
        sent = [(s.vital, s.value) for s in emulator.side.sent]
        assert Counter(rig.values) == Counter(sent)  # every value, exactly, nothing else
        hr = [v for vital, v in rig.values if vital is Vital.HR]
        assert hr == [v for vital, v in sent if vital is Vital.HR]  # in order
        assert sum(1 for vital, _ in sent if vital is Vital.SBP) >= 2  # each cuff reading once
        assert rig.connection.parser.stats.rejected == 0
        assert rig.events == [(True, rig.events[0][1])]  # one association all along
        assert emulator.side.associated
        rig.deliver()
        assert not emulator.side.associated  # the host released the association on close
    finally:
        rig.close()


def test_an_emulated_bp_rise_raises_the_bp_alarm(resources, cable):
    session = Session(resources.library, simulated=False, alarm_profile=resources.alarm_profile)
    session.configure(make_plan(resources.protocols[0], Patient(70.0), 1.0), [], 0.0)
    session.enter_baseline(0.0, Baseline(120, 78, 72, 98, "entered"))
    session.start(0.0)
    t0 = time.monotonic()
    feed = DeviceFeed(session, lambda m: m - t0)
    side = IntelliVueSide()
    rig = Rig(cable, side)

    def moment(t_s, sbp, dbp):
        continuous = [Sample(t_s, Vital.HR, 80), Sample(t_s, Vital.SPO2, 98)]
        side.moment(
            t_s, continuous + [Sample(t_s, Vital.SBP, sbp), Sample(t_s, Vital.DBP, dbp)], False
        )

    def step():
        batch = rig.step()
        feed.apply(batch)
        session.advance_to(time.monotonic() - t0)

    def bp_alarms():
        started = [e.data["alarm_id"] for e in session.events if e.kind == "alarm.start"]
        return [a for a in started if a.startswith("bp_")]

    try:
        moment(1.0, 124, 80)
        deadline = time.monotonic() + 10
        while session.latest.get(Vital.SBP) is None and time.monotonic() < deadline:
            step()
        assert session.latest[Vital.SBP].value == 124.0 and not bp_alarms()
        moment(2.0, 172, 106)  # +52/+28 over baseline, over 160/100
        deadline = time.monotonic() + 10
        while not bp_alarms() and time.monotonic() < deadline:
            step()
        assert bp_alarms() == ["bp_high"]  # the group's most specific rule
    finally:
        rig.close()


@pytest.mark.long_wall(seconds=10)
def test_a_dropped_association_is_source_lost_and_data_resumes_20_of_20(cable):
    side = IntelliVueSide()
    side.moment(0.0, [Sample(0.0, Vital.HR, 70), Sample(0.0, Vital.SPO2, 97)], False)
    rig = Rig(cable, side)
    try:
        rig.until(lambda: len(rig.values) >= 2)
        for cycle in range(20):
            side.drop_link()
            dropped_at = time.monotonic()
            lost = len([e for e in rig.events if not e[0]])
            lost_at = rig.until(lambda lost=lost: len([e for e in rig.events if not e[0]]) > lost)
            assert lost_at - dropped_at < 5.0, cycle
            assert rig.events[-1][1].startswith(f"intellivue on {cable.link}: no answer")
            seen = len(rig.values)
            rig.until(lambda seen=seen: len(rig.values) > seen)  # re-associated, data again
            assert rig.connection.connected
        assert side.associations == 21
    finally:
        rig.close()


@pytest.mark.long_wall(seconds=11)
def test_emulate_to_headless_recording_bp_alarm_and_a_dropped_association(cable, tmp_path):
    """`ketamon emulate --protocol intellivue --drop-link-every` to `ketamon --headless`."""
    master, slave = os.openpty()
    tty.setraw(slave)
    relay = Relay(cable, master)
    relay.start()
    data_dir = tmp_path / "data"
    emulator = ketamon(
        "emulate",
        "--port", os.ttyname(slave),
        "--protocol", "intellivue",
        "--seed", "2",
        "--speed", "10",
        "--nibp-interval", "10",  # a cuff reading every second of wall time
        "--drop-link-every", "20",  # silent 2 s of wall time into each association
        "--duration", "9",
    )  # fmt: skip
    host = None
    try:
        assert "emulating" in emulator.stderr.readline()
        host = ketamon(
            "--headless", "--autostart",
            "--baseline", "80/50/60",  # against a normotensive patient: a BP rise
            "--port", str(cable.link),
            "--protocol", "intellivue",
            "--data-dir", str(data_dir),
            "--quit-after", "10",
        )  # fmt: skip
        alarms, sent_lines = Lines(host.stdout), Lines(emulator.stdout)
        alarms.start()
        sent_lines.start()
        emulator.wait(timeout=30)
        host.wait(timeout=30)
        alarms.join(timeout=5)
        sent_lines.join(timeout=5)
        assert emulator.returncode == 0, emulator.stderr.read()
        assert host.returncode == 0, host.stderr.read()
    finally:
        relay.stopped.set()
        for child in (emulator, host):
            if child is not None and child.poll() is None:
                child.kill()
                child.wait()
        os.close(master)
        os.close(slave)

    sent = [(at, json.loads(line)) for at, line in sent_lines.lines]
    assert sum(1 for _, x in sent if x["vital"] == "sbp") >= 2
    (path,) = data_dir.glob(f"*{SUFFIX}")
    recording = Recording(path)
    try:
        samples = recording.samples()
    finally:
        recording.close()
    recorded = [(s.vital.value, s.value) for s in samples]
    for vital in ("hr", "spo2", "rr", "sbp", "dbp", "map"):  # exactly, in order, nothing else
        assert [v for k, v in recorded if k == vital] == [
            x["value"] for _, x in sent if x["vital"] == vital
        ], vital

    events = [(at, json.loads(line)) for at, line in alarms.lines]
    started = {e["alarm_id"]: (at, e) for at, e in events if e["event"] == "start"}
    assert any(alarm.startswith("bp_") for alarm in started)
    lost_at, lost = started["source_lost"]
    assert lost["detail"].startswith(f"intellivue on {cable.link}: no answer")
    # Timed by the host itself (session seconds, live at 1x), not by when this busy test
    # process got round to reading the pipes: the last answer taken, then the loss.
    last_answer_t_s = max(s.t_s for s in samples if s.t_s < lost["t_s"])
    assert lost["t_s"] - last_answer_t_s < 5.0  # the poll after it went unanswered
    assert any(at > lost_at for at, _ in sent)  # re-associated: values again
    assert any(e["alarm_id"] == "source_lost" and e["event"] == "end" for _, e in events)
