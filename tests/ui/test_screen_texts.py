"""Texts that say what is true now, and a dark theme whose controls can be seen."""

from __future__ import annotations

import subprocess
import sys

from PySide6.QtGui import QImage
from PySide6.QtWidgets import QCheckBox, QSpinBox

from ketamon.core.infusion import Phase
from ketamon.core.simulation import autostart_demo
from tests.ui.helpers import rgb_of

MIN = 60.0


def observation_done(window, protocols):
    autostart_demo(window.model.session, protocols["ketamine-loading"], 70.0)
    started = window.model.session.infusion.started_s()
    window.model.clock.fast_forward(started + 40 * MIN + 59 * MIN)
    return started


def test_no_layout_jump_at_ready_for_discharge(qtbot, window, protocols):
    panel = window.dashboard.infusion
    observation_done(window, protocols)
    assert panel.phase.text() == "OBSERVATION"
    before = (panel.geometry(), window.dashboard.numerics.geometry(), panel.phase.geometry())
    window.model.clock.fast_forward(window.model.session.t_s + 2 * MIN)
    qtbot.wait(20)
    assert panel.phase.text() == "READY FOR DISCHARGE"
    after = (panel.geometry(), window.dashboard.numerics.geometry(), panel.phase.geometry())
    assert before == after
    fm = panel.phase.fontMetrics()
    assert panel.phase.pixel_size > 0 and fm is not None


def test_after_discharge_the_banner_does_not_say_alarms_wait_for_the_infusion(window, protocols):
    observation_done(window, protocols)
    window.model.clock.fast_forward(window.model.session.t_s + 2 * MIN)
    window.model.session.discharge(window.model.session.t_s, "alert", early_reason="test")
    window.model.refresh()
    assert window.model.session.phase() is Phase.DISCHARGED
    text = window.dashboard.alarm_banner.text.text()
    assert "until the infusion starts" not in text and "ended" in text


def test_an_overdue_nibp_says_how_late_not_now(window, protocols):
    autostart_demo(window.model.session, protocols["ketamine-loading"], 70.0)
    session = window.model.session
    session.source.cuff_failure = True  # the cuff stops answering
    due = session.nibp_due_s()
    window.model.clock.fast_forward(due + 12 * MIN)
    text = window.dashboard.infusion.nibp_due.text()
    assert text != "now" and "min late" in text


def test_the_baseline_review_note_goes_once_the_infusion_starts(window, protocols):
    from ketamon.core.baseline import Baseline

    session = window.model.session
    autostart_demo(session, protocols["ketamine-loading"], 70.0)
    session.enter_baseline(session.t_s, Baseline(160, 100, 70, None, "entered"))
    window.model.refresh()
    assert "review before starting" not in window.dashboard.infusion.baseline.text()


def test_check_boxes_and_spin_arrows_are_visible_in_the_dark_theme(qtbot, window):
    box = QCheckBox("I confirm")
    spin = QSpinBox()
    for widget in (box, spin):
        qtbot.addWidget(widget)
        widget.resize(200, 40)
        widget.show()
    qtbot.wait(20)
    check = rgb_of(box.grab().toImage())[:, :30, :]  # the indicator, left
    assert check.max() >= 180  # a light outline on black, not black on black
    arrows = rgb_of(spin.grab().toImage())[:, -20:, :]  # the buttons, right
    assert (arrows.mean(axis=2) > 150).mean() > 0.3


def test_geometry_sets_the_window_size_of_the_screenshot(tmp_path):
    png = tmp_path / "shot.png"
    result = subprocess.run(
        [sys.executable, "-m", "ketamon", "--autostart", "--speed", "60", "--quit-after", "1",
         "--screenshot", str(png), "--geometry", "1280x720", "--data-dir", str(tmp_path)],
        capture_output=True, text=True, timeout=60,
        env={"QT_QPA_PLATFORM": "offscreen", "PATH": "/usr/bin:/bin", "HOME": str(tmp_path)},
    )  # fmt: skip
    assert result.returncode == 0, result.stderr
    image = QImage(str(png))
    assert (image.width(), image.height()) == (1280, 720)  # it fits: it did not grow


def test_the_not_armed_message_is_whole_at_start(qtbot, window):
    window.resize(1366, 768)
    window.show()
    qtbot.waitExposed(window)
    text = window.dashboard.alarm_banner.text
    assert text.text() == "ALARMS NOT ARMED until the infusion starts"
    needed = text.fontMetrics().horizontalAdvance(text.text())
    assert needed <= text.contentsRect().width()  # never cut to "...the infusion st"
    ack = window.dashboard.alarm_banner.ack_button
    assert ack.width() <= ack.sizeHint().width() + 2  # the message takes the room, not a button
