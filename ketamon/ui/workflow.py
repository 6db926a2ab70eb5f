"""The nurse's workflow prompts (CLINICAL.md §8-§10): pump hand-offs, reminders, MOAA/S, discharge.

Widgets show what the session judged (snapshot, discharge criteria); they decide nothing.
"""

from __future__ import annotations

from PySide6.QtCore import Signal
from PySide6.QtWidgets import (
    QCheckBox,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QFrame,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QSpinBox,
    QVBoxLayout,
    QWidget,
)

from ketamon.core.session import Snapshot
from ketamon.format import mmss
from ketamon.ui.dialogs import ok_cancel

# CLINICAL.md §10: the MOAA/S scale, 5 (alert) to 0 (no response).
MOAAS_LEVELS = {
    5: "responds readily to name in a normal tone",
    4: "lethargic response to name in a normal tone",
    3: "responds only when name is called loudly or repeatedly",
    2: "responds only after mild prodding or shaking",
    1: "responds only after a painful trapezius squeeze",
    0: "no response",
}


class WorkflowPrompt(QFrame):
    """Non-modal prompts in the window: the pending pump change (with its confirm button),
    a wanted repeat BP, how long the infusion has been paused."""

    confirm_pump_requested = Signal()

    def __init__(self, model, parent: QWidget | None = None):
        super().__init__(parent)
        self.setObjectName("workflowPrompt")
        self.pump_label = QLabel(objectName="pumpPrompt")
        self.pump_label.setWordWrap(True)
        self.confirm_button = QPushButton("Pump set", objectName="confirmPumpButton")
        self.confirm_button.clicked.connect(self.confirm_pump_requested.emit)
        self.confirm_button.setStyleSheet("padding: 0px 10px;")  # as tall as its prompt
        self.notice = QLabel(objectName="workflowNotice")
        self.notice.setWordWrap(True)
        # The button sits beside its prompt, not under it: on a 768-px screen the rows
        # below (rate, dose, next BP) need that height to stay legible.
        pump_row = QHBoxLayout()
        pump_row.setContentsMargins(0, 0, 0, 0)
        pump_row.addWidget(self.pump_label, 1)
        pump_row.addWidget(self.confirm_button)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(6, 0, 6, 0)
        layout.setSpacing(0)
        layout.addLayout(pump_row)
        layout.addWidget(self.notice)
        model.snapshot_changed.connect(self._on_snapshot_changed)
        self._on_snapshot_changed(model.snapshot())

    def _on_snapshot_changed(self, snap: Snapshot) -> None:
        handoff = snap.pump_handoff
        if handoff is not None:
            waiting_s = max(0.0, snap.t_s - handoff.t_s)
            self.pump_label.setText(
                f"PUMP CHANGE: {handoff.instruction} (waiting {mmss(waiting_s)})"
            )
        self.pump_label.setVisible(handoff is not None)
        self.confirm_button.setVisible(handoff is not None)
        notices = []
        due = snap.repeat_bp_due_s
        if due is not None:
            left = due - snap.t_s
            when = f"due in {mmss(left)}" if left > 0 else "OVERDUE"
            notices.append(f"Repeat BP now ({when})")
        since = snap.paused_since_s
        if since is not None:
            notices.append(f"Infusion paused for {(snap.t_s - since) / 60:.0f} min")
        self.notice.setText("\n".join(notices))
        self.notice.setVisible(bool(notices))
        self.setVisible(handoff is not None or bool(notices))


class MoaasDialog(QDialog):
    """MOAA/S sedation score 0-5 (CLINICAL.md §10); `score()` is the nurse's choice."""

    def __init__(self, parent: QWidget | None = None):
        super().__init__(parent)
        self.setWindowTitle("MOAA/S sedation score")
        self.spin = QSpinBox()
        self.spin.setRange(0, 5)
        self.spin.setValue(5)
        self.meaning = QLabel()
        self.spin.valueChanged.connect(self._on_value_changed)
        self._on_value_changed(5)
        self.buttons = ok_cancel(self, self.accept)
        form = QFormLayout(self)
        form.addRow("MOAA/S (0-5)", self.spin)
        form.addRow(self.meaning)
        form.addRow(self.buttons)

    def _on_value_changed(self, value: int) -> None:
        self.meaning.setText(f"{value}: {MOAAS_LEVELS[value]}")

    def score(self) -> int:
        return self.spin.value()


class DischargeDialog(QDialog):
    """Lists every discharge criterion live, with its numbers (§9); the checklist the nurse
    ticks; an early discharge only with a reason."""

    def __init__(self, model, parent: QWidget | None = None):
        super().__init__(parent)
        self.setWindowTitle("Discharge")
        self.setObjectName("dischargeDialog")
        self._model = model
        plan = model.session.plan
        items = plan.protocol.discharge.checklist if plan is not None else ()
        self.criteria = QLabel(objectName="dischargeCriteria")
        self.criteria.setWordWrap(True)
        self.checks = [QCheckBox(item) for item in items]
        self.early_reason = QLineEdit()
        self.early_reason.setPlaceholderText("Reason for an early / against-advice discharge")
        layout = QVBoxLayout(self)
        layout.addWidget(self.criteria)
        for check in self.checks:
            check.toggled.connect(self._refresh)
            layout.addWidget(check)
        layout.addWidget(self.early_reason)
        self.buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Cancel)
        self.confirm_button = self.buttons.addButton(
            "Discharge", QDialogButtonBox.ButtonRole.AcceptRole
        )
        self.buttons.accepted.connect(self.accept)
        self.buttons.rejected.connect(self.reject)
        layout.addWidget(self.buttons)
        self.early_reason.textChanged.connect(self._refresh)
        model.snapshot_changed.connect(self._refresh)
        self._refresh()

    def checklist_text(self) -> str:
        return "; ".join(c.text() for c in self.checks if c.isChecked())

    def early_reason_text(self) -> str:
        return self.early_reason.text().strip()

    def unmet(self) -> list[str]:
        criteria = self._model.session.discharge_criteria(self.checklist_text())
        return [c.text for c in criteria if not c.met]

    def _refresh(self, *_args) -> None:
        criteria = self._model.session.discharge_criteria(self.checklist_text())
        lines = [("OK   " if c.met else "NOT  ") + c.text for c in criteria]
        self.criteria.setText("\n".join(lines))
        missing = [c for c in criteria if not c.met]
        early = bool(self.early_reason_text())
        self.confirm_button.setText("Early discharge" if missing else "Discharge")
        self.confirm_button.setEnabled(not missing or early)
