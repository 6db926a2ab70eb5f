"""Measure the rendered height of the vital-sign digits in a window screenshot.

    python -m bench.digit_height SHOT.png [--dpi 100]   (from the repository root)

Finds each numeric's colour (HR green, SpO2 cyan, NIBP red, RR yellow) in the
right-hand numerics area and reports the digits' height in pixels and in mm at the
given DPI (a 15.6-inch 1366x768 laptop is about 100 dpi: 20 mm is 79 px).
"""

from __future__ import annotations

import argparse
import sys

from PySide6.QtGui import QGuiApplication, QImage

from ketamon.core.vitals import Vital
from ketamon.ui.theme import VITAL_COLOURS
from tests.ui.helpers import digit_height_px, rgb_of


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("png")
    parser.add_argument("--dpi", type=float, default=100.0)
    args = parser.parse_args()
    _app = QGuiApplication.instance() or QGuiApplication(sys.argv[:1])
    rgb = rgb_of(QImage(args.png))
    x_from = int(rgb.shape[1] * 0.6)  # the numerics column
    for vital in (Vital.HR, Vital.SPO2, Vital.SBP, Vital.RR):
        px = digit_height_px(rgb, VITAL_COLOURS[vital], x_from)
        mm = px * 25.4 / args.dpi
        sys.stdout.write(f"{vital.label:5s} {px:4d} px  {mm:5.1f} mm at {args.dpi:g} dpi\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
