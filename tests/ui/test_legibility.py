"""Read from across the room: the window rendered at laptop and desktop sizes.

A 15.6-inch 1366x768 screen is about 100 dpi (3.94 px a mm): 20 mm digits are 79 px.
The digits are measured on the rendered window, by their pixels, not by font sizes.
"""

from __future__ import annotations

import pytest
from PySide6.QtWidgets import QAbstractButton, QLabel

from ketamon.core.baseline import Baseline
from ketamon.core.simulation import autostart_demo
from ketamon.core.vitals import NibpReading, Vital
from ketamon.ui.fit_label import FitLabel
from ketamon.ui.theme import VITAL_COLOURS, apply_theme, height_scale
from tests.ui.helpers import digit_height_px, rgb_of

PX_PER_MM_15_6_INCH_1366 = 1366 / (15.6 * 25.4 * 16 / (16**2 + 9**2) ** 0.5)  # ~3.94


def show_at(qtbot, qapp, window, width, height):
    apply_theme(qapp, scale=height_scale(height))
    window.resize(width, height)
    session = window.model.session
    autostart_demo(session, window.actions._protocols[0], 70.0)
    session.ingest(NibpReading(session.t_s, 188, 118, 141).samples())
    window.model.clock.fast_forward(session.t_s + 30)
    window.model.refresh()
    qtbot.wait(50)
    return rgb_of(window.grab().toImage())


def test_main_vitals_are_at_least_20_mm_on_a_15_inch_1366x768_laptop(qtbot, qapp, window):
    rgb = show_at(qtbot, qapp, window, 1366, 768)
    x_from = window.dashboard.numerics.mapTo(window, window.dashboard.numerics.rect().topLeft()).x()
    for vital in (Vital.HR, Vital.SPO2, Vital.SBP):
        height_px = digit_height_px(rgb, VITAL_COLOURS[vital], x_from)
        assert height_px / PX_PER_MM_15_6_INCH_1366 >= 20.0, (vital, height_px)


def test_more_room_means_larger_digits_at_1920x1080(qtbot, qapp, window):
    small = window.dashboard.numerics.tiles[Vital.HR].value
    show_at(qtbot, qapp, window, 1366, 768)
    at_1366 = small.pixel_size
    window.resize(1920, 1080)
    qtbot.wait(50)
    assert small.pixel_size > 1.3 * at_1366


def test_phase_and_time_left_are_next_in_size_then_rate_dose_and_next_nibp(qtbot, qapp, window):
    show_at(qtbot, qapp, window, 1366, 768)
    panel = window.dashboard.infusion
    hr = window.dashboard.numerics.tiles[Vital.HR].value.pixel_size
    remaining = panel.remaining.pixel_size
    assert hr > remaining > panel.rate.pixel_size
    # Read at 2 m: capitals >= 4.8 mm (8 arc minutes, 1.6x the 20/20 letter) even with an
    # alarm and the workflow prompt above the panel: font >= 26 px (3.94 px/mm, cap 0.73 em).
    for label in (panel.rate, panel.dose, panel.nibp_due):
        assert label.pixel_size >= 26, label.text()


def clipped_texts(window) -> list[tuple]:
    """Visible labels and buttons whose text does not fit (fitted labels shrink instead)."""
    clipped = []
    for widget in window.findChildren(QLabel) + window.findChildren(QAbstractButton):
        if not widget.isVisible() or isinstance(widget, FitLabel) or not widget.text():
            continue
        if isinstance(widget, QLabel) and widget.wordWrap():
            continue
        if widget.objectName() in ("alarmText", "alarmDetail", "alarmChip"):
            continue  # cut on purpose: the full text is in the tooltip and the list
        metrics = widget.fontMetrics()
        lines = widget.text().split("\n")
        needed_w = max(metrics.horizontalAdvance(t.replace("&", "")) for t in lines)
        needed_h = len(lines) * metrics.height()
        room = widget.contentsRect()
        if needed_w > room.width() + 2 or needed_h > room.height() + 2:
            clipped.append((widget.text(), needed_w, needed_h, room.width(), room.height()))
    return clipped


@pytest.mark.parametrize("size", [(1280, 720), (1366, 768), (1920, 1080)])
def test_nothing_is_clipped(qtbot, qapp, window, size):
    """Every visible label and button shows its whole text (fitted labels shrink instead)."""
    show_at(qtbot, qapp, window, *size)
    assert not clipped_texts(window)


def loading(window) -> None:
    """Ten minutes into the loading dose, no alarm."""
    session = window.model.session
    autostart_demo(session, window.actions._protocols[0], 70.0)
    window.model.clock.fast_forward(session.t_s + 10 * 60)


