"""One session's screen: alarm banner over three columns, infusion | trends | numerics."""

from __future__ import annotations

from PySide6.QtWidgets import QHBoxLayout, QSizePolicy, QVBoxLayout, QWidget

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
        left.addWidget(self.workflow)
        left.addWidget(self.infusion, 8)
        # The list gives way first: every active alarm is on the banner anyway.
        self.alarm_log.setMinimumHeight(48)
        self.alarm_log.setSizePolicy(QSizePolicy.Policy.Preferred, QSizePolicy.Policy.Ignored)
        left.addWidget(self.alarm_log, 1)
        left.addWidget(self.annotations)
        columns = QHBoxLayout()
        columns.setContentsMargins(6, 6, 6, 6)
        columns.setSpacing(6)
        # The numerics get the most room: they are read from across the room.
        columns.addLayout(left, 25)
        columns.addWidget(self.trends, 32)
        columns.addWidget(self.numerics, 43)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(0)
        layout.addWidget(self.alarm_banner)
        layout.addLayout(columns, 1)
        layout.addWidget(self.infusion.controls)

    def _on_sound_lost(self, notice: str) -> None:
        self.alarm_banner.set_sound(False, notice)

    def stop(self) -> None:
        self.trends.redraw_timer.stop()
        self.flasher.stop()
        self.sound.tones.close()
