"""Recordings: crash safety (kill -9), permissions, reading, and bad files."""

import math
import shutil
import sqlite3
import stat
import subprocess
import sys
from pathlib import Path

import pytest

from ketamon.core.vitals import Vital
from ketamon.io.recording import SCHEMA, Recording, RecordingError, is_unfinished
from tests.io.crash import record_then_kill


def record_headless(tmp_path, *extra):
    cmd = [sys.executable, "-m", "ketamon", "--headless", "--autostart", "--seed", "3"]
    cmd += ["--data-dir", str(tmp_path), *extra]
    return cmd


def only_recording(directory):
    (path,) = directory.glob("*.ketamon")
    return path


@pytest.mark.long_wall(seconds=3)
def test_kill_9_loses_at_most_one_second(tmp_path):
    path, killed_wall = record_then_kill(tmp_path, seed=3, seconds=3.0)
    recording = Recording(path)  # opens cleanly after the crash
    clock = recording.meta["clock"]
    t_at_kill = clock["t_s"] + (killed_wall - clock["wall_s"]) * clock["speed"]
    hr = recording.series(Vital.HR)
    # Every once-a-second sample older than 1 s at the moment of the kill is on disk.
    assert hr.t_s.max() >= math.floor(t_at_kill - 1.0 - 0.05)
    assert list(hr.t_s) == list(range(int(hr.t_s[0]), int(hr.t_s.max()) + 1))  # no holes
    assert recording.meta["status"] == "open"
    assert is_unfinished(path)


def test_recording_is_readable_by_the_user_only(tmp_path):
    subprocess.run(
        record_headless(tmp_path, "--speed", "max"), check=True, capture_output=True, timeout=120
    )
    path = only_recording(tmp_path)
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert stat.S_IMODE(tmp_path.stat().st_mode) in (0o700, 0o755)  # tmp_path made by pytest
    recording = Recording(path)
    assert recording.meta["status"] == "closed"
    assert recording.meta["simulated"] is True
    assert recording.meta["source"] == {"kind": "simulator", "seed": 3}
    kinds = [e.kind for e in recording.events()]
    # The nurse's command comes first, then what it caused.
    assert kinds[:2] == ["command.setup", "setup.confirmed"]
    assert "infusion.started" in kinds and "alarm.armed" in kinds
    assert kinds.index("command.start") < kinds.index("infusion.started")
    setup = recording.events()[1].data["prescription"]
    assert setup["protocol_id"] == "ketamine-loading" and setup["weight_kg"] == 70.0
    assert not is_unfinished(path)


@pytest.mark.parametrize(
    ("damage", "reason"),
    [
        (lambda p: p.write_bytes(b"not a database at all" * 100), "not a readable ketamon"),
        (lambda p: p.write_bytes(p.read_bytes()[:3000]), "not a readable ketamon"),
        (lambda p: p.write_bytes(b""), "not a readable ketamon"),
    ],
)
def test_corrupt_or_truncated_file_gives_a_clear_message(
    tmp_path, strong_recording, damage, reason
):
    # A copy of a whole recorded session (made once per run by the real headless run).
    path = Path(shutil.copyfile(strong_recording, tmp_path / strong_recording.name))
    damage(path)
    with pytest.raises(RecordingError, match=reason) as err:
        Recording(path)
    assert path.name in str(err.value)


def test_a_foreign_sqlite_file_is_refused(tmp_path):
    path = tmp_path / "other.ketamon"
    db = sqlite3.connect(path)
    db.executescript(SCHEMA)
    db.execute("INSERT INTO meta VALUES ('schema_version', '99')")
    db.commit()
    db.close()
    with pytest.raises(RecordingError, match="format 99"):
        Recording(path)


def test_missing_file(tmp_path):
    with pytest.raises(RecordingError, match="no such file"):
        Recording(tmp_path / "gone.ketamon")


def test_reading_never_writes(tmp_path, strong_recording):
    path = Path(shutil.copyfile(strong_recording, tmp_path / strong_recording.name))
    before = (path.stat().st_mtime_ns, path.read_bytes())
    recording = Recording(path)
    assert recording.samples()  # a whole session read
    recording.events()
    assert (path.stat().st_mtime_ns, path.read_bytes()) == before
    assert sorted(p.name for p in tmp_path.iterdir()) == [path.name]  # no journal or lock left


def test_a_session_being_recorded_is_not_offered_for_resume(tmp_path):
    from ketamon.io.recorder import Recorder

    path = tmp_path / "x.ketamon"
    recorder = Recorder(path, {"simulated": True})
    assert not is_unfinished(path)  # status open, but its lock is held: it is running
    with pytest.raises(RecordingError, match="being recorded by another ketamon"):
        Recorder(path, {}, resume=True)
    recorder.close("open")  # as if ketamon had died: lock released, status open
    assert is_unfinished(path)
