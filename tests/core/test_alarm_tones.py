import numpy as np
import pytest

from ketamon.core.alarm_profile import Priority
from ketamon.core.alarm_tones import (
    FUNDAMENTAL_HZ,
    PATTERNS,
    RATE_HZ,
    render,
    wav_bytes,
    wav_name,
)
from ketamon.resources import sounds_dir


def pulses(samples: np.ndarray) -> list[tuple[float, float]]:
    """(start, length) in seconds of each burst of sound, from a smoothed envelope."""
    window = round(0.005 * RATE_HZ)
    envelope = np.convolve(np.abs(samples), np.ones(window) / window, mode="same")
    on = envelope > 0.1 * envelope.max()
    edges = np.flatnonzero(np.diff(on.astype(int)))
    if on[0]:
        edges = np.insert(edges, 0, 0)
    starts, ends = edges[::2], edges[1::2]
    return [(s / RATE_HZ, (e - s) / RATE_HZ) for s, e in zip(starts, ends, strict=False)]


@pytest.mark.parametrize(
    ("priority", "count"), [(Priority.HIGH, 10), (Priority.MEDIUM, 3), (Priority.LOW, 2)]
)
def test_pulse_counts_follow_iec_60601_1_8(priority, count):
    assert len(pulses(render(priority))) == count


def test_high_priority_is_two_bursts_of_five_short_pulses():
    found = pulses(render(Priority.HIGH))
    lengths = [length for _, length in found]
    assert all(0.08 <= length <= 0.15 for length in lengths)
    gaps = [b[0] - (a[0] + a[1]) for a, b in zip(found, found[1:], strict=False)]
    assert max(gaps) == pytest.approx(gaps[4])  # the pause between the two bursts
    assert gaps[4] > 3 * gaps[0]


def test_repeat_intervals():
    assert 2.5 <= PATTERNS[Priority.HIGH].repeat_s <= 4.0
    assert 2.5 <= PATTERNS[Priority.MEDIUM].repeat_s <= 4.0
    assert PATTERNS[Priority.LOW].repeat_s >= 16.0


def test_fundamental_and_four_harmonics_in_range():
    samples = render(Priority.LOW)
    spectrum = np.abs(np.fft.rfft(samples))
    freqs = np.fft.rfftfreq(len(samples), 1 / RATE_HZ)
    peaks = []
    for _ in range(5):
        i = int(np.argmax(spectrum))
        peaks.append(freqs[i])
        spectrum[max(0, i - 40) : i + 40] = 0
    peaks.sort()
    assert 150 <= peaks[0] <= 1000
    assert peaks[0] == pytest.approx(FUNDAMENTAL_HZ, rel=0.02)
    assert all(300 <= f <= 4000 for f in peaks[1:])
    assert [round(f / peaks[0]) for f in peaks] == [1, 2, 3, 4, 5]


@pytest.mark.parametrize("priority", list(PATTERNS))
def test_bundled_wavs_are_what_the_generator_makes(priority):
    assert (sounds_dir() / wav_name(priority)).read_bytes() == wav_bytes(priority)
