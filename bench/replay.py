"""Opening and drawing an 8-hour recording in replay, and seeking in it.

    QT_QPA_PLATFORM=offscreen python bench/replay.py [--runs N] [--json]

replay_open_s: read the recording, rebuild its commands, build the main window and draw
all 8 h (goal 0.3 s). replay_seek_ms: a seek to a random time and its redraw (goal
30 ms; the median of 30 seeks a run). The 8-hour session is recorded first (simulated:
loading, 6 h maintenance, observation). CPU seconds of this process.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
sys.path.insert(0, str(Path(__file__).resolve().parent))

import numpy as np  # noqa: E402
from common import emit, figure, record_eight_hours  # noqa: E402
from PySide6.QtWidgets import QApplication  # noqa: E402

from ketamon.io.recording import Recording  # noqa: E402
from ketamon.io.replay import ReplayData  # noqa: E402
from ketamon.resources_loading import load_clinical_resources  # noqa: E402
from ketamon.ui.main_window import MainWindow  # noqa: E402
from ketamon.ui.replay_model import ReplayModel  # noqa: E402
from ketamon.ui.theme import apply_theme  # noqa: E402


def one_run(app: QApplication, resources, path: Path, seed: int) -> tuple[float, list[float]]:
    start = time.process_time()
    model = ReplayModel(ReplayData(Recording(path), resources))
    window = MainWindow(lambda: model, resources.protocols, resources.library, "replay")
    window.resize(1600, 900)
    window.show()
    model.seek(model.clock.end_s)  # the whole 8 h drawn
    window.dashboard.trends.redraw()
    app.processEvents()
    open_s = time.process_time() - start
    rng = np.random.default_rng(seed)
    seeks = []
    for t in rng.uniform(model.clock.start_s, model.clock.end_s, 30):
        start = time.process_time()
        model.seek(float(t))
        window.dashboard.trends.redraw()
        app.processEvents()
        seeks.append((time.process_time() - start) * 1000)
    window.force_close = True
    window.close()
    return open_s, seeks


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args()
    app = QApplication.instance() or QApplication([])
    apply_theme(app, scale=1.0)
    resources = load_clinical_resources()
    opens, seeks, worst = [], [], []
    with tempfile.TemporaryDirectory() as tmp:
        path = record_eight_hours(resources, Path(tmp))
        one_run(app, resources, path, 0)  # warm-up: first imports and font caches
        for i in range(args.runs):
            open_s, seek_ms = one_run(app, resources, path, i + 1)
            opens.append(open_s)
            seeks.append(statistics.median(seek_ms))
            worst.append(max(seek_ms))
    emit(
        {
            "replay_open_s": figure(opens, 0.3, "s"),
            "replay_seek_ms": figure(seeks, 30.0, "ms"),
        }
    )
    if not args.json:
        sys.stdout.write(f"worst single seek: {max(worst):.1f} ms\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
