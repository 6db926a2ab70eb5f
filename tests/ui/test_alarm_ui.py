"""What the nurse sees and does with alarms: banner, colours, flashing, tiles, list, keys."""

import pytest
from PySide6.QtCore import Qt

from ketamon.core.alarm_profile import Priority
from ketamon.core.baseline import Baseline
from ketamon.core.simulator import strong_bp_responder
from ketamon.core.vitals import NibpReading, Sample, Vital
from ketamon.format import mmss
from ketamon.ui.alarm_banner import FLASH_HALF_PERIOD_MS, PRIORITY_COLOURS
from tests.ui.helpers import click

MIN = 60.0
RED, YELLOW, CYAN = (PRIORITY_COLOURS[p][0] for p in (Priority.HIGH, Priority.MEDIUM, Priority.LOW))


def start_infusion(window):
    session = window.model.session
    plan_protocol = window.actions._protocols[0]
    from ketamon.core.simulation import autostart_demo

    autostart_demo(session, plan_protocol, 70.0)
    # A known baseline, so each test's BP means what it says (+35 is not a rise alarm).
    session.enter_baseline(session.t_s, Baseline(130, 80, 70, 98, "entered"))
    window.model.refresh()
    return session


def cuff(window, sbp, dbp, t_s=None):
    """A reading arrives from the monitor (as a device source pushes it)."""
    session = window.model.session
    t = session.t_s if t_s is None else t_s
    session.ingest(NibpReading(t, sbp, dbp, (sbp + 2 * dbp) / 3).samples())
    window.model.refresh()


@pytest.fixture
def banner(window):
    return window.dashboard.alarm_banner


def test_banner_says_plainly_when_alarms_are_not_armed(window, banner):
    assert banner.text.text().startswith("ALARMS NOT ARMED")
    start_infusion(window)
    assert banner.text.text().startswith("Alarms armed")
    assert not banner.ack_button.isEnabled()


def test_high_bp_shows_red_banner_flashing_and_red_nibp_tile(qtbot, window, banner):
    start_infusion(window)
    cuff(window, 186, 112)
    assert banner.text.text() == "*** BP VERY HIGH"
    assert "SBP 186 mmHg (limit >= 180)" in banner.detail.text()
    flasher = window.dashboard.flasher
    seen = set()
    qtbot.waitUntil(lambda: seen.add(banner.background) or len(seen) == 2, timeout=2000)
    assert seen == {RED, PRIORITY_COLOURS[Priority.HIGH][2]}  # flashes bright/dim
    assert FLASH_HALF_PERIOD_MS[Priority.HIGH] == 250  # 2 Hz, inside 1.4-2.8 Hz
    nibp_tile = window.dashboard.numerics.tiles[Vital.SBP]
    hr_tile = window.dashboard.numerics.tiles[Vital.HR]
    qtbot.waitUntil(lambda: nibp_tile.border_colour == RED)
    assert hr_tile.border_colour is None
    assert flasher.is_on(Priority.LOW)  # low never flashes


def test_medium_is_yellow_and_flashes_slower(window, banner):
    start_infusion(window)
    cuff(window, 165, 85)
    assert banner.text.text() == "** BP HIGH"
    assert banner.background in (YELLOW, PRIORITY_COLOURS[Priority.MEDIUM][2])
    assert 1000 / (2 * FLASH_HALF_PERIOD_MS[Priority.MEDIUM]) == pytest.approx(0.625)


def test_technical_alarm_is_marked_inop(window, banner):
    session = start_infusion(window)
    session.report_technical(session.t_s + 1, "sensor_off", True, "SpO2 sensor off")
    window.model.refresh()
    assert banner.text.text() == "* INOP SENSOR OFF"
    assert banner.background == CYAN  # low: steady


def test_acknowledge_button_and_f2_key(qtbot, window, banner):
    start_infusion(window)
    cuff(window, 186, 112)
    cuff(window, 130, 80, t_s=window.model.session.t_s + 1)  # condition ends; alarm latched
    assert banner.text.text() == "*** BP VERY HIGH (ended, acknowledge to clear)"
    qtbot.keyClick(window, Qt.Key.Key_F2)
    assert banner.text.text().startswith("Alarms armed")
    cuff(window, 165, 85, t_s=window.model.session.t_s + 1)
    click(qtbot, banner.ack_button)
    assert banner.text.text() == "** BP HIGH (acknowledged)"
    kinds = [e.kind for e in window.model.session.events]
    assert kinds.count("alarm.acknowledged") == 1


