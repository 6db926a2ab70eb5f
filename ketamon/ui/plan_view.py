"""The prescription as the pump will run it: a table per segment, each segment's pump
settings in large type (rate, VTBI, duration), the total and what the bag holds.

Shows what core computed (`make_plan`); computes nothing clinical itself.
"""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QLabel, QTableWidget, QTableWidgetItem, QVBoxLayout, QWidget

from ketamon.core.dosing import DosePlan, bag_empty_in_s

HEADINGS = ["Segment", "Duration", "Dose", "mg/h", "mL/h", "VTBI mL"]


class PlanView(QWidget):
    """The plan of the setup dialog; `show_plan(None)` clears it (the entries are wrong)."""

    def __init__(self, parent: QWidget | None = None):
        super().__init__(parent)
        self.table = QTableWidget(0, len(HEADINGS))
        self.table.setHorizontalHeaderLabels(HEADINGS)
        self.table.verticalHeader().hide()
        self.table.setEditTriggers(QTableWidget.EditTrigger.NoEditTriggers)
        self.table.setFocusPolicy(Qt.FocusPolicy.NoFocus)
        self.table.horizontalHeader().setStretchLastSection(True)
        # Room for three segments without scrolling: every pump setting in view at once.
        row_px = self.table.verticalHeader().defaultSectionSize()
        self.table.setMinimumHeight(
            self.table.horizontalHeader().sizeHint().height() + 3 * row_px + 6
        )
        # What the nurse programs into the pump, large, one line per segment.
        self.pump_box = QVBoxLayout()
        self.pump_lines: list[QLabel] = []
        self.total = QLabel("", objectName="caption")
        self.total.setWordWrap(True)
        self.bag_note = QLabel("", objectName="caption")
        self.bag_note.setWordWrap(True)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.table)
        layout.addLayout(self.pump_box)
        layout.addWidget(self.total)
        layout.addWidget(self.bag_note)

    def show_plan(self, plan: DosePlan | None) -> None:
        self._show_pump_lines(plan)
        if plan is None:
            self.table.setRowCount(0)
            self.total.setText("")
            self.bag_note.setText("")
            return
        self.table.setRowCount(len(plan.segments))
        for row, seg in enumerate(plan.segments):
            cells = (
                seg.name,
                f"{seg.duration_s / 60:g} min",
                f"{seg.dose_mg:.1f} mg",
                f"{seg.rate_mg_per_h:.1f}",
                f"{seg.rate_ml_per_h:.1f}",
                f"{seg.vtbi_ml:.1f}",
            )
            for col, text in enumerate(cells):
                self.table.setItem(row, col, QTableWidgetItem(text))
        self.table.resizeColumnsToContents()
        # Every segment in view, never a scroll bar over a pump setting.
        row_px = self.table.verticalHeader().defaultSectionSize()
        header_px = self.table.horizontalHeader().sizeHint().height()
        self.table.setFixedHeight(header_px + len(plan.segments) * row_px + 6)
        self.total.setText(
            f"Total {plan.total_mg:.1f} mg = {plan.total_ml:.1f} mL over "
            f"{plan.infusion_s / 60:g} min (dosing weight {plan.dosing_weight_kg:.1f} kg), "
            f"then {plan.protocol.observation_min:g} min observation"
        )
        left_ml = plan.bag_volume_ml - plan.total_ml
        holds = (
            f"holds the plan, {left_ml:.1f} mL left at the end"
            if left_ml >= 0
            else f"runs out after {(bag_empty_in_s(plan, 0.0) or 0.0) / 60:.0f} min of infusion"
        )
        self.bag_note.setText(
            f"Bag {plan.bag_contents_mg:.3g} mg in {plan.bag_volume_ml:g} mL = "
            f"{plan.concentration_mg_per_ml:.3g} mg/mL: {holds}"
        )

    def _show_pump_lines(self, plan: DosePlan | None) -> None:
        for label in self.pump_lines:
            label.setParent(None)
            label.deleteLater()
        self.pump_lines = []
        for seg in plan.segments if plan is not None else []:
            label = QLabel(
                f"{seg.name}:  {seg.rate_ml_per_h:.1f} mL/h   VTBI {seg.vtbi_ml:.1f} mL   "
                f"{seg.duration_s / 60:g} min",
                objectName="pumpValue",
            )
            self.pump_box.addWidget(label)
            self.pump_lines.append(label)
