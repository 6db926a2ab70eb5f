"""Two monitors at once on pty pairs: `ketamon emulate` for a Masimo and for a GE S/5.

Each emulator writes to its own pty; a relay joins it to a PtyCable (a stable path,
as udev's by-id links are), which the host opens as `--device PROTOCOL:PATH`.
"""

from __future__ import annotations

import json
import os
import tty
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

from tests.io.pty_rig import PtyCable
from tests.io.test_ge_s5_e2e import Relay, ketamon


@dataclass
class Monitor:
    protocol: str
    cable: PtyCable
    sent: list[dict] = field(default_factory=list)  # the emulator's JSON lines

    def values(self, vital: str) -> list[float]:
        return [item["value"] for item in self.sent if item["vital"] == vital]


@contextmanager
def two_monitors(tmp_path: Path, duration_s: float, until_end: bool = True):
    """Masimo (SpO2, pulse) and GE S/5 (HR, SpO2, NIBP) emulators, each on a cable.

    Yields (masimo, ge); on exit waits for both emulators and fills `sent`, or with
    `until_end` False stops them at once (a test that does not compare what was sent).
    """
    rigs = []
    try:
        monitors = []
        for protocol, seed in (("masimo-ascii", 4), ("ge-s5", 2)):
            master, slave = os.openpty()
            tty.setraw(slave)
            cable = PtyCable(tmp_path / f"tty{protocol.split('-')[0].upper()}")
            relay = Relay(cable, master)
            relay.start()
            emulator = ketamon(
                "emulate",
                "--port", os.ttyname(slave),
                "--protocol", protocol,
                "--seed", str(seed),
                "--speed", "5",
                "--nibp-interval", "10",  # a cuff reading every 2 s of wall time
                "--duration", str(duration_s),
            )  # fmt: skip
            rigs.append((master, slave, relay, emulator, cable))
            assert "emulating" in emulator.stderr.readline()  # listening before the host
            monitors.append(Monitor(protocol, cable))
        yield monitors[0], monitors[1]
        if not until_end:
            return
        for monitor, (_m, _s, _r, emulator, _c) in zip(monitors, rigs, strict=True):
            out, _ = emulator.communicate(timeout=30)
            assert emulator.returncode == 0
            monitor.sent = [json.loads(line) for line in out.splitlines()]
    finally:
        for master, slave, relay, emulator, cable in rigs:
            relay.stopped.set()
            if emulator.poll() is None:
                emulator.kill()
                emulator.wait()
            relay.join(timeout=2)
            cable.close()
            os.close(master)
            os.close(slave)
