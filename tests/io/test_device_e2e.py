"""Emulator -> pseudo-terminal -> pyserial -> parser -> session -> alarms, unplug and replug."""

import threading
import time

import pytest

from ketamon.core.baseline import Baseline
from ketamon.core.dosing import Patient, make_plan
from ketamon.core.session import Session
from ketamon.core.vitals import Vital
from ketamon.io.device import DeviceConnection, PortSettings
from ketamon.io.device_feed import DeviceFeed
from ketamon.io.device_thread import DeviceThread
from ketamon.io.emulator import Emulator


class Bedside:
    """The app's side without a window: session, device thread, feed, a 1x clock."""

    def __init__(self, resources, port: str, protocol: str):
        self.session = Session(
            resources.library, simulated=False, alarm_profile=resources.alarm_profile
        )
        plan = make_plan(resources.protocols[0], Patient(70.0), 1.0)
        self.session.configure(plan, [], 0.0)
        self.session.enter_baseline(0.0, Baseline(120, 78, 72, 98, "entered"))
        self.session.start(0.0)  # alarms armed
        self.t0 = time.monotonic()
        self.feed = DeviceFeed(self.session, lambda m: m - self.t0)
        self.device = DeviceThread(PortSettings(port, protocol, 115200))
        self.hr_values: list[float] = []
        self.session.on_samples.connect(
            lambda samples: self.hr_values.extend(s.value for s in samples if s.vital is Vital.HR)
        )
        self.device.start()

    def run_until(self, condition, timeout_s=15.0, feed_cable=None):
        deadline = time.monotonic() + timeout_s
        while time.monotonic() < deadline:
            if feed_cable is not None:
                feed_cable()
            for batch, stats in self.device.drain():
                self.feed.apply(batch, stats)
            self.session.advance_to(time.monotonic() - self.t0)
            if condition():
                return time.monotonic()
            time.sleep(0.02)
        raise AssertionError("condition not met in time")

    def alarm_ids(self, action="start"):
        return [e.data["alarm_id"] for e in self.session.events if e.kind == f"alarm.{action}"]

    def stop(self):
        self.device.stop()


@pytest.mark.parametrize("protocol", ["ketamon-text", "masimo-ascii"])
def test_emulated_monitor_reaches_the_numerics(resources, cable, protocol):
    bedside = Bedside(resources, str(cable.link), protocol)
    emulator = Emulator.demo(resources, protocol, seed=4)
    sent_hr = []
    emulator.session.on_samples.connect(
        lambda s: sent_hr.extend(x.value for x in s if x.vital is Vital.HR)
    )
    try:
        bedside.run_until(lambda: bedside.feed.connected)
        for _ in range(20):
            cable.write(emulator.next_second())
        bedside.run_until(lambda: len(bedside.hr_values) >= 20)
        assert bedside.hr_values == sent_hr[:20]  # nothing lost, nothing invented
        assert bedside.session.latest[Vital.HR].value == sent_hr[19]
        assert bedside.feed.stats.rejected == 0
    finally:
        bedside.stop()


def test_unplug_raises_the_technical_alarm_and_replug_resumes(resources, cable):
    bedside = Bedside(resources, str(cable.link), "ketamon-text")
    emulator = Emulator.demo(resources, "ketamon-text", seed=4)
    try:
        bedside.run_until(lambda: bedside.feed.connected)
        for _ in range(5):
            cable.write(emulator.next_second())
        bedside.run_until(lambda: len(bedside.hr_values) >= 5)

        unplugged_at = time.monotonic()
        cable.unplug()
        alarm_at = bedside.run_until(lambda: "source_lost" in bedside.alarm_ids())
        assert alarm_at - unplugged_at < 10.0  # CLINICAL.md §4: within 10 s
        assert not bedside.feed.connected
        assert "INOP" not in bedside.feed.detail  # detail is the OS's own words

        cable.plug()
        bedside.run_until(lambda: bedside.feed.connected)
        for _ in range(5):
            cable.write(emulator.next_second())
        bedside.run_until(lambda: len(bedside.hr_values) >= 10)
        assert "source_lost" in bedside.alarm_ids("end")
    finally:
        bedside.stop()


def test_a_flood_is_cut_off(resources, cable):
    connection = DeviceConnection(PortSettings(str(cable.link), "masimo-ascii", 9600))
    try:
        batch = connection.step()
        assert batch.connected is True
        flood = b"\xaa" * 60_000  # 150x what a Rad-8 sends in a second
        writer = threading.Thread(target=cable.write_all, args=(flood,))
        writer.start()
        dropped = 0
        started = time.monotonic()
        while writer.is_alive() or time.monotonic() - started < 0.3:
            dropped += connection.step().flood_dropped_bytes
            if time.monotonic() - started > 10:
                break
        writer.join(timeout=5)
        assert not writer.is_alive()
        for _ in range(20):  # read what is still queued in the pty
            dropped += connection.step().flood_dropped_bytes
        assert dropped > 0
        accounted = connection.parser.stats.discarded_bytes + dropped
        assert accounted >= len(flood) - 512  # all of it, but a partial line still buffered
    finally:
        connection.close()


def test_port_that_does_not_exist_reports_not_connected(tmp_path):
    connection = DeviceConnection(
        PortSettings(str(tmp_path / "nothing"), "masimo-ascii"), retry_s=0.05
    )
    batch = connection.step()
    assert batch.connected is False
    assert "cannot open" in batch.detail
