"""A device emulator: the simulator's vitals written as a real monitor would send them.

For training rigs over a real cable pair, and for the end-to-end tests. The
emulated patient is a seeded typical patient on the default protocol (the demo
recipe); frames are encoded per protocol, one set a second of session time.
"""

from __future__ import annotations

import json
import logging
import struct
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass, field

import serial

from ketamon.core.session import Session
from ketamon.core.simulation import autostart_demo, simulated_session
from ketamon.core.vitals import Sample, Vital
from ketamon.io.parsers import ParserStats, ge_s5
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
    encoded to `sent`, with each value as the host will decode it from the wire
    (rounded, fixed point), which the emulator prints as JSON lines: what was sent,
    not what existed.
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
        if not sensor_off:  # the wire carries whole numbers
            self.sent += [
                Sample(s.t_s, s.vital, float(round(s.value)))
                for s in samples
                if s.vital in (Vital.SPO2, Vital.HR)
            ]
        return _masimo_line(t_s, {s.vital: s.value for s in samples}, sensor_off)


class KetamonTextSide(MonitorSide):
    def moment(self, t_s: float, samples: list[Sample], sensor_off: bool) -> bytes:
        continuous = (Vital.HR, Vital.SPO2, Vital.RR)
        self.sent += [
            Sample(s.t_s, s.vital, float(f"{s.value:g}"))  # as format_frame writes it
            for s in samples
            if (s.vital in continuous and not sensor_off) or s.vital.is_nibp
        ]
        return _ketamon_lines({s.vital: s.value for s in samples}, sensor_off)


class GeS5Side(MonitorSide):
    """A GE S/5 monitor: silent until asked, then a displayed-values record every interval.

    Each record carries the basic class (ECG HR, NIBP, SpO2 and pulse rate, CO2 RR)
    and the auxiliary information with the NIBP measurement time; the monitor's
    clock is `EPOCH_S` plus session seconds.
    """

    EPOCH_S = 1_764_547_200  # 2025-12-01 00:00 UTC

    def __init__(self) -> None:
        super().__init__()
        self._splitter = ge_s5.FrameSplitter(ParserStats())
        self.interval_s: int | None = None
        self._next_s = 0.0
        self._latest: dict[Vital, float] = {}
        self._nibp: dict[Vital, float] = {}
        self._nibp_t_s: float | None = None
        self._nibp_logged_t_s: float | None = None

    def receive(self, data: bytes, t_s: float) -> bytes:
        for record in self._splitter.feed(data):
            interval = ge_s5.parse_request(record)
            if interval is None:
                continue
            self.interval_s = interval if interval > 0 else None
            self._next_s = t_s  # the first record at once
        return b""

    def moment(self, t_s: float, samples: list[Sample], sensor_off: bool) -> bytes:
        for s in samples:
            if s.vital.is_nibp:
                if s.t_s != self._nibp_t_s:
                    self._nibp, self._nibp_t_s = {}, s.t_s
                self._nibp[s.vital] = s.value
            else:
                self._latest[s.vital] = s.value
        if self.interval_s is None or t_s < self._next_s:
            return b""
        while self._next_s <= t_s:
            self._next_s += self.interval_s
        return ge_s5.frame_record(self._record(t_s, sensor_off))

    def _record(self, t_s: float, sensor_off: bool) -> bytes:
        def fixed(vital: Vital, scale: int, source: dict[Vital, float]) -> int:
            if vital not in source:
                return ge_s5.DATA_INVALID
            raw = round(source[vital] * scale)
            self.sent.append(Sample(t_s, vital, raw / scale if scale != 1 else float(raw)))
            return raw

        present = ge_s5.STATUS_EXISTS | ge_s5.STATUS_ACTIVE
        sub = bytearray(ge_s5.PHDB_SUBRECORD_BYTES)
        struct.pack_into("<I", sub, 0, self.EPOCH_S + int(t_s))
        hr = fixed(Vital.HR, 1, self._latest)
        struct.pack_into("<IHh", sub, ge_s5.ECG_STATUS, present, 0, hr)  # status, label, HR
        spo2_status = ge_s5.STATUS_EXISTS | (0 if sensor_off else ge_s5.STATUS_ACTIVE)
        spo2 = ge_s5.DATA_INVALID if sensor_off else fixed(Vital.SPO2, 100, self._latest)
        struct.pack_into("<IHhh", sub, ge_s5.SPO2_STATUS, spo2_status, 0, spo2, hr)
        rr = fixed(Vital.RR, 1, self._latest)
        struct.pack_into("<I", sub, ge_s5.CO2_STATUS, present)
        struct.pack_into("<h", sub, ge_s5.CO2_RR, rr)
        nibp = [ge_s5.DATA_INVALID] * 3
        fresh = (
            self._nibp_t_s is not None
            and self._nibp_t_s != self._nibp_logged_t_s
            and int(t_s) - int(self._nibp_t_s) <= ge_s5.NIBP_STALE_S  # as the clock says
        )
        if self._nibp_t_s is not None:
            log_to = self.sent if fresh else []
            for i, vital in enumerate((Vital.SBP, Vital.DBP, Vital.MAP)):
                if vital in self._nibp:
                    nibp[i] = round(self._nibp[vital] * 100)
                    log_to.append(Sample(t_s, vital, nibp[i] / 100))
            self._nibp_logged_t_s = self._nibp_t_s
        struct.pack_into("<IH3h", sub, ge_s5.NIBP_STATUS, present, 3, *nibp)  # 3: adult cuff
        cl_drilvl_subt = (ge_s5.CLASS_BASIC << 8) | ge_s5.PH_DISPL
        struct.pack_into("<H", sub, ge_s5.CL_DRILVL_SUBT, cl_drilvl_subt)
        aux = bytearray(ge_s5.AUX_SUBRECORD_BYTES)
        if self._nibp_t_s is not None:
            struct.pack_into("<I", aux, 0, self.EPOCH_S + int(self._nibp_t_s))
        length = ge_s5.HEADER_BYTES + len(sub) + len(aux)
        subs = [(0, ge_s5.PH_DISPL), (len(sub), ge_s5.PH_AUX_INFO)]
        head = ge_s5.header(length, subs, self.EPOCH_S + int(t_s))
        return head + bytes(sub) + bytes(aux)


