"""Cost of one trend redraw inside the main window, with 1 min and with 8 h of data.

    QT_QPA_PLATFORM=offscreen python bench/redraw.py [--runs N] [--redraws N] [--json]

One redraw = one more second of simulated data arrives (HR, SpO2 and RR at their real
rate of one a second, NIBP on the protocol's program), the trends push it to their
curves and Qt repaints what that invalidated (processEvents), as the redraw timer does
in the app. redraw_ratio_8h_1min: median redraw time with 8 h of data over the median
with 1 min (goal <= 1.2: the cost must not grow with session length). The two windows
are measured alternately, `--redraws` redraws each, in this thread's CPU time.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import time
from pathlib import Path

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
sys.path.insert(0, str(Path(__file__).resolve().parent))

from common import EIGHT_HOURS_MAINTENANCE_MIN, emit, figure  # noqa: E402
from PySide6.QtWidgets import QApplication  # noqa: E402

from ketamon.core.dosing import Patient, check_limits, make_plan  # noqa: E402
from ketamon.io.run_config import RunConfig, make_session  # noqa: E402
from ketamon.resources_loading import load_clinical_resources  # noqa: E402
from ketamon.ui.clock import SessionClock  # noqa: E402
from ketamon.ui.main_window import MainWindow  # noqa: E402
from ketamon.ui.session_model import SessionModel  # noqa: E402
from ketamon.ui.theme import apply_theme  # noqa: E402


def build(app: QApplication, resources, session_s: float):
    """The main window on an 8-hour plan whose session has run `session_s` seconds."""
    protocol = next(p for p in resources.protocols if len(p.segments) == 2)
    protocol = protocol.with_segment(1, duration_min=EIGHT_HOURS_MAINTENANCE_MIN)
    session = make_session(RunConfig(seed=1), resources)
    model = SessionModel(session, SessionClock(session, speed=1.0))
    window = MainWindow(lambda: model, resources.protocols, resources.library, "bench")
    window.force_close = True
    window.resize(1600, 900)
    window.show()
    trends = window.dashboard.trends
    trends.redraw_timer.stop()  # the bench calls redraw itself
    plan = make_plan(protocol, Patient(70.0), 1.0)
    session.configure(plan, check_limits(plan, resources.library), 0.0)
    model.clock.fast_forward(300.0)
    session.start(300.0)
    model.clock.fast_forward(session_s)
    trends.redraw()
    app.processEvents()
    return window, model, trends


def redraw_times(app: QApplication, model, trends, redraws: int) -> list[float]:
    times = []
    t = model.session.t_s
    for _ in range(redraws):
        t += 1.0
        model.clock.fast_forward(t)
        start = time.thread_time()
        trends.redraw()
        app.processEvents()  # Qt repaints what the redraw invalidated, as in the app
        times.append(time.thread_time() - start)
    return times


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--redraws", type=int, default=150)
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args()
    app = QApplication.instance() or QApplication([])
    apply_theme(app, scale=1.0)
    resources = load_clinical_resources()
    built = {
        label: build(app, resources, session_s)
        for label, session_s in (("1 min", 300.0 + 60.0), ("8 h", 8 * 3600.0))
    }
    for _window, model, trends in built.values():
        redraw_times(app, model, trends, 20)  # warm-up
    ratios, medians = [], {label: [] for label in built}
    for _ in range(args.runs):
        run = {}
        for label, (_window, model, trends) in built.items():
            run[label] = statistics.median(redraw_times(app, model, trends, args.redraws))
            medians[label].append(run[label] * 1e3)
        ratios.append(run["8 h"] / run["1 min"])
    for window, model, _trends in built.values():
        window.close()
        model.close()
    emit({"redraw_ratio_8h_1min": figure(ratios, 1.2, "x")})
    if not args.json:
        for label, values in medians.items():
            sys.stdout.write(f"  redraw with {label} of data: {statistics.median(values):.2f} ms\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
