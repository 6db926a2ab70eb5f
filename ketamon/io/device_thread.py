"""Running a DeviceConnection on a plain thread (headless): batches go through a bounded queue."""

from __future__ import annotations

import queue
import threading
import time
from dataclasses import replace

from ketamon.io.device import Batch, DeviceConnection, PortSettings
from ketamon.io.parsers import ParserStats

BATCH_INTERVAL_S = 0.1
QUEUE_BATCHES = 600  # a minute of batches; beyond that the reader waits, never the session


def read_loop(
    connection: DeviceConnection,
    stop: threading.Event,
    deliver,
    interval_s: float = BATCH_INTERVAL_S,
) -> None:
    """Step the connection until `stop`; hand `deliver(batch, stats)` one batch per interval."""
    pending = Batch()
    last = time.monotonic()
    delivered_stats = replace(connection.parser.stats)
    try:
        while not stop.is_set():
            pending.extend(connection.step())
            now = time.monotonic()
            stats = connection.parser.stats
            news = pending.frames or pending.connected is not None or pending.flood_dropped_bytes
            if now - last >= interval_s and (news or stats != delivered_stats):
                delivered_stats = replace(stats)  # rejections alone are news too
                deliver(pending, delivered_stats)
                pending, last = Batch(), now
    finally:
        connection.close()


class DeviceThread:
    """A device read on its own thread; `drain()` returns what arrived, for the owner's thread."""

    def __init__(self, settings: PortSettings):
        self.connection = DeviceConnection(settings)
        self._queue: queue.Queue[tuple[Batch, ParserStats]] = queue.Queue(QUEUE_BATCHES)
        self._stop = threading.Event()
        self._thread = threading.Thread(
            target=read_loop,
            args=(self.connection, self._stop, self._put),
            name=f"device {settings.port}",
        )

    def start(self) -> None:
        self._thread.start()

    def stop(self) -> None:
        self._stop.set()
        self._thread.join(timeout=5.0)

    def drain(self) -> list[tuple[Batch, ParserStats]]:
        out = []
        while True:
            try:
                out.append(self._queue.get_nowait())
            except queue.Empty:
                return out

    def _put(self, batch: Batch, stats: ParserStats) -> None:
        while not self._stop.is_set():
            try:
                self._queue.put((batch, stats), timeout=0.2)
                return
            except queue.Full:
                continue
