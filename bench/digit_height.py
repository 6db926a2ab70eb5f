"""Measure the rendered height of the vital-sign digits in a window screenshot.

    python bench/digit_height.py SHOT.png [--dpi 100]

Finds the pixels of each numeric's colour (HR green, SpO2 cyan, NIBP red, RR yellow)
in the right-hand numerics area and reports the height of the largest connected run
of rows (the digits, not the small title) in pixels and in mm at the given DPI
(a 15.6-inch 1366x768 laptop is about 100 dpi).
"""

from __future__ import annotations

import argparse
import sys

import numpy as np
from PySide6.QtGui import QGuiApplication, QImage

COLOURS = {
    "HR": (0x30, 0xFF, 0x60),
    "SpO2": (0x40, 0xD8, 0xFF),
    "NIBP": (0xFF, 0x60, 0x60),
    "RR": (0xFF, 0xE0, 0x40),
}


def pixels(path: str) -> np.ndarray:
    image = QImage(path).convertToFormat(QImage.Format.Format_RGB888)
    height, width = image.height(), image.width()
    data = np.frombuffer(bytes(image.constBits()), np.uint8)
    return data.reshape(height, image.bytesPerLine())[:, : width * 3].reshape(height, width, 3)


def digit_height_px(rgb: np.ndarray, colour: tuple[int, int, int], x_from: int) -> int:
    """Tallest vertical run of rows holding >= 6 pixels of `colour` (right of x_from)."""
    area = rgb[:, x_from:, :].astype(int)
    match = (np.abs(area - np.array(colour)).sum(axis=2) < 40).sum(axis=1) >= 6
    best = run = 0
    for row in match:
        run = run + 1 if row else 0
        best = max(best, run)
    return best


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("png")
    parser.add_argument("--dpi", type=float, default=100.0)
    args = parser.parse_args()
    _app = QGuiApplication.instance() or QGuiApplication(sys.argv[:1])
    rgb = pixels(args.png)
    x_from = int(rgb.shape[1] * 0.6)  # the numerics column
    for name, colour in COLOURS.items():
        px = digit_height_px(rgb, colour, x_from)
        print(f"{name:5s} {px:4d} px  {px * 25.4 / args.dpi:5.1f} mm at {args.dpi:g} dpi")
    return 0


if __name__ == "__main__":
    sys.exit(main())
