"""Alarm sound through Qt Multimedia, if this machine has it; visual alarms never depend on it.

Patterns are WAVs in resources/sounds (made by ketamon.core.alarm_tones). The
pattern for the snapshot's audio priority sounds at once when it appears or
rises, then every `repeat_s` of wall time while it lasts.
"""

from __future__ import annotations

import logging

from PySide6.QtCore import QElapsedTimer, QObject, QUrl

from ketamon.core.alarm_profile import Priority
from ketamon.core.alarm_tones import PATTERNS, wav_name
from ketamon.core.session import Snapshot
from ketamon.resources import sounds_dir
from ketamon.ui.session_model import SessionModel

log = logging.getLogger(__name__)


def load_sound_effect_class():
    """QSoundEffect, or (None, reason) when Qt Multimedia cannot be imported here."""
    try:
        from PySide6.QtMultimedia import QMediaDevices, QSoundEffect
    except ImportError as exc:  # PySide6-Addons missing, or libpulse0 on Linux
        return None, f"Sound unavailable ({exc}): visual alarms only"
    if not QMediaDevices.audioOutputs():
        # Qt Multimedia loads, but plays into nothing: say so rather than fail silently.
        return None, "Sound unavailable (no audio output device): visual alarms only"
    return QSoundEffect, ""


class AlarmSound(QObject):
    """Plays the audio priority of each snapshot; `available` False says why not in `notice`."""

    def __init__(self, model: SessionModel, parent: QObject | None = None):
        super().__init__(parent)
        effect_class, self.notice = load_sound_effect_class()
        self.available = effect_class is not None
        self.effects = {}
        if self.available:
            for priority in PATTERNS:
                effect = effect_class(self)
                effect.setSource(QUrl.fromLocalFile(str(sounds_dir() / wav_name(priority))))
                effect.setVolume(1.0)
                self.effects[priority] = effect
        else:
            log.warning("%s", self.notice)
        self.playing: Priority | None = None
        self.plays = 0  # how many patterns have sounded (for tests and the log)
        self._since = QElapsedTimer()
        model.snapshot_changed.connect(self._on_snapshot_changed)

    def _on_snapshot_changed(self, snap: Snapshot) -> None:
        priority = snap.audio_priority
        if priority is None:
            self.playing = None
            return
        due = self.playing is None or priority > self.playing
        if not due and self._since.isValid():
            due = self._since.elapsed() >= PATTERNS[priority].repeat_s * 1000
        if due:
            self.playing = priority
            self._since.start()
            self.plays += 1
            effect = self.effects.get(priority)
            if effect is not None:
                effect.play()
