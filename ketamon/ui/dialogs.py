"""Small dialogs for nurse actions: confirm (with reason or checklist) and baseline entry."""

from __future__ import annotations

from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QGridLayout,
    QLabel,
    QLineEdit,
    QVBoxLayout,
    QWidget,
)

from ketamon.core.baseline import Baseline
from ketamon.core.dosing import InputError, parse_positive


def ok_cancel(dialog: QDialog, on_ok) -> QDialogButtonBox:
    """The OK / Cancel row every small dialog ends with; OK calls `on_ok`."""
    buttons = QDialogButtonBox(
        QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel
    )
    buttons.accepted.connect(on_ok)
    buttons.rejected.connect(dialog.reject)
    return buttons


class ConfirmDialog(QDialog):
    """Asks the nurse to confirm an action; optionally a reason (required) or a checklist.

    Opened with `open()` (never blocking the session clock); `accepted` carries on.
    """

    def __init__(
        self,
        title: str,
        message: str,
        confirm_text: str,
        reasons: list[str] | None = None,
        checklist: list[str] | None = None,
        parent: QWidget | None = None,
        pump: list[tuple[str, str]] | None = None,
    ):
        """`pump`: (caption, value) pairs shown large, as a pump's confirmation screen
        shows them (rate, VTBI, duration)."""
        super().__init__(parent)
        self.setWindowTitle(title)
        self.setObjectName("confirmDialog")
        self.message = QLabel(message)
        self.message.setWordWrap(True)
        layout = QVBoxLayout(self)
        layout.addWidget(self.message)
        self.pump_values: dict[str, QLabel] = {}
        if pump:
            grid = QGridLayout()
            for row, (caption, value) in enumerate(pump):
                grid.addWidget(QLabel(caption, objectName="pumpCaption"), row, 0)
                label = QLabel(value, objectName="pumpValue")
                grid.addWidget(label, row, 1)
                self.pump_values[caption] = label
            layout.addLayout(grid)
        self.reason: QComboBox | None = None
        if reasons is not None:
            self.reason = QComboBox()
            self.reason.setEditable(True)
            self.reason.addItems([""] + reasons)
            self.reason.setCurrentIndex(0)
            self.reason.lineEdit().setPlaceholderText("Reason (required)")
            self.reason.currentTextChanged.connect(self._on_input_changed)
            layout.addWidget(QLabel("Reason:"))
            layout.addWidget(self.reason)
        self.checks = [QCheckBox(item) for item in checklist or []]
        for check in self.checks:
            check.toggled.connect(self._on_input_changed)
            layout.addWidget(check)
        self.buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Cancel)
        self.confirm_button = self.buttons.addButton(
            confirm_text, QDialogButtonBox.ButtonRole.AcceptRole
        )
        self.buttons.accepted.connect(self.accept)
        self.buttons.rejected.connect(self.reject)
        # Enter answers Cancel: starting, stopping or discharging takes a deliberate click
        # (or Tab to the confirm button and Space).
        self.confirm_button.setAutoDefault(False)
        cancel = self.buttons.button(QDialogButtonBox.StandardButton.Cancel)
        cancel.setDefault(True)
        layout.addWidget(self.buttons)
        self._on_input_changed()

    def reason_text(self) -> str:
        return self.reason.currentText().strip() if self.reason else ""

    def checklist_text(self) -> str:
        return "; ".join(c.text() for c in self.checks if c.isChecked())

    def _on_input_changed(self, *_args) -> None:
        ok = (self.reason is None or bool(self.reason_text())) and all(
            c.isChecked() for c in self.checks
        )
        self.confirm_button.setEnabled(ok)


class BaselineDialog(QDialog):
    """The nurse enters a resting baseline (mmHg, bpm) instead of waiting for readings."""

    def __init__(self, parent: QWidget | None = None):
        super().__init__(parent)
        self.setWindowTitle("Enter baseline")
        self.sbp = QLineEdit(placeholderText="mmHg")
        self.dbp = QLineEdit(placeholderText="mmHg")
        self.hr = QLineEdit(placeholderText="bpm (optional)")
        self.error = QLabel("", objectName="error")
        self.error.setWordWrap(True)
        form = QFormLayout(self)
        form.addRow("Systolic BP", self.sbp)
        form.addRow("Diastolic BP", self.dbp)
        form.addRow("Heart rate", self.hr)
        form.addRow(self.error)
        self.buttons = ok_cancel(self, self._on_ok)
        form.addRow(self.buttons)
        self.baseline: Baseline | None = None

    def _on_ok(self) -> None:
        try:
            sbp = parse_positive(self.sbp.text(), "Systolic BP", "mmHg")
            dbp = parse_positive(self.dbp.text(), "Diastolic BP", "mmHg")
            hr = parse_positive(self.hr.text(), "Heart rate", "bpm") if self.hr.text() else None
            if not 60 <= sbp <= 260 or not 30 <= dbp <= 160 or dbp >= sbp:
                raise InputError(f"{sbp:g}/{dbp:g} mmHg is not a plausible resting BP.")
            if hr is not None and not 30 <= hr <= 200:
                raise InputError(f"Heart rate {hr:g} bpm is not plausible at rest.")
        except InputError as exc:
            self.error.setText(str(exc))
            return
        self.baseline = Baseline(sbp, dbp, hr, None, "entered")
        self.accept()
