"""A full or read-only data folder is the alarm RECORDING FAILED, never a crash or a loss.

"Full" is real: a file-size limit (RLIMIT_FSIZE, set on the running process with
prlimit) makes every write past it fail with EFBIG, as a full disk does with
ENOSPC. "Read-only at start" is a data folder whose parent is a plain file, which
stops root as well as a user (chmod does not stop root).
"""

from __future__ import annotations

import json
import os
import resource
import selectors
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pytest

from ketamon.core.vitals import Vital
from ketamon.io.recorder import Recorder
from ketamon.io.recording import Recording
from ketamon.io.resume import session_time_now
from ketamon.io.run_config import RunConfig

pytestmark = pytest.mark.skipif(not hasattr(resource, "prlimit"), reason="Linux prlimit needed")

UNLIMITED = (resource.RLIM_INFINITY, resource.RLIM_INFINITY)


def _lines_until(child, predicate, timeout_s: float) -> list[dict]:
    """Read JSON lines from the child's stdout until one satisfies predicate (or timeout)."""
    seen = []
    selector = selectors.DefaultSelector()
    selector.register(child.stdout, selectors.EVENT_READ)
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        if not selector.select(timeout=0.1):
            continue
        line = child.stdout.readline()
        if not line:
            break
        event = json.loads(line)
        seen.append(event)
        if predicate(event):
            return seen
    raise AssertionError(f"not seen within {timeout_s} s; saw {seen[-5:]}")


def _assert_every_second_recorded(path: Path) -> np.ndarray:
    hr = Recording(path).series(Vital.HR).t_s
    gaps = np.diff(hr)
    assert len(hr) > 30 and gaps.max() <= 1.0 + 1e-6, f"gap of {gaps.max()} s"
    return hr


@pytest.mark.long_wall(seconds=6)
def test_headless_disk_full_mid_session_alarms_and_loses_nothing(tmp_path):
    cmd = [sys.executable, "-m", "ketamon", "--headless", "--autostart", "--speed", "20"]
    cmd += ["--quit-after", "6", "--data-dir", str(tmp_path)]
    child = subprocess.Popen(
        cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, stdin=subprocess.DEVNULL
    )
    try:
        _lines_until(child, lambda e: e["event"] == "armed", 10)
        time.sleep(1.0)  # some rows committed normally
        (path,) = tmp_path.glob("*.ketamon")
        full_wall_s = time.time()
        resource.prlimit(child.pid, resource.RLIMIT_FSIZE, (4096, resource.RLIM_INFINITY))
        events = _lines_until(
            child, lambda e: e["condition"] == "RECORDING FAILED" and e["event"] == "start", 5
        )
        failed = events[-1]
        assert failed["priority"] == "medium" and failed["kind"] == "technical"
        assert "File too large" in failed["detail"]
        time.sleep(1.5)  # monitoring goes on meanwhile: the session keeps advancing
        resource.prlimit(child.pid, resource.RLIMIT_FSIZE, UNLIMITED)  # space returns
        _lines_until(
            child, lambda e: e["alarm_id"] == "recording_failed" and e["event"] == "end", 5
        )
        _out, err = child.communicate(timeout=20)
    finally:
        if child.poll() is None:
            child.kill()
    assert child.returncode == 0, err[-2000:]
    assert "Traceback" not in err
    # Said within 2 s of wall time, timed by the host's own session clock (at --speed 20;
    # the recording maps wall time to session time), not by when this busy test process
    # read the pipe.
    full_t_s = session_time_now(Recording(path).meta, full_wall_s)
    assert failed["t_s"] - full_t_s < 2.0 * 20
    hr = _assert_every_second_recorded(path)
    assert hr[-1] > 300 + 4 * 20  # the session ran on through the failure
    kinds = [e.kind for e in Recording(path).events()]
    assert "technical.report" in kinds and Recording(path).meta["status"] == "closed"


