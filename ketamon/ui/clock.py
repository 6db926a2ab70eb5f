"""The session clock: wall time times speed, driving `Session.advance_to` from the GUI thread."""

from __future__ import annotations

from PySide6.QtCore import QElapsedTimer, QObject, Qt, QTimer, Signal

from ketamon.core.session import Session


class SessionClock(QObject):
    """Advances `session` to `offset + elapsed wall seconds x speed` every `tick_ms`.

    This is the only place the live app reads the wall clock; core only sees times.
    """

    advanced = Signal(float)  # session time in seconds after each tick

    def __init__(self, session: Session, speed: float = 1.0, tick_ms: int = 100, parent=None):
        super().__init__(parent)
        self.session = session
        self._speed = speed
        self._offset_s = session.t_s
        self._elapsed = QElapsedTimer()
        self._timer = QTimer(self)
        self._timer.setTimerType(Qt.TimerType.PreciseTimer)
        self._timer.setInterval(tick_ms)
        self._timer.timeout.connect(self.tick)

    @property
    def speed(self) -> float:
        return self._speed

    def now_s(self) -> float:
        """Current session time (what a nurse command is stamped with)."""
        if not self._elapsed.isValid():
            return max(self._offset_s, self.session.t_s)
        running_s = self._offset_s + self._elapsed.elapsed() / 1000.0 * self._speed
        return max(self.session.t_s, running_s)

    def start(self) -> None:
        self._offset_s = self.session.t_s
        self._elapsed.start()
        self._timer.start()

    def stop(self) -> None:
        self._timer.stop()

    def set_speed(self, speed: float) -> None:
        self._offset_s = self.now_s()
        self._speed = speed
        if self._elapsed.isValid():
            self._elapsed.restart()

    def fast_forward(self, t_s: float) -> None:
        """Jump the session to `t_s` at once (simulation only: autostart, training)."""
        self.session.advance_to(t_s)
        self._offset_s = t_s
        if self._elapsed.isValid():
            self._elapsed.restart()
        self.advanced.emit(t_s)

    def tick(self) -> None:
        """Advance the session to now (the timer does this every tick_ms)."""
        t_s = self.now_s()
        self.session.advance_to(t_s)
        self.advanced.emit(t_s)
