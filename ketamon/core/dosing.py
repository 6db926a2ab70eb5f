"""Dose calculation (CLINICAL.md §1): dosing weight, per-segment mg, mg/h and mL/h, limits.

All weights in kg, heights in cm, doses in mg, rates in mg/h and mL/h,
concentrations in mg/mL, durations in seconds unless the name says minutes.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, replace
from enum import Enum

from ketamon.core.limits import DrugLibrary, Limit, LimitFinding, LimitLevel
from ketamon.core.protocol import DoseBasis, Protocol, Segment


class InputError(ValueError):
    """A value the nurse typed cannot be used; the message says which and why."""


class Sex(Enum):
    MALE = "male"
    FEMALE = "female"


class WeightBasis(Enum):
    """Which body weight the mg/kg doses are computed on."""

    ACTUAL = "actual"
    IDEAL = "ideal"
    ADJUSTED = "adjusted"


def parse_positive(text: str, label: str, unit: str) -> float:
    """Parse a typed quantity; refuse empty, non-numeric, zero and negative input."""
    cleaned = text.strip().replace(",", ".")
    if not cleaned:
        raise InputError(f"{label} is required ({unit}).")
    try:
        value = float(cleaned)
    except ValueError:
        raise InputError(f"{label}: '{text.strip()}' is not a number ({unit}).") from None
    if not math.isfinite(value):
        raise InputError(f"{label}: '{text.strip()}' is not a number ({unit}).")
    if value <= 0:
        raise InputError(f"{label} must be greater than 0 {unit} (got {value:g}).")
    return value


def ideal_body_weight_kg(height_cm: float, sex: Sex) -> float:
    """Devine (CLINICAL.md §1): 50 kg male / 45.5 kg female + 0.91 x (height_cm - 152.4)."""
    base_kg = 50.0 if sex is Sex.MALE else 45.5
    return base_kg + 0.91 * (height_cm - 152.4)


def adjusted_body_weight_kg(actual_kg: float, ideal_kg: float) -> float:
    """IBW + 0.4 x (actual - IBW) (CLINICAL.md §1)."""
    return ideal_kg + 0.4 * (actual_kg - ideal_kg)


@dataclass(frozen=True)
class Patient:
    """Who is treated: actual weight (kg), optional height (cm) and sex, and the weight basis."""

    weight_kg: float
    patient_id: str = ""
    height_cm: float | None = None
    sex: Sex | None = None
    basis: WeightBasis = WeightBasis.ACTUAL

    def dosing_weight_kg(self) -> float:
        if self.basis is WeightBasis.ACTUAL:
            return self.weight_kg
        if self.height_cm is None or self.sex is None:
            raise InputError(f"{self.basis.value.capitalize()} body weight needs height and sex.")
        if not 120 <= self.height_cm <= 230:
            raise InputError(f"Height {self.height_cm:g} cm is outside 120-230 cm.")
        ibw = ideal_body_weight_kg(self.height_cm, self.sex)
        if self.basis is WeightBasis.IDEAL:
            return ibw
        return adjusted_body_weight_kg(self.weight_kg, ibw)


@dataclass(frozen=True)
class SegmentPlan:
    """A segment turned into pump settings for this patient."""

    name: str
    role: str
    duration_s: float
    dose_mg: float
    rate_mg_per_h: float
    rate_ml_per_h: float


@dataclass(frozen=True)
class DosePlan:
    """The whole prescription for this patient: segments back to back, then observation."""

    protocol: Protocol
    patient: Patient
    dosing_weight_kg: float
    concentration_mg_per_ml: float
    segments: tuple[SegmentPlan, ...]

    @property
    def total_mg(self) -> float:
        return sum(s.dose_mg for s in self.segments)

    @property
    def total_ml(self) -> float:
        return self.total_mg / self.concentration_mg_per_ml

    @property
    def infusion_s(self) -> float:
        return sum(s.duration_s for s in self.segments)

    @property
    def observation_s(self) -> float:
        return self.protocol.observation_min * 60.0


def segment_plan(segment: Segment, weight_kg: float, conc_mg_per_ml: float) -> SegmentPlan:
    """mg, mg/h and mL/h for one segment (pump rate mL/h = mg/h / mg/mL, CLINICAL.md §1)."""
    hours = segment.duration_min / 60.0
    if segment.basis is DoseBasis.MG_PER_KG:
        dose_mg = segment.dose * weight_kg
    elif segment.basis is DoseBasis.MG_PER_KG_PER_H:
        dose_mg = segment.dose * weight_kg * hours
    else:
        dose_mg = segment.dose
    rate_mg_per_h = dose_mg / hours
    return SegmentPlan(
        name=segment.name,
        role=segment.role,
        duration_s=segment.duration_min * 60.0,
        dose_mg=dose_mg,
        rate_mg_per_h=rate_mg_per_h,
        rate_ml_per_h=rate_mg_per_h / conc_mg_per_ml,
    )


def make_plan(protocol: Protocol, patient: Patient, conc_mg_per_ml: float) -> DosePlan:
    """Compute the dose plan. Does not judge limits: see `check_limits`."""
    weight_kg = patient.dosing_weight_kg()
    return DosePlan(
        protocol=protocol,
        patient=patient,
        dosing_weight_kg=weight_kg,
        concentration_mg_per_ml=conc_mg_per_ml,
        segments=tuple(segment_plan(s, weight_kg, conc_mg_per_ml) for s in protocol.segments),
    )


def check_limits(plan: DosePlan, library: DrugLibrary) -> list[LimitFinding]:
    """Every drug-library limit the plan breaks, hard ones first."""
    findings = [
        library.weight_kg.check("weight_kg", plan.patient.weight_kg),
        library.concentration_mg_per_ml.check(
            "concentration_mg_per_ml", plan.concentration_mg_per_ml
        ),
    ]
    for i, segment in enumerate(plan.protocol.segments):
        dose_limit = library.role_dose.get(segment.role)
        if dose_limit is None:
            findings.append(
                LimitFinding(
                    f"segment{i}.role",
                    LimitLevel.HARD,
                    f"{segment.name}: no drug-library limits for role '{segment.role}'",
                    math.nan,
                )
            )
            continue
        labelled = _with_unit(dose_limit, f"{segment.name} dose", segment.basis.unit)
        findings.append(labelled.check(f"segment{i}.dose", segment.dose))
        duration_limit = _with_unit(
            library.role_duration_min[segment.role], f"{segment.name} duration", "min"
        )
        findings.append(duration_limit.check(f"segment{i}.duration_min", segment.duration_min))
    real = [f for f in findings if f is not None]
    return sorted(real, key=lambda f: f.level is not LimitLevel.HARD)


def _with_unit(limit: Limit, label: str, unit: str) -> Limit:
    return replace(limit, label=label, unit=unit)
