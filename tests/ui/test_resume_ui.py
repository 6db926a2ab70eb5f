"""After a crash: the resumed window shows what happened before, and the gap, honestly."""

import json

import pytest

from ketamon.core.vitals import Vital
from ketamon.io.recording import Recording
from ketamon.io.run_config import RunConfig
from ketamon.review import review_recording
from ketamon.ui.app import resume
from ketamon.ui.main_window import MainWindow
from ketamon.ui.sources import Sources
from tests.io.crash import copy_recording_dir

DOWN_S = 15 * 60.0  # long enough for 'no data' and 'NIBP overdue', had anyone judged it


@pytest.fixture
def resumed_window(qtbot, resources, tmp_path, crashed_template):
    directory, killed_wall = crashed_template
    path = copy_recording_dir(directory, tmp_path)
    last_t = Recording(path).duration_s()
    sources = Sources(resources, RunConfig(seed=4, data_dir=tmp_path))
    model = resume(sources, path, wall_now_s=killed_wall + DOWN_S)
    assert model is not None
    win = MainWindow(
        sources.new_model,
        resources.protocols,
        resources.library,
        sources.label(),
        sources,
        first_model=model,
    )
    win.force_close = True
    qtbot.addWidget(win)
    yield win, path, last_t
    win.model.close(resumable=False)


def test_resumed_trends_hold_the_history_from_before_the_crash(resumed_window):
    win, _path, last_t = resumed_window
    trends = win.dashboard.trends
    x_min, values = trends.buffers[Vital.HR].view()
    before = x_min[(x_min * 60 <= last_t) & ~(values != values)]
    # The plotted (binned) line spans the 5-min baseline up to the crash.
    assert len(before) >= 20
    assert before.min() <= 0.5 and before.max() >= (last_t - 30) / 60
    # The phase band and the axis origin came back with the events.
    assert trends._bands and trends._bands[0][1] == pytest.approx(300.0 / 60)
    assert trends.marks.downtime_items
    assert trends.marks.downtime_text.startswith("app not running ")
    rows = win.dashboard.alarm_log.rows()
    assert any("check the pump" in row[1] for row in rows)
    resumed = [e for e in win.model.session.events if e.kind == "session.resumed"]
    (event,) = resumed
    down_s = event.data["down_to_s"] - event.data["down_from_s"]
    assert down_s >= DOWN_S - 5
    assert event.message == f"resumed after {down_s:.0f} s: check the pump"


def test_no_alarm_for_the_downtime_live_or_in_review(resumed_window, resources):
    win, path, last_t = resumed_window
    session = win.model.session
    down_to = next(e for e in session.events if e.kind == "session.resumed").data["down_to_s"]
    during = [e for e in session.events if e.kind == "alarm.start" and last_t < e.t_s <= down_to]
    assert during == []
    win.model.clock.fast_forward(session.t_s + 3)
    win.model.close(resumable=False)
    summary = review_recording(path, resources)
    technical = [a for a in summary["alarms"] if a["kind"] == "technical"]
    assert technical == [], json.dumps(technical)
    assert summary["recorded_status"] == "closed"
