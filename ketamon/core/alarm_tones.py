"""Audible alarm patterns (CLINICAL.md §5, after IEC 60601-1-8), generated as PCM samples.

High: 10 pulses in 2 bursts of 5; medium: 3 pulses; low: 2 pulses. Each pulse
is a 523 Hz fundamental with 4 harmonics (1046-2615 Hz, inside 300-4000 Hz) and
soft 15 ms edges. `REPEAT_S` says how often each pattern sounds while its alarm
is unacknowledged and audio is not paused.
"""

from __future__ import annotations

import io
import wave
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from ketamon.core.alarm_profile import Priority

RATE_HZ = 22050
FUNDAMENTAL_HZ = 523.25
HARMONICS = (1, 2, 3, 4, 5)  # fundamental plus 4 harmonics
EDGE_S = 0.015


@dataclass(frozen=True)
class Pattern:
    """Pulse on-time, the gaps between pulses (seconds), and how often it repeats."""

    pulse_s: float
    gaps_s: tuple[float, ...]
    repeat_s: float


PATTERNS = {
    # 2 bursts of 5 pulses, 100 ms on (80-150 ms for high), repeated every 3 s (2.5-4 s).
    Priority.HIGH: Pattern(0.10, (0.07,) * 4 + (0.35,) + (0.07,) * 4, 3.0),
    # 3 pulses of 180 ms, repeated every 3 s.
    Priority.MEDIUM: Pattern(0.18, (0.10, 0.10), 3.0),
    # 2 pulses, at least 16 s apart: every 20 s.
    Priority.LOW: Pattern(0.20, (0.15,), 20.0),
}


def pulse(duration_s: float) -> np.ndarray:
    t = np.arange(round(duration_s * RATE_HZ)) / RATE_HZ
    wave_ = sum(np.sin(2 * np.pi * FUNDAMENTAL_HZ * h * t) / h for h in HARMONICS)
    edge = round(EDGE_S * RATE_HZ)
    envelope = np.ones_like(t)
    ramp = np.linspace(0.0, 1.0, edge)
    envelope[:edge] = ramp
    envelope[-edge:] = ramp[::-1]
    return wave_ * envelope


def render(priority: Priority) -> np.ndarray:
    """One sounding of the pattern as float samples in [-1, 1] at RATE_HZ."""
    pattern = PATTERNS[priority]
    parts = [pulse(pattern.pulse_s)]
    for gap in pattern.gaps_s:
        parts.append(np.zeros(round(gap * RATE_HZ)))
        parts.append(pulse(pattern.pulse_s))
    samples = np.concatenate(parts)
    return 0.8 * samples / np.max(np.abs(samples))


def wav_bytes(priority: Priority) -> bytes:
    pcm = (render(priority) * 32767).astype("<i2").tobytes()
    buffer = io.BytesIO()
    with wave.open(buffer, "wb") as out:
        out.setnchannels(1)
        out.setsampwidth(2)
        out.setframerate(RATE_HZ)
        out.writeframes(pcm)
    return buffer.getvalue()


def wav_name(priority: Priority) -> str:
    return f"alarm_{priority.label}.wav"


def write_wavs(directory: Path) -> list[Path]:
    """Write the three patterns (`python -m ketamon.core.alarm_tones resources/sounds`)."""
    directory.mkdir(parents=True, exist_ok=True)
    paths = []
    for priority in PATTERNS:
        path = directory / wav_name(priority)
        path.write_bytes(wav_bytes(priority))
        paths.append(path)
    return paths


if __name__ == "__main__":
    import sys

    write_wavs(Path(sys.argv[1] if len(sys.argv) > 1 else "resources/sounds"))
