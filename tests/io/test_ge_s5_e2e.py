"""The real commands end to end over a pty pair: `ketamon emulate --protocol ge-s5` on one
end, `ketamon --headless --autostart --baseline ... --port ... --protocol ge-s5` on the other.

The two ptys are joined by a relay (a null-modem cable); the headless side's pty is the
`cable` fixture, so the test can pull it.
"""

import csv
import json
import os
import select
import subprocess
import sys
import threading
import time
import tty
from pathlib import Path

import pytest

from ketamon.io.recording import SUFFIX, Recording
from ketamon.io.resume import session_time_now

COMPARED = ("hr", "spo2", "sbp", "dbp", "map")
CSV_COLUMN = {"hr": "HR", "spo2": "SpO2", "sbp": "SBP", "dbp": "DBP", "map": "MAP"}


class Relay(threading.Thread):
    """Copies bytes both ways between the emulator's pty and the cable's, until stopped."""

    def __init__(self, cable, emulator_master: int):
        super().__init__(daemon=True)
        self.cable, self.other = cable, emulator_master
        self.stopped = threading.Event()

    def run(self):
        while not self.stopped.is_set():
            host = self.cable.master
            fds = [self.other] + ([host] if host is not None else [])
            try:
                ready, _, _ = select.select(fds, [], [], 0.05)
                for fd in ready:
                    data = os.read(fd, 4096)
                    target = self.other if fd == host else self.cable.master
                    if data and target is not None:
                        os.write(target, data)
            except OSError:
                continue  # the cable was pulled under us: carry on with one end


class Lines(threading.Thread):
    """A child's stdout, line by line, with the wall time each arrived."""

    def __init__(self, stream):
        super().__init__(daemon=True)
        self.stream = stream
        self.lines: list[tuple[float, str]] = []

    def run(self):
        for line in self.stream:
            self.lines.append((time.monotonic(), line))


def ketamon(*args: str, **kwargs) -> subprocess.Popen:
    return subprocess.Popen(
        [sys.executable, "-m", "ketamon", *args],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        **kwargs,
    )


@pytest.mark.long_wall(seconds=8)
def test_ge_s5_monitor_to_recording_bp_alarm_and_cable_pull(cable, tmp_path):
    master, slave = os.openpty()
    tty.setraw(slave)
    relay = Relay(cable, master)
    relay.start()
    data_dir = tmp_path / "data"
    emulator = ketamon(
        "emulate",
        "--port", os.ttyname(slave),
        "--protocol", "ge-s5",
        "--seed", "2",
        "--speed", "10",  # a record every 0.5 s of wall time
        "--nibp-interval", "10",  # a cuff reading every second of wall time
        "--duration", "4",  # 8 records, 4 cuff readings (fewer when the machine is busy)
    )  # fmt: skip
    host = None
    try:
        assert "emulating" in emulator.stderr.readline()  # listening before the host asks
        host = ketamon(
            "--headless", "--autostart",
            "--baseline", "80/50/60",  # against a normotensive patient: a BP rise
            "--port", str(cable.link),
            "--protocol", "ge-s5",
            "--data-dir", str(data_dir),
            "--quit-after", "7.5",
        )  # fmt: skip
        alarms = Lines(host.stdout)
        alarms.start()
        sent_out, _ = emulator.communicate(timeout=20)
        assert emulator.returncode == 0
        time.sleep(0.8)  # the last record crosses the relay and is read
        pulled_wall_s = time.time()
        cable.unplug()
        host.wait(timeout=20)
        alarms.join(timeout=5)
        assert host.returncode == 0, host.stderr.read()
    finally:
        relay.stopped.set()
        for child in (emulator, host):
            if child is not None and child.poll() is None:
                child.kill()
                child.wait()
        os.close(master)
        os.close(slave)

    sent: dict[str, list[float]] = {v: [] for v in COMPARED}
    for line in sent_out.splitlines():
        item = json.loads(line)
        if item["vital"] in sent:
            sent[item["vital"]].append(item["value"])
    assert len(sent["sbp"]) >= 2 and len(sent["hr"]) >= 5

    (recording,) = data_dir.glob(f"*{SUFFIX}")
    export = tmp_path / "csv"
    review = subprocess.run(
        [sys.executable, "-m", "ketamon", "review", str(recording), "--export-csv", str(export)],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert review.returncode == 0, review.stderr
    (vitals_csv,) = Path(export).glob("*_vitals.csv")
    recorded: dict[str, list[float]] = {v: [] for v in COMPARED}
    with vitals_csv.open(newline="") as handle:
        for row in csv.DictReader(handle):
            for vital in COMPARED:
                if row[CSV_COLUMN[vital]]:
                    recorded[vital].append(float(row[CSV_COLUMN[vital]]))
    assert recorded == sent  # every value sent, exactly, in order, and nothing else

    events = [(at, json.loads(line)) for at, line in alarms.lines]
    started = {e["alarm_id"]: (at, e) for at, e in events if e["event"] == "start"}
    assert "bp_high" in started  # SBP rise >= 40 mmHg over the entered 80/50
    _read_at, lost = started["source_lost"]
    # Timed by the host's own session clock (live at 1x: the recording's clock maps wall
    # time to session time), not by when this busy test process read the pipe.
    recorded_file = Recording(recording)
    try:
        pulled_t_s = session_time_now(recorded_file.meta, pulled_wall_s)
    finally:
        recorded_file.close()
    assert lost["t_s"] - pulled_t_s < 2.0
    assert "ge-s5" in lost["detail"] and str(cable.link) in lost["detail"]
