"""Alarm profiles: the clinic's alarm rules, loaded from TOML and validated (CLINICAL.md §4, §5)."""

from __future__ import annotations

import operator
from collections.abc import Callable
from dataclasses import dataclass, field
from enum import Enum, IntEnum
from pathlib import Path

from ketamon.core.config import Fields, load_toml
from ketamon.core.vitals import PLAUSIBLE_RANGE, Vital


class Priority(IntEnum):
    """IEC 60601-1-8 alarm priority; higher value is more urgent."""

    LOW = 1
    MEDIUM = 2
    HIGH = 3

    @property
    def marker(self) -> str:
        return "*" * self.value  # CLINICAL.md §5: *** high, ** medium, * low

    @property
    def label(self) -> str:
        return self.name.lower()


class AlarmKind(Enum):
    PHYSIOLOGICAL = "physiological"
    TECHNICAL = "technical"


ABSOLUTE_OPS: dict[str, Callable[[float, float], bool]] = {
    ">=": operator.ge,
    ">": operator.gt,
    "<=": operator.le,
    "<": operator.lt,
}
RISE_OPS = ("rise", "rise_pct")
RULE_VITALS = {v.value: v for v in (Vital.HR, Vital.SPO2, Vital.RR, Vital.SBP, Vital.DBP)}


@dataclass(frozen=True)
class Criterion:
    """`vital op limit`: absolute (`>=` ...) or over baseline (`rise` in units, `rise_pct` in %).

    `is_rise` and `raises` (fires on high values, so hysteresis works downward) follow
    from `op`; they are fields, set once, because every sample reads them.
    """

    vital: Vital
    op: str
    limit: float
    is_rise: bool = field(init=False, repr=False, compare=False)
    raises: bool = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "is_rise", self.op in RISE_OPS)
        object.__setattr__(self, "raises", self.op in (">=", ">", "rise", "rise_pct"))

    def threshold(self, baseline: float | None) -> float | None:
        """The absolute value at which this criterion fires; None if it needs a missing baseline."""
        if self.op == "rise":
            return None if baseline is None else baseline + self.limit
        if self.op == "rise_pct":
            return None if baseline is None else baseline * (1 + self.limit / 100.0)
        return self.limit

    def holds(self, value: float, baseline: float | None, hysteresis: float = 0.0) -> bool:
        """Whether `value` meets the criterion; `hysteresis` relaxes it for a running alarm."""
        threshold = self.threshold(baseline)
        if threshold is None:
            return False
        return self.meets(value, threshold, hysteresis)

    def meets(self, value: float, threshold: float, hysteresis: float = 0.0) -> bool:
        """`holds` against a threshold already computed (it changes only with the baseline)."""
        if self.is_rise:
            return value >= threshold - hysteresis
        shift = -hysteresis if self.raises else hysteresis
        return ABSOLUTE_OPS[self.op](value, threshold + shift)

    def describe(self, value: float, baseline: float | None) -> str:
        unit = self.vital.unit
        if self.op == "rise" and baseline is not None:
            return (
                f"{self.vital.label} {value:g} {unit}: +{value - baseline:.0f} over baseline "
                f"{baseline:.0f} (limit +{self.limit:g})"
            )
        if self.op == "rise_pct" and baseline is not None:
            pct = 100.0 * (value - baseline) / baseline
            return (
                f"{self.vital.label} {value:g} {unit}: +{pct:.0f}% over baseline "
                f"(limit +{self.limit:g}%)"
            )
        return f"{self.vital.label} {value:g} {unit} (limit {self.op} {self.limit:g})"


@dataclass(frozen=True)
class AlarmRule:
    """A physiological alarm condition: any criterion met for `delay_s` seconds."""

    id: str
    group: str
    label: str
    priority: Priority
    criteria: tuple[Criterion, ...]
    delay_s: float = 0.0
    latching: bool = False
    # Hysteresis in time: a met condition clears only after this long without it, so one
    # good sample (often an artefact) does not end an alarm. NIBP readings clear at once.
    clear_delay_s: float = 0.0

    @property
    def vitals(self) -> set[Vital]:
        return {c.vital for c in self.criteria}


