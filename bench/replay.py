"""Opening and drawing an 8-hour recording in replay, and seeking in it.

    QT_QPA_PLATFORM=offscreen python bench/replay.py

Goals: open and draw under 1 s; a seek under 100 ms. The 8-hour session is
recorded first (simulated: loading, 6 h maintenance, observation).
"""

from __future__ import annotations

import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

import numpy as np  # noqa: E402
from PySide6.QtWidgets import QApplication  # noqa: E402

from ketamon.core.dosing import Patient, check_limits, make_plan  # noqa: E402
from ketamon.io.recording import Recording  # noqa: E402
from ketamon.io.replay import ReplayData  # noqa: E402
from ketamon.io.run_config import RunConfig, make_session, recording_meta  # noqa: E402
from ketamon.io.session_recorder import SessionRecorder  # noqa: E402
from ketamon.resources_loading import load_clinical_resources  # noqa: E402
from ketamon.ui.main_window import MainWindow  # noqa: E402
from ketamon.ui.replay_model import ReplayModel  # noqa: E402
from ketamon.ui.theme import apply_theme  # noqa: E402


def record_eight_hours(directory: Path, resources) -> Path:
    config = RunConfig(seed=1, data_dir=directory)
    session = make_session(config, resources)
    recorder = SessionRecorder(session, directory, recording_meta(config, resources))
    protocol = next(p for p in resources.protocols if len(p.segments) == 2)
    plan = make_plan(protocol.with_segment(1, duration_min=360), Patient(70.0), 1.0)
    # 6 h maintenance totals 1.7 mg/kg: a soft limit, acknowledged here as a nurse would.
    session.configure(plan, check_limits(plan, resources.library), 0.0)
    session.advance_to(300.0)
    session.start(300.0)
    while session.t_s < 8 * 3600:
        session.advance_to(session.t_s + 600)
        recorder.flush()
    recorder.close("closed")
    return next(directory.glob("*.ketamon"))


def main() -> int:
    app = QApplication.instance() or QApplication([])
    apply_theme(app, scale=1.0)
    resources = load_clinical_resources()
    with tempfile.TemporaryDirectory() as tmp:
        path = record_eight_hours(Path(tmp), resources)
        size_mb = path.stat().st_size / 1e6
        start = time.perf_counter()
        model = ReplayModel(ReplayData(Recording(path), resources))
        window = MainWindow(lambda: model, resources.protocols, resources.library, "replay")
        window.resize(1600, 900)
        window.show()
        model.seek(model.clock.end_s)  # the whole 8 h drawn
        window.dashboard.trends.redraw()
        app.processEvents()
        open_s = time.perf_counter() - start
        points = sum(len(b) for b in window.dashboard.trends.buffers.values())
        rng = np.random.default_rng(0)
        seeks = []
        for t in rng.uniform(model.clock.start_s, model.clock.end_s, 30):
            start = time.perf_counter()
            model.seek(float(t))
            window.dashboard.trends.redraw()
            app.processEvents()
            seeks.append(time.perf_counter() - start)
        window.force_close = True
        window.close()
    sys.stdout.write(
        f"8-hour recording ({size_mb:.1f} MB, {points} samples): open and draw "
        f"{open_s * 1000:.0f} ms (goal < 1000 ms)\n"
        f"seek: median {statistics.median(seeks) * 1000:.1f} ms, max {max(seeks) * 1000:.1f} ms "
        f"over {len(seeks)} seeks (goal < 100 ms)\n"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
