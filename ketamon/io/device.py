"""A serial monitor connection: open, read, parse, reconnect; no Qt, safe to run on a thread.

`DeviceConnection.step()` does one bounded read cycle and returns what arrived:
frames stamped with their arrival time (`time.monotonic()`; device clocks are
not trusted) and connection events. The caller turns arrival times into session
times. A pulled cable is noticed as a read error or a vanished port; the
connection then retries every `retry_s` until the port comes back.
"""

from __future__ import annotations

import logging
import os
import time
from collections.abc import Callable
from dataclasses import dataclass, field

import serial

from ketamon.io.parsers import Frame, ProtocolParser, make_parser
from ketamon.io.port_lock import PortInUse, PortLock

log = logging.getLogger(__name__)

READ_TIMEOUT_S = 0.1
FLOOD_FACTOR = 20  # more than 20x what the protocol can carry is a flood, not data


@dataclass(frozen=True)
class PortSettings:
    """Where and how to talk to the monitor."""

    port: str
    protocol: str
    baud: int = 9600
    parity: str = serial.PARITY_NONE
    rtscts: bool = False
    allow_url: bool = False  # pyserial URLs (socket://...) only when asked for (test rigs)


def device_name(settings: PortSettings) -> str:
    """The monitor as tiles and alarms name it: "GE S/5 on ttyUSB1" (its port, /dev/ left off)."""
    try:
        label = make_parser(settings.protocol).label
    except ValueError:
        label = settings.protocol
    return f"{label} on {settings.port.removeprefix('/dev/')}"


def port_settings(
    port: str, protocol: str, baud: int | None = None, allow_url: bool = False
) -> PortSettings:
    """PortSettings for `protocol` on `port`: its default speed, parity and handshake."""
    parser = make_parser(protocol)
    return PortSettings(
        port,
        protocol,
        baud or parser.default_baud,
        parser.default_parity,
        parser.rtscts,
        allow_url,
    )


def open_serial_port(port: str, allow_url: bool = False, **settings) -> serial.SerialBase:
    """Open a device path exclusively (flock on POSIX); a pyserial URL only if allowed."""
    if "://" in port:
        if not allow_url:
            raise ValueError(f"{port} is a URL, not a serial device (see --allow-port-url)")
        return serial.serial_for_url(port, **settings)
    if os.name == "posix":
        settings["exclusive"] = True
    try:
        return serial.Serial(port, **settings)
    except serial.SerialException as exc:
        if "exclusively lock" in str(exc):
            raise PortInUse(f"port {port} in use by another program") from exc
        raise


@dataclass
class Batch:
    """What one or more read cycles produced: (arrival monotonic s, frame) and connection news."""

    frames: list[tuple[float, Frame]] = field(default_factory=list)
    connected: bool | None = None  # None: unchanged
    detail: str = ""
    flood_dropped_bytes: int = 0

    def extend(self, other: Batch) -> None:
        self.frames += other.frames
        if other.connected is not None:
            self.connected, self.detail = other.connected, other.detail
        self.flood_dropped_bytes += other.flood_dropped_bytes


class DeviceConnection:
    """One monitor on one port. Call `step()` in a loop; `close()` when done."""

    def __init__(
        self,
        settings: PortSettings,
        open_port: Callable[..., serial.SerialBase] | None = None,
        now: Callable[[], float] = time.monotonic,
        retry_s: float = 1.0,
        parser: ProtocolParser | None = None,
    ):
        self.settings = settings
        self.parser: ProtocolParser = parser or make_parser(settings.protocol)
        self._open_port = open_port or (
            lambda port, **kw: open_serial_port(port, settings.allow_url, **kw)
        )
        self._port_lock = PortLock(settings.port)
        self._now = now
        self._retry_s = retry_s
        self._port: serial.SerialBase | None = None
        self._next_try = 0.0
        self._window_start = now()
        self._window_bytes = 0
        self.connected = False
        self.flood_dropped_bytes = 0

    def step(self) -> Batch:
        batch = Batch()
        if self._port is None:
            if self._now() < self._next_try:
                time.sleep(READ_TIMEOUT_S)
                return batch
            self._open(batch)
            if self._port is None:
                return batch
        try:
            data = self._port.read(max(1, min(self._port.in_waiting, 4096)))
            self._send(self.parser.outgoing(self._now()))
        except (serial.SerialException, OSError) as exc:
            self._lost(batch, f"read failed: {exc}")
            return batch
        problem = self.parser.link_problem(self._now())
        if problem is not None:
            self._lost(batch, problem)
            return batch
        if not data:
            return batch
        arrival = self._now()
        data = self._flood_guard(data, arrival, batch)
        for frame in self.parser.feed(data):
            batch.frames.append((arrival, frame))
        return batch

    def close(self) -> None:
        if self._port is not None:
            try:  # a protocol may say goodbye (release); a dead port just closes
                self._send(self.parser.on_close(self._now()))
            except (serial.SerialException, OSError):
                pass
            self._port.close()
            self._port = None
        self._port_lock.release()

    # ---- internals ------------------------------------------------------------------

    def _open(self, batch: Batch) -> None:
        s = self.settings
        try:
            self._port_lock.acquire()
            self._port = self._open_port(
                s.port,
                baudrate=s.baud,
                parity=s.parity,
                rtscts=s.rtscts,
                timeout=READ_TIMEOUT_S,
                write_timeout=READ_TIMEOUT_S,
            )
            self._send(self.parser.on_connect(self._now()))
        except PortInUse as exc:
            self.close()
            self._next_try = self._now() + self._retry_s
            if self.connected or batch.connected is None:
                self._mark(batch, False, str(exc))
            return
        except (serial.SerialException, OSError, ValueError) as exc:
            self.close()
            self._next_try = self._now() + self._retry_s
            if self.connected or batch.connected is None:
                self._mark(batch, False, f"{self.name}: cannot open {s.port}: {exc}")
            return
        self._mark(batch, True, f"{s.port} open ({s.protocol}, {s.baud} baud)")

    def _send(self, data: bytes) -> None:
        """Write what the protocol asks the host to send (requests, polls, replies)."""
        if data and self._port is not None:
            self._port.write(data)

    @property
    def name(self) -> str:
        """The device as the nurse sees it named in alarms: protocol and port."""
        return f"{self.settings.protocol} on {self.settings.port}"

    def _lost(self, batch: Batch, detail: str) -> None:
        log.warning("device %s lost: %s", self.name, detail)
        self.close()
        self._next_try = self._now() + self._retry_s
        self._mark(batch, False, f"{self.name}: {detail}")

    def _mark(self, batch: Batch, connected: bool, detail: str) -> None:
        changed = connected != self.connected
        self.connected = connected
        if changed or not connected:
            batch.connected, batch.detail = connected, detail

    def _flood_guard(self, data: bytes, arrival: float, batch: Batch) -> bytes:
        """Drop input beyond FLOOD_FACTOR x the protocol's rate, per one-second window."""
        if arrival - self._window_start >= 1.0:
            self._window_start, self._window_bytes = arrival, 0
        allowed = self.parser.max_bytes_per_s * FLOOD_FACTOR - self._window_bytes
        self._window_bytes += len(data)
        if len(data) <= allowed:
            return data
        # Read and drop (not tcflush, which discards an unknown amount): the count shown
        # to the nurse is exact, and at serial rates dropping costs the worker nothing.
        dropped = len(data) - max(0, allowed)
        self.flood_dropped_bytes += dropped
        batch.flood_dropped_bytes += dropped
        return data[: max(0, allowed)]