def test_audio_pause_counts_down_and_f3(qtbot, window, banner):
    banner.set_sound(True, "")  # a machine with sound (the test machine may have none)
    start_infusion(window)
    cuff(window, 165, 85)
    qtbot.keyClick(window, Qt.Key.Key_F3)
    assert "AUDIO PAUSED 02:00" in banner.audio.text()
    window.model.clock.fast_forward(window.model.session.t_s + 45)
    assert "AUDIO PAUSED 01:15" in banner.audio.text()
    window.model.clock.fast_forward(window.model.session.t_s + 80)
    assert "AUDIO PAUSED" not in banner.audio.text()


def test_without_sound_audio_pause_is_not_offered_and_f3_does_nothing(qtbot, window, banner):
    banner.set_sound(False, "Sound unavailable (no device)")
    start_infusion(window)
    cuff(window, 165, 85)
    assert banner.pause_button.isHidden()
    qtbot.keyClick(window, Qt.Key.Key_F3)
    assert "AUDIO PAUSED" not in banner.audio.text()
    assert "NO SOUND" in banner.audio.text()


def test_pause_is_refused_while_not_armed(window, banner):
    assert not banner.pause_button.isEnabled()


def test_alarm_list_keeps_active_and_past_alarms_with_times(window):
    start_infusion(window)
    t0 = window.model.session.t_s
    cuff(window, 165, 85)
    cuff(window, 130, 80, t_s=t0 + 600)
    rows = window.dashboard.alarm_log.rows()
    assert rows[0][1] == "** BP high"
    assert rows[0][0] == "05:00"  # session time of the start
    assert rows[0][3] == "ended 15:00"


def test_limit_lines_on_the_trends(window):
    trends = window.dashboard.trends
    absolute = {(c.vital, line.value()) for line, c in trends.limit_lines if line.isVisible()}
    assert (Vital.SBP, 180) in absolute and (Vital.HR, 120) in absolute
    assert (Vital.SPO2, 90) in absolute
    rise_lines = [line for line, c in trends.limit_lines if c.is_rise]
    assert rise_lines and not any(line.isVisible() for line in rise_lines)  # no baseline yet
    session = start_infusion(window)
    sbp_rise = next(line for line, c in trends.limit_lines if c.is_rise and c.vital is Vital.SBP)
    assert sbp_rise.isVisible()
    assert sbp_rise.value() == pytest.approx(session.baseline.sbp_mmhg + 40)


def test_without_sound_the_banner_says_so_and_visual_alarms_still_work(window, banner):
    sound = window.dashboard.sound
    start_infusion(window)
    cuff(window, 186, 112)
    if not sound.available:
        assert "NO SOUND" in banner.audio.text()
        assert "Sound unavailable" in banner.toolTip()
    assert banner.text.text() == "*** BP VERY HIGH"
    assert sound.playing is Priority.HIGH
    assert sound.plays == 1


def test_no_data_raises_the_technical_alarm_on_screen(window, banner):
    session = start_infusion(window)
    session.source.probe_off = True  # no HR/SpO2; "sensor off" is low, "no data" medium
    window.model.clock.fast_forward(session.t_s + 12)
    # The cause first, then its consequence; the banner has the higher one's colour.
    assert banner.text.text() == "* INOP SENSOR OFF"
    assert banner.chips[0].text().startswith("** INOP NO HR/SPO2 DATA")
    assert banner.top_priority() is Priority.MEDIUM
    hr = window.dashboard.numerics.tiles[Vital.HR]
    assert hr.alarm is Priority.MEDIUM


def test_strong_responder_alarm_reaches_the_screen(qapp, qtbot, make_model, protocols, library):
    """End to end in the GUI: a seeded strong responder, the clock fast-forwarded."""
    from ketamon.core.alarm_profile import load_alarm_profile
    from ketamon.core.simulation import autostart_demo, simulated_session
    from ketamon.resources import alarm_profiles_dir
    from ketamon.ui.clock import SessionClock
    from ketamon.ui.main_window import MainWindow
    from ketamon.ui.session_model import SessionModel

    profile = load_alarm_profile(alarm_profiles_dir() / "default.toml")

    def factory():
        session = simulated_session(library, 5, strong_bp_responder(), profile)
        return SessionModel(session, SessionClock(session))

    ordered = sorted(protocols.values(), key=lambda p: not p.default)
    win = MainWindow(factory, ordered, library, "sim")
    win.force_close = True
    qtbot.addWidget(win)
    autostart_demo(win.model.session, ordered[0], 70.0)
    win.model.clock.fast_forward(win.model.session.t_s + 42 * MIN)
    assert win.dashboard.alarm_banner.text.text() == "** BP RISE OVER BASELINE"
    assert win.dashboard.numerics.tiles[Vital.SBP].alarm is Priority.MEDIUM
    _ = Sample  # samples reach the screen only through the session