def test_read_only_folder_at_start_is_said_at_once_in_headless_json(tmp_path):
    blocker = tmp_path / "not-a-folder"
    blocker.write_text("")
    cmd = [sys.executable, "-m", "ketamon", "--headless", "--autostart", "--speed", "max"]
    cmd += ["--data-dir", str(blocker / "sessions")]
    result = subprocess.run(cmd, capture_output=True, text=True, timeout=60)
    assert result.returncode == 0 and "Traceback" not in result.stderr
    first = json.loads(result.stdout.splitlines()[0])
    assert first["condition"] == "RECORDING FAILED" and first["event"] == "warning"
    assert "Not a directory" in first["detail"]
    alarms = [json.loads(line) for line in result.stdout.splitlines()[1:]]
    assert any(a["alarm_id"] == "recording_failed" and a["event"] == "start" for a in alarms)
    assert any(a["alarm_id"] == "bp_high" or a["event"] == "armed" for a in alarms)


@pytest.mark.long_wall(seconds=4)
def test_gui_disk_full_mid_session(qtbot, resources, tmp_path):
    """The window shows RECORDING FAILED within 2 s, keeps monitoring, then writes it all."""
    from ketamon.core.simulation import autostart_demo
    from ketamon.ui.main_window import MainWindow
    from ketamon.ui.sources import Sources

    sources = Sources(resources, RunConfig(speed=10.0, data_dir=tmp_path))
    win = MainWindow(sources.new_model, resources.protocols, resources.library, "sim", sources)
    qtbot.addWidget(win)
    win.force_close = True
    session = win.model.session
    autostart_demo(session, resources.protocols[0], 70.0)
    win.model.clock.start()
    qtbot.wait(1200)
    (path,) = tmp_path.glob("*.ketamon")
    wal = path.with_name(path.name + "-wal")
    banner = win.dashboard.alarm_banner
    previous = resource.getrlimit(resource.RLIMIT_FSIZE)
    # Only writes past the WAL's current end fail: this process's other files are small.
    resource.setrlimit(resource.RLIMIT_FSIZE, (wal.stat().st_size, previous[1]))
    try:
        qtbot.waitUntil(lambda: "RECORDING FAILED" in banner.text.text().upper(), timeout=2000)
        t_failed = session.t_s
        qtbot.wait(1500)
        assert session.t_s > t_failed + 10  # monitoring goes on (10x speed)
    finally:
        resource.setrlimit(resource.RLIMIT_FSIZE, previous)
    qtbot.waitUntil(lambda: "RECORDING FAILED" not in banner.text.text().upper(), timeout=3000)
    win.model.close()
    win.close()
    _assert_every_second_recorded(path)


class FailingConnection:
    """A connection factory whose writes fail while `failing` is set (a declared seam)."""

    def __init__(self):
        self.failing = False

    def __call__(self, path: Path):
        import sqlite3

        owner = self

        class Connection(sqlite3.Connection):
            def commit(self):
                if owner.failing:
                    raise sqlite3.OperationalError("database or disk is full")
                return super().commit()

        return sqlite3.connect(path, factory=Connection)


def test_the_buffer_is_bounded_and_events_are_never_dropped(tmp_path, library):
    from ketamon.core.session import Session
    from ketamon.core.vitals import Sample

    connect = FailingConnection()
    bound = 1000
    recorder = Recorder(
        tmp_path / "r.ketamon", {"simulated": True}, connect=connect, max_buffered_rows=bound
    )
    session = Session(library, simulated=True)
    recorder.attach(session)
    connect.failing = True
    session.log(0.0, "annotation", "before the flood")
    session.ingest([Sample(float(i), Vital.SPO2, 97.0) for i in range(bound + 50)])
    assert not recorder.flush() and recorder.failure == "database or disk is full"
    assert recorder.dropped_samples == 51  # one slot went to the event
    connect.failing = False
    assert recorder.flush() and recorder.failure is None
    recorder.close()
    recording = Recording(tmp_path / "r.ketamon")
    assert [e.message for e in recording.events()] == [
        "before the flood",
        "RECORDING FAILED: database or disk is full",  # the failure is on record too
        "recording works again",
    ]
    assert len(recording.samples()) == bound - 1
    assert recording.samples()[0].t_s == 51.0  # the oldest went first
    assert os.stat(tmp_path / "r.ketamon").st_mode & 0o777 == 0o600
