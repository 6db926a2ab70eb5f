"""The alarm banner: the most urgent alarm in its IEC colour and flash rate, readable at 4 m.

Also says plainly when alarms are not armed, when audio is paused (with the
countdown) and when sound is unavailable. Acknowledge and audio pause live here.
"""

from __future__ import annotations

from PySide6.QtCore import QObject, Qt, QTimer, Signal
from PySide6.QtWidgets import (
    QFrame,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QSizePolicy,
    QVBoxLayout,
    QWidget,
)

from ketamon.core.alarm_profile import AlarmKind, Priority
from ketamon.core.alarm_types import Alarm
from ketamon.core.infusion import Phase
from ketamon.core.session import Snapshot
from ketamon.core.vitals import Vital
from ketamon.format import duration_text, mmss, number
from ketamon.ui.session_model import SessionModel

# CLINICAL.md §5: high red, medium yellow, low cyan; (background, text, dim background).
PRIORITY_COLOURS = {
    Priority.HIGH: ("#e00000", "#ffffff", "#3a0000"),
    Priority.MEDIUM: ("#ffd000", "#000000", "#3a3000"),
    Priority.LOW: ("#00c8e0", "#000000", "#00c8e0"),  # low is steady
}
# CLINICAL.md §5: high flashes 1.4-2.8 Hz, medium 0.4-0.8 Hz: half-periods in ms.
FLASH_HALF_PERIOD_MS = {Priority.HIGH: 250, Priority.MEDIUM: 800}  # 2.0 Hz, 0.625 Hz


class Flasher(QObject):
    """Shared flash phase per priority, so the banner and the tiles blink together."""

    toggled = Signal()

    def __init__(self, parent: QObject | None = None):
        super().__init__(parent)
        self._on = {Priority.HIGH: True, Priority.MEDIUM: True}
        self._timers = []
        for priority, half_ms in FLASH_HALF_PERIOD_MS.items():
            timer = QTimer(self)
            timer.setInterval(half_ms)
            timer.timeout.connect(lambda p=priority: self._on_timeout(p))
            timer.start()
            self._timers.append(timer)

    def is_on(self, priority: Priority) -> bool:
        return self._on.get(priority, True)

    def colours(self, priority: Priority) -> tuple[str, str]:
        """(background, text) for this priority at the current flash phase."""
        background, text, dim = PRIORITY_COLOURS[priority]
        return (background, text) if self.is_on(priority) else (dim, "#ffffff")

    def stop(self) -> None:
        for timer in self._timers:
            timer.stop()

    def _on_timeout(self, priority: Priority) -> None:
        self._on[priority] = not self._on[priority]
        self.toggled.emit()


CHIPS = 3  # other alarms shown at once beside the top one; more cycle in the last chip
CYCLE_MS = 2000  # as monitors do: each hidden alarm is shown for 2 s in turn


def live_text(alarm: Alarm, snap: Snapshot) -> str:
    """The alarm's vitals as they are now ('now 201/117', 'now HR 83'): a latched alarm
    says what it was, this says what the tile says."""
    vitals = alarm.vitals
    parts = []
    if Vital.SBP in vitals or Vital.DBP in vitals:
        sbp, dbp = snap.latest.get(Vital.SBP), snap.latest.get(Vital.DBP)
        if sbp is not None and dbp is not None:
            parts.append(f"{number(sbp.value)}/{number(dbp.value)}")
    for vital in (Vital.HR, Vital.SPO2, Vital.RR):
        sample = snap.latest.get(vital)
        if vital in vitals and sample is not None:
            parts.append(f"{vital.label} {number(sample.value)}")
    return f"now {', '.join(parts)}" if parts else ""


def alarm_title(alarm: Alarm) -> str:
    """'*** BP VERY HIGH', '** INOP NO HR/SPO2 DATA (acknowledged)'."""
    prefix = "INOP " if alarm.kind is AlarmKind.TECHNICAL else ""
    state = ""
    if not alarm.present:
        state = " (ended, acknowledge to clear)"
    elif alarm.acknowledged:
        state = " (acknowledged)"
    return f"{alarm.priority.marker} {prefix}{alarm.label.upper()}{state}"


