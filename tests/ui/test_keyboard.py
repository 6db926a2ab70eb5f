"""Operable without surprises: every mnemonic and shortcut is unique and does what it says;
Enter and Space never do anything irreversible by accident."""

from __future__ import annotations

import re

import pytest
from PySide6.QtCore import Qt, QTimer
from PySide6.QtWidgets import QAbstractButton, QApplication, QMessageBox

from ketamon.core.infusion import Phase
from ketamon.ui.dialogs import ConfirmDialog
from ketamon.ui.setup_dialog import SetupDialog
from tests.ui.helpers import click, fill_setup, type_into

MIN = 60.0


def mnemonic(text: str) -> str | None:
    match = re.search(r"&([^&])", text.replace("&&", ""))
    return match.group(1).lower() if match else None


def window_mnemonics(window) -> list[tuple[str, str]]:
    """(letter, label) for the menu bar titles and every button in the main window."""
    found = [(mnemonic(a.text()), a.text()) for a in window.menuBar().actions()]
    for button in window.findChildren(QAbstractButton):
        if button.window() is window:
            found.append((mnemonic(button.text()), button.text()))
    return [(letter, text) for letter, text in found if letter]


def in_baseline(qtbot, window):
    click(qtbot, window.dashboard.infusion.setup_button)
    dialog = window.actions.dialog
    fill_setup(qtbot, dialog)
    click(qtbot, dialog.confirm_button)
    window.model.clock.fast_forward(5 * MIN)  # two cuff readings: a measured baseline
    assert window.model.session.phase() is Phase.BASELINE


def infusing(qtbot, window):
    in_baseline(qtbot, window)
    click(qtbot, window.dashboard.infusion.start_button)
    for check in window.actions.dialog.checks:  # the pre-treatment checklist
        check.setChecked(True)
    click(qtbot, window.actions.dialog.confirm_button)
    assert window.model.session.phase() is Phase.INFUSING


def test_every_mnemonic_in_the_window_is_unique(qtbot, window):
    infusing(qtbot, window)  # every control exists in every phase; check with all shown
    letters = window_mnemonics(window)
    seen: dict[str, str] = {}
    for letter, text in letters:
        assert letter not in seen, f"Alt+{letter.upper()}: {seen.get(letter)!r} and {text!r}"
        seen[letter] = text
    for menu_action in window.menuBar().actions():
        inner = [mnemonic(a.text()) for a in menu_action.menu().actions() if a.text()]
        inner = [m for m in inner if m]
        assert len(inner) == len(set(inner)), menu_action.text()


def test_every_shortcut_is_unique(window):
    sequences = [
        (a.shortcut().toString(), a.text())
        for menu in window.menuBar().actions()
        for a in menu.menu().actions()
        if not a.shortcut().isEmpty()
    ]
    keys = [k for k, _ in sequences]
    assert len(keys) == len(set(keys)), sequences
    assert {"F2", "F3", "Ctrl+N", "Ctrl+Q"} <= set(keys)


# Each infusion control by its Alt key: the confirmation it opens says the same thing.
LABELS_AND_DIALOGS = [
    ("setup", "n", "New patient"),
    ("baseline", "b", "Enter baseline"),
    ("start", "s", "Start infusion"),
    ("pause", "p", "Pause infusion"),
    ("stop", "o", "Stop infusion"),
]


@pytest.mark.parametrize(("name", "letter", "title"), LABELS_AND_DIALOGS)
def test_each_alt_key_does_what_its_label_says(qtbot, window, name, letter, title):
    panel = window.dashboard.infusion
    if name in ("pause", "stop"):
        infusing(qtbot, window)
    elif name in ("baseline", "start"):
        in_baseline(qtbot, window)
    button = getattr(panel, f"{name}_button")
    assert mnemonic(button.text()) == letter
    with qtbot.waitSignal(button.clicked, timeout=1000):
        qtbot.keyClick(window, letter.upper(), Qt.KeyboardModifier.AltModifier)
    assert window.actions.dialog is not None
    assert window.actions.dialog.windowTitle() == title


