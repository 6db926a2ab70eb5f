"""Several ketamon at once: one data folder shared race-free; one serial port, one owner."""

from __future__ import annotations

import os
import subprocess
import sys
import time

from ketamon.io.device import DeviceConnection, PortSettings
from ketamon.io.port_lock import lock_file_for
from ketamon.io.recording import Recording


def _ketamon(*argv: str) -> list[str]:
    return [sys.executable, "-m", "ketamon", *argv]


def test_twenty_simultaneous_starts_on_one_folder(tmp_path):
    cmd = _ketamon("--headless", "--autostart", "--speed", "60", "--quit-after", "1")
    cmd += ["--data-dir", str(tmp_path)]
    env = dict(os.environ, QT_QPA_PLATFORM="offscreen")
    children = [
        subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, env=env)
        for _ in range(20)
    ]
    errors = [child.communicate(timeout=60)[1].decode() for child in children]
    assert [c.returncode for c in children] == [0] * 20, errors
    assert not [e for e in errors if "Traceback" in e]
    paths = sorted(tmp_path.glob("*.ketamon"))
    assert len(paths) == 20  # one file each, none shared, none lost
    assert all(Recording(p).meta["status"] == "closed" for p in paths)
    assert not list(tmp_path.glob("*.lock"))


def test_a_second_process_on_the_same_port_is_refused(tmp_path, cable):
    first = subprocess.Popen(
        _ketamon("--headless", "--autostart", "--port", str(cable.link), "--quit-after", "5")
        + ["--data-dir", str(tmp_path)],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        # Held once the first has opened the port: its lock file then names its pid.
        lock_file = lock_file_for(str(cable.link))
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            if lock_file.exists() and lock_file.read_text().strip() == str(first.pid):
                break
            time.sleep(0.1)
        else:
            raise AssertionError("the first process never held the port")
        second = subprocess.run(
            _ketamon("--headless", "--autostart", "--port", str(cable.link), "--quit-after", "2")
            + ["--data-dir", str(tmp_path)],
            capture_output=True,
            text=True,
            timeout=30,
        )
    finally:
        first.terminate()
        first.communicate(timeout=20)
    assert second.returncode == 2
    assert f"port {cable.link} in use by ketamon (pid {first.pid})" in second.stderr
    assert "Traceback" not in second.stderr


def test_two_connections_in_one_process_do_not_share_a_port(cable):
    one = DeviceConnection(PortSettings(str(cable.link), "masimo-ascii"))
    two = DeviceConnection(PortSettings(str(cable.link), "masimo-ascii"), retry_s=0.0)
    try:
        assert one.step().connected is True
        refused = two.step()
        assert refused.connected is False and "in use by ketamon" in refused.detail
        one.close()
        assert two.step().connected is True  # free again once the first let go
    finally:
        one.close()
        two.close()


def test_port_urls_need_the_flag():
    refused = DeviceConnection(PortSettings("loop://", "masimo-ascii")).step()
    assert refused.connected is False and "--allow-port-url" in refused.detail
    allowed = DeviceConnection(PortSettings("loop://", "masimo-ascii", allow_url=True))
    assert allowed.step().connected is True
    allowed.close()
