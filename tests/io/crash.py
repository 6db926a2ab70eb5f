"""Running a recording child process and killing it with SIGKILL, as a power cut would."""

from __future__ import annotations

import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path


def record_then_kill(directory: Path, seed: int, seconds: float) -> tuple[Path, float]:
    """Record a simulated 1x session into `directory`; SIGKILL it after `seconds` of recording.

    Returns the recording and the wall time of the kill.
    """
    cmd = [sys.executable, "-m", "ketamon", "--headless", "--autostart", "--seed", str(seed)]
    cmd += ["--speed", "1", "--data-dir", str(directory)]
    child = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        deadline = time.time() + 20
        while not list(directory.glob("*.ketamon")) and time.time() < deadline:
            time.sleep(0.05)
        time.sleep(seconds)
        killed_wall = time.time()
        child.send_signal(signal.SIGKILL)
        child.wait(timeout=10)
    finally:
        if child.poll() is None:
            child.kill()
    (path,) = directory.glob("*.ketamon")
    return path, killed_wall


def copy_recording_dir(source: Path, directory: Path) -> Path:
    """A private copy of a crashed recording (its file, -wal and lock) in `directory`.

    Recording a crash takes seconds of wall time: tests that only read or resume one share
    a single recording made once (tests/conftest.py) and each works on its own copy.
    """
    directory.mkdir(parents=True, exist_ok=True)
    for item in source.iterdir():
        if item.is_file():
            shutil.copy2(item, directory / item.name)
    (path,) = directory.glob("*.ketamon")
    return path
