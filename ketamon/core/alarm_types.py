"""Values of the alarm engine: events it emits, alarms it shows, its per-rule state."""

from __future__ import annotations

from dataclasses import dataclass

from ketamon.core.alarm_profile import AlarmKind, Priority
from ketamon.core.vitals import Vital


@dataclass(frozen=True)
class AlarmEvent:
    """One alarm happening at `t_s`, value and limit in the vital's unit.

    `action`: armed, disarmed, start, change, escalated, condition_ended,
    condition_returned, end, acknowledged, audio_paused or audio_resumed.
    """

    t_s: float
    action: str
    alarm_id: str
    priority: Priority | None = None
    kind: AlarmKind | None = None
    condition: str = ""
    value: float | None = None
    limit: float | None = None
    detail: str = ""
    vitals: tuple[str, ...] = ()  # the vitals concerned (tiles to mark), by Vital.value


@dataclass
class Alarm:
    """A condition being signalled: shown until it ends (or, if latching, until acknowledged)."""

    id: str
    kind: AlarmKind
    priority: Priority
    label: str
    message: str
    vitals: frozenset[Vital]
    value: float | None
    limit: float | None
    started_s: float
    priority_since_s: float
    rule_id: str = ""
    present: bool = True
    acknowledged: bool = False
    latching: bool = False
    escalated: bool = False


@dataclass
class RuleState:
    pending_since_s: float | None = None
    clear_since_s: float | None = None  # met, but not seen since then (the clear delay runs)
    met: bool = False
    value: float | None = None
    limit: float | None = None
    message: str = ""

    def is_idle(self) -> bool:
        """Neither met nor pending: a sample that meets no criterion changes nothing.

        (AlarmEngine skips judging idle rules for values inside their safe band; a new
        timer in this state must make the rule not idle while it runs.)
        """
        return not self.met and self.pending_since_s is None


@dataclass
class Finding:
    """What the judged rules say about one group (or technical condition) right now."""

    priority: Priority
    label: str
    message: str
    vitals: frozenset[Vital]
    value: float | None
    limit: float | None
    latching: bool
    rule_id: str = ""
