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
