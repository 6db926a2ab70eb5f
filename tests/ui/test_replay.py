"""Replay in the window: recorded values at their times, seek, play, read-only."""

import pytest

from ketamon.core.vitals import Vital
from ketamon.io.recording import Recording
from ketamon.io.replay import ReplayData
from ketamon.ui.main_window import MainWindow
from ketamon.ui.replay_model import ReplayModel


@pytest.fixture
def replay_window(qtbot, resources, strong_recording):
    model = ReplayModel(ReplayData(Recording(strong_recording), resources))
    win = MainWindow(lambda: model, resources.protocols, resources.library, "replay")
    win.force_close = True
    qtbot.addWidget(win)
    win.show()
    yield win
    model.close()


def recorded(strong_recording, vital):
    series = Recording(strong_recording).series(vital)
    return list(zip(series.t_s, series.values, strict=True))


def test_replay_is_labelled_and_read_only(qtbot, replay_window):
    assert replay_window.replay_banner.isVisible()
    assert "REPLAY" in replay_window.replay_banner.text()
    assert "REPLAY" in replay_window.windowTitle()
    assert not replay_window.dashboard.infusion.controls.isVisible()
    assert not replay_window.dashboard.annotations.isVisible()
    replay_window.actions.request_acknowledge()
    assert "cannot be changed" in replay_window.actions.dialog.text()


def test_seek_shows_the_recorded_values_at_that_time(replay_window, strong_recording):
    model = replay_window.model
    hr = recorded(strong_recording, Vital.HR)
    sbp = recorded(strong_recording, Vital.SBP)
    for t, value in (hr[100], hr[2000], hr[-1]):
        model.seek(t)
        assert replay_window.dashboard.numerics.tiles[Vital.HR].value.text() == f"{value:g}"
    t_reading, sbp_value = sbp[4]
    model.seek(t_reading + 30)
    assert (
        replay_window.dashboard.numerics.tiles[Vital.SBP].value.text().startswith(f"{sbp_value:g}/")
    )
    # The trends hold exactly the recorded samples up to the replay time.
    model.seek(hr[1000][0])
    assert len(replay_window.dashboard.trends.buffers[Vital.HR]) == 1001


def test_alarms_and_phase_appear_at_their_times(replay_window, strong_recording):
    model = replay_window.model
    start = next(e for e in Recording(strong_recording).events() if e.kind == "alarm.start")
    banner = replay_window.dashboard.alarm_banner
    model.seek(start.t_s - 1)
    assert banner.text.text().startswith("Alarms armed")
    model.seek(start.t_s)
    assert banner.text.text() == f"** {start.message.upper()}"
    assert replay_window.dashboard.alarm_log.rows()[0][1] == f"** {start.message}"
    assert replay_window.dashboard.infusion.phase.text() in ("LOADING", "OBSERVATION")
    model.seek(0)
    assert replay_window.dashboard.alarm_log.rows() == []


def test_play_advances_at_speed(qtbot, replay_window):
    model = replay_window.model
    model.seek(model.clock.start_s)
    model.clock.speed = 600.0
    bar = replay_window.replay_bar
    bar.play_button.click()
    assert bar.play_button.text() == "❚❚ Pause"
    qtbot.waitUntil(lambda: model.t_s > model.clock.start_s + 120, timeout=3000)
    bar.play_button.click()
    stopped = model.t_s
    qtbot.wait(300)
    assert model.t_s == stopped
    assert bar.position.text().endswith("/ 1:45:00")


def test_timeline_seeks(replay_window):
    bar = replay_window.replay_bar
    bar._on_slider_moved(500)
    clock = replay_window.model.clock
    assert replay_window.model.t_s == pytest.approx((clock.start_s + clock.end_s) / 2)


def test_the_predicted_concentration_curve_follows_the_replay(replay_window):
    model = replay_window.model
    session = model.session
    end_s = session.infusion.loading_end_s()
    model.seek(end_s)
    trend = replay_window.dashboard.trends.concentration
    expected = session.predicted_cp_at(end_s)
    assert trend.text.startswith("predicted plasma concentration (model, not measured)")
    assert f"{session.concentration.model.name}: {expected:.0f} ng/mL now" in trend.text
    x, y = trend.buffer.view()
    assert y[-1] == pytest.approx(expected)  # the curve ends at the value shown
    model.seek(end_s + 1800)
    later = model.snapshot().predicted_cp_ng_per_ml
    assert later < expected and f"{later:.0f} ng/mL now" in trend.text


def test_the_measured_baseline_shows_as_it_did_live_spo2_included(replay_window, strong_recording):
    measured = next(
        e for e in Recording(strong_recording).events() if e.kind == "baseline.measured"
    )
    assert measured.data["spo2"] is not None  # recorded with the baseline since 2026-12
    replay_window.model.seek(measured.t_s + 60)
    tile = replay_window.dashboard.numerics.tiles[Vital.SPO2]
    assert tile.baseline.text() == f"BL {measured.data['spo2']:.0f}"
