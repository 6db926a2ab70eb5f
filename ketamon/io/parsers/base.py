"""Device protocols: bytes in, frames of vital values out, everything bad counted.

A parser never raises on input and never invents a value: malformed frames,
binary garbage, over-long lines and physiologically impossible values are
rejected and counted in `stats`, which the status bar shows.

`ProtocolParser` is the host side of any protocol. Monitors that stream on
their own (Masimo, ketamon-text) only need `feed`; monitors that must be asked
(GE S/5, Philips IntelliVue) also say what the host sends: `on_connect` when
the port opens, `outgoing` on every read cycle (requests, polls, keep-alives,
answers), and `link_problem` when the monitor stopped answering although the
port is still open (the connection then closes, reports "source lost" and
reconnects). All times are the connection's monotonic seconds (`now_s`).
"""

from __future__ import annotations

from dataclasses import dataclass, field

from ketamon.core.vitals import Vital, is_plausible

MAX_LINE_BYTES = 512  # longer than any real frame: garbage without line ends


@dataclass
class Frame:
    """One complete, accepted frame: values by vital (their units) and technical flags.

    `technical` maps a condition (sensor_off) to (present, detail).
    """

    values: dict[Vital, float] = field(default_factory=dict)
    technical: dict[str, tuple[bool, str]] = field(default_factory=dict)


@dataclass
class ParserStats:
    """Running counts of what came in and what was thrown away."""

    frames: int = 0
    rejected_frames: int = 0
    implausible_values: int = 0
    discarded_bytes: int = 0

    @property
    def rejected(self) -> int:
        return self.rejected_frames + self.implausible_values


class ProtocolParser:
    """The host side of one device protocol. Subclasses implement `feed`."""

    name = "abstract"
    description = ""
    default_baud = 9600
    default_parity = "N"  # pyserial parity letter: N, E, O
    rtscts = False  # hardware flow control
    max_bytes_per_s = 1000  # more than this is a flood (see DeviceConnection)
    label = "device"  # the monitor as a numerics tile names it ("GE S/5 on ttyUSB1")
    supplies_nibp = False  # the protocol carries cuff readings (else the nurse enters them)
    # Longest silence (s) before `link_problem` calls an open link dead; None if the protocol
    # has no such rule. Kept below the alarm profile's no_data_s, so the cause ("source
    # lost") is raised before its consequence ("no data").
    silence_limit_s: float | None = None

    def __init__(self) -> None:
        self.stats = ParserStats()

    def feed(self, data: bytes) -> list[Frame]:
        """Take bytes from the device; return the complete, accepted frames."""
        raise NotImplementedError

    def on_connect(self, now_s: float) -> bytes:
        """The port has just (re)opened: reset the link state; return bytes to send."""
        return b""

    def outgoing(self, now_s: float) -> bytes:
        """Bytes the host should send now (polls, keep-alives, replies); b"" for none."""
        return b""

    def link_problem(self, now_s: float) -> str | None:
        """Why the link is dead although the port is open (no answer), or None."""
        return None

    def on_close(self, now_s: float) -> bytes:
        """The port is about to close: bytes to send first (e.g. a release), or b""."""
        return b""


class LineParser(ProtocolParser):
    """Splits a byte stream into CR LF lines and hands each to `parse_line`."""

    def __init__(self) -> None:
        super().__init__()
        self._buffer = bytearray()

    def feed(self, data: bytes) -> list[Frame]:
        self._buffer.extend(data)
        if b"\n" not in data:
            self._limit_partial_line()
            return []
        # Every complete line at once (one split, not a search and a copy per line).
        *lines, rest = bytes(self._buffer).split(b"\n")
        self._buffer = bytearray(rest)
        frames: list[Frame] = []
        stats = self.stats
        for raw in lines:
            raw = raw.rstrip(b"\r")
            if not raw.strip():
                continue
            frame = self._decode(raw)
            if frame is None:
                stats.rejected_frames += 1
                stats.discarded_bytes += len(raw)
                continue
            stats.frames += 1
            frames.append(frame)
        self._limit_partial_line()
        return frames

    def _limit_partial_line(self) -> None:
        """Bytes with no line end past any real frame's length are garbage: dropped."""
        if len(self._buffer) > MAX_LINE_BYTES:
            self.stats.discarded_bytes += len(self._buffer)
            self.stats.rejected_frames += 1
            self._buffer.clear()

    def _decode(self, raw: bytes) -> Frame | None:
        if len(raw) > MAX_LINE_BYTES:
            return None
        try:
            line = raw.decode("ascii")
        except UnicodeDecodeError:
            return None
        if not line.isprintable():
            return None
        return self.parse_line(line)

    def parse_line(self, line: str) -> Frame | None:
        raise NotImplementedError

    def accept(self, frame: Frame, vital: Vital, value: float) -> None:
        """Keep `value` only if a living patient could have it; else count an artefact."""
        if is_plausible(vital, value):
            frame.values[vital] = value
        else:
            self.stats.implausible_values += 1
