"""When the window's first frame is on screen, log how much CPU the start took.

The frame is complete once Qt has handled the first expose of the window (the widgets are
painted into the window's backing store while that event is handled): a zero timer posted
then runs after it. The log line, 'first frame: N.NNN s of CPU', is what an engineer looks
at when a laptop starts slowly, and what bench/startup.py reads (the bare window it is
compared with prints the same line the same way).
"""

from __future__ import annotations

import logging
import time

from PySide6.QtCore import QEvent, QObject, QTimer, Signal
from PySide6.QtGui import QWindow

log = logging.getLogger(__name__)


class FirstFrame(QObject):
    """Watches `window` (shown, so it has its QWindow); `shown` once, after its first frame."""

    shown = Signal()

    def __init__(self, window: QWindow):
        super().__init__(window)
        self._window = window
        window.installEventFilter(self)

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:  # noqa: N802 (Qt API)
        if event.type() == QEvent.Type.Expose and self._window.isExposed():
            self._window.removeEventFilter(self)
            QTimer.singleShot(0, self._on_painted)  # runs once the expose has been painted
        return False

    def _on_painted(self) -> None:
        log.info("first frame: %.3f s of CPU", time.process_time())
        self.shown.emit()