def test_a_higher_priority_sounds_at_once(window):
    sound = window.dashboard.sound
    start_infusion(window)
    cuff(window, 165, 85)
    assert (sound.playing, sound.plays) == (Priority.MEDIUM, 1)
    window.model.refresh()
    assert sound.plays == 1  # the medium pattern repeats only after its 3 s
    cuff(window, 190, 100, t_s=window.model.session.t_s + 1)
    assert (sound.playing, sound.plays) == (Priority.HIGH, 2)
    window.actions.request_acknowledge()
    assert sound.playing is None


def test_the_pause_button_and_no_data_come_from_the_profile(qtbot, library, protocols):
    """Clinical numbers on screen are the profile's: a 90 s pause, 'no data' after 20 s."""
    import dataclasses

    from ketamon.core.alarm_profile import load_alarm_profile
    from ketamon.core.simulation import simulated_session
    from ketamon.resources import alarm_profiles_dir
    from ketamon.ui.clock import SessionClock
    from ketamon.ui.main_window import MainWindow
    from ketamon.ui.session_model import SessionModel

    default = load_alarm_profile(alarm_profiles_dir() / "default.toml")
    technical = dataclasses.replace(default.technical, no_data_s=20.0)
    profile = dataclasses.replace(default, audio_pause_s=90.0, technical=technical)

    def factory():
        session = simulated_session(library, 3, alarm_profile=profile)
        return SessionModel(session, SessionClock(session))

    ordered = sorted(protocols.values(), key=lambda p: not p.default)
    win = MainWindow(factory, ordered, library, "sim")
    win.force_close = True
    qtbot.addWidget(win)
    assert win.dashboard.alarm_banner.pause_button.text() == "Pause audio 90 s (F3)"
    assert win.dashboard.trends.buffers[Vital.HR]._gap_min == pytest.approx(20.0 / 60)
    snap = win.model.snapshot()
    assert snap.no_data_s == 20.0 and snap.audio_pause_s == 90.0


def test_alarm_sound_plays_the_high_tone_through_miniaudio(qtbot, window):
    import miniaudio

    from ketamon.io.audio import MiniaudioTones
    from ketamon.resources import sounds_dir
    from ketamon.ui.sound import AlarmSound

    tones = MiniaudioTones(sounds_dir(), backends=[miniaudio.Backend.NULL])
    sound = AlarmSound(window.model, window, tones=tones)
    assert sound.available and sound.notice == ""
    start_infusion(window)
    cuff(window, 186, 112)
    assert sound.playing is Priority.HIGH
    qtbot.waitUntil(lambda: tones.frames_played[Priority.HIGH] > 0, timeout=3000)
    tones.close()


def test_a_sound_device_lost_mid_session_turns_the_banner_to_no_sound(qtbot, window):
    from ketamon.ui.sound import AlarmSound

    class LosingTones:
        name, available, notice = "test", True, ""

        def play(self, priority):
            pass

        def close(self):
            pass

        def check(self, now_s):
            self.available = False
            self.notice = "Sound lost: the audio device (test) stopped playing 3 s ago"
            return False

    sound = AlarmSound(window.model, window, tones=LosingTones())
    with qtbot.waitSignal(sound.sound_lost, timeout=3000) as lost:
        pass
    assert lost.args == ["Sound lost: the audio device (test) stopped playing 3 s ago"]
    assert not sound.available and sound.notice.startswith("Sound lost")
    banner = window.dashboard.alarm_banner
    session = window.model.session
    window.dashboard.sound.sound_lost.emit(sound.notice)  # the window's own sound, as lost
    assert not banner.sound_available
    assert banner.toolTip() == sound.notice
    assert not banner.pause_button.isVisible()
    # A failure is an alarm: SOUND LOST (medium INOP), recorded for review, before the start.
    alarm = next(a for a in session.snapshot().alarms if a.id == "sound_lost")
    assert alarm.priority is Priority.MEDIUM and alarm.label == "SOUND LOST"
    reports = [e for e in session.events if e.kind == "technical.report"]
    assert reports[-1].data == {"condition": "sound_lost", "present": True}
    window.model.refresh()
    assert "SOUND LOST" in banner.text.text()


