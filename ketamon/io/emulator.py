"""A device emulator: the simulator's vitals written as a real monitor would send them.

For training rigs over a real cable pair, and for the end-to-end tests. The
emulated patient is a seeded typical patient on the default protocol (the demo
recipe); frames are encoded per protocol, one set a second of session time.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from dataclasses import dataclass

import serial

from ketamon.core.session import Session
from ketamon.core.simulation import autostart_demo, simulated_session
from ketamon.core.vitals import Sample, Vital
from ketamon.io.parsers.ketamon_text import format_frame
from ketamon.resources_loading import ClinicalResources

log = logging.getLogger(__name__)


def _masimo_line(t_s: float, values: dict[Vital, float], sensor_off: bool) -> bytes:
    # The emulated device clock starts at midnight: its time is never trusted anyway.
    hh, rest = divmod(int(t_s) % 86400, 3600)
    mm, ss = divmod(rest, 60)
    spo2 = values.get(Vital.SPO2)
    hr = values.get(Vital.HR)
    spo2_text = "---" if spo2 is None or sensor_off else f"{round(spo2):03d}"
    hr_text = "---" if hr is None or sensor_off else f"{round(hr):03d}"
    exc = 0x000020 if sensor_off else 0x000800  # sensor off, or "Masimo SET" normal
    return (
        f"11/30/26 {hh:02d}:{mm:02d}:{ss:02d} SN=0000012345 SPO2={spo2_text}% BPM={hr_text} "
        f"PI=02.85% SPCO=--.-% SPMET=--.-% DESAT=-- PIDELTA=+-- ALARM=0000 EXC={exc:06X}\r\n"
    ).encode("ascii")


def _ketamon_lines(values: dict[Vital, float], sensor_off: bool) -> bytes:
    out = b""
    continuous = [(k, v) for k, v in (("HR", Vital.HR), ("SPO2", Vital.SPO2), ("RR", Vital.RR))]
    fields = [(key, f"{values[v]:g}") for key, v in continuous if v in values]
    if sensor_off:
        out += format_frame([("SENSOR", "OFF")])
    elif fields:
        out += format_frame(fields)
    if Vital.SBP in values and Vital.DBP in values:
        nibp = f"{values[Vital.SBP]:g}/{values[Vital.DBP]:g}/{values.get(Vital.MAP, 0):g}"
        out += format_frame([("NIBP", nibp)])
    return out


class MonitorSide:
    """The monitor's half of a protocol: what it answers and what it sends each moment.

    Streaming monitors ignore the host; monitors that must be asked (GE S/5,
    IntelliVue) answer in `receive` and send numerics from `moment` only while
    the host's request is in force. Every side appends the samples it actually
    encoded to `sent`, which the emulator logs (what was sent, not what existed).
    """

    def __init__(self) -> None:
        self.sent: list[Sample] = []

    def receive(self, data: bytes, t_s: float) -> bytes:
        """Bytes from the host at session time `t_s`; returns the immediate reply."""
        return b""

    def moment(self, t_s: float, samples: list[Sample], sensor_off: bool) -> bytes:
        """The bytes the monitor sends for the samples of one moment (session s)."""
        raise NotImplementedError


class MasimoSide(MonitorSide):
    def moment(self, t_s: float, samples: list[Sample], sensor_off: bool) -> bytes:
        if not sensor_off:
            self.sent += [s for s in samples if s.vital in (Vital.SPO2, Vital.HR)]
        return _masimo_line(t_s, {s.vital: s.value for s in samples}, sensor_off)


class KetamonTextSide(MonitorSide):
    def moment(self, t_s: float, samples: list[Sample], sensor_off: bool) -> bytes:
        continuous = (Vital.HR, Vital.SPO2, Vital.RR)
        self.sent += [
            s for s in samples if (s.vital in continuous and not sensor_off) or s.vital.is_nibp
        ]
        return _ketamon_lines({s.vital: s.value for s in samples}, sensor_off)


def _intellivue_side(**options) -> MonitorSide:
    from ketamon.io.emulator_intellivue import IntelliVueSide  # it builds on MonitorSide above

    return IntelliVueSide(**options)


# Protocol name -> the monitor side that `ketamon emulate --protocol NAME` plays.
MONITOR_SIDES: dict[str, Callable[..., MonitorSide]] = {
    "masimo-ascii": MasimoSide,
    "ketamon-text": KetamonTextSide,
    "intellivue": _intellivue_side,
}


def make_monitor_side(protocol: str, **options) -> MonitorSide:
    """The side for `protocol`; `options` are that side's own (e.g. refuse_association)."""
    try:
        return MONITOR_SIDES[protocol](**options)
    except KeyError:
        raise ValueError(f"unknown protocol {protocol!r}") from None


