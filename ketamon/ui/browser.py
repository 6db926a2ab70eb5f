"""The session browser: recorded sessions, patients and simulations apart; open, export."""

from __future__ import annotations

import time
from pathlib import Path

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QAbstractItemView,
    QDialog,
    QDialogButtonBox,
    QHeaderView,
    QLabel,
    QLineEdit,
    QTableWidget,
    QTableWidgetItem,
    QTabWidget,
    QVBoxLayout,
    QWidget,
)

from ketamon.format import mmss
from ketamon.io.recording import SUFFIX, Recording, RecordingError

COLUMNS = [
    "Date",
    "Patient",
    "Protocol",
    "Scenario",
    "Duration",
    "Peak SBP",
    "Peak HR",
    "Alarms",
    "Status",
]
NUMERIC = {"Peak SBP", "Peak HR", "Alarms"}  # sorted as numbers, not as text


def list_recordings(directory: Path) -> list[dict]:
    """A summary per file, newest first; an unreadable file gets its reason, never a crash."""
    rows = []
    for path in sorted(directory.glob(f"*{SUFFIX}"), reverse=True):
        try:
            recording = Recording(path)
            rows.append(recording.summary())
            recording.close()
        except RecordingError as exc:
            rows.append({"path": path, "error": str(exc), "simulated": "_SIM" in path.name})
    return rows


class SessionBrowser(QDialog):
    """Lists `directory`; `chosen` is the recording to act on, `action` open/csv/pdf/course."""

    def __init__(
        self,
        directory: Path,
        parent: QWidget | None = None,
        protocol_names: dict[str, str] | None = None,
    ):
        """`protocol_names`: protocol id -> the name the clinic knows it by."""
        super().__init__(parent)
        self.setWindowTitle("Recorded sessions")
        self.resize(1250, 620)
        self._protocol_names = protocol_names or {}
        self.filter = QLineEdit(placeholderText="Filter: patient, protocol, scenario, date…")
        self.filter.textChanged.connect(self._on_filter_changed)
        self.chosen: Path | None = None
        self.action = ""
        self.tabs = QTabWidget()
        rows = list_recordings(directory)
        self.tables = {}
        for title, simulated in (("Patient sessions", False), ("Simulations (training)", True)):
            table = self._table([r for r in rows if r["simulated"] == simulated])
            self.tables[simulated] = table
            self.tabs.addTab(table, f"{title} ({table.rowCount()})")
        self.note = QLabel(f"Folder: {directory}", objectName="caption")
        self.error = QLabel("", objectName="error")
        self.buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
        self.open_button = self.buttons.addButton("Replay", QDialogButtonBox.ButtonRole.AcceptRole)
        self.csv_button = self.buttons.addButton(
            "Export CSV…", QDialogButtonBox.ButtonRole.ActionRole
        )
        self.pdf_button = self.buttons.addButton(
            "PDF report…", QDialogButtonBox.ButtonRole.ActionRole
        )
        self.course_button = self.buttons.addButton(
            "Patient's course…", QDialogButtonBox.ButtonRole.ActionRole
        )
        self.course_button.clicked.connect(lambda: self._choose("course"))
        self.open_button.clicked.connect(lambda: self._choose("open"))
        self.csv_button.clicked.connect(lambda: self._choose("csv"))
        self.pdf_button.clicked.connect(lambda: self._choose("pdf"))
        self.buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addWidget(self.filter)
        layout.addWidget(self.tabs)
        layout.addWidget(self.note)
        layout.addWidget(self.error)
        layout.addWidget(self.buttons)

    def _table(self, rows: list[dict]) -> QTableWidget:
        table = QTableWidget(len(rows), len(COLUMNS))
        table.setHorizontalHeaderLabels(COLUMNS)
        table.verticalHeader().hide()
        table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        header = table.horizontalHeader()
        header.setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
        header.setSectionResizeMode(2, QHeaderView.ResizeMode.Stretch)
        for r, row in enumerate(rows):
            if "error" in row:
                cells = [row["path"].name, "unreadable", row["error"], "", "", "", "", "", ""]
            else:
                created = row["created_wall_s"]
                protocol = row["protocol_id"]
                cells = [
                    time.strftime("%Y-%m-%d %H:%M", time.localtime(created)) if created else "",
                    row["patient_id"] or "(no ID)",
                    self._protocol_names.get(protocol, protocol),
                    row.get("scenario", ""),
                    mmss(row["duration_s"]),
                    "" if row["peak_sbp"] is None else f"{row['peak_sbp']:g}",
                    "" if row["peak_hr"] is None else f"{row['peak_hr']:g}",
                    str(row["alarms"]),
                    ("discharged" if row.get("discharged") else row["status"] or "")
                    + (" (damaged: partly read)" if row.get("damaged") else ""),
                ]
            for c, text in enumerate(cells):
                item = QTableWidgetItem()
                if COLUMNS[c] in NUMERIC and text:
                    item.setData(Qt.ItemDataRole.DisplayRole, float(text))
                else:
                    item.setText(text)
                item.setToolTip(text)
                item.setData(256, str(row["path"]))  # Qt.UserRole
                item.setData(257, "error" in row)
                table.setItem(r, c, item)
        table.setSortingEnabled(True)  # click a heading; newest first to begin with
        table.sortItems(0, Qt.SortOrder.DescendingOrder)
        return table

    def _on_filter_changed(self, text: str) -> None:
        needle = text.strip().lower()
        for table in self.tables.values():
            for r in range(table.rowCount()):
                cells = (table.item(r, c) for c in range(table.columnCount()))
                line = " ".join(item.text().lower() for item in cells if item is not None)
                table.setRowHidden(r, bool(needle) and needle not in line)

    def visible_rows(self, simulated: bool) -> list[list[str]]:
        """The rows shown now in one tab (after sorting and filtering)."""
        table = self.tables[simulated]
        return [
            [table.item(r, c).text() for c in range(table.columnCount())]
            for r in range(table.rowCount())
            if not table.isRowHidden(r)
        ]

    def current_table(self) -> QTableWidget:
        return self.tabs.currentWidget()

    def _choose(self, action: str) -> None:
        table = self.current_table()
        row = table.currentRow()
        if row < 0:
            self.error.setText("Choose a session first.")
            return
        item = table.item(row, 0)
        if item.data(257):
            self.error.setText("This file cannot be read (see its row): it was left untouched.")
            return
        self.chosen = Path(item.data(256))
        self.action = action
        self.accept()
