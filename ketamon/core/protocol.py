"""Treatment protocols: generic dose segments plus observation, loaded from TOML.

A clinic adds a protocol by dropping a file in `resources/protocols/`; no code
changes. See `resources/protocols/*.toml` for the format.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from enum import Enum
from pathlib import Path

from ketamon.core.config import ConfigError, Fields, load_toml
from ketamon.core.workflow import (
    DEFAULT_CHECKLIST,
    DEFAULT_PRETREATMENT_CHECKLIST,
    DischargeRules,
    PretreatmentRules,
)


class DoseBasis(Enum):
    """How a segment's dose is expressed."""

    MG_PER_KG = "mg_per_kg"  # total dose over the segment, per kg dosing weight
    MG_PER_KG_PER_H = "mg_per_kg_per_h"  # constant rate per kg dosing weight
    MG = "mg"  # fixed total dose, whatever the weight

    @property
    def unit(self) -> str:
        return {"mg_per_kg": "mg/kg", "mg_per_kg_per_h": "mg/kg/h", "mg": "mg"}[self.value]


@dataclass(frozen=True)
class Segment:
    """One constant-rate dosing segment of a protocol.

    `dose` is in `basis.unit`; `duration_min` in minutes. `role` selects the
    drug-library limits that apply ("loading", "maintenance", ...).
    `max_duration_min` > `duration_min` means the nurse may choose the duration.
    """

    name: str
    role: str
    basis: DoseBasis
    dose: float
    duration_min: float
    max_duration_min: float

    @property
    def duration_adjustable(self) -> bool:
        return self.max_duration_min > self.duration_min


@dataclass(frozen=True)
class NibpProgram:
    """Cuff interval program (CLINICAL.md §2), in minutes."""

    baseline_interval_min: float = 5.0
    infusion_interval_min: float = 10.0
    observation_interval_min: float = 15.0
    baseline_readings: int = 2
    stale_grace_min: float = 2.0
    # CLINICAL.md §2: readings at least 5 min apart; resting BP above 140/90 is reviewed.
    baseline_min_span_min: float = 5.0
    baseline_review_sbp_mmhg: float = 140.0
    baseline_review_dbp_mmhg: float = 90.0


@dataclass(frozen=True)
class Protocol:
    """A named treatment: dose segments run back to back, then observation (minutes)."""

    id: str
    name: str
    drug: str
    segments: tuple[Segment, ...]
    observation_min: float
    nibp: NibpProgram
    default: bool = False
    discharge: DischargeRules = DischargeRules()
    pretreatment: PretreatmentRules = PretreatmentRules()

    def with_segment(self, index: int, **changes) -> Protocol:
        """A copy with segment `index` changed (the nurse's prescription edits)."""
        segments = list(self.segments)
        segments[index] = replace(segments[index], **changes)
        return replace(self, segments=tuple(segments))


def load_protocol(path: Path) -> Protocol:
    """Read and validate one protocol file; raise ConfigError naming file, field and reason."""
    data, text = load_toml(path)
    top = Fields(data, str(path), text)
    segments = tuple(_segment(f) for f in top.tables("segments"))
    obs = top.table("observation")
    nibp_fields = top.table("nibp", default={})
    nibp = NibpProgram(
        baseline_interval_min=nibp_fields.number("baseline_interval_min", 5.0, low=1, high=60),
        infusion_interval_min=nibp_fields.number("infusion_interval_min", 10.0, low=1, high=60),
        observation_interval_min=nibp_fields.number(
            "observation_interval_min", 15.0, low=1, high=120
        ),
        baseline_readings=int(
            nibp_fields.number("baseline_readings", 2, low=1, high=10, integer=True)
        ),
        stale_grace_min=nibp_fields.number("stale_grace_min", 2.0, low=0, high=30),
        baseline_min_span_min=nibp_fields.number("baseline_min_span_min", 5.0, low=0, high=60),
        baseline_review_sbp_mmhg=nibp_fields.number(
            "baseline_review_sbp_mmhg", 140.0, low=80, high=250
        ),
        baseline_review_dbp_mmhg=nibp_fields.number(
            "baseline_review_dbp_mmhg", 90.0, low=40, high=150
        ),
    )
    nibp_fields.finish()
    protocol = Protocol(
        id=top.text("id"),
        name=top.text("name"),
        drug=top.text("drug"),
        segments=segments,
        observation_min=obs.number("duration_min", low=0, high=24 * 60),
        nibp=nibp,
        default=top.boolean("default", False),
        discharge=_discharge(top.table("discharge", default={})),
        pretreatment=_pretreatment(top.table("pretreatment", default={}), nibp),
    )
    obs.finish()
    top.finish()
    return protocol


