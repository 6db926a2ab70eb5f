"""Applying what a device delivered to the session: samples, sensor flags, connection, artefacts.

Shared by the GUI's worker-thread adapter and headless mode; runs on the thread
that owns the session. `to_session_s` turns an arrival time (time.monotonic)
into session time.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace

from ketamon.core.alarm_technical import DEVICE_SEPARATOR
from ketamon.core.session import Session
from ketamon.core.source_choice import SourceChoice
from ketamon.core.vitals import Sample
from ketamon.io.device import Batch
from ketamon.io.parsers import ParserStats


class DeviceFeed:
    """Feeds batches into `session`; keeps the counts the status bar shows."""

    def __init__(
        self,
        session: Session,
        to_session_s: Callable[[float], float],
        name: str = "",
        choice: SourceChoice | None = None,
    ):
        """`name`: the device as tiles and alarms name it ("GE S/5 on ttyUSB1").
        `choice`: several devices share one; it decides which one each vital comes
        from, and each device's technical conditions are its own alarms
        (`source_lost@<name>`, and `no_data@<name>` when it delivers no frame for the
        profile's no-data time). None: the only device."""
        self.session = session
        self._to_session_s = to_session_s
        self.name = name or "device"
        self._choice = choice
        self._suffix = f"{DEVICE_SEPARATOR}{self.name}" if choice is not None else ""
        self.stats = ParserStats()
        self.connected = False
        self.detail = ""
        self.flood_dropped_bytes = 0

    def apply(self, batch: Batch, stats: ParserStats | None = None) -> None:
        session = self.session
        for arrival, frame in batch.frames:
            t_s = max(self._to_session_s(arrival), 0.0)
            samples = [Sample(t_s, vital, value) for vital, value in frame.values.items()]
            if self._choice is not None:
                session.device_heard(t_s, self.name)  # even if no value of it is taken
                accept = self._choice.accept
                samples = [s for s in samples if accept(self.name, s.vital, s.t_s)]
            if samples:
                session.ingest(samples, self.name)
            for condition, (present, detail) in frame.technical.items():
                session.report_technical(t_s, condition + self._suffix, present, detail)
        now_s = session.t_s
        if batch.connected is not None:
            self.connected, self.detail = batch.connected, batch.detail
            condition = "source_lost" + self._suffix
            session.report_technical(now_s, condition, not batch.connected, batch.detail)
            if self._choice is not None:
                if batch.connected:
                    session.device_heard(now_s, self.name)  # silence counts from connection
                else:
                    self._choice.release(self.name)  # the next device takes over at once
        self.flood_dropped_bytes += batch.flood_dropped_bytes
        if stats is not None:
            self._count_artefacts(now_s, stats, batch.flood_dropped_bytes)

    def _count_artefacts(self, now_s: float, stats: ParserStats, flood_bytes: int) -> None:
        """Pass on how many frames were malformed; the alarm engine judges the rate."""
        new = stats.rejected - self.stats.rejected + (1 if flood_bytes else 0)
        self.stats = replace(stats)
        self.session.report_artefacts(now_s, new)
