"""Alarm tones through miniaudio: a small, self-contained audio library (its C code is
in the wheel, no system packages), so the default install can sound its alarms.

The IEC 60601-1-8 patterns are the WAVs in resources/sounds (made by
`ketamon.core.alarm_tones`). One output stream stays open and plays silence between
patterns; `play` queues a pattern, a higher priority cuts in at once. When there is
no audio device or the library fails, `available` is False and `notice` says why:
the visual alarms never depend on sound (CLINICAL.md §5). A device lost mid-session
(a USB headset unplugged, the sound server gone) stops pulling frames: `check` sees
that and turns `available` False with the reason, so the banner says NO SOUND.
"""

from __future__ import annotations

import logging
import threading
import wave
from collections.abc import Generator, Sequence
from pathlib import Path
from typing import Protocol

import numpy as np

from ketamon.core.alarm_profile import Priority
from ketamon.core.alarm_tones import PATTERNS, RATE_HZ, wav_name

log = logging.getLogger(__name__)


class ToneOutput(Protocol):
    """Something that can sound an alarm pattern, or says why it cannot."""

    available: bool
    notice: str  # why there is no sound ("" when available)
    name: str  # which backend ("miniaudio (PulseAudio)", "Qt Multimedia", "none")

    def play(self, priority: Priority) -> None:
        """Sound the pattern for `priority` once, now (cutting in over a lower one)."""

    def close(self) -> None:
        """Release the audio device."""

    def check(self, now_s: float) -> bool:
        """Whether the output still works at monotonic time `now_s` (False: `notice` says why)."""


# The device pulls a buffer every 50 ms; this long without a pull, it has stopped.
STALL_LIMIT_S = 2.0


class SilentTones:
    """No sound, with the reason: the banner shows NO SOUND and its tooltip says why."""

    name = "none"
    available = False

    def __init__(self, notice: str):
        self.notice = notice

    def play(self, priority: Priority) -> None:
        return None

    def close(self) -> None:
        return None

    def check(self, now_s: float) -> bool:
        return False


def read_pattern(path: Path) -> np.ndarray:
    """16-bit mono samples of one tone WAV at RATE_HZ; ValueError says what is wrong."""
    try:
        with wave.open(str(path), "rb") as wav:
            shape = (wav.getnchannels(), wav.getsampwidth(), wav.getframerate())
            frames = wav.readframes(wav.getnframes())
    except (OSError, EOFError, wave.Error) as exc:
        raise ValueError(f"{path.name}: cannot read ({exc})") from exc
    if shape != (1, 2, RATE_HZ):
        raise ValueError(f"{path.name}: expected 16-bit mono at {RATE_HZ} Hz, got {shape}")
    return np.frombuffer(frames, dtype="<i2").copy()


class MiniaudioTones:
    """The alarm patterns played through a miniaudio playback device.

    `backends` None means every real backend miniaudio has on this platform (never its
    null device, so a machine without audio says NO SOUND instead of playing into
    nothing); tests pass `[miniaudio.Backend.NULL]`. `frames_played[priority]` counts
    the frames of each pattern the device has pulled.
    """

    def __init__(self, sounds_dir: Path, backends: Sequence[object] | None = None):
        self.available = False
        self.notice = ""
        self.name = "miniaudio"
        self.frames_played = {priority: 0 for priority in PATTERNS}
        self.frames_pulled = 0  # every frame the device asked for, silence included
        self._watched: tuple[int, float] | None = None  # frames_pulled, and since when (s)
        self._lock = threading.Lock()
        self._current: tuple[Priority, np.ndarray, int] | None = None
        self._device = None
        try:
            self._patterns = {p: read_pattern(sounds_dir / wav_name(p)) for p in PATTERNS}
        except ValueError as exc:
            self.notice = f"Sound unavailable (tone file {exc})"
            return
        try:
            import miniaudio
        except ImportError as exc:
            self.notice = f"Sound unavailable (miniaudio cannot be loaded: {exc})"
            return
        if backends is None:
            unwanted = {miniaudio.Backend.NULL, miniaudio.Backend.CUSTOM}
            backends = sorted(miniaudio.get_enabled_backends() - unwanted, key=lambda b: b.value)
        try:
            device = miniaudio.PlaybackDevice(
                output_format=miniaudio.SampleFormat.SIGNED16,
                nchannels=1,
                sample_rate=RATE_HZ,
                buffersize_msec=50,
                backends=list(backends),
                app_name="ketamon",
            )
            stream = self._stream()
            next(stream)  # miniaudio wants a started generator
            device.start(stream)
        except miniaudio.MiniaudioError as exc:
            # e.g. ("failed to init device", -401): no card, or no sound server.
            reason = ", error ".join(str(a) for a in exc.args) or type(exc).__name__
            self.notice = f"Sound unavailable (no audio output device; miniaudio: {reason})"
            return
        self._device = device
        self.available = True
        self.name = f"miniaudio ({device.backend})"
        log.info("alarm sound through %s", self.name)

    def play(self, priority: Priority) -> None:
        with self._lock:
            if self._current is None or priority >= self._current[0]:
                self._current = (priority, self._patterns[priority], 0)

    def is_playing(self) -> bool:
        with self._lock:
            return self._current is not None

    def close(self) -> None:
        if self._device is not None:
            self._device.close()
            self._device = None
            self.available = False

    def check(self, now_s: float) -> bool:
        """False once the device has pulled nothing for STALL_LIMIT_S (it stopped playing)."""
        if not self.available:
            return False
        with self._lock:
            pulled = self.frames_pulled
        if self._watched is None or self._watched[0] != pulled:
            self._watched = (pulled, now_s)
        elif now_s - self._watched[1] > STALL_LIMIT_S:
            silent_s = now_s - self._watched[1]
            self.available = False
            self.notice = (
                f"Sound lost: the audio device ({self.name}) stopped playing {silent_s:.0f} s "
                "ago (unplugged, or taken by another program): visual alarms only"
            )
            log.error("%s", self.notice)
        return self.available

    def _stream(self) -> Generator[bytes, int, None]:
        """The device's data callback: `frames` asked for, that many 16-bit samples given."""
        frames = yield b""
        while True:
            frames = yield self._next_chunk(frames)

    def _next_chunk(self, frames: int) -> bytes:
        chunk = np.zeros(frames, dtype="<i2")  # silence between patterns
        with self._lock:
            self.frames_pulled += frames
            if self._current is not None:
                priority, samples, position = self._current
                part = samples[position : position + frames]
                chunk[: len(part)] = part
                self.frames_played[priority] += len(part)
                position += len(part)
                self._current = None if position >= len(samples) else (priority, samples, position)
        return chunk.tobytes()
