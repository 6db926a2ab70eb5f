"""Resume after an unclean exit: the timer and dose are right for the time that passed."""

import os
import subprocess
import sys
import time

import pytest

from ketamon.core.infusion import Phase
from ketamon.io.recording import Recording
from ketamon.io.resume import rebuild_for_resume, unfinished_recordings
from tests.io.crash import copy_recording_dir


@pytest.fixture
def crashed(tmp_path, crashed_template):
    """A simulated session recorded at 1x, killed with SIGKILL after ~2 s (a private copy)."""
    directory, killed_wall = crashed_template
    return copy_recording_dir(directory, tmp_path), killed_wall


def test_unfinished_session_is_found(crashed):
    path, _ = crashed
    assert unfinished_recordings(path.parent) == [path]


def test_rebuild_after_ten_minutes_down(crashed, resources):
    path, killed_wall = crashed
    session, downtime_s = rebuild_for_resume(path, resources, wall_now_s=killed_wall + 600)
    clock = Recording(path).meta["clock"]
    now_s = clock["t_s"] + (killed_wall + 600 - clock["wall_s"]) * clock["speed"]
    assert session.t_s == pytest.approx(now_s, abs=1e-6)
    assert 599 <= downtime_s <= 603
    started = session.infusion.started_s()
    assert started == 300.0
    status = session.snapshot().status
    assert status.phase is Phase.INFUSING
    # The pump kept running while ketamon was down (CLINICAL.md §1: 35 mg over 40 min).
    assert status.delivered_mg == pytest.approx(35.0 * (now_s - started) / 2400.0)
    assert status.phase_remaining_s == pytest.approx(2400.0 - (now_s - started))
    # The simulated patient is regenerated exactly: recorded samples reappear identically.
    recorded = Recording(path).samples()
    assert recorded and session.latest  # vitals flowing again


def test_resume_past_the_end_of_loading_starts_observation(crashed, resources):
    path, killed_wall = crashed
    session, _ = rebuild_for_resume(path, resources, wall_now_s=killed_wall + 45 * 60)
    assert session.phase() is Phase.OBSERVATION
    assert session.snapshot().status.delivered_mg == pytest.approx(35.0)


@pytest.mark.long_wall(seconds=3)
def test_gui_resumes_into_the_same_file(crashed, tmp_path):
    path, _ = crashed
    env = dict(os.environ, QT_QPA_PLATFORM="offscreen")
    cmd = [sys.executable, "-m", "ketamon", "--resume", "--data-dir", str(path.parent)]
    cmd += ["--quit-after", "2"]
    result = subprocess.run(cmd, capture_output=True, text=True, timeout=120, env=env)
    assert result.returncode == 0, result.stderr[-2000:]
    assert "resumed" in result.stderr
    assert list(path.parent.glob("*.ketamon")) == [path]  # no second file
    recording = Recording(path)
    kinds = [e.kind for e in recording.events()]
    assert "session.resumed" in kinds
    assert recording.meta["status"] == "closed"  # --quit-after is a scripted end, not a crash


@pytest.mark.long_wall(seconds=9)
def test_two_resumes_at_once_the_second_is_told_it_is_open(crashed):
    path, _ = crashed
    env = dict(os.environ, QT_QPA_PLATFORM="offscreen")
    cmd = [sys.executable, "-m", "ketamon", "--resume", "--data-dir", str(path.parent)]
    first = subprocess.Popen(
        [*cmd, "--quit-after", "6"],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
        env=env,
    )
    try:
        from ketamon.io.recording import is_open_elsewhere

        deadline = time.monotonic() + 30
        while not is_open_elsewhere(path) and time.monotonic() < deadline:
            time.sleep(0.1)
        assert is_open_elsewhere(path), "the first never took the session"
        second = subprocess.run(
            [*cmd, "--quit-after", "1"], capture_output=True, text=True, timeout=60, env=env
        )
    finally:
        _out, first_err = first.communicate(timeout=60)
    assert second.returncode == 2
    assert f"{path.name} is already open in another ketamon" in second.stderr
    assert "Traceback" not in second.stderr + first_err
    assert first.returncode == 0 and list(path.parent.glob("*.ketamon")) == [path]
