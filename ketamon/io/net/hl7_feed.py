"""From a session's samples and events to HL7 ORU^R01 messages, in the order they happened.

Used live (the MLLP link) and in review (`ketamon review FILE --hl7 OUT.hl7`):
one message per NIBP reading, one per minute of continuous vitals (the minute's
median of each, sent when the next minute's first sample arrives), one per alarm
start and end.
"""

from __future__ import annotations

import statistics
from collections.abc import Callable
from dataclasses import dataclass

from ketamon.core.alarm_profile import AlarmKind
from ketamon.core.alarm_types import AlarmEvent
from ketamon.core.events import AlarmAction
from ketamon.core.vitals import Sample, Vital
from ketamon.io.net.hl7_messages import (
    AlarmFacts,
    Hl7Header,
    alarm_message,
    nibp_message,
    vitals_message,
)

CONTINUOUS = (Vital.HR, Vital.SPO2, Vital.RR)
MINUTE_S = 60.0


@dataclass(frozen=True)
class Hl7Context:
    """Site and bed; `patient_id()` the ID when the clinic allows it to leave, else None;
    `origin_wall_s` the Unix time of session time 0; `run` makes control IDs unique."""

    site: str
    bed: str
    patient_id: Callable[[], str | None]
    origin_wall_s: float
    run: str


class Hl7Feed:
    """Feed samples and events in order; each call returns the messages now complete."""

    def __init__(self, context: Hl7Context):
        self.context = context
        self._count = 0
        self._minute: int | None = None
        self._minute_values: dict[Vital, list[float]] = {}
        self._minute_last_s = 0.0

    def on_samples(self, samples: list[Sample]) -> list[str]:
        messages: list[str] = []
        cuff: dict[float, dict[Vital, float]] = {}
        for sample in samples:
            if sample.vital.is_nibp:
                cuff.setdefault(sample.t_s, {})[sample.vital] = sample.value
                continue
            minute = int(sample.t_s // MINUTE_S)
            if self._minute is not None and minute != self._minute:
                messages += self.flush()
            self._minute = minute
            self._minute_values.setdefault(sample.vital, []).append(sample.value)
            self._minute_last_s = sample.t_s
        for t_s, values in sorted(cuff.items()):
            if Vital.SBP in values and Vital.DBP in values:  # half a reading is no reading
                messages.append(nibp_message(self._header(), self._control_id(), t_s, values))
        return messages

    def on_alarm(self, alarm: AlarmEvent) -> list[str]:
        """An alarm start or end becomes a message; other alarm actions do not."""
        if alarm.action not in (AlarmAction.START, AlarmAction.END):
            return []
        known = {v.value for v in Vital}
        vital = next((Vital(v) for v in alarm.vitals if v in known), None)
        facts = AlarmFacts(
            alarm.t_s,
            str(alarm.action),
            alarm.alarm_id,
            alarm.priority.label if alarm.priority else None,
            alarm.condition,
            alarm.kind is AlarmKind.TECHNICAL,
            vital,
            None if alarm.value is None else float(alarm.value),
        )
        return [alarm_message(self._header(), self._control_id(), facts)]

    def flush(self) -> list[str]:
        """The current minute's message (at the end of a session, or when the minute turns)."""
        values = {v: statistics.median(x) for v, x in self._minute_values.items() if x}
        self._minute_values = {}
        if not values:
            return []
        t_s = self._minute_last_s
        return [vitals_message(self._header(), self._control_id(), t_s, values)]

    def _header(self) -> Hl7Header:
        c = self.context
        return Hl7Header(c.site, c.bed, c.patient_id(), c.origin_wall_s)

    def _control_id(self) -> str:
        self._count += 1
        return f"{self.context.run}-{self._count}"
