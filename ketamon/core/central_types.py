"""What a bedside publishes, as the central station understands it (decoded, typed values).

Times: `t_s` is the bedside's session time; the central judges liveness by its
own receipt time, so a laptop's wrong clock never makes a bed look alive.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from ketamon.core.alarm_profile import Priority
from ketamon.core.vitals import Vital


@dataclass(frozen=True)
class BedAlarm:
    """One alarm active at a bedside: its condition id, priority, label and kind."""

    alarm_id: str
    priority: Priority
    label: str
    technical: bool = False


@dataclass(frozen=True)
class BedState:
    """The retained state of a bed: phase, time left (s), dose (mg), active alarms."""

    bed: str
    t_s: float
    phase: str
    time_left_s: float | None
    delivered_mg: float | None
    alarms: tuple[BedAlarm, ...] = ()
    patient_id: str | None = None  # only when the clinic's config lets it leave the laptop


@dataclass(frozen=True)
class VitalsBatch:
    """Samples taken together: (session seconds, vital, value in the vital's unit)."""

    bed: str
    run: str
    seq: int
    samples: tuple[tuple[float, Vital, float], ...]


@dataclass(frozen=True)
class AlarmRecord:
    """One bedside alarm event, as headless prints it (`event` is start, end, acknowledged...)."""

    bed: str
    run: str
    seq: int
    t_s: float
    event: str
    alarm_id: str | None
    priority: Priority | None
    condition: str
    data: dict = field(default_factory=dict)


@dataclass(frozen=True)
class Heartbeat:
    """The bedside is alive (sent every 2 s of wall time)."""

    bed: str


@dataclass(frozen=True)
class BedOffline:
    """The broker's last will for a bed: it vanished without saying goodbye."""

    bed: str


@dataclass(frozen=True)
class BedClosed:
    """The bedside ended cleanly (its session closed): not monitored, and not an alarm."""

    bed: str


BedMessage = BedState | VitalsBatch | AlarmRecord | Heartbeat | BedOffline | BedClosed
