"""Patient setup: who, weight, bag concentration, protocol; shows doses before confirming.

The dialog only collects input and shows what core computes (`make_plan`,
`check_limits`). A hard limit keeps Confirm disabled; each soft limit must be
ticked by the nurse, and those acknowledgements are kept with the session.
"""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from ketamon.core.dosing import (
    DosePlan,
    InputError,
    Patient,
    Sex,
    WeightBasis,
    check_limits,
    make_plan,
    parse_positive,
)
from ketamon.core.limits import DrugLibrary, LimitFinding, LimitLevel
from ketamon.core.protocol import Protocol


class SetupDialog(QDialog):
    """Collects the prescription; on accept, `plan` and `acknowledged` hold the result."""

    def __init__(self, protocols: list[Protocol], library: DrugLibrary, parent: QWidget = None):
        super().__init__(parent)
        self.setWindowTitle("New patient")
        self.setObjectName("setupDialog")
        self.setMinimumWidth(760)
        self._protocols = protocols
        self._library = library
        self.plan: DosePlan | None = None
        self.acknowledged: list[LimitFinding] = []
        self._soft_checks: list[tuple[QCheckBox, LimitFinding]] = []

        self.patient_id = QLineEdit(placeholderText="optional")
        self.weight = QLineEdit(placeholderText="kg")
        self.height = QLineEdit(placeholderText="cm (optional)")
        self.sex = QComboBox()
        self.sex.addItems(["—", "female", "male"])
        self.basis = QComboBox()
        self.basis.addItems([b.value for b in WeightBasis])
        self.concentration = QLineEdit(placeholderText="mg/mL (e.g. 50 mg in 50 mL = 1)")
        self.protocol = QComboBox()
        self.protocol.addItems([p.name for p in protocols])
        self.segment_form = QFormLayout()
        self.segment_fields: list[tuple[QLineEdit, QLineEdit]] = []

        form = QFormLayout()
        form.addRow("Patient ID", self.patient_id)
        form.addRow("Weight (kg)", self.weight)
        body = QHBoxLayout()
        body.addWidget(self.height)
        body.addWidget(self.sex)
        body.addWidget(QLabel("dose on"))
        body.addWidget(self.basis)
        form.addRow("Height / sex", body)
        form.addRow("Concentration (mg/mL)", self.concentration)
        form.addRow("Protocol", self.protocol)

        self.table = QTableWidget(0, 5)
        self.table.setHorizontalHeaderLabels(["Segment", "Duration", "Dose", "mg/h", "mL/h"])
        self.table.verticalHeader().hide()
        self.table.setEditTriggers(QTableWidget.EditTrigger.NoEditTriggers)
        self.table.setFocusPolicy(Qt.FocusPolicy.NoFocus)
        self.table.horizontalHeader().setStretchLastSection(True)
        self.total = QLabel("", objectName="big")
        self.error = QLabel("", objectName="error")
        self.error.setWordWrap(True)
        self.limits_box = QVBoxLayout()

        self.buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Cancel)
        self.confirm_button = self.buttons.addButton(
            "Confirm prescription", QDialogButtonBox.ButtonRole.AcceptRole
        )
        self.buttons.accepted.connect(self._on_confirm)
        self.buttons.rejected.connect(self.reject)

        layout = QVBoxLayout(self)
        layout.addLayout(form)
        layout.addLayout(self.segment_form)
        layout.addWidget(self.table)
        layout.addWidget(self.total)
        layout.addWidget(self.error)
        layout.addLayout(self.limits_box)
        layout.addWidget(self.buttons)

        for edit in (self.patient_id, self.weight, self.height, self.concentration):
            edit.textChanged.connect(self._on_input_changed)
        for combo in (self.sex, self.basis):
            combo.currentIndexChanged.connect(self._on_input_changed)
        self.protocol.currentIndexChanged.connect(self._on_protocol_changed)
        self._on_protocol_changed()

    def selected_protocol(self) -> Protocol:
        return self._protocols[self.protocol.currentIndex()]

    def _on_protocol_changed(self, *_args) -> None:
        while self.segment_form.rowCount():
            self.segment_form.removeRow(0)
        self.segment_fields = []
        for seg in self.selected_protocol().segments:
            dose = QLineEdit(f"{seg.dose:g}")
            duration = QLineEdit(f"{seg.duration_min:g}")
            duration.setReadOnly(not seg.duration_adjustable)
            duration.setToolTip(
                f"up to {seg.max_duration_min:g} min" if seg.duration_adjustable else "fixed"
            )
            for edit in (dose, duration):
                edit.textChanged.connect(self._on_input_changed)
            row = QHBoxLayout()
            row.addWidget(dose)
            row.addWidget(QLabel(seg.basis.unit))
            row.addWidget(duration)
            row.addWidget(QLabel("min"))
            self.segment_form.addRow(f"{seg.name}", row)
            self.segment_fields.append((dose, duration))
        self._on_input_changed()

    def _read(self) -> tuple[Protocol, Patient, float]:
        weight_kg = parse_positive(self.weight.text(), "Weight", "kg")
        conc = parse_positive(self.concentration.text(), "Concentration", "mg/mL")
        height = self.height.text().strip()
        height_cm = parse_positive(height, "Height", "cm") if height else None
        sex = {"female": Sex.FEMALE, "male": Sex.MALE}.get(self.sex.currentText())
        patient = Patient(
            weight_kg=weight_kg,
            patient_id=self.patient_id.text().strip(),
            height_cm=height_cm,
            sex=sex,
            basis=WeightBasis(self.basis.currentText()),
        )
        protocol = self.selected_protocol()
        for i, (dose_edit, duration_edit) in enumerate(self.segment_fields):
            seg = protocol.segments[i]
            dose = parse_positive(dose_edit.text(), f"{seg.name} dose", seg.basis.unit)
            duration = parse_positive(duration_edit.text(), f"{seg.name} duration", "min")
            if seg.duration_adjustable and duration > seg.max_duration_min:
                raise InputError(
                    f"{seg.name} duration {duration:g} min is above this protocol's "
                    f"{seg.max_duration_min:g} min."
                )
            protocol = protocol.with_segment(i, dose=dose, duration_min=duration)
        return protocol, patient, conc

    def _on_input_changed(self, *_args) -> None:
        self.plan = None
        self._clear_limits()
        try:
            protocol, patient, conc = self._read()
            plan = make_plan(protocol, patient, conc)
        except InputError as exc:
            self.error.setText(str(exc))
            self.table.setRowCount(0)
            self.total.setText("")
            self._update_confirm()
            return
        self.error.setText("")
        self.plan = plan
        self._show_plan(plan)
        for finding in check_limits(plan, self._library):
            if finding.level is LimitLevel.HARD:
                label = QLabel("⛔ " + finding.message, objectName="error")
                label.setWordWrap(True)
                self.limits_box.addWidget(label)
            else:
                check = QCheckBox("I confirm: " + finding.message)
                check.setObjectName("softLimit")
                check.toggled.connect(self._update_confirm)
                self.limits_box.addWidget(check)
                self._soft_checks.append((check, finding))
        self._update_confirm()

    def hard_findings(self) -> list[LimitFinding]:
        if self.plan is None:
            return []
        return [f for f in check_limits(self.plan, self._library) if f.level is LimitLevel.HARD]

    def _show_plan(self, plan: DosePlan) -> None:
        self.table.setRowCount(len(plan.segments))
        for row, seg in enumerate(plan.segments):
            cells = (
                seg.name,
                f"{seg.duration_s / 60:g} min",
                f"{seg.dose_mg:.1f} mg",
                f"{seg.rate_mg_per_h:.1f}",
                f"{seg.rate_ml_per_h:.1f}",
            )
            for col, text in enumerate(cells):
                self.table.setItem(row, col, QTableWidgetItem(text))
        self.table.resizeColumnsToContents()
        self.total.setText(
            f"Total {plan.total_mg:.1f} mg = {plan.total_ml:.1f} mL over "
            f"{plan.infusion_s / 60:g} min (dosing weight {plan.dosing_weight_kg:.1f} kg), "
            f"then {plan.protocol.observation_min:g} min observation"
        )

    def _clear_limits(self) -> None:
        self._soft_checks = []
        while self.limits_box.count():
            item = self.limits_box.takeAt(0)
            if item.widget() is not None:
                item.widget().deleteLater()

    def _update_confirm(self, *_args) -> None:
        ok = (
            self.plan is not None
            and not self.hard_findings()
            and all(check.isChecked() for check, _ in self._soft_checks)
        )
        self.confirm_button.setEnabled(ok)

    def _on_confirm(self) -> None:
        if not self.confirm_button.isEnabled():
            return
        self.acknowledged = [f for check, f in self._soft_checks if check.isChecked()]
        self.accept()
