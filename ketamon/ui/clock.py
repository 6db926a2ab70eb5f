"""The session clock: wall time times speed, driving `Session.advance_to` from the GUI thread."""

from __future__ import annotations

import time

from PySide6.QtCore import QObject, Qt, QTimer, Signal

from ketamon.core.session import Session


class SessionClock(QObject):
    """Advances `session` to `offset + elapsed wall seconds x speed` every `tick_ms`.

    Wall time is time.monotonic(), the same clock a device thread stamps arrivals
    with, so `session_time_at` converts them exactly. Core only sees session times.
    """

    advanced = Signal(float)  # session time in seconds after each tick
    started = Signal(float, float, float)  # wall time.time(), session t_s, speed: the mapping

    def __init__(self, session: Session, speed: float = 1.0, tick_ms: int = 100, parent=None):
        super().__init__(parent)
        self.session = session
        self._speed = speed
        self._offset_s = session.t_s
        self._started_mono: float | None = None  # time.monotonic() at the offset
        self._timer = QTimer(self)
        self._timer.setTimerType(Qt.TimerType.PreciseTimer)
        self._timer.setInterval(tick_ms)
        self._timer.timeout.connect(self.tick)

    @property
    def speed(self) -> float:
        return self._speed

    def now_s(self) -> float:
        """Current session time (what a nurse command is stamped with)."""
        if self._started_mono is None:
            return max(self._offset_s, self.session.t_s)
        return max(self.session.t_s, self.session_time_at(time.monotonic()))

    def session_time_at(self, monotonic_s: float) -> float:
        """The session time of a moment given as time.monotonic() (a device's arrival time)."""
        if self._started_mono is None:
            return max(self._offset_s, self.session.t_s)
        return self._offset_s + (monotonic_s - self._started_mono) * self._speed

    def start(self) -> None:
        self._offset_s = self.session.t_s
        self._started_mono = time.monotonic()
        self._timer.start()
        self.started.emit(time.time(), self._offset_s, self._speed)

    def stop(self) -> None:
        self._timer.stop()

    def pause(self) -> None:
        """Freeze session time (training only); `start()` carries on from here."""
        self._offset_s = self.now_s()
        self._started_mono = None
        self._timer.stop()

    @property
    def running(self) -> bool:
        return self._timer.isActive()

    def set_speed(self, speed: float) -> None:
        self._offset_s = self.now_s()
        self._speed = speed
        if self._started_mono is not None:
            self._started_mono = time.monotonic()
            self.started.emit(time.time(), self._offset_s, self._speed)

    def fast_forward(self, t_s: float) -> None:
        """Jump the session to `t_s` at once (simulation only: autostart, training)."""
        self.session.advance_to(t_s)
        self._offset_s = t_s
        if self._started_mono is not None:
            self._started_mono = time.monotonic()
            self.started.emit(time.time(), self._offset_s, self._speed)
        self.advanced.emit(t_s)

    def tick(self) -> None:
        """Advance the session to now (the timer does this every tick_ms)."""
        t_s = self.now_s()
        self.session.advance_to(t_s)
        self.advanced.emit(t_s)
