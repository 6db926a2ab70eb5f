"""The debrief timeline: alarms, trainee actions with response times, and instructor events."""

from __future__ import annotations

from dataclasses import dataclass

from ketamon.core.events import AlarmAction, alarm_event
from ketamon.core.session import SessionEvent

# Trainee actions and what each answers to (the alarm that prompted it).
# Read from the recorded commands, never guessed from their effects.
ACTIONS = {
    "command.acknowledge": "Acknowledged",
    "command.pause_audio": "Paused audio",
    "command.pause": "Paused infusion",
    "command.stop": "Stopped infusion",
    "command.annotate": "Annotated",
}


def _action_detail(e: SessionEvent) -> str:
    return str(e.data.get("reason") or e.data.get("text") or "")


@dataclass(frozen=True)
class DebriefRow:
    """One line of the debrief; `response_s` is how long after the prompting alarm it came."""

    t_s: float
    kind: str  # alarm, action, instructor, phase
    text: str
    response_s: float | None = None


def debrief_rows(events: list[SessionEvent]) -> list[DebriefRow]:
    rows: list[DebriefRow] = []
    open_alarms: dict[str, float] = {}  # alarm id -> start time, while unanswered
    for e in events:
        kind = e.kind
        alarm = alarm_event(e)
        if alarm is not None:
            if alarm.action is AlarmAction.START and alarm.priority is not None:
                open_alarms[alarm.alarm_id] = e.t_s
                text = f"{alarm.priority.label} alarm: {alarm.condition}"
                rows.append(DebriefRow(e.t_s, "alarm", text))
            elif alarm.action is AlarmAction.ESCALATED:
                rows.append(DebriefRow(e.t_s, "alarm", f"escalated to high: {alarm.condition}"))
            elif alarm.action is AlarmAction.END:
                open_alarms.pop(alarm.alarm_id, None)
        elif kind in ACTIONS:
            prompted = [t for t in open_alarms.values() if t <= e.t_s]
            response = e.t_s - max(prompted) if prompted else None
            detail = _action_detail(e)
            text = ACTIONS[kind] + (f": {detail}" if detail else "")
            rows.append(DebriefRow(e.t_s, "action", text, response))
            if kind == "command.acknowledge":
                open_alarms.clear()
        elif kind == "command.instructor":
            rows.append(DebriefRow(e.t_s, "instructor", e.data.get("text", "")))
        elif kind in ("infusion.started", "infusion.observation_started", "infusion.discharged"):
            rows.append(
                DebriefRow(e.t_s, "phase", kind.removeprefix("infusion.").replace("_", " "))
            )
    return rows
