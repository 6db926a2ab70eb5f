"""Trends a nurse reads at a glance: NIBP bars, labelled limits, SpO2 on the plot."""

from __future__ import annotations

import pytest

from ketamon.core.vitals import NibpReading, Sample, Vital
from ketamon.ui.theme import VITAL_COLOURS
from tests.ui.test_alarm_ui import start_infusion
from tests.ui.test_legibility import show_state


def test_nibp_is_drawn_as_bars_from_diastolic_to_systolic_with_map(window):
    session = start_infusion(window)
    trends = window.dashboard.trends
    for i, (sbp, dbp) in enumerate(((150, 90), (170, 100))):
        session.ingest(NibpReading(session.t_s + i * 60, sbp, dbp, (sbp + 2 * dbp) / 3).samples())
    trends.redraw()
    x, y = trends.nibp_bars.getData()
    pairs = {(float(y[i]), float(y[i + 1])) for i in range(0, len(y), 2)}
    assert {(150.0, 90.0), (170.0, 100.0)} <= pairs
    assert all(x[i] == x[i + 1] for i in range(0, len(x), 2))  # vertical bars
    assert trends.curves[Vital.SBP].opts["pen"] is None  # markers, no line across readings
    assert trends.curves[Vital.MAP].getData()[1] is not None
    assert VITAL_COLOURS[Vital.SBP] != VITAL_COLOURS[Vital.DBP]


def test_every_limit_line_is_labelled_and_each_limit_drawn_once(window):
    trends = window.dashboard.trends
    labels = [line.label.format for line, _c in trends.limit_lines]
    assert all(labels)
    assert "SBP ≥180 ***" in labels
    keys = [(c.vital, c.op, c.limit) for _line, c in trends.limit_lines]
    assert len(keys) == len(set(keys))


def test_the_spo2_axis_follows_a_desaturation(window):
    session = start_infusion(window)
    trends = window.dashboard.trends
    assert trends.spo2_range[0] >= 79
    session.ingest([Sample(session.t_s + 1, Vital.SPO2, 72.0)])
    window.model.refresh()
    trends.redraw()
    assert trends.spo2_range[0] <= 70  # 72 % is on the plot, with room below


def test_close_notes_are_labelled_at_different_heights(window):
    session = start_infusion(window)
    trends = window.dashboard.trends
    for i, text in enumerate(("Nausea", "Headache", "Anxiety")):
        session.annotate(session.t_s + 30 * i, text)
    bp_items = trends.plots["bp"].items
    positions = [line.label.orthoPos for line in trends.marks.annotation_lines if line in bp_items]
    assert len(set(positions)) == 3


def visible_limit_labels(trends) -> dict[str, list]:
    """Per plot, the scene rectangles of the limit labels a nurse can see."""
    shown: dict[str, list] = {}
    for key, plot in trends.plots.items():
        for line, _c in trends.limit_lines:
            if line in plot.items and line.isVisible() and line.label.isVisible():
                shown.setdefault(key, []).append(line.label.sceneBoundingRect())
    return shown


@pytest.mark.parametrize("size", [(1280, 720), (1920, 1080)])
def test_limit_labels_never_overlap_and_high_limits_keep_theirs(qtbot, qapp, window, size):
    show_state(qtbot, qapp, window, size, "four alarms")
    trends = window.dashboard.trends
    qtbot.waitUntil(lambda: not trends.limits.label_timer.isActive())
    shown = visible_limit_labels(trends)
    assert shown["bp"] and shown["hr"]
    for key, rects in shown.items():
        for i, a in enumerate(rects):
            assert not any(a.intersects(b) for b in rects[i + 1 :]), key
    high = [
        line
        for line, c in trends.limit_lines
        if line.isVisible() and line.label.format.endswith("***")
    ]
    assert high and all(line.label.isVisible() for line in high)
    if size == (1920, 1080):  # room for every label
        visible = [line for line, _c in trends.limit_lines if line.isVisible()]
        assert all(line.label.isVisible() for line in visible)
