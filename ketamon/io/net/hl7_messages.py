"""HL7 v2.6 ORU^R01 messages: one per NIBP reading, per minute of vitals, per alarm start/end.

Pure text building (segments joined by CR). OBX-3 carries the MDC code with the
LOINC code as its alternate; OBX-6 the UCUM unit. No patient name ever; the
patient ID only when the clinic's config allows it, else the bed (PV1-3) is how the
interface engine places the results.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from ketamon.core.vitals import Vital
from ketamon.io.net.codes import (
    ALARM_PRIORITY_CODES,
    BP_PANEL,
    CODES,
    MDC_ATTR_ALARM_PRIORITY,
    MDC_ATTR_ALERT_TYPE,
    MDC_ATTR_EVENT_PHASE,
    MDC_EVT_ALARM,
    VITALS_PANEL,
)

VERSION = "2.6"
SEGMENT_END = "\r"


@dataclass(frozen=True)
class Hl7Header:
    """Who sends, where the bed is, whose results (patient_id None: not allowed to say)."""

    site: str
    bed: str
    patient_id: str | None
    origin_wall_s: float  # Unix time of session time 0


def escape(text: str) -> str:
    """HL7 escape sequences for the delimiters |^~\\& in free text."""
    return (
        text.replace("\\", "\\E\\")
        .replace("|", "\\F\\")
        .replace("^", "\\S\\")
        .replace("~", "\\R\\")
        .replace("&", "\\T\\")
        .replace("\r", " ")
        .replace("\n", " ")
    )


def hl7_time(wall_s: float) -> str:
    """YYYYMMDDHHMMSS+0000 (UTC)."""
    return dt.datetime.fromtimestamp(wall_s, dt.UTC).strftime("%Y%m%d%H%M%S+0000")


def _head(h: Hl7Header, control_id: str, t_s: float) -> list[str]:
    when = hl7_time(h.origin_wall_s + t_s)
    pid3 = f"{escape(h.patient_id)}^^^{escape(h.site)}^PI" if h.patient_id else ""
    return [
        f"MSH|^~\\&|KETAMON|{escape(h.site)}|||{when}||ORU^R01^ORU_R01|{control_id}|P|{VERSION}"
        "|||AL|NE||UNICODE UTF-8",
        f"PID|1||{pid3}",
        f"PV1|1|O|^^{escape(h.bed)}^{escape(h.site)}",
    ]


def _obr(h: Hl7Header, code: tuple[str, str], system: str, t_s: float, set_id: int = 1) -> str:
    when = hl7_time(h.origin_wall_s + t_s)
    return f"OBR|{set_id}|||{code[0]}^{escape(code[1])}^{system}|||{when}"


def _obx_vital(n: int, h: Hl7Header, vital: Vital, value: float, t_s: float) -> str:
    c = CODES[vital]
    when = hl7_time(h.origin_wall_s + t_s)
    return (
        f"OBX|{n}|NM|{c.mdc}^{c.mdc_ref}^MDC^{c.loinc}^{escape(c.loinc_name)}^LN||{value:g}|"
        f"{c.ucum}^{c.ucum}^UCUM|||||F|||{when}"
    )


def _obx_text(n: int, code: tuple[str, str], kind: str, value: str, t_s: float, h) -> str:
    when = hl7_time(h.origin_wall_s + t_s)
    return f"OBX|{n}|{kind}|{code[0]}^{code[1]}^MDC||{value}||||||F|||{when}"


def nibp_message(h: Hl7Header, control_id: str, t_s: float, values: dict[Vital, float]) -> str:
    """One cuff reading: SBP, DBP and MAP (when measured) at session time `t_s`."""
    segments = [*_head(h, control_id, t_s), _obr(h, BP_PANEL, "LN", t_s)]
    for vital in (Vital.SBP, Vital.DBP, Vital.MAP):
        if vital in values:
            segments.append(_obx_vital(len(segments) - 3, h, vital, values[vital], t_s))
    return SEGMENT_END.join(segments) + SEGMENT_END


def vitals_message(h: Hl7Header, control_id: str, t_s: float, values: dict[Vital, float]) -> str:
    """One minute of continuous vitals (HR, SpO2, RR), each the minute's median."""
    segments = [*_head(h, control_id, t_s), _obr(h, VITALS_PANEL, "LN", t_s)]
    for vital in (Vital.HR, Vital.SPO2, Vital.RR):
        if vital in values:
            segments.append(_obx_vital(len(segments) - 3, h, vital, values[vital], t_s))
    return SEGMENT_END.join(segments) + SEGMENT_END


@dataclass(frozen=True)
class AlarmFacts:
    """An alarm start or end: `phase` 'start'|'end', priority label, condition text."""

    t_s: float
    phase: str
    alarm_id: str
    priority: str | None
    condition: str
    technical: bool
    vital: Vital | None = None
    value: float | None = None


def alarm_message(h: Hl7Header, control_id: str, a: AlarmFacts) -> str:
    """An alarm start/end: the condition, its phase, priority and type; the value if any."""
    segments = [*_head(h, control_id, a.t_s), _obr(h, MDC_EVT_ALARM, "MDC", a.t_s)]
    label = f"{escape(a.alarm_id)}^{escape(a.condition)}^99KETAMON"
    segments.append(_obx_text(1, MDC_EVT_ALARM, "CWE", label, a.t_s, h))
    segments.append(_obx_text(2, MDC_ATTR_EVENT_PHASE, "ST", a.phase, a.t_s, h))
    n = 3
    if a.priority in ALARM_PRIORITY_CODES:
        code = ALARM_PRIORITY_CODES[a.priority]
        segments.append(_obx_text(n, MDC_ATTR_ALARM_PRIORITY, "ST", code, a.t_s, h))
        n += 1
    alert_type = "ST" if a.technical else "SP"  # technical / physiological
    segments.append(_obx_text(n, MDC_ATTR_ALERT_TYPE, "ST", alert_type, a.t_s, h))
    if a.vital is not None and a.value is not None:
        segments.append(_obx_vital(n + 1, h, a.vital, a.value, a.t_s))
    return SEGMENT_END.join(segments) + SEGMENT_END


def batch(h: Hl7Header, messages: list[str], created_wall_s: float) -> str:
    """An HL7 batch file: FHS, BHS, the messages, BTS, FTS (one message per line group)."""
    when = hl7_time(created_wall_s)
    site = escape(h.site)
    lines = [
        f"FHS|^~\\&|KETAMON|{site}|||{when}",
        f"BHS|^~\\&|KETAMON|{site}|||{when}",
        *(m.rstrip(SEGMENT_END) for m in messages),
        f"BTS|{len(messages)}",
        "FTS|1",
    ]
    return SEGMENT_END.join(lines) + SEGMENT_END
