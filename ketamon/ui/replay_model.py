"""Replay of a recording in the live window: same widgets, a replay clock, a transport bar.

ReplayModel offers the signals the live SessionModel offers (so every widget works
unchanged) plus `history_reset`, sent on open and on every seek, with everything
up to the new time for the trends and the alarm list to reload at once.
"""

from __future__ import annotations

from PySide6.QtCore import QObject, Qt, QTimer, Signal
from PySide6.QtWidgets import (
    QComboBox,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QSlider,
    QWidget,
)

from ketamon.core.session import Snapshot
from ketamon.format import mmss, wall_at
from ketamon.io.replay import ReplayData
from ketamon.ui.model import History, history

SPEEDS = {"1x": 1.0, "5x": 5.0, "10x": 10.0, "30x": 30.0, "60x": 60.0, "max": 600.0}
TICK_MS = 100


class ReplayClock(QObject):
    """Replay time in session seconds: plays at `speed`, pauses, stops at the end."""

    advanced = Signal(float)

    def __init__(self, start_s: float, end_s: float, speed: float = 1.0, parent=None):
        super().__init__(parent)
        self.start_s, self.end_s = start_s, end_s
        self.t_s = start_s
        self.speed = speed
        self.playing = False
        self._timer = QTimer(self)
        self._timer.setTimerType(Qt.TimerType.PreciseTimer)
        self._timer.setInterval(TICK_MS)
        self._timer.timeout.connect(self._on_tick)

    def start(self) -> None:
        """Begin playing (what the live clock's start means)."""
        self.play()

    def play(self) -> None:
        if self.t_s >= self.end_s:
            self.t_s = self.start_s
        self.playing = True
        self._timer.start()

    def pause(self) -> None:
        self.playing = False
        self._timer.stop()

    def stop(self) -> None:
        self.pause()

    def now_s(self) -> float:
        return self.t_s

    def _on_tick(self) -> None:
        self.t_s = min(self.end_s, self.t_s + TICK_MS / 1000.0 * self.speed)
        if self.t_s >= self.end_s:
            self.pause()
        self.advanced.emit(self.t_s)


class ReplayModel(QObject):
    """A recording as the widgets' model. Read-only: nurse commands do not apply."""

    snapshot_changed = Signal(object)
    event_added = Signal(object)
    samples_added = Signal(object)
    history_reset = Signal(object)  # History (ui/model.py)
    read_only = True

    def __init__(self, data: ReplayData, speed: float = 1.0, parent=None):
        super().__init__(parent)
        self.data = data
        self.session = data.session
        start_s = min([data.setup_s, *(s.t_s[0] for s in data.series.values() if len(s.t_s))])
        self.clock = ReplayClock(start_s, data.end_s, speed)
        self.device = None
        self.recorder = None
        self._t = start_s
        self.clock.advanced.connect(self._on_advanced)

    @property
    def t_s(self) -> float:
        return self._t

    def snapshot(self) -> Snapshot:
        return self.data.snapshot_at(self._t)

    def refresh(self) -> None:
        self.snapshot_changed.emit(self.snapshot())

    def seek(self, t_s: float) -> None:
        """Jump anywhere: widgets reload what was there up to `t_s`."""
        t_s = min(max(t_s, self.clock.start_s), self.clock.end_s)
        self._t = self.clock.t_s = t_s
        self.history_reset.emit(self.history())
        self.refresh()

    def history(self) -> History:
        return history(
            self.data.arrays_until(self._t), self.data.events_between(-float("inf"), self._t)
        )

    def close(self) -> None:
        self.clock.stop()

    def source_text(self) -> str:
        return f"Replay of {self.data.path.name}"

    def wall_time_s(self, t_s: float) -> float | None:
        """When `t_s` happened, from the recorded clock (or the recording's creation)."""
        clock = self.data.meta.get("clock")
        if isinstance(clock, dict) and {"wall_s", "t_s"} <= clock.keys():
            return wall_at(clock, t_s)
        created = self.data.meta.get("created_wall_s")
        return None if created is None else float(created) + t_s

    def _on_advanced(self, t_s: float) -> None:
        if t_s < self._t:
            self.seek(t_s)
            return
        samples = self.data.samples_between(self._t, t_s)
        events = self.data.events_between(self._t, t_s)
        self._t = t_s
        if samples:
            self.samples_added.emit(samples)
        for event in events:
            self.event_added.emit(event)
        self.refresh()


class ReplayBar(QWidget):
    """Play / pause, speed, a timeline to seek on, and where we are."""

    def __init__(self, model: ReplayModel, parent: QWidget | None = None):
        super().__init__(parent)
        self.setObjectName("replayBar")
        self._model = model
        clock = model.clock
        self.play_button = QPushButton("▶ Play", objectName="playButton")
        self.play_button.clicked.connect(self._on_play_clicked)
        self.speed = QComboBox()
        self.speed.addItems(list(SPEEDS))
        self.speed.setCurrentText(next((k for k, v in SPEEDS.items() if v == clock.speed), "1x"))
        self.speed.currentTextChanged.connect(self._on_speed_changed)
        self.timeline = QSlider(Qt.Orientation.Horizontal)
        self.timeline.setRange(0, 1000)
        self.timeline.sliderMoved.connect(self._on_slider_moved)
        self.timeline.actionTriggered.connect(
            lambda _a: self._on_slider_moved(self.timeline.sliderPosition())
        )
        self.position = QLabel("", objectName="big")
        layout = QHBoxLayout(self)
        layout.setContentsMargins(6, 0, 6, 6)
        layout.addWidget(self.play_button)
        layout.addWidget(self.speed)
        layout.addWidget(self.timeline, 1)
        layout.addWidget(self.position)
        model.snapshot_changed.connect(self._on_snapshot_changed)

    def fraction_to_time(self, value: int) -> float:
        clock = self._model.clock
        return clock.start_s + (clock.end_s - clock.start_s) * value / 1000.0

    def _on_play_clicked(self) -> None:
        clock = self._model.clock
        clock.pause() if clock.playing else clock.play()
        self._show_play_state()

    def _show_play_state(self) -> None:
        self.play_button.setText("❚❚ Pause" if self._model.clock.playing else "▶ Play")

    def _on_speed_changed(self, text: str) -> None:
        self._model.clock.speed = SPEEDS[text]

    def _on_slider_moved(self, value: int) -> None:
        self._model.seek(self.fraction_to_time(value))

    def _on_snapshot_changed(self, snap: Snapshot) -> None:
        clock = self._model.clock
        span = max(clock.end_s - clock.start_s, 1e-9)
        self.timeline.blockSignals(True)
        self.timeline.setValue(round(1000 * (snap.t_s - clock.start_s) / span))
        self.timeline.blockSignals(False)
        self.position.setText(f"{mmss(snap.t_s)} / {mmss(clock.end_s)}")
        self._show_play_state()
