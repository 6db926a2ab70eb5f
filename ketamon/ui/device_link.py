"""The thin Qt adapter for a serial monitor: a worker thread reads, the GUI thread applies.

The worker only touches the DeviceConnection; it emits batches by signal (queued
to the GUI thread), where DeviceFeed hands them to the session. No widget and
no plot is ever touched from the worker.
"""

from __future__ import annotations

import threading

from PySide6.QtCore import QObject, QThread, Signal, Slot

from ketamon.core.source_choice import SourceChoice
from ketamon.io.device import Batch, DeviceConnection, PortSettings, device_name
from ketamon.io.device_feed import DeviceFeed
from ketamon.io.device_thread import read_loop
from ketamon.io.parsers import ParserStats
from ketamon.ui.session_model import SessionModel


class _Worker(QObject):
    batch_ready = Signal(object, object)  # Batch, ParserStats
    finished = Signal()

    def __init__(self, connection: DeviceConnection):
        super().__init__()
        self._connection = connection
        self._stop = threading.Event()

    @Slot()
    def run(self) -> None:
        read_loop(self._connection, self._stop, self.batch_ready.emit)
        self.finished.emit()

    def stop(self) -> None:
        self._stop.set()


class DeviceLink(QObject):
    """Owns the worker thread for one monitor and feeds `model`'s session from it."""

    status_changed = Signal()

    def __init__(
        self,
        settings: PortSettings,
        model: SessionModel,
        parent: QObject | None = None,
        choice: SourceChoice | None = None,
    ):
        """`choice`: shared by several devices (DeviceLinks); None: the only one."""
        super().__init__(parent)
        self.settings = settings
        self.model = model
        name = device_name(settings)
        self.feed = DeviceFeed(model.session, model.clock.session_time_at, name, choice)
        self._thread = QThread()
        self._thread.setObjectName(f"device {settings.port}")
        self._worker = _Worker(DeviceConnection(settings))
        self._worker.moveToThread(self._thread)
        self._thread.started.connect(self._worker.run)
        self._worker.finished.connect(self._thread.quit)
        self._worker.batch_ready.connect(self._on_batch_ready)

    def start(self) -> None:
        self._thread.start()

    def stop(self) -> None:
        self._worker.stop()
        self._thread.quit()
        self._thread.wait(5000)

    def status_text(self) -> str:
        s = self.settings
        state = "connected" if self.feed.connected else "NOT CONNECTED"
        text = f"Device {s.port} ({s.protocol}) {state}"
        rejected = self.feed.stats.rejected
        if rejected:
            text += f"; {rejected} malformed or impossible rejected"
        if self.feed.flood_dropped_bytes:
            text += f"; flood: {self.feed.flood_dropped_bytes} bytes dropped"
        return text

    def _on_batch_ready(self, batch: Batch, stats: ParserStats) -> None:
        self.feed.apply(batch, stats)
        self.status_changed.emit()


class DeviceLinks(QObject):
    """Every monitor of a session, in priority order: one DeviceLink (thread) each.

    Each vital comes from the first device that supplies it (core/source_choice.py);
    with one device this is that device's link and nothing more.
    """

    status_changed = Signal()

    def __init__(
        self, devices: tuple[PortSettings, ...], model: SessionModel, parent: QObject | None = None
    ):
        super().__init__(parent)
        choice = SourceChoice([device_name(d) for d in devices]) if len(devices) > 1 else None
        self.links = [DeviceLink(d, model, self, choice) for d in devices]
        for link in self.links:
            link.status_changed.connect(self.status_changed)

    @property
    def feed(self) -> DeviceFeed:
        """The first device's feed (the one-device case's only one)."""
        return self.links[0].feed

    def start(self) -> None:
        for link in self.links:
            link.start()

    def stop(self) -> None:
        for link in self.links:
            link.stop()

    def status_text(self) -> str:
        return "; ".join(link.status_text() for link in self.links)