def test_select_tones_without_a_working_backend_says_no_sound_with_the_reason(window):
    import miniaudio

    from ketamon.resources import sounds_dir
    from ketamon.ui.sound import select_tones

    tones = select_tones(sounds_dir(), window, backends=[miniaudio.Backend.WEBAUDIO])
    assert not tones.available
    assert tones.notice.startswith("Sound unavailable (no audio output device; miniaudio: ")
    assert tones.notice.endswith(": visual alarms only")


def test_an_artefact_reading_is_listed_as_rejected_and_never_shown(window):
    start_infusion(window)
    tile = window.dashboard.numerics.tiles[Vital.SBP]
    before = tile.value.text()
    cuff(window, 151, 127)
    rows = window.dashboard.alarm_log.rows()
    assert rows[0][1].startswith("Rejected: NIBP artefact: DBP/SBP 0.84")
    assert rows[0][2:] == ["151/127/135", "rejected"]  # SBP/DBP/MAP as measured
    assert tile.value.text() == before and "151" not in tile.value.text()
    assert window.model.session.rejected_readings == 1


def test_every_high_alarm_is_on_screen_at_once_with_its_live_value(window, banner):
    session = start_infusion(window)
    fixed = {Vital.HR: 150.0, Vital.SPO2: 80.0, Vital.RR: 5.0}
    session.source.overrides.fixed.update(fixed)  # as the instructor sets them
    window.model.clock.fast_forward(session.t_s + 60)
    cuff(window, 201, 117)
    shown = banner.shown_alarms()
    assert len(window.model.snapshot().alarms) == len(shown) >= 4
    texts = [banner.text.text()] + [c.text() for c in banner.chips]
    assert all(t.startswith("***") for t in texts)  # four high alarms, all visible
    assert "now 201/117" in banner.detail.text() + " ".join(texts)
    hr_now = window.dashboard.numerics.tiles[Vital.HR].value.text()
    assert f"now HR {hr_now}" in banner.detail.text()  # what the HR tile says now
    assert all(banner.chip_background(i) is not None for i in range(3))


def test_more_alarms_than_places_take_turns_every_two_seconds(qtbot, window, banner):
    from ketamon.ui.alarm_banner import CHIPS, CYCLE_MS

    session = start_infusion(window)
    session.source.overrides.fixed.update({Vital.HR: 150.0, Vital.RR: 5.0})
    window.model.clock.fast_forward(session.t_s + 60)
    cuff(window, 201, 117)
    session.source.overrides.fixed[Vital.SPO2] = 80.0
    window.model.clock.fast_forward(session.t_s + 60)
    session.report_technical(session.t_s, "artefact", True, "malformed frames")
    window.model.refresh()
    assert len(window.model.snapshot().alarms) > CHIPS + 1
    first = banner.chips[-1].text()
    # The turn comes within one cycle; a loaded machine may delay a timer shot, so the
    # wait allows a second turn rather than failing on a late one.
    qtbot.waitUntil(lambda: banner.chips[-1].text() != first, timeout=2 * CYCLE_MS + 500)
    assert "take turns" in banner.more.text()


def test_alarm_list_value_is_empty_for_a_technical_alarm_and_acknowledged_looks_different(
    qtbot, window
):
    session = start_infusion(window)
    session.report_technical(session.t_s, "sensor_off", True, "probe off")
    window.model.refresh()
    log = window.dashboard.alarm_log
    row = log.rows()[0]
    assert "Sensor off" in row[1] and row[2] == ""  # no clock time in the Value column
    active_bg = log.item(0, 1).background().color().name()
    qtbot.keyClick(window, Qt.Key.Key_F2)
    assert log.rows()[0][3] == "acknowledged"
    assert log.item(0, 1).background().color().name() != active_bg


def test_a_bp_alarm_prompts_a_repeat_reading_with_a_countdown(window):
    start_infusion(window)
    cuff(window, 186, 112)
    prompt = window.dashboard.workflow.notice
    assert prompt.isVisibleTo(window)
    snap = window.model.snapshot()
    left_s = snap.repeat_bp_due_s - snap.t_s
    assert left_s > 0
    # A countdown in mm:ss (it once said "within 0 min" for the last half minute).
    assert prompt.text() == f"Repeat BP now (due in {mmss(left_s)})"
