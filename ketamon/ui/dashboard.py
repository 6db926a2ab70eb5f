"""One session's screen: alarm banner over three columns, infusion | trends | numerics."""

from __future__ import annotations

from PySide6.QtWidgets import QGridLayout, QSizePolicy, QVBoxLayout, QWidget

from ketamon.ui.alarm_banner import AlarmBanner, Flasher
from ketamon.ui.alarm_log import AlarmLog
from ketamon.ui.annotations import AnnotationBar
from ketamon.ui.infusion_panel import InfusionPanel
from ketamon.ui.numerics import NumericsPanel
from ketamon.ui.session_model import SessionModel
from ketamon.ui.sound import AlarmSound
from ketamon.ui.trends import TrendPlots
from ketamon.ui.workflow import WorkflowPrompt


class Dashboard(QWidget):
    """One session's screen: alarm banner over three columns, infusion | trends | numerics."""

    def __init__(self, model: SessionModel, parent: QWidget | None = None):
        super().__init__(parent)
        self._model = model
        self.flasher = Flasher(self)
        self.sound = AlarmSound(model, self)
        self.alarm_banner = AlarmBanner(model, self.flasher)
        self.alarm_banner.set_sound(self.sound.available, self.sound.notice)
        self.sound.sound_lost.connect(self._on_sound_lost)
        self.infusion = InfusionPanel(model)
        self.workflow = WorkflowPrompt(model)
        self.alarm_log = AlarmLog(model)
        self.annotations = AnnotationBar(model)
        self.trends = TrendPlots(model)
        self.numerics = NumericsPanel(model, self.flasher)
        left = QVBoxLayout()
        left.setSpacing(6)
        left.addWidget(self.infusion, 8)
        # Three rows of the alarm list at least; the infusion panel's fonts give way.
        self.alarm_log.setSizePolicy(QSizePolicy.Policy.Preferred, QSizePolicy.Policy.Ignored)
        left.addWidget(self.alarm_log, 1)
        # The one-tap notes sit under the trends they mark: the left column's height
        # goes to the alarm list, the trends (which stretch) give up the buttons' rows.
        middle = QVBoxLayout()
        middle.setSpacing(6)
        middle.addWidget(self.trends, 1)
        middle.addWidget(self.annotations)
        columns = QGridLayout()
        columns.setContentsMargins(6, 6, 6, 6)
        columns.setSpacing(6)
        # The prompt spans the infusion and trend columns: one line where a pump change
        # would take three in the infusion column alone.
        columns.addWidget(self.workflow, 0, 0, 1, 2)
        columns.addLayout(left, 1, 0)
        columns.addLayout(middle, 1, 1)
        # The numerics get the most room and the whole height: they are read from
        # across the room.
        columns.addWidget(self.numerics, 0, 2, 2, 1)
        columns.setRowStretch(1, 1)
        for column, stretch in enumerate((30, 27, 43)):
            columns.setColumnStretch(column, stretch)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(0)
        layout.addWidget(self.alarm_banner)
        layout.addLayout(columns, 1)
        layout.addWidget(self.infusion.controls)

    def _on_sound_lost(self, notice: str) -> None:
        self.alarm_banner.set_sound(False, notice)
        if not self._model.read_only:  # live: an equipment alarm, recorded like any other
            session = self._model.session
            session.report_technical(session.t_s, "sound_lost", True, notice)

    def stop(self) -> None:
        self.trends.redraw_timer.stop()
        self.flasher.stop()
        self.sound.tones.close()
