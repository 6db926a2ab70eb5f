"""Start to first frame of `ketamon` against a bare PySide6 + pyqtgraph window.

    QT_QPA_PLATFORM=offscreen python bench/startup.py [--runs N] [--json]

Each start is a fresh process. The first frame is on screen once Qt has handled the
window's first expose (the widgets are painted while it is handled); both sides then
print 'first frame: N.NNN s of CPU' (their CPU time so far, every thread, from
time.process_time): ketamon through its log (ketamon/ui/first_frame.py), the bare window
from the script below, which watches its window the same way. startup_ratio: that CPU
time of ketamon over the bare window's, the median of the ratios of each pair;
startup_ratio_wall: the same for the wall time from starting the process to reading
that line. Goal <= 1.3 for both. The two are started alternately, so a busy machine
weighs on both alike.

Until 2026-12-01 both processes quit from the event loop's first turn and their CPU was
counted to the end of the process: the 1 ms quit timer fired before Qt had exposed, so
painted, either window, and the figure held both sides' teardown instead (ketamon's,
Python and Qt freeing its widgets and modules, about 35 ms more than the bare window's).

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
import re
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from common import emit, figure  # noqa: E402

BARE = """
import sys, time
import pyqtgraph as pg
from PySide6.QtCore import QEvent, QObject, QTimer
from PySide6.QtWidgets import QApplication, QMainWindow

class FirstFrame(QObject):  # as ketamon/ui/first_frame.py
    def eventFilter(self, watched, event):
        if event.type() == QEvent.Type.Expose and watched.isExposed():
            watched.removeEventFilter(self)
            QTimer.singleShot(0, self.painted)
        return False

    def painted(self):
        sys.stderr.write(f"first frame: {time.process_time():.3f} s of CPU\\n")
        sys.stderr.flush()
        QTimer.singleShot(1, app.quit)

app = QApplication([])
window = QMainWindow()
window.setCentralWidget(pg.PlotWidget())
window.resize(1600, 900)
window.show()
first_frame = FirstFrame()
window.windowHandle().installEventFilter(first_frame)
app.exec()
"""


MARKER = re.compile(r"first frame: ([0-9.]+) s of CPU")


def timed(cmd: list[str], env: dict) -> tuple[float, float]:
    """(wall s, CPU s) of one start to its first frame, as the child reports it."""
    start = time.perf_counter()
    child = subprocess.Popen(
        cmd, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True
    )
    found = None
    for line in child.stderr:
        found = MARKER.search(line)
        if found:
            break
    wall = time.perf_counter() - start
    rest = child.communicate()[1]
    if found is None or child.returncode != 0:
        raise RuntimeError(f"{cmd[:3]}: no first frame (exit {child.returncode}): {rest[-500:]}")
    return wall, float(found.group(1))


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
        # Long enough for the first frame on a busy machine; the time after it is not counted.
        app = [sys.executable, "-m", "ketamon", "--data-dir", tmp, "--quit-after", "1"]
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
