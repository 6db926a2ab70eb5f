"""Dose calculation (CLINICAL.md §1, §8): dosing weight, per-segment mg, mg/h, mL/h and VTBI,
the bag, volume infused, and drug-library limits.

All weights in kg, heights in cm, doses in mg, rates in mg/h and mL/h, volumes in mL,
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
    vtbi_ml: float = 0.0  # volume to be infused by this segment (CLINICAL.md §8)


@dataclass(frozen=True)
class DosePlan:
    """The whole prescription for this patient: segments back to back, then observation.

    `bag_volume_ml` is the bag hung on the pump (None: not entered, e.g. a demo or an
    old recording); its contents are concentration x volume.
    """

    protocol: Protocol
    patient: Patient
    dosing_weight_kg: float
    concentration_mg_per_ml: float
    segments: tuple[SegmentPlan, ...]
    bag_volume_ml: float | None = None

    @property
    def bag_contents_mg(self) -> float | None:
        if self.bag_volume_ml is None:
            return None
        return self.bag_volume_ml * self.concentration_mg_per_ml

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
        vtbi_ml=dose_mg / conc_mg_per_ml,
    )


def concentration_from_bag(contents_mg: float, volume_ml: float) -> float:
    """mg/mL of a bag holding `contents_mg` in `volume_ml` (e.g. 50 mg in 50 mL = 1 mg/mL)."""
    if volume_ml <= 0:
        raise InputError(f"Bag volume must be greater than 0 mL (got {volume_ml:g}).")
    return contents_mg / volume_ml


def make_plan(
    protocol: Protocol,
    patient: Patient,
    conc_mg_per_ml: float,
    bag_volume_ml: float | None = None,
) -> DosePlan:
    """Compute the dose plan. Does not judge limits: see `check_limits`."""
    weight_kg = patient.dosing_weight_kg()
    return DosePlan(
        protocol=protocol,
        patient=patient,
        dosing_weight_kg=weight_kg,
        concentration_mg_per_ml=conc_mg_per_ml,
        segments=tuple(segment_plan(s, weight_kg, conc_mg_per_ml) for s in protocol.segments),
        bag_volume_ml=bag_volume_ml,
    )


# ---- what the pump has done after running `run_s` seconds (pauses excluded) -------------


def delivered_mg_after(plan: DosePlan, run_s: float) -> float:
    """Dose (mg) after the pump has run `run_s` s at the planned rates (CLINICAL.md §1)."""
    total_mg, start_s = 0.0, 0.0
    for seg in plan.segments:
        overlap_s = min(max(run_s - start_s, 0.0), seg.duration_s)
        total_mg += seg.rate_mg_per_h * overlap_s / 3600.0
        start_s += seg.duration_s
    return total_mg


def volume_infused_ml(plan: DosePlan, run_s: float) -> float:
    """Volume (mL) the pump has infused after running `run_s` s."""
    return delivered_mg_after(plan, run_s) / plan.concentration_mg_per_ml


def bag_empty_in_s(plan: DosePlan, run_s: float) -> float | None:
    """Running seconds from `run_s` until the bag is empty at the planned rates.

    None when no bag was entered or the bag outlasts the plan (CLINICAL.md §8:
    time to empty = remaining mL / rate, segment by segment).
    """
    if plan.bag_volume_ml is None:
        return None
    left_ml = plan.bag_volume_ml - volume_infused_ml(plan, run_s)
    start_s = 0.0
    for seg in plan.segments:
        end_s = start_s + seg.duration_s
        if run_s < end_s:
            span_s = end_s - max(run_s, start_s)
            seg_ml = seg.rate_ml_per_h * span_s / 3600.0
            if seg_ml > left_ml + 1e-9:
                return max(run_s, start_s) - run_s + left_ml / seg.rate_ml_per_h * 3600.0
            left_ml -= seg_ml
        start_s = end_s
    return None


def check_limits(plan: DosePlan, library: DrugLibrary) -> list[LimitFinding]:
    """Every drug-library limit the plan breaks, hard ones first.

    Keys name the quantity (and so the entry a nurse must look at): `weight_kg`,
    `concentration_mg_per_ml`, `segment<i>.dose` (the prescribed number, in the
    protocol's unit), `segment<i>.<unit>` (the same dose in another unit),
    `segment<i>.<unit>_actual` (per kg of actual weight), `segment<i>.duration_min`,
    `segment<i>.rate_ml_per_h`, `total.mg`, `total.mg_per_kg_actual` and `bag.volume_ml`.
    """
    actual_kg = plan.patient.weight_kg
    findings = [
        library.weight_kg.check("weight_kg", actual_kg),
        library.concentration_mg_per_ml.check(
            "concentration_mg_per_ml", plan.concentration_mg_per_ml
        ),
    ]
    for i, (segment, seg_plan) in enumerate(
        zip(plan.protocol.segments, plan.segments, strict=True)
    ):
        findings += _segment_findings(i, segment, seg_plan, plan, library)
    findings.append(library.cumulative_mg.check("total.mg", _rounded(plan.total_mg)))
    findings.append(
        library.cumulative_mg_per_kg.check(
            "total.mg_per_kg_actual", _rounded(plan.total_mg / actual_kg)
        )
    )
    findings.append(_bag_finding(plan))
    real = [f for f in findings if f is not None]
    return sorted(real, key=lambda f: f.level is not LimitLevel.HARD)


def _segment_findings(
    i: int, segment: Segment, seg_plan: SegmentPlan, plan: DosePlan, library: DrugLibrary
) -> list[LimitFinding | None]:
    dose_limits = library.role_dose.get(segment.role)
    if dose_limits is None or segment.basis not in dose_limits:
        where = f"role '{segment.role}'" if dose_limits is None else segment.basis.unit
        return [
            LimitFinding(
                f"segment{i}.dose",
                LimitLevel.HARD,
                f"{segment.name}: no drug-library limits for {where}: cannot be used",
                math.nan,
            )
        ]
    out: list[LimitFinding | None] = []
    actual_kg = plan.patient.weight_kg
    on_actual = abs(actual_kg - plan.dosing_weight_kg) > 1e-9
    for basis, limit in dose_limits.items():
        own = basis is segment.basis
        value = segment.dose if own else _dose_in(basis, seg_plan, plan.dosing_weight_kg)
        key = f"segment{i}.dose" if own else f"segment{i}.{basis.value}"
        out.append(_with_unit(limit, f"{segment.name} dose", basis.unit).check(key, value))
        if on_actual and basis is not DoseBasis.MG:
            # Ideal/adjusted weight can put more mg on a light patient than the
            # limits allow per kg of the body that receives it (CLINICAL.md §8).
            label = f"{segment.name} dose on actual weight ({actual_kg:g} kg)"
            out.append(
                _with_unit(limit, label, basis.unit).check(
                    f"segment{i}.{basis.value}_actual", _dose_in(basis, seg_plan, actual_kg)
                )
            )
    duration = library.role_duration_min.get(segment.role)
    if duration is not None:
        labelled = _with_unit(duration, f"{segment.name} duration", "min")
        out.append(labelled.check(f"segment{i}.duration_min", segment.duration_min))
    rate = _with_unit(library.rate_ml_per_h, f"{segment.name} pump rate", "mL/h")
    out.append(rate.check(f"segment{i}.rate_ml_per_h", _rounded(seg_plan.rate_ml_per_h)))
    return out


def _dose_in(basis: DoseBasis, seg_plan: SegmentPlan, weight_kg: float) -> float:
    """The segment's dose expressed in `basis` for `weight_kg`."""
    if basis is DoseBasis.MG_PER_KG:
        value = seg_plan.dose_mg / weight_kg
    elif basis is DoseBasis.MG_PER_KG_PER_H:
        value = seg_plan.rate_mg_per_h / weight_kg
    else:
        value = seg_plan.dose_mg
    return _rounded(value)


def _bag_finding(plan: DosePlan) -> LimitFinding | None:
    """The bag must hold the planned dose (CLINICAL.md §8); if not, a bag change is needed."""
    if plan.bag_volume_ml is None or plan.total_ml <= plan.bag_volume_ml * (1 + 1e-9):
        return None
    empty_s = bag_empty_in_s(plan, 0.0) or 0.0
    return LimitFinding(
        "bag.volume_ml",
        LimitLevel.SOFT,
        f"Bag {plan.bag_contents_mg:.3g} mg in {plan.bag_volume_ml:g} mL holds less than the "
        f"planned {plan.total_mg:.1f} mg ({plan.total_ml:.1f} mL): it runs out after "
        f"{empty_s / 60:.0f} min of infusion: needs confirmation",
        _rounded(plan.total_ml),
        plan.bag_volume_ml,
    )


def _rounded(value: float) -> float:
    """Derived values to 9 significant digits, so 0.5 mg/kg over 40 min is 0.75 mg/kg/h exactly."""
    return float(f"{value:.9g}")


def _with_unit(limit: Limit, label: str, unit: str) -> Limit:
    return replace(limit, label=label, unit=unit)
