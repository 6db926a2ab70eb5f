"""Typed session events: the ONE place that encodes and decodes recorded event records.

A session publishes `SessionEvent`s (kind, message, data dict) because that is what a
recording stores. Everything that needs to understand them (review, replay, rebuild,
debrief, headless, the alarm log) decodes them here into frozen dataclasses with
enums, never by reading strings and dict keys itself:

- `alarm_event(e)`: an `alarm.<action>` record as the engine's `AlarmEvent`
  (priority a `Priority`, action an `AlarmAction`).
- `command(e)`: a `command.<name>` record (what the nurse or instructor asked).
- `alarm_history(events)`: every alarm episode of a session, start to end.
- `alarm_line(e, origin_wall_s)`: an alarm event as the JSON object `--headless` and
  `review --events` print, with its time of day when the session's start is known.
- `recorded_baseline(e)`: a `baseline.measured` / `baseline.entered` record as a `Baseline`.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime
from enum import StrEnum

from ketamon.core.alarm_profile import AlarmKind, Priority
from ketamon.core.alarm_types import AlarmEvent
from ketamon.core.baseline import Baseline
from ketamon.core.session_types import SessionEvent

ALARM_PREFIX = "alarm."
COMMAND_PREFIX = "command."  # event kinds of recorded commands: "command.<name>"


class AlarmAction(StrEnum):
    """What happened to an alarm (or to the alarm system, for armed/disarmed/audio)."""

    ARMED = "armed"
    DISARMED = "disarmed"
    START = "start"
    CHANGE = "change"
    ESCALATED = "escalated"
    CONDITION_ENDED = "condition_ended"
    CONDITION_RETURNED = "condition_returned"
    END = "end"
    ACKNOWLEDGED = "acknowledged"
    AUDIO_PAUSED = "audio_paused"
    AUDIO_RESUMED = "audio_resumed"

    @property
    def concerns_one_alarm(self) -> bool:
        return self not in SYSTEM_ACTIONS


SYSTEM_ACTIONS = frozenset(
    {AlarmAction.ARMED, AlarmAction.DISARMED, AlarmAction.AUDIO_PAUSED, AlarmAction.AUDIO_RESUMED}
)


@dataclass(frozen=True)
class Command:
    """A recorded nurse or instructor command: `name` (e.g. 'acknowledge') and its arguments."""

    t_s: float
    name: str
    args: dict = field(default_factory=dict)


@dataclass(frozen=True)
class AlarmEpisode:
    """One alarm from start to end; `priority` as it first sounded, times in session s."""

    alarm_id: str
    started_s: float
    priority: Priority
    highest_priority: Priority
    condition: str
    kind: AlarmKind
    value: float | None
    limit: float | None
    ended_s: float | None = None


# ---- encoding (the session) ------------------------------------------------------------


def encode_alarm(e: AlarmEvent) -> SessionEvent:
    """The engine's event as the record a session publishes and a recording keeps."""
    return SessionEvent(
        e.t_s,
        ALARM_PREFIX + str(e.action),
        e.condition,
        {
            "alarm_id": e.alarm_id,
            "priority": e.priority.label if e.priority else None,
            "kind": e.kind.value if e.kind else None,
            "value": e.value,
            "limit": e.limit,
            "detail": e.detail,
            "vitals": list(e.vitals),
        },
    )


def encode_command(t_s: float, name: str, args: dict) -> SessionEvent:
    return SessionEvent(t_s, COMMAND_PREFIX + name, "", dict(args))


# ---- decoding ------------------------------------------------------------------------


def alarm_event(e: SessionEvent) -> AlarmEvent | None:
    """An `alarm.*` record as a typed AlarmEvent; None for any other record."""
    if not e.kind.startswith(ALARM_PREFIX):
        return None
    d = e.data
    priority = d.get("priority")
    kind = d.get("kind")
    return AlarmEvent(
        t_s=e.t_s,
        action=AlarmAction(e.kind.removeprefix(ALARM_PREFIX)),
        alarm_id=d.get("alarm_id", ""),
        priority=Priority[priority.upper()] if priority else None,
        kind=AlarmKind(kind) if kind else None,
        condition=e.message,
        value=d.get("value"),
        limit=d.get("limit"),
        detail=d.get("detail") or "",
        vitals=tuple(d.get("vitals") or ()),
    )


