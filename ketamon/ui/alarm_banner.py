"""The alarm banner: the most urgent alarm in its IEC colour and flash rate, readable at 4 m.

Also says plainly when alarms are not armed, when audio is paused (with the
countdown) and when sound is unavailable. Acknowledge and audio pause live here.
"""

from __future__ import annotations

from PySide6.QtCore import QObject, Qt, QTimer, Signal
from PySide6.QtWidgets import (
    QFrame,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QSizePolicy,
    QVBoxLayout,
    QWidget,
)

from ketamon.core.alarm_profile import AlarmKind, Priority
from ketamon.core.session import Snapshot
from ketamon.format import duration_text, mmss
from ketamon.ui.session_model import SessionModel

# CLINICAL.md §5: high red, medium yellow, low cyan; (background, text, dim background).
PRIORITY_COLOURS = {
    Priority.HIGH: ("#e00000", "#ffffff", "#3a0000"),
    Priority.MEDIUM: ("#ffd000", "#000000", "#3a3000"),
    Priority.LOW: ("#00c8e0", "#000000", "#00c8e0"),  # low is steady
}
# CLINICAL.md §5: high flashes 1.4-2.8 Hz, medium 0.4-0.8 Hz: half-periods in ms.
FLASH_HALF_PERIOD_MS = {Priority.HIGH: 250, Priority.MEDIUM: 800}  # 2.0 Hz, 0.625 Hz


class Flasher(QObject):
    """Shared flash phase per priority, so the banner and the tiles blink together."""

    toggled = Signal()

    def __init__(self, parent: QObject | None = None):
        super().__init__(parent)
        self._on = {Priority.HIGH: True, Priority.MEDIUM: True}
        self._timers = []
        for priority, half_ms in FLASH_HALF_PERIOD_MS.items():
            timer = QTimer(self)
            timer.setInterval(half_ms)
            timer.timeout.connect(lambda p=priority: self._on_timeout(p))
            timer.start()
            self._timers.append(timer)

    def is_on(self, priority: Priority) -> bool:
        return self._on.get(priority, True)

    def colours(self, priority: Priority) -> tuple[str, str]:
        """(background, text) for this priority at the current flash phase."""
        background, text, dim = PRIORITY_COLOURS[priority]
        return (background, text) if self.is_on(priority) else (dim, "#ffffff")

    def stop(self) -> None:
        for timer in self._timers:
            timer.stop()

    def _on_timeout(self, priority: Priority) -> None:
        self._on[priority] = not self._on[priority]
        self.toggled.emit()


class AlarmBanner(QFrame):
    """Top banner for the alarms of `model`; flashing follows `flasher`."""

    acknowledge_requested = Signal()
    pause_audio_requested = Signal()

    def __init__(self, model: SessionModel, flasher: Flasher, parent: QWidget | None = None):
        super().__init__(parent)
        self.setObjectName("alarmBanner")
        self._flasher = flasher
        self._snap: Snapshot | None = None
        self.sound_notice = ""
        self._sheet = ""
        self.text = QLabel("", objectName="alarmText")
        self.text.setTextFormat(Qt.TextFormat.PlainText)
        # A long message must never widen the window: it is cut, and the full text is
        # in the tooltip and the alarm list.
        self.text.setSizePolicy(QSizePolicy.Policy.Ignored, QSizePolicy.Policy.Preferred)
        self.text.setMinimumWidth(200)
        self.more = QLabel("", objectName="alarmMore")
        self.detail = QLabel("", objectName="alarmDetail")
        self.detail.setSizePolicy(QSizePolicy.Policy.Ignored, QSizePolicy.Policy.Preferred)
        self.audio = QLabel("", objectName="alarmAudio")
        self.ack_button = QPushButton("Ac&knowledge (F2)", objectName="ackButton")
        self.pause_button = QPushButton("Pause audio (F3)", objectName="pauseAudioButton")
        self.ack_button.clicked.connect(self.acknowledge_requested.emit)
        self.pause_button.clicked.connect(self.pause_audio_requested.emit)
        texts = QVBoxLayout()
        texts.setSpacing(0)
        texts.addWidget(self.text)
        texts.addWidget(self.detail)
        layout = QHBoxLayout(self)
        layout.setContentsMargins(12, 4, 12, 4)
        layout.addLayout(texts, 1)
        layout.addWidget(self.more)
        layout.addWidget(self.audio)
        layout.addWidget(self.ack_button)
        layout.addWidget(self.pause_button)
        model.snapshot_changed.connect(self._on_snapshot_changed)
        flasher.toggled.connect(self._on_flash)
        self._on_snapshot_changed(model.snapshot())

    def top_priority(self) -> Priority | None:
        if self._snap is None or not self._snap.alarms:
            return None
        return self._snap.alarms[0].priority

    def _on_snapshot_changed(self, snap: Snapshot) -> None:
        if snap.audio_pause_s is not None:  # the profile's pause, as configured
            self.pause_button.setText(f"Pause audio {duration_text(snap.audio_pause_s)} (F3)")
        self._snap = snap
        self.ack_button.setEnabled(bool(snap.alarms))
        self.pause_button.setEnabled(snap.alarms_armed)
        audio = []
        if snap.audio_pause_left_s is not None:
            audio.append(f"AUDIO PAUSED {mmss(snap.audio_pause_left_s)}")
        if self.sound_notice:
            audio.append(self.sound_notice)
        self.audio.setText("   ".join(audio))
        if not snap.alarms:
            self.more.setText("")
            self.detail.setText("")
            if snap.alarm_profile is None:
                self.text.setText("NO ALARM PROFILE: ALARMS OFF")
            elif snap.alarms_armed:
                self.text.setText(f"Alarms armed ({snap.alarm_profile})")
            else:
                self.text.setText("ALARMS NOT ARMED until the infusion starts")
        else:
            top = snap.alarms[0]
            prefix = "INOP " if top.kind is AlarmKind.TECHNICAL else ""
            state = ""
            if not top.present:
                state = " (ended, acknowledge to clear)"
            elif top.acknowledged:
                state = " (acknowledged)"
            self.text.setText(f"{top.priority.marker} {prefix}{top.label.upper()}{state}")
            self.text.setToolTip(top.message)
            self.detail.setText(top.message)
            others = len(snap.alarms) - 1
            self.more.setText(f"+{others} more" if others else "")
        self._paint()

    def _on_flash(self) -> None:
        self._paint()

    def _paint(self) -> None:
        priority = self.top_priority()
        if priority is None:
            armed = self._snap is not None and self._snap.alarms_armed
            background, text = ("#0b3d1a", "#d0ffd8") if armed else ("#3a3a3a", "#ffffff")
        else:
            background, text = self._flasher.colours(priority)
        sheet = (
            f"QFrame#alarmBanner {{ background: {background}; }}"
            f"QLabel {{ color: {text}; background: transparent; }}"
        )
        if sheet != self._sheet:  # restyling is costly: only when the colour changes
            self._sheet = sheet
            self.setStyleSheet(sheet)

    @property
    def background(self) -> str:
        """The banner colour now (what the nurse sees), for tests and screenshots."""
        return self._sheet.split("background: ")[1].split(";")[0]