@dataclass(frozen=True)
class TechnicalSettings:
    """Thresholds (seconds, per minute) and priorities of equipment alarms."""

    no_data_s: float = 10.0
    no_data_priority: Priority = Priority.MEDIUM
    source_lost_priority: Priority = Priority.MEDIUM
    sensor_off_priority: Priority = Priority.LOW
    nibp_overdue_s: float = 120.0
    nibp_overdue_priority: Priority = Priority.LOW
    artefact_priority: Priority = Priority.LOW
    artefact_per_min: float = 10.0
    recording_failed_priority: Priority = Priority.MEDIUM
    sound_lost_priority: Priority = Priority.MEDIUM  # the audio device stopped mid-session
    latching: bool = False
    # CLINICAL.md §8: a pump change the nurse has not confirmed after this long is an alarm.
    pump_confirm_s: float = 60.0
    pump_change_priority: Priority = Priority.MEDIUM
    # CLINICAL.md §8: a paused channel reminds the nurse (design default 5 min).
    paused_reminder_s: float = 300.0
    paused_priority: Priority = Priority.LOW
    broker_away_s: float = 10.0  # MQTT broker unreachable this long (wall seconds)
    broker_away_priority: Priority = Priority.LOW
    hl7_unacknowledged_s: float = 60.0  # oldest HL7 message without ACK AA this long
    hl7_unacknowledged_priority: Priority = Priority.LOW


@dataclass(frozen=True)
class AlarmProfile:
    """All alarm rules of a clinic, with pause, escalation and hysteresis settings (seconds)."""

    name: str
    source: str
    rules: tuple[AlarmRule, ...]
    technical: TechnicalSettings
    audio_pause_s: float = 120.0
    escalate_medium_after_s: float = 0.0  # 0: never
    hysteresis: dict[Vital, float] | None = None
    # CLINICAL.md §4: a BP alarm prompts a repeat reading, due within this time; until the
    # repeat is in (or overdue by the technical nibp_overdue_s) a BP alarm does not escalate.
    repeat_bp_s: float = 300.0

    def hysteresis_for(self, vital: Vital) -> float:
        return (self.hysteresis or {}).get(vital, 0.0)


def _priority(f: Fields, key: str, default=...) -> Priority:
    text = f.text(
        key, default if default is ... else default.label, choices=("low", "medium", "high")
    )
    return Priority[text.upper()]