def _intellivue_side(**options) -> MonitorSide:
    from ketamon.io.emulator_intellivue import IntelliVueSide  # it builds on MonitorSide above

    return IntelliVueSide(**options)


# Protocol name -> the monitor side that `ketamon emulate --protocol NAME` plays.
MONITOR_SIDES: dict[str, Callable[..., MonitorSide]] = {
    "masimo-ascii": MasimoSide,
    "ketamon-text": KetamonTextSide,
    "ge-s5": GeS5Side,
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


class _FixedCuff:
    """The simulated monitor with its cuff on a fixed interval instead of the protocol's.

    It offers the session no `request_nibp`, so the session's own program is silent.
    """

    def __init__(self, monitor, start_s: float, interval_s: float):
        self._monitor = monitor
        self._next_s = start_s + interval_s
        self._interval_s = interval_s

    def poll(self, t_s: float) -> list[Sample]:
        while self._next_s <= t_s:
            self._monitor.request_nibp(self._next_s)
            self._next_s += self._interval_s
        return self._monitor.poll(t_s)

    def technical_state(self) -> dict[str, bool]:
        return self._monitor.technical_state()


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
        cls,
        resources: ClinicalResources,
        protocol: str,
        seed: int,
        nibp_interval_s: float | None = None,
        **side_options,
    ) -> Emulator:
        """The seeded demo patient; `nibp_interval_s` replaces the protocol's cuff program."""
        session = simulated_session(resources.library, seed)
        autostart_demo(session, resources.protocols[0], 70.0)
        if nibp_interval_s is not None:
            session.source = _FixedCuff(session.source, session.t_s, nibp_interval_s)
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


@dataclass(frozen=True)
class EmulatorRun:
    """What `ketamon emulate` was asked to do (times in wall seconds unless named otherwise)."""

    port: str
    protocol: str
    seed: int = 1
    speed: float = 1.0
    baud: int = 9600
    duration_s: float | None = None
    nibp_interval_s: float | None = None  # session seconds between cuff readings
    pull_cable_at_s: float | None = None
    pull_cable_for_s: float = 5.0
    side_options: dict = field(default_factory=dict)  # the protocol side's own, e.g. intellivue


def sent_json(sample: Sample) -> str:
    """One sent value as the JSON line `ketamon emulate` prints."""
    data = {"t_s": round(sample.t_s, 3), "vital": sample.vital.value, "value": sample.value}
    return json.dumps(data)


def run_emulator(resources: ClinicalResources, run: EmulatorRun, out=None) -> int:
    """`ketamon emulate`: play the monitor on `run.port` until Ctrl+C or the duration.

    Prints each value it puts on the wire as a JSON line on `out` (stdout). A cable
    pull closes the port for `pull_cable_for_s` and reopens it; the monitor then
    waits for the host's request again, as after a real reconnection.
    """
    out = out or sys.stdout
    emulator = Emulator.demo(
        resources, run.protocol, run.seed, run.nibp_interval_s, **run.side_options
    )
    device = _open(run)
    if device is None:
        return 2
    log.info("emulating %s on %s at %g x (seed %d)", run.protocol, run.port, run.speed, run.seed)
    start = time.monotonic()
    sent_s = 0.0
    printed = 0
    pulled = False
    try:
        while run.duration_s is None or time.monotonic() - start < run.duration_s:
            wall_s = time.monotonic() - start
            if run.pull_cable_at_s is not None and not pulled and wall_s >= run.pull_cable_at_s:
                pulled = True
                device.close()
                log.info("cable pulled for %g s", run.pull_cable_for_s)
                time.sleep(run.pull_cable_for_s)
                while sent_s < (time.monotonic() - start) * run.speed:
                    emulator.next_second()  # the patient lives on; nothing reaches the wire
                    sent_s += 1.0
                # A new side forgets the host's request (and association).
                emulator.side = make_monitor_side(run.protocol, **run.side_options)
                printed = 0
                device = _open(run)
                if device is None:
                    return 1
            waiting = device.in_waiting
            if waiting:
                reply = emulator.receive(device.read(waiting))
                if reply:
                    device.write(reply)
            due_s = (time.monotonic() - start) * run.speed
            while sent_s < due_s:
                device.write(emulator.next_second())
                sent_s += 1.0
            sent = emulator.side.sent
            if len(sent) > printed:
                out.write("".join(sent_json(s) + "\n" for s in sent[printed:]))
                out.flush()
                printed = len(sent)
            time.sleep(min(0.05, 1.0 / run.speed))
    except KeyboardInterrupt:
        pass
    except (serial.SerialException, OSError) as exc:
        log.error("lost %s: %s", run.port, exc)
        return 1
    finally:
        device.close()
    return 0


def _open(run: EmulatorRun) -> serial.SerialBase | None:
    try:
        return serial.serial_for_url(run.port, baudrate=run.baud, timeout=0, write_timeout=2.0)
    except (serial.SerialException, OSError, ValueError) as exc:
        log.error("cannot open %s: %s", run.port, exc)
        return None
