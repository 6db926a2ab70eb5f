"""MQTT topics and payloads (JSON, UTF-8) between a bedside and the central station.

Topics under `ketamon/<site>/<bed>/`:
- `state`     retained; the bed as the central tile shows it (no patient data unless allowed)
- `vitals`    each batch of samples, QoS 1, queued on disk while the broker is away
- `alarms`    each alarm event in the headless JSON format, QoS 1, queued likewise
- `heartbeat` every 2 s of wall time, QoS 0, never queued (a stale heartbeat means nothing)
- `status`    retained "online"; the broker's last will sets "offline"; a clean exit "closed"

Queued payloads carry `run` (one per bedside process) and `seq` (1, 2, ... per topic
and run) so the central can drop repeats (QoS 1 is at-least-once) and see holes.
"""

from __future__ import annotations

import json
import re

from ketamon.core.alarm_profile import Priority
from ketamon.core.alarm_types import AlarmEvent
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
from ketamon.core.events import alarm_line
from ketamon.core.session_types import Snapshot
from ketamon.core.vitals import Sample, Vital

ROOT = "ketamon"
NAME = re.compile(r"^[A-Za-z0-9_.-]{1,64}$")
OFFLINE = b"offline"
ONLINE = b"online"
CLOSED = b"closed"


class MessageError(ValueError):
    """A payload that is not what a ketamon bedside sends."""


def check_name(kind: str, name: str) -> str:
    """A site or bed name: letters, digits, '_', '-', '.'; no MQTT wildcards or '/'."""
    if not NAME.match(name):
        raise ValueError(
            f"{kind} name {name!r}: use 1-64 letters, digits, '_', '-' or '.' (no spaces or '/')"
        )
    return name


def topic(site: str, bed: str, leaf: str) -> str:
    return f"{ROOT}/{site}/{bed}/{leaf}"


def site_filter(site: str) -> str:
    """The subscription that sees every bed of `site`."""
    return f"{ROOT}/{site}/+/+"


def alarm_payload(
    alarm: AlarmEvent, run: str, seq: int, origin_wall_s: float | None = None
) -> bytes:
    """One alarm event: the headless JSON object (core/events.alarm_line, with its "clock"
    when `origin_wall_s`, the Unix time of session time 0, is given) plus run and seq."""
    return _dump({"run": run, "seq": seq, **alarm_line(alarm, origin_wall_s)})


def vitals_payload(samples: list[Sample], run: str, seq: int) -> bytes:
    rows = [[round(s.t_s, 3), s.vital.value, s.value] for s in samples]
    return _dump({"run": run, "seq": seq, "samples": rows})


def state_payload(bed: str, snapshot: Snapshot, patient_id: str | None) -> bytes:
    """The retained bed state; `patient_id` only when the clinic's config allows it."""
    status = snapshot.status
    body = {
        "bed": bed,
        "t_s": round(snapshot.t_s, 3),
        "phase": status.phase_label if status else snapshot.phase.value,
        "time_left_s": None
        if status is None or status.total_remaining_s is None
        else round(status.total_remaining_s, 1),
        "delivered_mg": None if status is None else round(status.delivered_mg, 2),
        "alarms": [
            {
                "alarm_id": a.id,
                "priority": a.priority.label,
                "label": a.label,
                "technical": a.kind.value == "technical",
            }
            for a in snapshot.alarms
        ],
    }
    if patient_id:
        body["patient_id"] = patient_id
    return _dump(body)


def heartbeat_payload(wall_s: float) -> bytes:
    return _dump({"wall_s": round(wall_s, 3)})


def decode(topic_name: str, payload: bytes) -> BedMessage | None:
    """A received message as a typed value; None for topics the central ignores."""
    parts = topic_name.split("/")
    if len(parts) != 4 or parts[0] != ROOT:
        return None
    bed, leaf = parts[2], parts[3]
    if leaf == "status":
        if payload == OFFLINE:
            return BedOffline(bed)
        return BedClosed(bed) if payload == CLOSED else Heartbeat(bed)
    if leaf == "heartbeat":
        return Heartbeat(bed)
    try:
        body = json.loads(payload.decode("utf-8"))
        if leaf == "state":
            return BedState(
                bed,
                float(body["t_s"]),
                str(body["phase"]),
                _opt_float(body.get("time_left_s")),
                _opt_float(body.get("delivered_mg")),
                tuple(
                    BedAlarm(
                        str(a["alarm_id"]),
                        _priority(a["priority"]),
                        str(a["label"]),
                        bool(a.get("technical")),
                    )
                    for a in body.get("alarms", [])
                ),
                body.get("patient_id"),
            )
        if leaf == "vitals":
            samples = tuple((float(t), Vital(v), float(x)) for t, v, x in body["samples"])
            return VitalsBatch(bed, str(body["run"]), int(body["seq"]), samples)
        if leaf == "alarms":
            priority = body.get("priority")
            return AlarmRecord(
                bed,
                str(body["run"]),
                int(body["seq"]),
                float(body["t_s"]),
                str(body["event"]),
                body.get("alarm_id"),
                None if priority is None else _priority(priority),
                str(body.get("condition") or ""),
                body,
            )
    except (KeyError, TypeError, ValueError, UnicodeDecodeError) as exc:
        raise MessageError(f"{topic_name}: unreadable payload ({exc})") from exc
    return None


def _priority(label: str) -> Priority:
    return Priority[str(label).upper()]


def _opt_float(value) -> float | None:
    return None if value is None else float(value)


def _dump(body: dict) -> bytes:
    return json.dumps(body, separators=(",", ":")).encode("utf-8")