def load_alarm_profile(path: Path) -> AlarmProfile:
    """Read and validate an alarm profile; ConfigError names file, line, field and reason."""
    data, text = load_toml(path)
    top = Fields(data, str(path), text)
    name = top.text("name")
    audio_pause_s = top.number("audio_pause_s", 120.0, low=10, high=300)
    escalate = top.number("escalate_medium_after_s", 0.0, low=0, high=3600)
    repeat_bp_s = top.number("repeat_bp_s", 300.0, low=30, high=3600)
    clear_delay_s = top.number("clear_delay_s", 0.0, low=0, high=300)

    hyst_fields = top.table("hysteresis", default={})
    hysteresis = {}
    for key in hyst_fields.keys():
        if key not in RULE_VITALS:
            raise hyst_fields.error(key, f"unknown vital (use {', '.join(RULE_VITALS)})")
        hysteresis[RULE_VITALS[key]] = hyst_fields.number(key, low=0, high=20)
    hyst_fields.finish()

    t = top.table("technical", default={})
    technical = TechnicalSettings(
        no_data_s=t.number("no_data_s", 10.0, low=2, high=120),
        no_data_priority=_priority(t, "no_data_priority", Priority.MEDIUM),
        source_lost_priority=_priority(t, "source_lost_priority", Priority.MEDIUM),
        sensor_off_priority=_priority(t, "sensor_off_priority", Priority.LOW),
        nibp_overdue_s=t.number("nibp_overdue_s", 120.0, low=0, high=3600),
        nibp_overdue_priority=_priority(t, "nibp_overdue_priority", Priority.LOW),
        artefact_priority=_priority(t, "artefact_priority", Priority.LOW),
        artefact_per_min=t.number("artefact_per_min", 10.0, positive=True),
        recording_failed_priority=_priority(t, "recording_failed_priority", Priority.MEDIUM),
        sound_lost_priority=_priority(t, "sound_lost_priority", Priority.MEDIUM),
        latching=t.boolean("latching", False),
        pump_confirm_s=t.number("pump_confirm_s", 60.0, low=10, high=600),
        pump_change_priority=_priority(t, "pump_change_priority", Priority.MEDIUM),
        paused_reminder_s=t.number("paused_reminder_s", 300.0, low=30, high=3600),
        paused_priority=_priority(t, "paused_priority", Priority.LOW),
        broker_away_s=t.number("broker_away_s", 10.0, low=0, high=3600),
        broker_away_priority=_priority(t, "broker_away_priority", Priority.LOW),
        hl7_unacknowledged_s=t.number("hl7_unacknowledged_s", 60.0, low=0, high=3600),
        hl7_unacknowledged_priority=_priority(t, "hl7_unacknowledged_priority", Priority.LOW),
    )
    t.finish()

    rules = tuple(_rule(f, clear_delay_s) for f in top.tables("rules"))
    ids = [r.id for r in rules]
    for rule in rules:
        if ids.count(rule.id) > 1:
            raise top.error("rules", f"rule id '{rule.id}' is used twice")
    top.finish()
    return AlarmProfile(
        name=name,
        source=str(path),
        rules=rules,
        technical=technical,
        audio_pause_s=audio_pause_s,
        escalate_medium_after_s=escalate,
        hysteresis=hysteresis,
        repeat_bp_s=repeat_bp_s,
    )


def _rule(f: Fields, default_clear_delay_s: float = 0.0) -> AlarmRule:
    rule_id = f.text("id")
    criteria = []
    raw = f.raw("criteria")
    if not isinstance(raw, list) or not raw:
        raise f.error("criteria", "must be a non-empty list of { vital, op, limit }")
    for i, item in enumerate(raw):
        c = f.child(item, f".criteria[{i}]")
        vital_name = c.text("vital", choices=tuple(RULE_VITALS))
        vital = RULE_VITALS[vital_name]
        op = c.text("op", choices=(*ABSOLUTE_OPS, *RISE_OPS))
        limit = c.number("limit")
        if op in ABSOLUTE_OPS:
            low, high = PLAUSIBLE_RANGE[vital]
            if not low <= limit <= high:
                raise c.error(
                    "limit",
                    f"{limit:g} {vital.unit} is impossible for {vital.label} "
                    f"(plausible {low:g}-{high:g})",
                )
        elif limit <= 0:
            raise c.error("limit", f"a rise limit must be greater than 0 (got {limit:g})")
        c.finish()
        criteria.append(Criterion(vital, op, limit))
    kinds = {c.vital.is_nibp for c in criteria}
    if len(kinds) > 1:
        raise f.error("criteria", "mix NIBP and continuous vitals in separate rules")
    rule = AlarmRule(
        id=rule_id,
        group=f.text("group", rule_id),
        label=f.text("label"),
        priority=_priority(f, "priority"),
        criteria=tuple(criteria),
        delay_s=f.number("delay_s", 0.0, low=0, high=300),
        latching=f.boolean("latching", False),
        clear_delay_s=f.number("clear_delay_s", default_clear_delay_s, low=0, high=300),
    )
    f.finish()
    return rule
