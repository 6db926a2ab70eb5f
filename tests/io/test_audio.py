"""Alarm tones through miniaudio, tested on its null device (no sound card needed)."""

import time

import miniaudio
import pytest

from ketamon.core.alarm_profile import Priority
from ketamon.core.alarm_tones import wav_name
from ketamon.io.audio import STALL_LIMIT_S, MiniaudioTones, read_pattern
from ketamon.resources import sounds_dir


def wait_until_quiet(tones, timeout_s=5.0):
    deadline = time.monotonic() + timeout_s
    while tones.is_playing() and time.monotonic() < deadline:
        time.sleep(0.02)
    assert not tones.is_playing(), "the pattern never finished playing"


@pytest.fixture
def null_tones():
    tones = MiniaudioTones(sounds_dir(), backends=[miniaudio.Backend.NULL])
    yield tones
    tones.close()


def test_high_priority_tone_is_played_through_the_backend(null_tones):
    assert null_tones.available, null_tones.notice
    assert null_tones.name == "miniaudio (Null)"
    null_tones.play(Priority.HIGH)
    wait_until_quiet(null_tones)  # the 1.9 s pattern, pulled by the device in real time
    high = read_pattern(sounds_dir() / wav_name(Priority.HIGH))
    assert null_tones.frames_played == {
        Priority.HIGH: len(high),
        Priority.MEDIUM: 0,
        Priority.LOW: 0,
    }


def test_a_higher_priority_cuts_in(null_tones):
    null_tones.play(Priority.LOW)
    null_tones.play(Priority.HIGH)
    null_tones.play(Priority.MEDIUM)  # lower than the one playing: waits for the next repeat
    wait_until_quiet(null_tones)
    high = read_pattern(sounds_dir() / wav_name(Priority.HIGH))
    low = read_pattern(sounds_dir() / wav_name(Priority.LOW))
    assert null_tones.frames_played[Priority.HIGH] == len(high)
    assert null_tones.frames_played[Priority.LOW] < len(low)
    assert null_tones.frames_played[Priority.MEDIUM] == 0


def test_a_machine_without_audio_says_no_sound_and_why():
    # No audio backend that works here (WebAudio exists only in browsers).
    tones = MiniaudioTones(sounds_dir(), backends=[miniaudio.Backend.WEBAUDIO])
    assert not tones.available
    assert tones.notice.startswith("Sound unavailable (no audio output device; miniaudio: ")
    tones.play(Priority.HIGH)  # harmless
    tones.close()


def test_a_broken_tone_file_says_which(tmp_path):
    for priority in Priority:
        (tmp_path / wav_name(priority)).write_bytes(b"RIFF not a wav")
    tones = MiniaudioTones(tmp_path, backends=[miniaudio.Backend.NULL])
    assert not tones.available
    assert "alarm_" in tones.notice and ".wav" in tones.notice


def test_a_device_that_stops_pulling_is_reported_lost(null_tones):
    """A headset unplugged mid-session: the device stops asking for frames; check says so.
    Check times are given (seconds); the device pulls in real time meanwhile."""
    assert null_tones.check(0.0)
    time.sleep(0.3)  # a working device pulls every 50 ms
    base_s = STALL_LIMIT_S + 1.0
    assert null_tones.check(base_s)  # past the limit, but it pulled meanwhile: fine
    null_tones._device.stop()  # what a lost device amounts to: nothing pulls any more
    time.sleep(0.1)
    assert null_tones.check(base_s + 0.1)
    assert null_tones.check(base_s + STALL_LIMIT_S - 0.4) is True  # not yet
    assert null_tones.available
    assert null_tones.check(base_s + STALL_LIMIT_S + 0.6) is False
    assert not null_tones.available
    assert null_tones.notice.startswith("Sound lost: the audio device (miniaudio (Null))")