def four_high_alarms(window) -> None:
    """HR, SpO2, RR and BP all out of range: four high alarms, the repeat-BP prompt."""
    session = window.model.session
    autostart_demo(session, window.actions._protocols[0], 70.0)
    session.enter_baseline(session.t_s, Baseline(130, 80, 70, 98, "entered"))
    session.source.overrides.fixed.update({Vital.HR: 150.0, Vital.SPO2: 80.0, Vital.RR: 5.0})
    window.model.clock.fast_forward(session.t_s + 60)
    session.ingest(NibpReading(session.t_s, 201, 117, 145).samples())
    window.model.clock.fast_forward(session.t_s + 30)


def pump_change_pending(window) -> None:
    """Observation, the loading over and the pump not confirmed: prompt and alarm."""
    session = window.model.session
    autostart_demo(session, window.actions._protocols[0], 70.0)
    session.annotate(session.t_s + 60, "Nausea/vomiting")
    session.annotate(session.t_s + 120, "Headache")
    end_s = session.infusion.started_s() + 40 * 60
    window.model.clock.fast_forward(end_s + 120)


STATES = {"loading": loading, "four alarms": four_high_alarms, "pump": pump_change_pending}


def show_state(qtbot, qapp, window, size, state) -> None:
    """The window at `size` (as `--geometry WxH` sets it) in one of STATES."""
    width, height = size
    apply_theme(qapp, scale=height_scale(height))
    qapp.processEvents()  # the smaller theme's sizes reach the layouts first, as at start
    window.resize(width, height)
    STATES[state](window)
    window.model.refresh()
    qtbot.wait(50)


@pytest.mark.parametrize("state", ["loading", "four alarms"])
def test_every_state_fits_a_1280x720_screen_whole(qtbot, qapp, window, state):
    """The window never needs more height than the screen has, so it never grows past
    its bottom edge, and nothing in it is cut (the pump prompt: the test below)."""
    show_state(qtbot, qapp, window, (1280, 720), state)
    if state == "four alarms":
        assert len(window.model.snapshot().alarms) >= 4
        assert window.dashboard.workflow.notice.isVisible()  # repeat BP
    assert window.minimumSizeHint().height() <= 720
    assert (window.width(), window.height()) == (1280, 720)
    assert not clipped_texts(window)


@pytest.mark.parametrize("size", [(1280, 720), (1366, 768)])
def test_a_pending_pump_change_still_fits_the_screen(qtbot, qapp, window, size):
    """Observation with the pump prompt and its alarm: the window keeps the screen's size,
    nothing is cut and the rate, dose and next-BP lines do not run into each other."""
    show_state(qtbot, qapp, window, size, "pump")
    assert window.dashboard.workflow.confirm_button.isVisible()
    assert window.minimumSizeHint().height() <= size[1]
    assert (window.width(), window.height()) == size
    assert not clipped_texts(window)
    title = window.dashboard.alarm_banner.text  # the detail beside it gives way first
    assert title.fontMetrics().horizontalAdvance(title.text()) <= title.contentsRect().width()
    panel = window.dashboard.infusion
    boxes = [label.geometry() for label in (panel.rate, panel.dose, panel.nibp_due)]
    for upper, lower in zip(boxes, boxes[1:], strict=False):
        assert upper.bottom() < lower.top() + 2


def test_the_alarm_list_shows_three_rows_at_1366x768(qtbot, qapp, window):
    """In observation with an alarm (the pump prompt above the panel too), three lines
    of the alarm list are on screen whole, without scrolling."""
    show_state(qtbot, qapp, window, (1366, 768), "pump")
    log = window.dashboard.alarm_log
    assert log.rowCount() >= 3
    assert log.visible_rows() >= 3
    bottom = log.mapTo(window, log.viewport().geometry().bottomLeft()).y()
    assert bottom < window.statusBar().y()  # the list itself is inside the window
    # And on the rendered list: each of those rows has its time of day drawn in it.
    rgb = rgb_of(log.grab().toImage()).astype(int)
    time_w = log.columnWidth(0)
    for row in range(3):
        top = log.viewport().y() + log.rowViewportPosition(row)
        band = rgb[top + 1 : top + log.rowHeight(row) - 1, 2:time_w]
        assert band.shape[0] == log.rowHeight(row) - 2  # whole, not cut by the list's edge
        background = band[0, 0]
        assert (abs(band - background).sum(axis=2) > 150).sum() > 20  # text pixels
