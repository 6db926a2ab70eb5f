"""Alarm sound: which tone output this machine has, and when to sound it.

`select_tones` picks the first output that works: miniaudio (a main dependency, its
C library inside the wheel), then Qt Multimedia if the optional `sound` extra is
installed, else no sound with every reason. The visual alarms never depend on it.
The pattern for the snapshot's audio priority sounds at once when it appears or
rises, then every `repeat_s` of wall time while it lasts (CLINICAL.md §5).
"""

from __future__ import annotations

import logging
import time
from collections.abc import Sequence
from pathlib import Path

from PySide6.QtCore import QElapsedTimer, QObject, QTimer, QUrl, Signal

from ketamon.core.alarm_profile import Priority
from ketamon.core.alarm_tones import PATTERNS, wav_name
from ketamon.core.session import Snapshot
from ketamon.io.audio import MiniaudioTones, SilentTones, ToneOutput
from ketamon.resources import sounds_dir
from ketamon.ui.session_model import SessionModel

log = logging.getLogger(__name__)


class QtMultimediaTones:
    """The patterns through QSoundEffect (optional `sound` extra: PySide6-Addons)."""

    name = "Qt Multimedia"

    def __init__(self, sounds: Path, parent: QObject | None = None):
        self.available = False
        self.notice = ""
        self._effects = {}
        try:
            from PySide6.QtMultimedia import QMediaDevices, QSoundEffect
        except ImportError as exc:  # PySide6-Addons missing, or libpulse0 on Linux
            self.notice = f"Qt Multimedia unavailable ({exc})"
            return
        if not QMediaDevices.audioOutputs():
            # Qt Multimedia loads, but would play into nothing: say so rather than fail silently.
            self.notice = "Qt Multimedia: no audio output device"
            return
        for priority in PATTERNS:
            effect = QSoundEffect(parent)
            effect.setSource(QUrl.fromLocalFile(str(sounds / wav_name(priority))))
            effect.setVolume(1.0)
            self._effects[priority] = effect
        self.available = True

    def play(self, priority: Priority) -> None:
        self._effects[priority].play()

    def close(self) -> None:
        for effect in self._effects.values():
            effect.stop()

    def check(self, now_s: float) -> bool:
        """False once the last audio output has gone (`notice` says so)."""
        from PySide6.QtMultimedia import QMediaDevices

        if self.available and not QMediaDevices.audioOutputs():
            self.available = False
            self.notice = "Sound lost: Qt Multimedia has no audio output any more"
        return self.available


def select_tones(
    sounds: Path, parent: QObject | None = None, backends: Sequence[object] | None = None
) -> ToneOutput:
    """The first tone output that works here, or SilentTones saying why none does.

    `backends`: miniaudio backends to try (None: every real one on this platform).
    """
    miniaudio_tones = MiniaudioTones(sounds, backends)
    if miniaudio_tones.available:
        return miniaudio_tones
    qt_tones = QtMultimediaTones(sounds, parent)
    if qt_tones.available:
        return qt_tones
    reasons = [miniaudio_tones.notice]
    if "unavailable (No module named" not in qt_tones.notice:
        reasons.append(qt_tones.notice)  # the optional extra is installed but has no output
    return SilentTones("; ".join(reasons) + ": visual alarms only")


class AlarmSound(QObject):
    """Sounds the audio priority of each snapshot; `available` False says why not in `notice`.

    `tones` None selects this machine's output (`select_tones`); tests pass their own.
    The output is checked every `CHECK_MS`; `sound_lost` (the reason) is emitted once if
    it stops working, so the banner says NO SOUND rather than staying silent.
    """

    CHECK_MS = 1000
    sound_lost = Signal(str)

    def __init__(
        self,
        model: SessionModel,
        parent: QObject | None = None,
        tones: ToneOutput | None = None,
    ):
        super().__init__(parent)
        self.tones = tones if tones is not None else select_tones(sounds_dir(), self)
        self.available = self.tones.available
        self.notice = self.tones.notice
        if not self.available:
            log.warning("%s", self.notice)
        self.playing: Priority | None = None
        self.plays = 0  # how many patterns have sounded (for tests and the log)
        self._since = QElapsedTimer()
        model.snapshot_changed.connect(self._on_snapshot_changed)
        self.destroyed.connect(self.tones.close)
        self._watch = QTimer(self)
        self._watch.timeout.connect(self._on_watch)
        if self.available:
            self._watch.start(self.CHECK_MS)

    def _on_watch(self) -> None:
        if self.tones.check(time.monotonic()):
            return
        self._watch.stop()
        self.available = False
        self.notice = self.tones.notice
        log.error("%s", self.notice)
        self.sound_lost.emit(self.notice)

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
            self.tones.play(priority)
