"""A real MQTT broker (amqtt, in a subprocess) on a free loopback port, and bedside runs."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest

AMQTT = Path(sys.executable).with_name("amqtt")
CONFIG = """\
listeners:
  default:
    type: tcp
    bind: 127.0.0.1:{port}
plugins:
  amqtt.plugins.authentication.AnonymousAuthPlugin:
    allow_anonymous: true
"""


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_for_port(port: int, up: bool, timeout_s: float = 15.0) -> None:
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.2):
                if up:
                    return
        except OSError:
            if not up:
                return
        time.sleep(0.05)
    raise TimeoutError(f"port {port} never came {'up' if up else 'down'}")


class Broker:
    """An amqtt broker we can stop and start again on the same port."""

    def __init__(self, directory: Path, config: str = CONFIG):
        """`config`: amqtt YAML with a `{port}` placeholder for the listener."""
        self.port = free_port()
        self.config = directory / "amqtt.yaml"
        self.config.write_text(config.format(port=self.port))
        self.log = directory / "amqtt.log"
        self._process: subprocess.Popen | None = None

    @property
    def url(self) -> str:
        return f"mqtt://127.0.0.1:{self.port}"

    def start(self) -> None:
        with self.log.open("ab") as log:
            self._process = subprocess.Popen(
                [str(AMQTT), "-c", str(self.config)], stdout=log, stderr=subprocess.STDOUT
            )
        wait_for_port(self.port, up=True)

    def stop(self) -> None:
        if self._process is not None:
            self._process.terminate()
            self._process.wait(timeout=10)
            self._process = None


@pytest.fixture
def broker(tmp_path):
    b = Broker(tmp_path)
    b.start()
    yield b
    b.stop()


def quick_retries(directory: Path, first_s: float, max_s: float) -> Path:
    """A clinic net config whose senders retry after `first_s`, doubling to `max_s`
    (default 0.5-5 s): a test's outage can be seconds and still see several retries."""
    path = directory / "net.toml"
    path.write_text(f"[retry]\nfirst_s = {first_s}\nmax_s = {max_s}\n")
    return path


def start_bedside(bed: str, url: str, data_dir: Path, *extra: str) -> subprocess.Popen:
    """A headless simulated bedside publishing as `bed`; alarm JSON lines on its stdout."""
    env = dict(os.environ, KETAMON_DATA_DIR=str(data_dir), QT_QPA_PLATFORM="offscreen")
    argv = [sys.executable, "-m", "ketamon.cli", "--headless", "--autostart"]
    argv += ["--mqtt", url, "--bed", bed, "--data-dir", str(data_dir), *extra]
    return subprocess.Popen(argv, stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=env)
