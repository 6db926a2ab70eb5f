"""Soak: many pyqtgraph setData calls in one process (run by test_soak.py as a subprocess).

PySide6 6.12.0 on Python 3.11 aborts with "Fatal Python error: deallocating None"
after a few thousand void calls such as QGraphicsItem.update(), which setData
makes. The process must survive UPDATES updates of our own trend widget's curves
and exit 0.
"""

from __future__ import annotations

import os
import sys

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

import numpy as np  # noqa: E402
import pyqtgraph as pg  # noqa: E402
from PySide6.QtWidgets import QApplication  # noqa: E402


def main(updates: int) -> int:
    app = QApplication.instance() or QApplication([])
    widget = pg.PlotWidget()
    curve = widget.plot(pen=pg.mkPen("#30ff60", width=1), connect="finite")
    curve.setDownsampling(auto=True, method="peak")
    curve.setClipToView(True)
    widget.resize(800, 300)
    widget.show()
    x = np.arange(600, dtype=float)
    rng = np.random.default_rng(0)
    y = 70 + rng.normal(0, 2, 600)
    for i in range(updates):
        y[i % 600] = 70 + (i % 17)
        curve.setData(x, y, connect="finite")
        if i % 50 == 0:
            app.processEvents()
    app.processEvents()
    sys.stdout.write(f"soak ok: {updates} updates\n")
    return 0


if __name__ == "__main__":
    sys.exit(main(int(sys.argv[1]) if len(sys.argv) > 1 else 20000))
