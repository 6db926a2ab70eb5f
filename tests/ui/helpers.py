"""Driving dialogs the way a nurse does: type, tick, click."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QLineEdit


def type_into(qtbot, edit: QLineEdit, text: str) -> None:
    edit.clear()
    qtbot.keyClicks(edit, text)


def click(qtbot, button) -> None:
    assert button.isEnabled(), f"{button.text()} is disabled"
    qtbot.mouseClick(button, Qt.MouseButton.LeftButton)


def fill_setup(qtbot, dialog, weight="70", concentration="1", bag_volume_ml="100") -> None:
    type_into(qtbot, dialog.weight, weight)
    type_into(qtbot, dialog.concentration, concentration)
    type_into(qtbot, dialog.bag_volume, bag_volume_ml)


def rgb_of(image):
    """A QImage as an (height, width, 3) uint8 numpy array."""
    import numpy as np
    from PySide6.QtGui import QImage

    image = image.convertToFormat(QImage.Format.Format_RGB888)
    height, width = image.height(), image.width()
    data = np.frombuffer(bytes(image.constBits()), np.uint8)
    return data.reshape(height, image.bytesPerLine())[:, : width * 3].reshape(height, width, 3)


def digit_height_px(rgb, colour: str, x_from: int = 0) -> int:
    """Height of the tallest run of rows holding >= 6 pixels of `colour` ('#30ff60')
    right of `x_from`: the digits of a numeric, not its small title."""
    import numpy as np

    target = np.array([int(colour[i : i + 2], 16) for i in (1, 3, 5)])
    match = (np.abs(rgb[:, x_from:, :].astype(int) - target).sum(axis=2) < 40).sum(axis=1) >= 6
    best = run = 0
    for row in match:
        run = run + 1 if row else 0
        best = max(best, run)
    return best
