"""The alarm list: one row per alarm, newest first, with start time and what became of it."""

from __future__ import annotations

from PySide6.QtCore import QEvent
from PySide6.QtGui import QColor
from PySide6.QtWidgets import QAbstractItemView, QHeaderView, QTableWidget, QTableWidgetItem

from ketamon.core.events import alarm_event
from ketamon.core.session import NOTE_RETRACTED, SESSION_RESUMED, SessionEvent
from ketamon.format import mmss, time_of_day
from ketamon.ui.alarm_banner import PRIORITY_COLOURS
from ketamon.ui.model import DashboardModel

MAX_ROWS = 200
MIN_VISIBLE_ROWS = 3  # the list never shrinks below this many rows (and its header)
ROW_PADDING_PX = 6  # a row is one line of text and this much
STATES = {
    "start": "active",
    "change": "active",
    "escalated": "escalated",
    "condition_returned": "active",
    "acknowledged": "acknowledged",
    "condition_ended": "ended, latched",
    "end": "ended",
}


class AlarmLog(QTableWidget):
    """Active and past alarms of `model`'s session: time, priority, condition, value, state."""

    def __init__(self, model: DashboardModel, parent=None):
        super().__init__(0, 4, parent)
        self.setObjectName("alarmLog")
        self.setHorizontalHeaderLabels(["Time", "Alarm", "Value", "State"])
        self.verticalHeader().hide()
        self.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.setSelectionMode(QAbstractItemView.SelectionMode.NoSelection)
        header = self.horizontalHeader()
        header.setSectionResizeMode(1, QHeaderView.ResizeMode.Stretch)
        for column in (0, 2, 3):
            header.setSectionResizeMode(column, QHeaderView.ResizeMode.ResizeToContents)
        self._size_rows()
        self._rows: dict[str, list[QTableWidgetItem]] = {}  # current occurrence per alarm id
        self._model = model
        model.event_added.connect(self._on_event_added)
        model.history_reset.connect(self._on_history_reset)  # a replay's seek
        self._on_history_reset(model.history())  # a resumed session's past

    def changeEvent(self, event) -> None:  # noqa: N802 (Qt API)
        super().changeEvent(event)
        if event.type() in (QEvent.Type.StyleChange, QEvent.Type.FontChange):
            self._size_rows()

    def _size_rows(self) -> None:
        """Rows one line high (the style's default is taller), and room for
        MIN_VISIBLE_ROWS of them under the header, whatever the window's height."""
        row_px = self.fontMetrics().height() + ROW_PADDING_PX
        rows = self.verticalHeader()
        rows.setMinimumSectionSize(row_px)
        rows.setDefaultSectionSize(row_px)
        header_px = self.horizontalHeader().sizeHint().height()
        self.setMinimumHeight(header_px + MIN_VISIBLE_ROWS * row_px + 2 * self.frameWidth())

    def visible_rows(self) -> int:
        """How many rows are on screen whole now (what the nurse sees without scrolling)."""
        height_px = self.viewport().height()
        return sum(
            1
            for row in range(self.rowCount())
            if 0 <= self.rowViewportPosition(row)
            and self.rowViewportPosition(row) + self.rowHeight(row) <= height_px
        )

    def _on_history_reset(self, history: dict) -> None:
        self.setRowCount(0)
        self._rows.clear()
        for event in history["events"]:
            self._on_event_added(event)

    def _add_note(self, event: SessionEvent) -> None:
        prefix = "Pump confirmed" if event.kind == "pump.confirmed" else "Note"
        self._add_line(event.t_s, f"{prefix}: {event.message}", "", "note", "#e0e0ff")

    def _add_rejected(self, event: SessionEvent) -> None:
        """An artefact (core/artefact.py): listed as rejected, never shown as a vital."""
        values = event.data.get("values") or {}
        shown = "/".join(f"{v:g}" for v in values.values() if isinstance(v, int | float))
        self._add_line(event.t_s, f"Rejected: {event.message}", shown, "rejected", "#c0c0c0")

    def when(self, t_s: float) -> str:
        """Time of day ('14:05:09'); the session time when the clock has not run yet."""
        wall_s = self._model.wall_time_s(t_s)
        return mmss(t_s) if wall_s is None else time_of_day(wall_s, seconds=True)

    def _time_item(self, t_s: float) -> QTableWidgetItem:
        item = QTableWidgetItem(self.when(t_s))
        item.setToolTip(f"session time {mmss(t_s)}")
        return item

    def _add_line(self, t_s: float, text: str, value: str, state: str, colour: str) -> None:
        self.insertRow(0)
        for column, cell in enumerate((self.when(t_s), text, value, state)):
            item = self._time_item(t_s) if column == 0 else QTableWidgetItem(cell)
            item.setForeground(QColor(colour))
            self.setItem(0, column, item)
        if self.rowCount() > MAX_ROWS:
            self.removeRow(self.rowCount() - 1)

    def rows(self) -> list[list[str]]:
        """What the nurse reads, top to bottom."""
        return [
            [self.item(r, c).text() for c in range(self.columnCount())]
            for r in range(self.rowCount())
        ]

    def _on_event_added(self, event: SessionEvent) -> None:
        if event.kind in ("annotation", "sedation.moaas", "pump.confirmed"):
            self._add_note(event)
            return
        if event.kind == NOTE_RETRACTED:
            self._add_line(event.t_s, event.message, "", "undone", "#a0a0c0")
            return
        if event.kind == "artefact.rejected":
            self._add_rejected(event)
            return
        if event.kind == SESSION_RESUMED:
            self._add_line(event.t_s, event.message, "", event.data.get("gap", ""), "#e0e0ff")
            return
        alarm = alarm_event(event)
        if alarm is None or alarm.action not in STATES or alarm.priority is None:
            return
        action, priority, alarm_id = alarm.action, alarm.priority, alarm.alarm_id
        value = "" if alarm.value is None else f"{alarm.value:g}"
        if action == "start" or alarm_id not in self._rows:
            items = [self._time_item(event.t_s)] + [QTableWidgetItem("") for _ in range(3)]
            self.insertRow(0)
            for column, item in enumerate(items):
                self.setItem(0, column, item)
            self._rows[alarm_id] = items
            if self.rowCount() > MAX_ROWS:
                self.removeRow(self.rowCount() - 1)
        items = self._rows[alarm_id]
        items[1].setText(f"{priority.marker} {alarm.condition}")
        if value:
            items[2].setText(value)
        state = STATES[action]
        if action == "end":
            state = f"ended {self.when(event.t_s)}"
            del self._rows[alarm_id]
        items[3].setText(state)
        background, text, dim = PRIORITY_COLOURS[priority]
        if action == "end":  # over: grey on the panel colour
            background, text = "#101418", "#b0b0b0"
        elif action == "acknowledged":  # still there, heard: its colour as text on dark
            background, text = "#101418", PRIORITY_COLOURS[priority][0]
        for item in items:
            item.setBackground(QColor(background))
            item.setForeground(QColor(text))
