"""The Course view: a patient's sessions in a table, the score over the course with
response and remission marked, and the peak blood-pressure rise per session.

It shows what core/course.py judged; the only action is adding a follow-up score to
a closed session (io/course_store.py appends it as its own record).
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pyqtgraph as pg
from PySide6.QtWidgets import (
    QAbstractItemView,
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QSpinBox,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from ketamon.core.course import Course
from ketamon.core.scores import SCALES, ScoreError
from ketamon.io.course_store import FollowUpError, add_follow_up_score
from ketamon.ui.course_text import column_titles, row_cells

RESPONSE_COLOUR = "#f0c040"
REMISSION_COLOUR = "#40d080"


class CourseView(QDialog):
    """`load()` gives the course (again after a follow-up score); `data_dir` holds its files."""

    def __init__(
        self,
        load: Callable[[], Course],
        data_dir: Path,
        scales: tuple[str, ...],
        parent: QWidget | None = None,
    ):
        super().__init__(parent)
        self.setObjectName("courseView")
        self.resize(1280, 820)
        self._load = load
        self._data_dir = data_dir
        self.title = QLabel("", objectName="big")
        self.summary = QLabel("", objectName="caption")
        self.summary.setWordWrap(True)
        self.table = QTableWidget(0, 0)
        self.table.verticalHeader().hide()
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.score_plot = self._plot("Score", "session")
        self.bp_plot = self._plot("Peak rise over baseline (mmHg)", "session")
        self.bp_plot.addLegend(offset=(10, 10))

        self.scale = QComboBox()
        for s in scales:
            self.scale.addItem(SCALES[s].label, s)
        self.value = QSpinBox()
        self.value.setRange(0, max(SCALES[s].max_points for s in scales))
        self.add_button = QPushButton("Add follow-up score to the selected session")
        self.add_button.clicked.connect(self._on_add_follow_up)
        self.error = QLabel("", objectName="error")
        follow = QHBoxLayout()
        follow.addWidget(QLabel("Follow-up"))
        follow.addWidget(self.scale)
        follow.addWidget(self.value)
        follow.addWidget(self.add_button)
        follow.addStretch(1)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
        buttons.rejected.connect(self.reject)

        plots = QHBoxLayout()
        plots.addWidget(self.score_plot)
        plots.addWidget(self.bp_plot)
        layout = QVBoxLayout(self)
        layout.addWidget(self.title)
        layout.addWidget(self.summary)
        layout.addWidget(self.table, 3)
        layout.addLayout(plots, 2)
        layout.addLayout(follow)
        layout.addWidget(self.error)
        layout.addWidget(buttons)
        self.course: Course | None = None
        self.refresh()

    def _plot(self, title: str, x_label: str) -> pg.PlotWidget:
        plot = pg.PlotWidget()
        plot.setBackground("#000000")
        plot.setTitle(title, color="#d0d0d0", size="13pt")
        plot.setLabel("bottom", x_label, color="#d0d0d0")
        plot.setMenuEnabled(False)
        plot.setMouseEnabled(x=False, y=False)
        plot.hideButtons()
        return plot

    def refresh(self) -> None:
        course = self._load()
        self.course = course
        label = SCALES[course.scale].label
        self.setWindowTitle(f"Treatment course — patient {course.patient_id}")
        self.title.setText(f"Patient {course.patient_id}: {len(course.rows)} sessions")
        response = self._at(course.response_at)
        remission = self._at(course.remission_at)
        self.summary.setText(
            f"{label}: first {self._num(course.first_score)}; response (drop of at least "
            f"{course.response_drop:.0%}) {response}; "
            f"remission (below {course.remission_below:g}) {remission}. "
            "Predicted peak: plasma concentration from the model, not measured."
        )
        titles = column_titles(course.scale)
        self.table.setColumnCount(len(titles))
        self.table.setHorizontalHeaderLabels(titles)
        self.table.setRowCount(len(course.rows))
        for r, row in enumerate(course.rows):
            for c, text in enumerate(row_cells(row)):
                item = QTableWidgetItem(text)
                item.setData(256, row.facts.source)
                self.table.setItem(r, c, item)
        self.table.resizeColumnsToContents()
        protocol_col = 4  # long protocol names: cut to fit, the full name in the tooltip
        self.table.setColumnWidth(protocol_col, min(self.table.columnWidth(protocol_col), 160))
        for r in range(self.table.rowCount()):
            item = self.table.item(r, protocol_col)
            item.setToolTip(item.text())
        self._draw()

    @staticmethod
    def _at(number: int | None) -> str:
        return "not yet" if number is None else f"at session {number}"

    @staticmethod
    def _num(value: float | None) -> str:
        return "—" if value is None else f"{value:.0f}"

    def _draw(self) -> None:
        course = self.course
        self.score_plot.clear()
        self.bp_plot.clear()
        scored = [(r.number, r.score, r) for r in course.rows if r.score is not None]
        if scored:
            xs = [n for n, _s, _r in scored]
            ys = [s for _n, s, _r in scored]
            self.score_plot.plot(xs, ys, pen=pg.mkPen("#80c0ff", width=2), symbol="o")
            for n, s, r in scored:
                if r.remission or r.response:
                    colour = REMISSION_COLOUR if r.remission else RESPONSE_COLOUR
                    text = "remission" if r.remission else "response"
                    self.score_plot.plot([n], [s], symbol="star", symbolSize=22,
                                         symbolBrush=colour, pen=None)  # fmt: skip
                    label = pg.TextItem(text, color=colour, anchor=(0.5, 1.3))
                    label.setPos(n, s)
                    self.score_plot.addItem(label)
        if course.first_score is not None:
            half = course.first_score * (1 - course.response_drop)
            self.score_plot.addItem(pg.InfiniteLine(
                half, angle=0, pen=pg.mkPen(RESPONSE_COLOUR, style=pg.QtCore.Qt.PenStyle.DashLine)
            ))  # fmt: skip
        self.score_plot.addItem(pg.InfiniteLine(
            course.remission_below, angle=0,
            pen=pg.mkPen(REMISSION_COLOUR, style=pg.QtCore.Qt.PenStyle.DashLine),
        ))  # fmt: skip
        max_points = SCALES[course.scale].max_points
        self.score_plot.setYRange(0, max_points, padding=0.05)
        n = max(len(course.rows), 1)
        for plot in (self.score_plot, self.bp_plot):
            plot.setXRange(0.5, n + 0.5, padding=0)
        for attr, colour, name in (("sbp_rise", "#ff6060", "SBP"), ("dbp_rise", "#ffa0a0", "DBP")):
            pts = [(r.number, getattr(r.facts, attr)) for r in course.rows]
            pts = [(x, y) for x, y in pts if y is not None]
            if pts:
                self.bp_plot.plot([p[0] for p in pts], [p[1] for p in pts], name=name,
                                  pen=pg.mkPen(colour, width=2), symbol="o",
                                  symbolBrush=colour)  # fmt: skip

    def _on_add_follow_up(self) -> None:
        row = self.table.currentRow()
        if row < 0:
            self.error.setText("Choose a session first.")
            return
        source = self.table.item(row, 0).data(256)
        try:
            scale, value = self.scale.currentData(), self.value.value()
            add_follow_up_score(self._data_dir / source, scale, value)
        except (FollowUpError, ScoreError, OSError) as exc:
            self.error.setText(str(exc))
            return
        self.error.setText("")
        self.refresh()
