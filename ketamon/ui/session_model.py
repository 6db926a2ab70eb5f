"""Qt edge of the session: re-publishes core callbacks as signals, one snapshot per tick."""

from __future__ import annotations

from PySide6.QtCore import QObject, Signal

from ketamon.core.infusion import Phase
from ketamon.core.session import Session, Snapshot
from ketamon.format import wall_at
from ketamon.ui.clock import SessionClock
from ketamon.ui.model import History, history


class SessionModel(QObject):
    """What every widget subscribes to. Widgets never compute clinical logic: they show this."""

    snapshot_changed = Signal(object)  # Snapshot, once per clock tick or command
    event_added = Signal(object)  # SessionEvent
    samples_added = Signal(object)  # list[Sample]
    history_reset = Signal(object)  # History (ui/model.py); never sent live
    read_only = False

    def __init__(self, session: Session, clock: SessionClock, parent=None, history_arrays=None):
        """`history_arrays`: {Vital: (t_s, values)} a resumed session showed before the crash."""
        super().__init__(parent)
        self.session = session
        self._history_arrays = history_arrays
        self.clock = clock
        self.device = None  # DeviceLinks when monitors feed this session
        self.recorder = None  # SessionRecorder when sessions are recorded
        self._wall_clock: dict | None = None  # session time -> wall time, once started
        self.links = None  # BedsideLinks when the bed publishes (--mqtt, --hl7-mllp)
        clock.started.connect(self._on_clock_started)
        self._connect(session)
        clock.advanced.connect(self._on_advanced)

    def _connect(self, session: Session) -> None:
        session.on_event.connect(self.event_added.emit)
        session.on_samples.connect(self.samples_added.emit)

    def close(self, resumable: bool = True) -> None:
        """Stop the clock and any device thread (a new patient, or quitting).

        A recording of a session still under way stays 'open', so the next start
        offers to resume it (unless `resumable` is False: a scripted end); otherwise
        it is closed.
        """
        self.clock.stop()
        if self.device is not None:
            self.device.stop()
        if self.links is not None:
            self.links.close(drain_s=2.0)  # the rest stays queued on disk for next time
            self.links = None
        if self.recorder is not None:
            under_way = self.session.phase() in (
                Phase.INFUSING,
                Phase.PAUSED,
                Phase.OBSERVATION,
                Phase.DISCHARGE_READY,
            )
            if under_way and resumable:
                self.recorder.flush()
                self.recorder.close("open")
            else:
                self.recorder.close("closed")

    def source_text(self) -> str:
        if self.device is not None:
            return self.device.status_text()
        return "Source: simulator"

    def history(self) -> History:
        """Everything before now that widgets made later should show."""
        return history(self._history_arrays, list(self.session.events))

    def snapshot(self) -> Snapshot:
        return self.session.snapshot()

    def refresh(self) -> None:
        self.snapshot_changed.emit(self.session.snapshot())

    def _on_advanced(self, _t_s: float) -> None:
        self.refresh()
        if self.recorder is not None:
            self.recorder.maybe_flush()
        if self.links is not None:
            self.links.poll(self.session.t_s)

    def wall_time_s(self, t_s: float) -> float | None:
        """The time of day (time.time()) of session time `t_s`, once the clock runs."""
        return wall_at(self._wall_clock, t_s)

    def _on_clock_started(self, wall_s: float, t_s: float, speed: float) -> None:
        self._wall_clock = {"wall_s": wall_s, "t_s": t_s, "speed": speed}
        if self.recorder is not None:
            self.recorder.note_clock(wall_s, t_s, speed)
        if self.links is not None:  # the same session time 0 as the recording's (review)
            self.links.set_origin(wall_s - t_s)
