"""The debrief timeline: alarms, trainee actions with response times, and instructor events."""

from __future__ import annotations

from dataclasses import dataclass, replace

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
    """One line of the debrief; `response_s` is how long after the prompting alarm it came.

    On an alarm's line, `response` says what answered it ('Acknowledged after 45 s') or
    that nothing did; on an action's line, which alarm it answered.
    """

    t_s: float
    kind: str  # alarm, action, instructor, phase
    text: str
    response_s: float | None = None
    response: str = ""


def debrief_rows(events: list[SessionEvent]) -> list[DebriefRow]:
    rows: list[DebriefRow] = []
    # alarm id -> [(start, row)] while unanswered: its start and each rise in priority
    open_alarms: dict[str, list[tuple[float, int]]] = {}
    priorities: dict[str, int] = {}  # alarm id -> priority now, to see a rise
    for e in events:
        kind = e.kind
        alarm = alarm_event(e)
        if alarm is not None:
            _on_alarm(rows, open_alarms, priorities, e, alarm)
        elif kind in ACTIONS:
            lines = [line for entries in open_alarms.values() for line in entries]
            prompted = [start for start, _row in lines if start <= e.t_s]
            response = e.t_s - max(prompted) if prompted else None
            detail = _action_detail(e)
            text = ACTIONS[kind] + (f": {detail}" if detail else "")
            answered = ""
            if kind in ("command.acknowledge", "command.pause_audio", "command.pause"):
                for start, row in lines:
                    after = e.t_s - start
                    if not rows[row].response:
                        rows[row] = replace(
                            rows[row], response=f"{ACTIONS[kind]} after {after:.0f} s"
                        )
                answered = ", ".join(rows[r].text for _s, r in lines)
            rows.append(DebriefRow(e.t_s, "action", text, response, answered))
            if kind == "command.acknowledge":
                open_alarms.clear()
        elif kind == "command.instructor":
            rows.append(DebriefRow(e.t_s, "instructor", e.data.get("text", "")))
        elif kind in ("infusion.started", "infusion.observation_started", "infusion.discharged"):
            rows.append(
                DebriefRow(e.t_s, "phase", kind.removeprefix("infusion.").replace("_", " "))
            )
    for _start, row in [line for entries in open_alarms.values() for line in entries]:
        if not rows[row].response:
            rows[row] = replace(rows[row], response="not answered")
    return rows


def _on_alarm(rows, open_alarms, priorities, e: SessionEvent, alarm) -> None:
    """An alarm's start, rise in priority (a change up or an escalation) and end."""
    if alarm.priority is None:
        return
    label = f"{alarm.priority.label} alarm: {alarm.condition}"
    if alarm.action is AlarmAction.START:
        priorities[alarm.alarm_id] = alarm.priority
        open_alarms[alarm.alarm_id] = [(e.t_s, len(rows))]
        rows.append(DebriefRow(e.t_s, "alarm", label))
    elif alarm.action is AlarmAction.ESCALATED or (
        alarm.action is AlarmAction.CHANGE
        and alarm.priority > priorities.get(alarm.alarm_id, alarm.priority)
    ):
        why = "escalated, unanswered" if alarm.action is AlarmAction.ESCALATED else "worse"
        priorities[alarm.alarm_id] = alarm.priority
        open_alarms.setdefault(alarm.alarm_id, []).append((e.t_s, len(rows)))
        rows.append(DebriefRow(e.t_s, "alarm", f"raised to {label} ({why})"))
    elif alarm.action is AlarmAction.CHANGE:
        priorities[alarm.alarm_id] = alarm.priority
    elif alarm.action is AlarmAction.END:
        for start, row in open_alarms.pop(alarm.alarm_id, []):
            if not rows[row].response:
                after = e.t_s - start
                rows[row] = replace(rows[row], response=f"ended by itself after {after:.0f} s")