class AlarmBanner(QFrame):
    """Top banner for the alarms of `model`; flashing follows `flasher`.

    The most urgent alarm fills the first line; the others follow on the second line,
    each in its own colour, in the engine's order (priority, cause before its
    consequences). When there are more than fit, the last place cycles every 2 s.
    """

    acknowledge_requested = Signal()
    pause_audio_requested = Signal()

    def __init__(self, model: SessionModel, flasher: Flasher, parent: QWidget | None = None):
        super().__init__(parent)
        self.setObjectName("alarmBanner")
        self._flasher = flasher
        self._snap: Snapshot | None = None
        self._read_only = model.read_only
        self.sound_notice = ""
        self._sheet = ""
        self._cycle = 0
        self.text = QLabel("", objectName="alarmText")
        self.text.setTextFormat(Qt.TextFormat.PlainText)
        # A long message must never widen the window: it is cut, and the full text is
        # in the tooltip and the alarm list. The title asks for its whole width first
        # (the detail beside it gives way), so on a 1280-px screen it is read whole.
        self.text.setSizePolicy(QSizePolicy.Policy.Preferred, QSizePolicy.Policy.Preferred)
        self.text.setMinimumWidth(200)
        self.more = QLabel("", objectName="alarmMore")
        self.detail = QLabel("", objectName="alarmDetail")
        self.detail.setSizePolicy(QSizePolicy.Policy.Ignored, QSizePolicy.Policy.Preferred)
        self.audio = QLabel("", objectName="alarmAudio")
        self.ack_button = QPushButton("Ac&knowledge (F2)", objectName="ackButton")
        self.pause_button = QPushButton("Pause audio (F3)", objectName="pauseAudioButton")
        # Alarm keys act on F2/F3; a click is deliberate. No focus: after Start, a
        # stray Space must not pause the audio.
        for button in (self.ack_button, self.pause_button):
            button.setFocusPolicy(Qt.FocusPolicy.NoFocus)
        self.ack_button.clicked.connect(self.acknowledge_requested.emit)
        self.pause_button.clicked.connect(self.pause_audio_requested.emit)
        self.chips = [QLabel("", objectName="alarmChip") for _ in range(CHIPS)]
        chips = QHBoxLayout()
        chips.setSpacing(6)
        for i, chip in enumerate(self.chips):
            chip.setProperty("chip", str(i))
            chip.setTextFormat(Qt.TextFormat.PlainText)
            chip.setSizePolicy(QSizePolicy.Policy.Ignored, QSizePolicy.Policy.Preferred)
            chips.addWidget(chip, 1)
        chips.addWidget(self.more)
        first = QHBoxLayout()
        first.setSpacing(16)  # the title and its detail apart at a glance
        self._first_line = first
        first.addWidget(self.text)
        first.addWidget(self.detail, 1)
        first.addWidget(self.audio)
        first.addWidget(self.ack_button)
        first.addWidget(self.pause_button)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(12, 2, 12, 4)
        layout.setSpacing(2)
        layout.addLayout(first)
        layout.addLayout(chips)
        # Both lines, always: on a short screen the columns below give way, never the
        # alarms (and the dashboard does not move when a second alarm comes).
        self.setSizePolicy(QSizePolicy.Policy.Preferred, QSizePolicy.Policy.Fixed)
        self._cycle_timer = QTimer(self)
        self._cycle_timer.setInterval(CYCLE_MS)
        self._cycle_timer.timeout.connect(self._on_cycle)
        self._cycle_timer.start()
        model.snapshot_changed.connect(self._on_snapshot_changed)
        flasher.toggled.connect(self._on_flash)
        self._on_snapshot_changed(model.snapshot())

    def set_sound(self, available: bool, notice: str) -> None:
        """Without sound there is nothing to pause: say NO SOUND, offer no audio pause."""
        self.sound_notice = "" if available else "NO SOUND"
        self.setToolTip(notice)
        self.pause_button.setVisible(available and not self._read_only)
        if self._snap is not None:
            self._on_snapshot_changed(self._snap)

    @property
    def sound_available(self) -> bool:
        return not self.sound_notice

    def top_priority(self) -> Priority | None:
        """The highest priority present (the banner's colour), even when a lower-priority
        cause is listed first."""
        if self._snap is None or not self._snap.alarms:
            return None
        return max(a.priority for a in self._snap.alarms)

    def shown_alarms(self) -> list[Alarm]:
        """The alarms on screen now, in order: the top one, then the chips."""
        if self._snap is None or not self._snap.alarms:
            return []
        alarms = list(self._snap.alarms)
        if len(alarms) <= CHIPS + 1:
            return alarms
        fixed = alarms[:CHIPS]
        rest = alarms[CHIPS:]
        return [*fixed, rest[self._cycle % len(rest)]]

    def _on_cycle(self) -> None:
        if self._snap is not None and len(self._snap.alarms) > CHIPS + 1:
            self._cycle += 1
            self._show_chips()
            self._paint()

    def _on_snapshot_changed(self, snap: Snapshot) -> None:
        if snap.audio_pause_s is not None:  # the profile's pause, as configured
            self.pause_button.setText(f"Pause audio {duration_text(snap.audio_pause_s)} (F3)")
        self._snap = snap
        self.ack_button.setEnabled(bool(snap.alarms))
        self.pause_button.setEnabled(snap.alarms_armed and self.sound_available)
        self.audio.setText(self._audio_text(snap))
        # With no alarm there is no detail: the state message gets the whole line.
        self.detail.setVisible(bool(snap.alarms))
        self._first_line.setStretchFactor(self.text, 0 if snap.alarms else 1)
        if not snap.alarms:
            self.detail.setText("")
            self.text.setText(self._quiet_text(snap))
        else:
            top = snap.alarms[0]
            self.text.setText(alarm_title(top))
            self.text.setToolTip(top.message)
            live = live_text(top, snap)
            self.detail.setText(f"{top.message}   {live}" if live else top.message)
        self._show_chips()
        self._paint()

    def _audio_text(self, snap: Snapshot) -> str:
        audio = []
        if snap.audio_pause_left_s is not None:
            audio.append(f"AUDIO PAUSED {mmss(snap.audio_pause_left_s)}")
        if self.sound_notice:
            audio.append(self.sound_notice)
        return "   ".join(audio)

    def _quiet_text(self, snap: Snapshot) -> str:
        if snap.alarm_profile is None:
            return "NO ALARM PROFILE: ALARMS OFF"
        if snap.alarms_armed:
            return f"Alarms armed ({snap.alarm_profile})"
        if self._read_only:
            return "Replay: alarms as they were recorded"
        if snap.phase is Phase.DISCHARGED:
            return "Session ended: alarms off"
        return "ALARMS NOT ARMED until the infusion starts"

    def _show_chips(self) -> None:
        snap = self._snap
        shown = self.shown_alarms()[1:]
        for i, chip in enumerate(self.chips):
            if i < len(shown):
                alarm = shown[i]
                live = live_text(alarm, snap)
                chip.setText(f"{alarm_title(alarm)}   {live}".rstrip())
                chip.setToolTip(alarm.message)
                chip.setProperty("priority", alarm.priority)
            else:
                chip.setText("")
                chip.setToolTip("")
                chip.setProperty("priority", None)
        hidden = len(snap.alarms) - 1 - CHIPS if snap is not None else 0
        self.more.setText(f"{hidden + 1} alarms take turns" if hidden > 0 else "")

    def _on_flash(self) -> None:
        self._paint()

    def _paint(self) -> None:
        priority = self.top_priority()
        if priority is None:
            armed = self._snap is not None and self._snap.alarms_armed
            background, text = ("#0b3d1a", "#d0ffd8") if armed else ("#3a3a3a", "#ffffff")
        else:
            background, text = self._flasher.colours(priority)
        chips = []
        for i, chip in enumerate(self.chips):
            chip_priority = chip.property("priority")
            if chip_priority is None:
                chips.append("")
                continue
            chip_bg, chip_text = self._flasher.colours(Priority(chip_priority))
            edge = PRIORITY_COLOURS[Priority(chip_priority)][1]  # apart from its neighbours
            chips.append(
                f'QLabel#alarmChip[chip="{i}"] {{ background: {chip_bg}; color: {chip_text}; '
                f"border: 2px solid {edge}; }}"
            )
        sheet = (
            f"QFrame#alarmBanner {{ background: {background}; }}"
            f"QLabel {{ color: {text}; background: transparent; }}" + "".join(chips)
        )
        if sheet != self._sheet:  # restyling is costly: only when the colours change
            self._sheet = sheet
            self.setStyleSheet(sheet)

    @property
    def background(self) -> str:
        """The banner colour now (what the nurse sees), for tests and screenshots."""
        return self._sheet.split("background: ")[1].split(";")[0]

    def chip_background(self, index: int) -> str | None:
        """The colour of chip `index` now, or None when it is empty."""
        marker = f'[chip="{index}"] {{ background: '
        if marker not in self._sheet:
            return None
        return self._sheet.split(marker)[1].split(";")[0]