def _segment(f: Fields) -> Segment:
    bases = [b for b in DoseBasis if f.has(f"dose_{b.value}")]
    if len(bases) != 1:
        names = ", ".join(f"dose_{b.value}" for b in DoseBasis)
        raise f.error("dose", f"give exactly one of {names}")
    basis = bases[0]
    duration_min = f.number("duration_min", positive=True, high=24 * 60)
    segment = Segment(
        name=f.text("name"),
        role=f.text("role"),
        basis=basis,
        dose=f.number(f"dose_{basis.value}", positive=True),
        duration_min=duration_min,
        max_duration_min=f.number("max_duration_min", duration_min, low=duration_min),
    )
    f.finish()
    return segment


def _checklist(f: Fields, default: tuple[str, ...]) -> tuple[str, ...]:
    checklist = f.raw("checklist", list(default))
    if not isinstance(checklist, list) or not all(
        isinstance(item, str) and item.strip() for item in checklist
    ):
        raise f.error("checklist", "must be a list of non-empty texts")
    return tuple(item.strip() for item in checklist)


def _pretreatment(f: Fields, nibp: NibpProgram) -> PretreatmentRules:
    """The [pretreatment] table (CLINICAL.md §11); BP limits are the [nibp] review values."""
    rules = PretreatmentRules(
        max_sbp_mmhg=nibp.baseline_review_sbp_mmhg,
        max_dbp_mmhg=nibp.baseline_review_dbp_mmhg,
        min_hr_bpm=f.number("min_hr_bpm", 50.0, low=20, high=120),
        max_hr_bpm=f.number("max_hr_bpm", 110.0, low=40, high=200),
        min_spo2_pct=f.number("min_spo2_pct", 94.0, low=50, high=100),
        checklist=_checklist(f, DEFAULT_PRETREATMENT_CHECKLIST),
    )
    f.finish()
    if rules.min_hr_bpm >= rules.max_hr_bpm:
        raise f.error("min_hr_bpm", "must be below max_hr_bpm")
    return rules


def _discharge(f: Fields) -> DischargeRules:
    """The [discharge] table (CLINICAL.md §9 defaults for what it leaves out)."""
    checklist = _checklist(f, DEFAULT_CHECKLIST)
    rules = DischargeRules(
        bp_within_min=f.number("bp_within_min", 15.0, low=1, high=120),
        sbp_margin_pct=f.number("sbp_margin_pct", 20.0, low=1, high=100),
        dbp_margin_pct=f.number("dbp_margin_pct", 20.0, low=1, high=100),
        hr_margin_pct=f.number("hr_margin_pct", 20.0, low=1, high=100),
        min_spo2_pct=f.number("min_spo2_pct", 94.0, low=50, high=100),
        min_moaas=int(f.number("min_moaas", 5, low=0, high=5, integer=True)),
        checklist=checklist,
    )
    f.finish()
    return rules


def load_protocols(directory: Path) -> list[Protocol]:
    """All protocols in `directory`, default first. Raises ConfigError on the first bad file."""
    protocols = [load_protocol(p) for p in sorted(directory.glob("*.toml"))]
    if not protocols:
        raise ConfigError(str(directory), "", "no protocol files (*.toml)")
    ids = [p.id for p in protocols]
    duplicates = {i for i in ids if ids.count(i) > 1}
    if duplicates:
        raise ConfigError(str(directory), "id", f"used by more than one file: {sorted(duplicates)}")
    defaults = [p for p in protocols if p.default]
    if len(defaults) > 1:
        raise ConfigError(str(directory), "default", "more than one protocol is the default")
    return sorted(protocols, key=lambda p: (not p.default, p.name))
