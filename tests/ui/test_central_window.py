"""The central station window: three beds, one in a high alarm, one going OFFLINE."""

from __future__ import annotations

import pytest
from PySide6.QtCore import Qt

from ketamon.core.alarm_profile import Priority
from ketamon.core.central import CentralModel
from ketamon.core.central_types import AlarmRecord, BedState, Heartbeat, VitalsBatch
from ketamon.core.vitals import Vital
from ketamon.io.net.link import LinkStatus
from ketamon.ui.central_window import CentralWindow


class ListFeed:
    """Messages a test hands over, as the MQTT subscriber would."""

    def __init__(self):
        self.messages = []

    def drain(self):
        out, self.messages = self.messages, []
        return out

    def status(self):
        return LinkStatus(True, None, "", 0)

    def close(self):
        self.messages = []


class RecordingTones:
    """A tone output that remembers what it was asked to play."""

    name = "test"
    available = True
    notice = ""

    def __init__(self):
        self.played = []

    def play(self, priority):
        self.played.append(priority)

    def close(self):
        pass

    def check(self, now_s):
        return self.available


class Clock:
    def __init__(self):
        self.t = 1000.0

    def __call__(self):
        return self.t


def bed_messages(bed: str, hr: float) -> list:
    samples = tuple(
        (float(t), vital, value)
        for t in range(600, 660)
        for vital, value in ((Vital.HR, hr), (Vital.SPO2, 97.0))
    )
    return [
        Heartbeat(bed),
        BedState(bed, 660.0, "Loading dose", 1800.0, 10.0),
        VitalsBatch(bed, "r", 1, samples),
        VitalsBatch(bed, "r", 2, ((640.0, Vital.SBP, 132.0), (640.0, Vital.DBP, 84.0))),
    ]


@pytest.fixture
def central(qtbot):
    feed, clock = ListFeed(), Clock()
    window = CentralWindow(CentralModel(), feed, "clinic", now=clock, tones=RecordingTones())
    qtbot.addWidget(window)
    window.timer.stop()  # the test pumps by hand
    feed.messages += bed_messages("chair1", 72.0) + bed_messages("chair2", 131.0)
    feed.messages += bed_messages("chair3", 80.0)
    feed.messages.append(
        AlarmRecord(
            "chair2",
            "r",
            1,
            650.0,
            "start",
            "hr_high",
            Priority.HIGH,
            "HR very high",
            {"kind": "physiological"},
        )
    )
    window.pump()
    window.show()
    return window, feed, clock


def test_three_tiles_show_bed_phase_time_left_and_vitals_with_age(central):
    window, _, _ = central
    assert sorted(window.tiles) == ["chair1", "chair2", "chair3"]
    tile = window.tiles["chair1"]
    assert tile.name.text() == "chair1"
    assert tile.phase.text() == "Loading dose"
    assert tile.time_left.text() == "30:00 left"
    assert tile.values[Vital.HR].text() == "72"
    assert tile.values[Vital.SBP].text() == "132/84"
    assert tile.ages[Vital.SBP].text() == "00:20 ago"
    assert tile.alarm_text() == ""


def test_the_high_alarm_flashes_red_and_sounds_until_acknowledged_here(central, qtbot):
    window, _, clock = central
    tile = window.tiles["chair2"]
    assert tile.alarm_text() == "*** HR very high"
    seen = set()
    qtbot.waitUntil(lambda: seen.add(tile.background()) or len(seen) == 2, timeout=2000)
    assert seen == {"#e00000", "#3a0000"}  # IEC high: red, flashing
    assert window.model.audio_priority(clock()) is Priority.HIGH
    assert window.sound.tones.played == [Priority.HIGH]
    qtbot.mouseClick(window.acknowledge, Qt.MouseButton.LeftButton)
    assert window.model.audio_priority(clock()) is None
    assert tile.alarm_text() == "*** HR very high"  # still shown: it is still active


def test_audio_pause_silences_for_two_minutes(central, qtbot):
    window, _, clock = central
    qtbot.mouseClick(window.pause, Qt.MouseButton.LeftButton)
    assert window.model.audio_priority(clock()) is None
    assert window.pause.text() == "AUDIO PAUSED 02:00"
    clock.t += 121
    window.pump()
    assert window.model.audio_priority(clock()) is Priority.HIGH


def test_a_bed_without_heartbeat_for_6_s_is_offline(central):
    window, feed, clock = central
    clock.t += 5
    feed.messages += [Heartbeat("chair1"), Heartbeat("chair2")]
    window.pump()
    assert window.tiles["chair3"].alarm_text() == ""
    clock.t += 2  # chair3 last heard 7 s ago
    feed.messages += [Heartbeat("chair1"), Heartbeat("chair2")]
    window.pump()
    assert window.tiles["chair3"].alarm_text() == "** OFFLINE"
    assert window.tiles["chair1"].alarm_text() == ""


def test_clicking_a_tile_opens_its_trends_since_it_started_publishing(central, qtbot):
    window, _, _ = central
    qtbot.mouseClick(window.tiles["chair2"], Qt.MouseButton.LeftButton)
    (trends,) = window.trend_windows
    x, y = trends.curves[Vital.HR].getData()
    assert len(y) == 60 and set(y) == {131.0}
    assert x[0] == 10.0  # session minutes


def test_a_sound_device_lost_at_the_central_says_no_sound(central):
    window, _feed, clock = central
    tones = window.sound.tones
    assert window.sound_notice.text() == ""
    # The device stopped pulling frames: the next check says so (and why).
    tones.notice = "Sound lost: the audio device (test) stopped playing 3 s ago"
    checks = []
    tones.check = lambda now_s: checks.append(now_s) or False
    clock.t += 2.0
    window.pump()
    window.pump()  # checked once a second, not every pump
    assert len(checks) == 1
    assert window.sound_notice.text() == "NO SOUND"
    assert window.sound_notice.toolTip().startswith("Sound lost")
