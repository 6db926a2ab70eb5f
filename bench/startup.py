"""Start to first frame of `ketamon` against a bare PySide6 + pyqtgraph window.

    QT_QPA_PLATFORM=offscreen python bench/startup.py [--runs N] [--json]

Each start is a fresh process that shows its window and quits from the event loop's
first turn (after the first frame): ketamon with `--quit-after 0.001`, the bare window
from the script below. startup_ratio: CPU seconds (user + system, to the process's end) of
ketamon over the bare window's, the median of the ratios of each pair; startup_ratio_wall:
the same in wall time. Goal <= 1.3 for both. The two are started alternately, so a busy
machine weighs on both alike.

Both start from compiled bytecode, as an installed program does: the children get a
private bytecode cache (PYTHONPYCACHEPREFIX, a temporary folder written by the warm-up
runs) even when the caller's environment says PYTHONDONTWRITEBYTECODE. Without
it, ketamon (an editable install, no .pyc beside its sources) compiled each of its modules
from source on every start while PySide6, numpy and pyqtgraph loaded the .pyc files pip
wrote, and about 0.1 s of ketamon's figure was the compiler.
"""

from __future__ import annotations

import argparse
import os
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from common import emit, figure  # noqa: E402

BARE = """
import pyqtgraph as pg
from PySide6.QtCore import QTimer
from PySide6.QtWidgets import QApplication, QMainWindow
app = QApplication([])
window = QMainWindow()
window.setCentralWidget(pg.PlotWidget())
window.resize(1600, 900)
window.show()
QTimer.singleShot(1, app.quit)
app.exec()
"""


def timed(cmd: list[str], env: dict) -> tuple[float, float]:
    """(wall s, CPU s) of one child process run to its end."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    start = time.perf_counter()
    subprocess.run(cmd, env=env, check=True, capture_output=True)
    wall = time.perf_counter() - start
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    return wall, cpu


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=7)
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args()
    env = dict(os.environ, QT_QPA_PLATFORM=os.environ.get("QT_QPA_PLATFORM", "offscreen"))
    cpu_ratios, wall_ratios = [], []
    with tempfile.TemporaryDirectory() as tmp, tempfile.TemporaryDirectory() as bytecode:
        env["KETAMON_DATA_DIR"] = tmp
        env.pop("PYTHONDONTWRITEBYTECODE", None)
        env["PYTHONPYCACHEPREFIX"] = bytecode
        app = [sys.executable, "-m", "ketamon", "--data-dir", tmp, "--quit-after", "0.001"]
        bare = [sys.executable, "-c", BARE]
        timed(app, env)  # warm the file cache and write the bytecode for both
        timed(bare, env)
        for _ in range(args.runs):
            app_wall, app_cpu = timed(app, env)
            bare_wall, bare_cpu = timed(bare, env)
            cpu_ratios.append(app_cpu / bare_cpu)
            wall_ratios.append(app_wall / bare_wall)
    emit(
        {
            "startup_ratio": figure(cpu_ratios, 1.3, "x"),
            "startup_ratio_wall": figure(wall_ratios, 1.3, "x"),
        }
    )
    if not args.json:
        sys.stdout.write(f"(CPU ratios {statistics.median(cpu_ratios):.2f} median)\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
