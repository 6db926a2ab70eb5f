"""Patient setup: who, weight, the bag (contents and volume), protocol; shows doses,
pump rates and VTBI before confirming.

The dialog only collects input and shows what core computes (`make_plan`,
`check_limits`). A hard limit keeps Confirm disabled; each soft limit must be
ticked by the nurse, and those acknowledgements are kept with the session. The
entry a finding is about is outlined (red hard, amber soft) with the value and the
limit in its tooltip.
"""

from __future__ import annotations

import time

from PySide6.QtCore import Qt
from PySide6.QtGui import QColor
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QVBoxLayout,
    QWidget,
)

from ketamon.core.course import SessionFacts
from ketamon.core.dosing import (
    DosePlan,
    InputError,
    Patient,
    Sex,
    WeightBasis,
    check_limits,
    concentration_from_bag,
    make_plan,
    parse_positive,
)
from ketamon.core.limits import DrugLibrary, LimitFinding, LimitLevel
from ketamon.core.protocol import Protocol
from ketamon.core.scores import PHQ9, SCALES, ScoreError, check_score
from ketamon.ui.course_text import previous_session_text
from ketamon.ui.plan_view import PlanView
from ketamon.ui.previous_lookup import PreviousLookup, PreviousSessionLookup


class SetupDialog(QDialog):
    """Collects the prescription; on accept, `plan`, `acknowledged` and `scores`
    ((scale, points) entered before the infusion) hold the result.

    `previous`: looks up the patient's last session when the ID is entered, shown
    beside the new prescription; `scales`: the clinic's scales (PHQ-9 first).
    """

    def __init__(
        self,
        protocols: list[Protocol],
        library: DrugLibrary,
        parent: QWidget = None,
        previous: PreviousLookup | None = None,
        scales: tuple[str, ...] = (PHQ9,),
    ):
        super().__init__(parent)
        self.setWindowTitle("New patient")
        self.setObjectName("setupDialog")
        self.setMinimumWidth(760)
        self._protocols = protocols
        self._library = library
        self.plan: DosePlan | None = None
        self.acknowledged: list[LimitFinding] = []
        self._soft_checks: list[tuple[QCheckBox, LimitFinding]] = []
        self._previous = PreviousSessionLookup(previous, self) if previous else None
        if self._previous is not None:
            self._previous.found.connect(self._on_previous_found)
        self.scores: list[tuple[str, float]] = []
        self.score_fields: dict[str, QLineEdit] = {}
        for scale_id in scales:
            scale = SCALES[scale_id]
            edit = QLineEdit(placeholderText=f"0-{scale.max_points} (before the infusion)")
            self.score_fields[scale_id] = edit
        self.previous_note = QLabel("", objectName="previousSession")
        self.previous_note.setWordWrap(True)

        self.patient_id = QLineEdit(placeholderText="optional")
        self.weight = QLineEdit(placeholderText="kg")
        self.height = QLineEdit(placeholderText="cm (optional)")
        self.sex = QComboBox()
        self.sex.addItems(["—", "female", "male"])
        self.basis = QComboBox()
        self.basis.addItems([b.value for b in WeightBasis])
        self.bag_contents = QLineEdit(placeholderText="mg")
        self.bag_volume = QLineEdit(placeholderText="mL")
        self.concentration = QLineEdit(placeholderText="mg/mL, or enter the bag's mg")
        self.protocol = QComboBox()
        self.protocol.addItems([p.name for p in protocols])
        self.segment_form = QFormLayout()
        self.segment_fields: list[tuple[QLineEdit, QLineEdit]] = []

        form = QFormLayout()
        form.addRow("Patient ID", self.patient_id)
        form.addRow("", self.previous_note)
        form.addRow("Weight (kg)", self.weight)
        body = QHBoxLayout()
        body.addWidget(self.height)
        body.addWidget(self.sex)
        body.addWidget(QLabel("dose on"))
        body.addWidget(self.basis)
        form.addRow("Height / sex", body)
        bag = QHBoxLayout()
        bag.addWidget(self.bag_contents)
        bag.addWidget(QLabel("mg in"))
        bag.addWidget(self.bag_volume)
        bag.addWidget(QLabel("mL"))
        form.addRow("Bag", bag)
        form.addRow("Concentration (mg/mL)", self.concentration)
        form.addRow("Protocol", self.protocol)
        for scale_id, edit in self.score_fields.items():
            form.addRow(SCALES[scale_id].label, edit)

        # The plan as the pump will run it: table, pump settings large, total, bag.
        self.plan_view = PlanView()
        self.table = self.plan_view.table
        self.total = self.plan_view.total
        self.bag_note = self.plan_view.bag_note
        self.error = QLabel("", objectName="error")
        self.error.setWordWrap(True)
        self.limits_box = QVBoxLayout()

        self.buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Cancel)
        self.confirm_button = self.buttons.addButton(
            "Confirm prescription", QDialogButtonBox.ButtonRole.AcceptRole
        )
        self.buttons.accepted.connect(self._on_confirm)
        self.buttons.rejected.connect(self.reject)
        # Enter in a field never confirms a prescription: it moves to the next field.
        for button in self.buttons.buttons():
            button.setAutoDefault(False)
            button.setDefault(False)

        layout = QVBoxLayout(self)
        layout.addLayout(form)
        layout.addLayout(self.segment_form)
        layout.addWidget(self.plan_view)
        layout.addWidget(self.error)
        layout.addLayout(self.limits_box)
        layout.addWidget(self.buttons)

        for edit in (
            self.patient_id,
            self.weight,
            self.height,
            self.bag_contents,
            self.bag_volume,
            self.concentration,
        ):
            edit.textChanged.connect(self._on_input_changed)
        for edit in self.score_fields.values():
            edit.textChanged.connect(self._on_input_changed)
        self.patient_id.editingFinished.connect(self._on_patient_id_entered)
        for combo in (self.sex, self.basis):
            combo.currentIndexChanged.connect(self._on_input_changed)
        self.protocol.currentIndexChanged.connect(self._on_protocol_changed)
        self._on_protocol_changed()

    def keyPressEvent(self, event) -> None:  # noqa: N802 (Qt API)
        """Enter moves on like Tab (as on a pump's keypad); Escape still cancels."""
        if event.key() in (Qt.Key.Key_Return, Qt.Key.Key_Enter):
            focused = self.focusWidget()
            if focused is self.confirm_button and focused.isEnabled():
                self._on_confirm()
            else:
                self.focusNextChild()
            event.accept()
            return
        super().keyPressEvent(event)

    def tab_chain(self) -> list[QWidget]:
        """The order Tab visits, top to bottom: the patient, the bag, the protocol, the
        scores, the doses, the limit confirmations, then Confirm and Cancel last."""
        fields = [w for pair in self.segment_fields for w in pair]
        checks = [check for check, _ in self._soft_checks]
        cancel = self.buttons.button(QDialogButtonBox.StandardButton.Cancel)
        return [
            self.patient_id,
            self.weight,
            self.height,
            self.sex,
            self.basis,
            self.bag_contents,
            self.bag_volume,
            self.concentration,
            self.protocol,
            *self.score_fields.values(),
            *fields,
            *checks,
            self.confirm_button,
            cancel,
        ]

    def _set_tab_order(self) -> None:
        chain = self.tab_chain()
        for first, second in zip(chain, chain[1:], strict=False):
            QWidget.setTabOrder(first, second)

    def _on_patient_id_entered(self) -> None:
        """Show the patient's last session beside the new prescription."""
        pid = self.patient_id.text().strip()
        if self._previous is None or not pid:
            if self._previous is not None:
                self._previous.wanted = ""
            self.previous_note.setText("")
            return
        if pid == self._previous.wanted:
            return  # asked already (editingFinished fires on Enter and on leaving the field)
        self.previous_note.setText(f"Looking up the last session of {pid}…")
        self._previous.ask(pid)

    def _on_previous_found(self, pid: str, facts: SessionFacts | None) -> None:
        if pid == self._previous.wanted and pid == self.patient_id.text().strip():
            self.previous_note.setText(previous_session_text(facts, time.time()))

    def _read_scores(self) -> list[tuple[str, float]]:
        scores = []
        for scale_id, edit in self.score_fields.items():
            text = edit.text().strip()
            if not text:
                continue
            try:
                value = float(text)
                scores.append((scale_id, check_score(scale_id, value)[1]))
            except (ValueError, ScoreError) as exc:
                reason = exc if isinstance(exc, ScoreError) else f"{text!r} is not a number"
                raise InputError(f"{SCALES[scale_id].label}: {reason}") from None
        return scores

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
            duration.setProperty(
                "baseTip",
                f"up to {seg.max_duration_min:g} min" if seg.duration_adjustable else "fixed",
            )
            duration.setToolTip(duration.property("baseTip"))
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

    def _read_bag(self) -> tuple[float, float]:
        """(concentration mg/mL, bag volume mL) from the bag's contents or its concentration.

        The nurse gives the bag's mg (safer: the label says "50 mg in 50 mL") or its
        mg/mL; given both, they must agree, so a slip in one is caught by the other.
        """
        volume_ml = parse_positive(self.bag_volume.text(), "Bag volume", "mL")
        contents_text = self.bag_contents.text().strip()
        conc_text = self.concentration.text().strip()
        if not contents_text and not conc_text:
            raise InputError("Enter the bag's contents (mg) or its concentration (mg/mL).")
        conc = parse_positive(conc_text, "Concentration", "mg/mL") if conc_text else None
        if contents_text:
            contents_mg = parse_positive(contents_text, "Bag contents", "mg")
            from_bag = concentration_from_bag(contents_mg, volume_ml)
            if conc is not None and abs(conc - from_bag) > 0.01 * from_bag:
                raise InputError(
                    f"Bag {contents_mg:g} mg in {volume_ml:g} mL is {from_bag:.3g} mg/mL, "
                    f"but the concentration entered is {conc:g} mg/mL: correct one of them."
                )
            conc = from_bag
        return conc, volume_ml

    def _read(self) -> tuple[Protocol, Patient, float, float]:
        weight_kg = parse_positive(self.weight.text(), "Weight", "kg")
        conc, bag_volume_ml = self._read_bag()
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
        return protocol, patient, conc, bag_volume_ml

    def _on_input_changed(self, *_args) -> None:
        self.plan = None
        self._clear_limits()
        try:
            protocol, patient, conc, bag_volume_ml = self._read()
            plan = make_plan(protocol, patient, conc, bag_volume_ml)
            self.scores = self._read_scores()
        except InputError as exc:
            self.error.setText(str(exc))
            self.plan_view.show_plan(None)
            self._set_tab_order()
            self._update_confirm()
            return
        self.error.setText("")
        self.plan = plan
        self._show_plan(plan)
        for finding in check_limits(plan, self._library):
            self._highlight(finding)
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
        self._set_tab_order()
        self._update_confirm()

    def hard_findings(self) -> list[LimitFinding]:
        if self.plan is None:
            return []
        return [f for f in check_limits(self.plan, self._library) if f.level is LimitLevel.HARD]

    @property
    def pump_lines(self) -> list[QLabel]:
        return self.plan_view.pump_lines

    def _show_plan(self, plan: DosePlan) -> None:
        self.plan_view.show_plan(plan)

    def limit_widgets(self, key: str) -> list[QWidget]:
        """The entries a finding with `key` is about (see `check_limits` for the keys)."""
        head, _, quantity = key.partition(".")
        if key == "weight_kg":
            return [self.weight]
        if key == "concentration_mg_per_ml" or quantity == "rate_ml_per_h":
            return [w for w in (self.bag_contents, self.concentration) if w.text().strip()]
        if key == "bag.volume_ml":
            return [self.bag_volume]
        if head.startswith("segment") and head[7:].isdigit():
            dose, duration = self.segment_fields[int(head[7:])]
            return [duration] if quantity == "duration_min" else [dose]
        return [self.total]

    def _highlight(self, finding: LimitFinding) -> None:
        """Outline the entry beyond the limit; its tooltip says the value and the limit."""
        for widget in self.limit_widgets(finding.key):
            if widget.property("limit") != LimitLevel.HARD.value:
                widget.setProperty("limit", finding.level.value)
            tips = [t for t in (widget.toolTip(), finding.message) if t]
            widget.setToolTip("\n".join(tips))
            widget.style().unpolish(widget)
            widget.style().polish(widget)
        if finding.key.endswith("rate_ml_per_h"):
            row = int(finding.key.split(".")[0][7:])
            cell = self.table.item(row, 4)
            cell.setBackground(QColor("#a01010" if finding.level is LimitLevel.HARD else "#8a6a00"))
            cell.setToolTip(finding.message)

    def _clear_limits(self) -> None:
        self._soft_checks = []
        for widget in self._limit_targets():
            if widget.property("limit"):
                widget.setProperty("limit", "")
                widget.setToolTip(widget.property("baseTip") or "")
                widget.style().unpolish(widget)
                widget.style().polish(widget)
        while self.limits_box.count():
            item = self.limits_box.takeAt(0)
            widget = item.widget()
            if widget is not None:
                # Unparent now: a stale finding must not linger until the event loop runs.
                widget.setParent(None)
                widget.deleteLater()

    def _limit_targets(self) -> list[QWidget]:
        fields = [w for pair in self.segment_fields for w in pair]
        return [
            self.weight,
            self.bag_contents,
            self.bag_volume,
            self.concentration,
            self.total,
            *fields,
        ]

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