def test_resume_and_discharge_keys(qtbot, window):
    panel = window.dashboard.infusion
    infusing(qtbot, window)
    click(qtbot, panel.pause_button)
    dialog = window.actions.dialog
    type_into(qtbot, dialog.reason.lineEdit(), "Nausea")
    click(qtbot, dialog.confirm_button)
    with qtbot.waitSignal(panel.resume_button.clicked, timeout=1000):
        qtbot.keyClick(window, "R", Qt.KeyboardModifier.AltModifier)
    assert window.actions.dialog.windowTitle() == "Resume infusion"
    assert mnemonic(panel.discharge_button.text()) == "d"


def test_f2_acknowledges_and_the_alarm_menu_says_so(qtbot, window):
    texts = {
        a.shortcut().toString(): a.text()
        for m in window.menuBar().actions()
        for a in m.menu().actions()
    }
    assert "Acknowledge" in texts["F2"] and "Pause audio" in texts["F3"]


def test_after_start_the_focus_is_on_pause_and_space_does_not_pause_the_audio(qtbot, window):
    infusing(qtbot, window)
    banner = window.dashboard.alarm_banner
    focused = window.focusWidget()
    assert focused is not banner.pause_button and focused is not banner.ack_button
    assert focused is window.dashboard.infusion.pause_button  # Space opens a confirmation
    qtbot.keyClick(focused, Qt.Key.Key_Space)
    assert window.model.snapshot().audio_pause_left_s is None
    assert isinstance(window.actions.dialog, ConfirmDialog)  # "Pause infusion?": cancel-able
    assert window.model.session.phase() is Phase.INFUSING


def test_enter_in_a_setup_field_does_not_confirm_the_prescription(qtbot, window):
    click(qtbot, window.dashboard.infusion.setup_button)
    dialog = window.actions.dialog
    assert isinstance(dialog, SetupDialog)
    fill_setup(qtbot, dialog)
    assert dialog.confirm_button.isEnabled()
    dialog.activateWindow()
    dialog.weight.setFocus()
    qtbot.waitUntil(lambda: dialog.focusWidget() is dialog.weight)
    qtbot.keyClick(dialog.weight, Qt.Key.Key_Return)
    assert dialog.isVisible() and dialog.result() == 0
    assert window.model.session.phase() is Phase.SETUP
    assert dialog.focusWidget() is dialog.height  # moved on, like Tab


def test_tab_reaches_the_dose_fields_before_confirm_and_cancel(qtbot, window):
    click(qtbot, window.dashboard.infusion.setup_button)
    dialog = window.actions.dialog
    fill_setup(qtbot, dialog)
    chain = dialog.tab_chain()
    dose, _duration = dialog.segment_fields[0]
    assert chain.index(dose) < chain.index(dialog.confirm_button) < len(chain) - 1
    before = chain[chain.index(dose) - 1]
    dialog.activateWindow()
    before.setFocus()
    qtbot.waitUntil(lambda: dialog.focusWidget() is before)
    qtbot.keyClick(before, Qt.Key.Key_Tab)
    assert dialog.focusWidget() is dose


def test_enter_in_a_confirmation_cancels(qtbot, window):
    infusing(qtbot, window)
    click(qtbot, window.dashboard.infusion.stop_button)
    dialog = window.actions.dialog
    type_into(qtbot, dialog.reason.lineEdit(), "Patient request")
    assert dialog.confirm_button.isEnabled()
    qtbot.keyClick(dialog.reason.lineEdit(), Qt.Key.Key_Return)
    assert window.model.session.phase() is Phase.INFUSING  # Enter did not stop it


def test_the_quit_question_defaults_to_no(qtbot, window):
    infusing(qtbot, window)
    window.force_close = False
    seen = {}

    def answer_with_enter():
        box = QApplication.activeModalWidget()
        assert isinstance(box, QMessageBox)
        seen["default"] = box.defaultButton() is box.button(QMessageBox.StandardButton.No)
        seen["text"] = box.text()
        qtbot.keyClick(box, Qt.Key.Key_Return)

    QTimer.singleShot(100, answer_with_enter)
    window.close()
    assert seen["default"]
    assert "is in infusing" not in seen["text"] and "infusion is running" in seen["text"]
    assert window.isVisible()  # Enter said No
    window.force_close = True


def test_training_menu_is_disabled_outside_a_scenario(window):
    assert window.instructor is None
    assert not any(a.isEnabled() for a in window.training_actions)
