"""One-tap charting of side effects, a CADSS score and free notes, stamped with session time."""

from __future__ import annotations

from PySide6.QtCore import Signal
from PySide6.QtWidgets import (
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QGridLayout,
    QLineEdit,
    QPushButton,
    QSpinBox,
    QWidget,
)

from ketamon.core.scores import SCALES
from ketamon.core.session import NOTE_RETRACTED, SessionEvent
from ketamon.ui.dialogs import ok_cancel
from ketamon.ui.model import DashboardModel

SIDE_EFFECTS = [
    "Dissociation",
    "Hallucinations",
    "Nausea/vomiting",
    "Headache",
    "Dizziness",
    "Anxiety",
    "Raised BP",
]
COLUMNS = 4  # 11 buttons in 3 rows under the trends, the undo button across below them
CADSS6_MAX = 24  # CADSS-6 short form: 6 items scored 0-4 (CLINICAL.md §3)


class AnnotationBar(QWidget):
    """Buttons that ask for an annotation, and one that undoes the last note of `model`;
    the window applies them to the session (an undo is a command of its own)."""

    annotate_requested = Signal(str, dict)  # text, data
    cadss_requested = Signal()
    moaas_requested = Signal()
    score_requested = Signal()  # a depression score (PHQ-9 ...) during the session
    note_requested = Signal()
    retract_requested = Signal(float)  # session time of the note to undo

    def __init__(self, model: DashboardModel, parent: QWidget | None = None):
        super().__init__(parent)
        self._notes: list[tuple[float, str]] = []  # live notes, oldest first
        self.setObjectName("annotationBar")
        grid = QGridLayout(self)
        grid.setContentsMargins(0, 0, 0, 0)
        grid.setSpacing(4)
        self.buttons: dict[str, QPushButton] = {}
        labels = [*SIDE_EFFECTS, "CADSS…", "MOAA/S…", "Score…", "Note…"]
        for i, label in enumerate(labels):
            button = QPushButton(label, objectName="annotationButton")
            grid.addWidget(button, i // COLUMNS, i % COLUMNS)
            self.buttons[label] = button
            if label == "CADSS…":
                button.clicked.connect(self.cadss_requested.emit)
            elif label == "MOAA/S…":
                button.clicked.connect(self.moaas_requested.emit)
            elif label == "Score…":
                button.clicked.connect(self.score_requested.emit)
            elif label == "Note…":
                button.clicked.connect(self.note_requested.emit)
            else:
                button.clicked.connect(
                    lambda _=False, text=label: self.annotate_requested.emit(
                        text, {"type": "side_effect"}
                    )
                )
        self.undo_button = QPushButton("Undo note", objectName="annotationButton")
        self.undo_button.setEnabled(False)
        self.undo_button.clicked.connect(self._on_undo_clicked)
        # A row of its own: its text names the note ("Undo “Nausea/vomiting”"), and a
        # column sized to it would widen the bar and move the columns beside it.
        rows = -(-len(labels) // COLUMNS)
        grid.addWidget(self.undo_button, rows, 0, 1, COLUMNS)
        model.event_added.connect(self._on_event_added)
        model.history_reset.connect(self._on_history_reset)
        self._on_history_reset(model.history())

    def _on_history_reset(self, history: dict) -> None:
        self._notes.clear()
        for event in history["events"]:
            self._on_event_added(event)

    def _on_event_added(self, event: SessionEvent) -> None:
        if event.kind == "annotation":
            self._notes.append((event.t_s, event.message))
        elif event.kind == NOTE_RETRACTED:
            note_t_s = event.data.get("note_t_s")
            self._notes = [n for n in self._notes if n[0] != note_t_s]
        else:
            return
        last = self._notes[-1][1] if self._notes else ""
        self.undo_button.setEnabled(bool(self._notes))
        self.undo_button.setText(f"Undo “{last[:14]}”" if last else "Undo note")
        self.undo_button.setToolTip(f"Undo the last note: {last}" if last else "")

    def _on_undo_clicked(self) -> None:
        if self._notes:
            self.retract_requested.emit(self._notes[-1][0])


class CadssDialog(QDialog):
    """CADSS-6 total (0-24); `annotation()` gives the text and data to record."""

    def __init__(self, parent: QWidget | None = None):
        super().__init__(parent)
        self.setWindowTitle("CADSS-6 score")
        self.score = QSpinBox()
        self.score.setRange(0, CADSS6_MAX)
        self.buttons = ok_cancel(self, self.accept)
        form = QFormLayout(self)
        form.addRow(f"CADSS-6 total (0-{CADSS6_MAX})", self.score)
        form.addRow(self.buttons)

    def annotation(self) -> tuple[str, dict]:
        score = self.score.value()
        return f"CADSS-6 {score}/{CADSS6_MAX}", {"type": "cadss6", "score": score}


class ScoreDialog(QDialog):
    """A depression score on one of the clinic's scales; `score()` gives (scale, points)."""

    def __init__(self, scales: tuple[str, ...], parent: QWidget | None = None):
        super().__init__(parent)
        self.setWindowTitle("Depression score")
        self.scale = QComboBox()
        for s in scales:
            self.scale.addItem(f"{SCALES[s].label} (0-{SCALES[s].max_points})", s)
        self.value = QSpinBox()
        self.scale.currentIndexChanged.connect(
            lambda _i: self.value.setRange(0, SCALES[self.scale.currentData()].max_points)
        )
        self.value.setRange(0, SCALES[scales[0]].max_points)
        self.buttons = ok_cancel(self, self.accept)
        form = QFormLayout(self)
        form.addRow("Scale", self.scale)
        form.addRow("Score", self.value)
        form.addRow(self.buttons)

    def score(self) -> tuple[str, float]:
        return self.scale.currentData(), float(self.value.value())


class NoteDialog(QDialog):
    """Free-text note; OK only with some text."""

    def __init__(self, parent: QWidget | None = None):
        super().__init__(parent)
        self.setWindowTitle("Note")
        self.text = QLineEdit(placeholderText="What happened?")
        self.buttons = ok_cancel(self, self.accept)
        ok = self.buttons.button(QDialogButtonBox.StandardButton.Ok)
        ok.setEnabled(False)
        self.text.textChanged.connect(lambda t: ok.setEnabled(bool(t.strip())))
        form = QFormLayout(self)
        form.addRow("Note", self.text)
        form.addRow(self.buttons)

    def annotation(self) -> tuple[str, dict]:
        return self.text.text().strip(), {"type": "note"}
