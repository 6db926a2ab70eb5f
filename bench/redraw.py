"""Cost of one trend redraw with 1 min and with 8 h of session data, and their ratio.

One redraw = one more second of simulated data arrives, TrendPlots.redraw() pushes
it to the curves, and Qt repaints what that invalidated (processEvents). Goal: ratio <= 1.5
(the cost must not grow with session length).

    QT_QPA_PLATFORM=offscreen python bench/redraw.py [--repeats N]
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import time

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

from PySide6.QtWidgets import QApplication  # noqa: E402

from ketamon.core.dosing import Patient, make_plan  # noqa: E402
from ketamon.io.run_config import RunConfig, make_session  # noqa: E402
from ketamon.resources_loading import load_clinical_resources  # noqa: E402
from ketamon.ui.clock import SessionClock  # noqa: E402
from ketamon.ui.session_model import SessionModel  # noqa: E402
from ketamon.ui.trends import TrendPlots  # noqa: E402


def build(session_s: float):
    resources = load_clinical_resources()
    protocol = next(p for p in resources.protocols if len(p.segments) == 2)
    protocol = protocol.with_segment(1, duration_min=360)  # 40 + 360 + 60 min: an 8 h session
    session = make_session(RunConfig(seed=1), resources)
    model = SessionModel(session, SessionClock(session))
    trends = TrendPlots(model)
    trends.redraw_timer.stop()  # the benchmark calls redraw itself
    trends.resize(900, 700)
    trends.show()
    session.configure(make_plan(protocol, Patient(70.0), 1.0), [], 0.0)
    model.clock.fast_forward(300.0)
    session.start(300.0)
    model.clock.fast_forward(session_s)
    return model, trends


def measure(app: QApplication, session_s: float, repeats: int) -> tuple[float, int]:
    model, trends = build(session_s)
    trends.redraw()
    app.processEvents()
    times = []
    t = session_s
    for _ in range(repeats):
        t += 1.0
        model.clock.fast_forward(t)
        start = time.perf_counter()
        trends.redraw()
        app.processEvents()  # Qt repaints what the redraw invalidated, as in the app
        times.append(time.perf_counter() - start)
    raw = sum(len(b) for b in trends.buffers.values())
    plotted = sum(len(b.view()[0]) for b in trends.buffers.values())
    trends.close()
    return statistics.median(times), raw, plotted


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=200)
    args = parser.parse_args()
    app = QApplication.instance() or QApplication([])
    rows = []
    for label, session_s in (("1 min", 300.0 + 60.0), ("8 h", 8 * 3600.0)):
        median_s, raw, plotted = measure(app, session_s, args.repeats)
        rows.append(median_s)
        sys.stdout.write(
            f"redraw with {label:>5} of data: {median_s * 1e3:6.2f} ms median of "
            f"{args.repeats} ({raw} samples stored, {plotted} points plotted)\n"
        )
    sys.stdout.write(f"ratio 8 h / 1 min: {rows[1] / rows[0]:.2f} (goal <= 1.5)\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
