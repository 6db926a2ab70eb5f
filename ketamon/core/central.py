"""The central station's model: every bed a clinic publishes, judged on the central's clock.

Pure: no Qt, no network, no clock. The MQTT subscriber hands it decoded messages
with the central's receipt time (`now_s`, monotonic seconds); the window subscribes
to `on_change`. Read-only: nothing here can command a bedside.

- A bed's active alarms follow its alarm events (queued at the bedside, so none is
  lost while the broker is away); until the first event arrives, the retained state's.
- A bed not heard for `offline_after_s` (6 s: three missed 2-s heartbeats), or whose
  last will arrives, is OFFLINE: a technical alarm of the central station. A bed that
  said goodbye (its session closed) is shown closed, without an alarm.
- Audio sounds for high-priority alarms only, with the central's own acknowledge
  (silences the alarms sounding now) and pause (all audio, `audio_pause_s`).
"""

from __future__ import annotations

from dataclasses import dataclass, field

from ketamon.core.alarm_profile import Priority
from ketamon.core.central_types import (
    AlarmRecord,
    BedAlarm,
    BedClosed,
    BedMessage,
    BedOffline,
    BedState,
    Heartbeat,
    VitalsBatch,
)
from ketamon.core.publisher import Publisher
from ketamon.core.vitals import Vital

OFFLINE_AFTER_S = 6.0
AUDIO_PAUSE_S = 120.0
MAX_TREND_POINTS = 50_000  # per vital per bed: more than 6 h at 1 Hz; the oldest go first
OFFLINE_ALARM = BedAlarm("offline", Priority.MEDIUM, "OFFLINE", technical=True)
ONGOING = ("start", "change", "escalated", "condition_ended", "condition_returned")


@dataclass
class BedView:
    """All the central knows about one bed. Times: `*_s` on the bedside's session clock,
    `heard_s` on the central's clock."""

    bed: str
    heard_s: float
    state: BedState | None = None
    offline: bool = False
    latest: dict[Vital, tuple[float, float]] = field(default_factory=dict)
    trends: dict[Vital, list[tuple[float, float]]] = field(default_factory=dict)
    alarm_events: list[AlarmRecord] = field(default_factory=list)
    alarms: dict[str, BedAlarm] = field(default_factory=dict)
    last_seq: dict[tuple[str, str], int] = field(default_factory=dict)
    holes: int = 0  # sequence numbers never received (should stay 0)
    closed: bool = False  # ended cleanly: shown as closed, never OFFLINE
    from_events: bool = False

    def active_alarms(self) -> list[BedAlarm]:
        """Most urgent first; OFFLINE is the central's own technical alarm."""
        found = list(self.alarms.values())
        if not self.from_events and self.state is not None:
            found = list(self.state.alarms)
        if self.offline:
            found.append(OFFLINE_ALARM)
        return sorted(found, key=lambda a: -a.priority)

    def highest_alarm(self) -> BedAlarm | None:
        active = self.active_alarms()
        return active[0] if active else None

    def age_s(self, vital: Vital) -> float | None:
        """How old the latest value of `vital` is, on the bedside clock (None: never seen)."""
        if vital not in self.latest or self.state is None:
            return None
        return max(0.0, self.state.t_s - self.latest[vital][0])