def alarm_events(events: Iterable[SessionEvent]) -> list[AlarmEvent]:
    return [a for a in map(alarm_event, events) if a is not None]


def command(e: SessionEvent) -> Command | None:
    """A `command.*` record as a Command; None for any other record."""
    if not e.kind.startswith(COMMAND_PREFIX):
        return None
    return Command(e.t_s, e.kind.removeprefix(COMMAND_PREFIX), dict(e.data))


def alarm_history(events: Iterable[SessionEvent]) -> list[AlarmEpisode]:
    """Every alarm episode of a session in start order (the ONE alarm history)."""
    episodes: list[AlarmEpisode] = []
    open_at: dict[str, int] = {}
    for a in alarm_events(events):
        if not a.action.concerns_one_alarm:
            continue
        if a.action is AlarmAction.START and a.priority is not None and a.kind is not None:
            open_at[a.alarm_id] = len(episodes)
            episodes.append(
                AlarmEpisode(
                    a.alarm_id, a.t_s, a.priority, a.priority, a.condition, a.kind,
                    a.value, a.limit,
                )
            )  # fmt: skip
            continue
        i = open_at.get(a.alarm_id)
        if i is None:
            continue
        episode = episodes[i]
        if a.action in (AlarmAction.CHANGE, AlarmAction.ESCALATED) and a.priority is not None:
            episode = replace(
                episode, highest_priority=max(episode.highest_priority, a.priority),
                condition=a.condition,
            )  # fmt: skip
        elif a.action is AlarmAction.END:
            episode = replace(episode, ended_s=a.t_s)
            del open_at[a.alarm_id]
        episodes[i] = episode
    return episodes


BASELINE_KINDS = ("baseline.measured", "baseline.entered")


def recorded_baseline(e: SessionEvent) -> Baseline:
    """The baseline a `baseline.measured` or `baseline.entered` record holds: mmHg, bpm and
    (recorded since 2026-12) SpO2 %; KeyError/TypeError if the record is damaged."""
    d = e.data
    source = "measured" if e.kind == "baseline.measured" else "entered"
    return Baseline(d["sbp"], d["dbp"], d.get("hr"), d.get("spo2"), source, d.get("n", 0))


def clock_text(wall_s: float) -> str:
    """Unix time `wall_s` as ISO-8601 local time with its UTC offset, to the second
    ('2026-12-01T14:03:07+01:00'): a time of day a reader can also sort and parse."""
    return datetime.fromtimestamp(wall_s, UTC).astimezone().isoformat(timespec="seconds")


def line_head(t_s: float, origin_wall_s: float | None = None) -> dict:
    """The start of every headless JSON line: session time `t_s` (s, to the ms) and, when
    `origin_wall_s` (Unix time of session time 0) is known, its time of day "clock"."""
    t_s = round(t_s, 3)
    head: dict = {"t_s": t_s}
    if origin_wall_s is not None:
        head["clock"] = clock_text(origin_wall_s + t_s)
    return head


def alarm_line(a: AlarmEvent, origin_wall_s: float | None = None) -> dict:
    """An alarm event as `--headless` and `review --events` print it (one JSON object).

    `origin_wall_s`: the Unix time of session time 0 (the run's or recording's start);
    with it the line says its time of day ("clock": start + session time), else not.
    """
    return line_head(a.t_s, origin_wall_s) | {
        "event": str(a.action),
        "priority": a.priority.label if a.priority else None,
        "condition": a.condition,
        "value": None if a.value is None else float(a.value),  # a recording stores floats
        "limit": None if a.limit is None else round(float(a.limit), 1),
        "alarm_id": a.alarm_id,
        "kind": a.kind.value if a.kind else None,
        "detail": a.detail,
    }