def encode(protocol: str, t_s: float, samples: list[Sample], sensor_off: bool = False) -> bytes:
    """The bytes a streaming `protocol` device sends for the samples of one moment."""
    return make_monitor_side(protocol).moment(t_s, samples, sensor_off)


@dataclass
class Emulator:
    """Produces device bytes for session time advancing in one-second steps."""

    protocol: str
    session: Session
    sensor_off: bool = False
    side: MonitorSide | None = None

    def __post_init__(self) -> None:
        if self.side is None:
            self.side = make_monitor_side(self.protocol)

    @classmethod
    def demo(
        cls, resources: ClinicalResources, protocol: str, seed: int, **side_options
    ) -> Emulator:
        session = simulated_session(resources.library, seed)
        autostart_demo(session, resources.protocols[0], 70.0)
        emulator = cls(protocol, session, side=make_monitor_side(protocol, **side_options))
        session.on_samples.connect(emulator._collect)
        emulator._pending = []
        return emulator

    def _collect(self, samples: list[Sample]) -> None:
        self._pending.extend(samples)

    def next_second(self) -> bytes:
        """Advance the emulated patient by one second; return what the device sends."""
        self.session.advance_to(self.session.t_s + 1.0)
        by_time: dict[float, list[Sample]] = {}
        for sample in self._pending:
            by_time.setdefault(sample.t_s, []).append(sample)
        self._pending = []
        return b"".join(
            self.side.moment(t, group, self.sensor_off) for t, group in sorted(by_time.items())
        )

    def receive(self, data: bytes) -> bytes:
        """What the host sent; returns the monitor's immediate reply."""
        return self.side.receive(data, self.session.t_s)


def run_emulator(
    resources: ClinicalResources,
    port: str,
    protocol: str,
    seed: int,
    speed: float,
    baud: int,
    duration_s: float | None,
    side_options: dict | None = None,
) -> int:
    """`ketamon emulate`: write frames to `port` until Ctrl+C or `duration_s` wall seconds."""
    emulator = Emulator.demo(resources, protocol, seed, **(side_options or {}))
    try:
        device = serial.serial_for_url(port, baudrate=baud, timeout=0, write_timeout=2.0)
    except (serial.SerialException, OSError, ValueError) as exc:
        log.error("cannot open %s: %s", port, exc)
        return 2
    log.info("emulating %s on %s at %g x (seed %d)", protocol, port, speed, seed)
    start = time.monotonic()
    sent_s = 0.0
    try:
        while duration_s is None or time.monotonic() - start < duration_s:
            waiting = device.in_waiting
            if waiting:
                reply = emulator.receive(device.read(waiting))
                if reply:
                    device.write(reply)
            due_s = (time.monotonic() - start) * speed
            while sent_s < due_s:
                device.write(emulator.next_second())
                sent_s += 1.0
            time.sleep(min(0.05, 1.0 / speed))
    except KeyboardInterrupt:
        pass
    except (serial.SerialException, OSError) as exc:
        log.error("lost %s: %s", port, exc)
        return 1
    finally:
        device.close()
    return 0