class CentralModel:
    """Beds by name; `apply` messages and `tick` the clock; `on_change` names the bed."""

    def __init__(self, offline_after_s: float = OFFLINE_AFTER_S, audio_pause_s=AUDIO_PAUSE_S):
        self.offline_after_s = offline_after_s
        self.audio_pause_s = audio_pause_s
        self.beds: dict[str, BedView] = {}
        self.on_change: Publisher[str] = Publisher()
        self._acknowledged: set[tuple[str, str]] = set()
        self._audio_paused_until_s: float | None = None

    def apply(self, message: BedMessage, now_s: float) -> None:
        bed = self.beds.get(message.bed)
        if bed is None:
            bed = self.beds[message.bed] = BedView(message.bed, now_s)
        bed.heard_s = now_s
        bed.offline = isinstance(message, BedOffline)
        bed.closed = isinstance(message, BedClosed)
        if isinstance(message, BedState):
            bed.state = message
        elif isinstance(message, VitalsBatch):
            if self._is_new(bed, "vitals", message.run, message.seq):
                for t_s, vital, value in message.samples:
                    bed.latest[vital] = (t_s, value)
                    trend = bed.trends.setdefault(vital, [])
                    trend.append((t_s, value))
                    if len(trend) > MAX_TREND_POINTS:
                        del trend[: MAX_TREND_POINTS // 10]
        elif isinstance(message, AlarmRecord):
            if self._is_new(bed, "alarms", message.run, message.seq):
                self._apply_alarm(bed, message)
        elif not isinstance(message, Heartbeat | BedOffline | BedClosed):
            raise TypeError(f"not a bed message: {message!r}")
        self.on_change.emit(bed.bed)

    def tick(self, now_s: float) -> None:
        """Mark beds OFFLINE that have not been heard for `offline_after_s`."""
        for bed in self.beds.values():
            silent = now_s - bed.heard_s > self.offline_after_s
            if not bed.offline and not bed.closed and silent:
                bed.offline = True
                self.on_change.emit(bed.bed)
        if self._audio_paused_until_s is not None and now_s >= self._audio_paused_until_s:
            self._audio_paused_until_s = None

    # ---- the central nurse's audio controls --------------------------------------------

    def sounding(self) -> list[tuple[str, BedAlarm]]:
        """High-priority alarms not yet acknowledged at the central: (bed, alarm)."""
        return [
            (bed.bed, alarm)
            for bed in self.beds.values()
            for alarm in bed.active_alarms()
            if alarm.priority is Priority.HIGH
            and (bed.bed, alarm.alarm_id) not in self._acknowledged
        ]

    def audio_priority(self, now_s: float) -> Priority | None:
        """HIGH while a high alarm sounds and audio is not paused; else None."""
        if self._audio_paused_until_s is not None and now_s < self._audio_paused_until_s:
            return None
        return Priority.HIGH if self.sounding() else None

    def acknowledge(self) -> None:
        """Silence the high alarms sounding now; a new one sounds again."""
        self._acknowledged |= {(bed, a.alarm_id) for bed, a in self.sounding()}
        for bed in self.beds:
            self.on_change.emit(bed)

    def pause_audio(self, now_s: float) -> None:
        self._audio_paused_until_s = now_s + self.audio_pause_s

    def audio_pause_left_s(self, now_s: float) -> float | None:
        if self._audio_paused_until_s is None or now_s >= self._audio_paused_until_s:
            return None
        return self._audio_paused_until_s - now_s

    # ---- internals ------------------------------------------------------------------------

    def _is_new(self, bed: BedView, stream: str, run: str, seq: int) -> bool:
        """Drop repeats (QoS 1 is at-least-once); count holes in the sequence."""
        last = bed.last_seq.get((stream, run))
        if last is not None and seq <= last:
            return False
        if last is not None and seq > last + 1:
            bed.holes += seq - last - 1
        bed.last_seq[(stream, run)] = seq
        return True

    def _apply_alarm(self, bed: BedView, record: AlarmRecord) -> None:
        bed.alarm_events.append(record)
        bed.from_events = True
        key = record.alarm_id or ""
        if record.event in ONGOING and record.priority is not None:
            technical = record.data.get("kind") == "technical"
            bed.alarms[key] = BedAlarm(key, record.priority, record.condition, technical)
        elif record.event == "end":
            bed.alarms.pop(key, None)
            self._acknowledged.discard((bed.bed, key))
        elif record.event == "disarmed":
            bed.alarms.clear()
