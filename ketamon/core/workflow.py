"""The clinical steps around the dose: pump hand-offs and discharge criteria (CLINICAL.md §8, §9).

Pure values and functions: the session decides when a hand-off is due and asks
`discharge_check` whether the patient may leave; both say why in plain words.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import cached_property

from ketamon.core.baseline import Baseline
from ketamon.core.vitals import NibpReading


@dataclass(frozen=True)
class PumpHandoff:
    """A change the pump must make at `t_s` (session s): a new rate, or stop.

    ketamon only follows the pump (CLINICAL.md §8): the nurse confirms each change;
    `confirmed_s` is when (None: not yet). Rates in mg/h and mL/h.
    """

    number: int  # 1, 2, ... in session order
    t_s: float
    segment_name: str  # "" when the pump must stop
    rate_mg_per_h: float
    rate_ml_per_h: float
    confirmed_s: float | None = None

    @property
    def stop(self) -> bool:
        return not self.segment_name

    @cached_property  # asked every step while the hand-off waits (the reminder's detail)
    def instruction(self) -> str:
        if self.stop:
            return "Infusion complete: stop the pump"
        return (
            f"{self.segment_name}: set the pump to {self.rate_mg_per_h:.1f} mg/h "
            f"= {self.rate_ml_per_h:.1f} mL/h"
        )

    def data(self) -> dict:
        return {
            "number": self.number,
            "segment": self.segment_name,
            "rate_mg_per_h": round(self.rate_mg_per_h, 3),
            "rate_ml_per_h": round(self.rate_ml_per_h, 3),
            "stop": self.stop,
            "due_s": round(self.t_s, 3),
        }


DEFAULT_CHECKLIST = ("Dissociation resolved", "Able to walk", "Escort present")
# CLINICAL.md §11: the pre-treatment checklist items commonly used.
DEFAULT_PRETREATMENT_CHECKLIST = (
    "Fasting as the clinic requires",
    "No benzodiazepine, stimulant or MAOI today (or noted)",
    "Escort and transport home present",
    "No driving until the next day",
    "Consent current",
)


@dataclass(frozen=True)
class PretreatmentRules:
    """The clinic's pre-treatment range (CLINICAL.md §11 defaults) and checklist.

    BP above `max_sbp_mmhg`/`max_dbp_mmhg`, HR outside `min_hr_bpm`-`max_hr_bpm`
    or SpO2 below `min_spo2_pct` needs a reviewed override with a reason.
    """

    max_sbp_mmhg: float = 140.0
    max_dbp_mmhg: float = 90.0
    min_hr_bpm: float = 50.0
    max_hr_bpm: float = 110.0
    min_spo2_pct: float = 94.0
    checklist: tuple[str, ...] = DEFAULT_PRETREATMENT_CHECKLIST


def pretreatment_findings(b: Baseline, rules: PretreatmentRules) -> list[str]:
    """What in baseline `b` is outside the pre-treatment range, in words with the numbers."""
    out = []
    if b.sbp_mmhg > rules.max_sbp_mmhg or b.dbp_mmhg > rules.max_dbp_mmhg:
        out.append(
            f"resting BP {b.sbp_mmhg:.0f}/{b.dbp_mmhg:.0f} is above "
            f"{rules.max_sbp_mmhg:.0f}/{rules.max_dbp_mmhg:.0f} mmHg"
        )
    if b.hr_bpm is not None and not rules.min_hr_bpm <= b.hr_bpm <= rules.max_hr_bpm:
        out.append(
            f"resting HR {b.hr_bpm:.0f} outside {rules.min_hr_bpm:.0f}-{rules.max_hr_bpm:.0f} bpm"
        )
    if b.spo2_pct is not None and b.spo2_pct < rules.min_spo2_pct:
        out.append(f"SpO2 {b.spo2_pct:.0f}% below {rules.min_spo2_pct:.0f}%")
    return out


@dataclass(frozen=True)
class DischargeRules:
    """A protocol's discharge criteria (CLINICAL.md §9 design defaults).

    `bp_within_min`: a cuff reading at most this old; `*_margin_pct`: SBP, DBP and HR
    within this percentage of baseline; `min_spo2_pct`; `min_moaas`: the latest MOAA/S
    at least this (0: not asked); `checklist`: items the nurse must tick.
    """

    bp_within_min: float = 15.0
    sbp_margin_pct: float = 20.0
    dbp_margin_pct: float = 20.0
    hr_margin_pct: float = 20.0
    min_spo2_pct: float = 94.0
    min_moaas: int = 5
    checklist: tuple[str, ...] = DEFAULT_CHECKLIST


@dataclass(frozen=True)
class Criterion:
    """One discharge criterion, judged: `met`, and the numbers in words."""

    name: str
    met: bool
    text: str


@dataclass(frozen=True)
class DischargeInputs:
    """What the criteria are judged on, at session time `t_s` (seconds)."""

    t_s: float
    observation_left_s: float | None  # None: the infusion has not ended
    baseline: Baseline | None
    last_bp: NibpReading | None
    hr_bpm: float | None
    spo2_pct: float | None
    alarms: tuple[str, ...]  # labels of active or unacknowledged alarms
    moaas: int | None
    checklist: tuple[str, ...] = field(default_factory=tuple)


def _within(name: str, value: float | None, base: float | None, pct: float, unit: str):
    if value is None:
        return Criterion(name, False, f"{name}: no value")
    if base is None:
        return Criterion(name, False, f"{name} {value:.0f} {unit}: no baseline to compare")
    low, high = base * (1 - pct / 100.0), base * (1 + pct / 100.0)
    change = 100.0 * (value - base) / base
    met = low <= value <= high
    words = "within" if met else "outside"
    return Criterion(
        name,
        met,
        f"{name} {value:.0f} {unit} is {change:+.0f}% of baseline {base:.0f} "
        f"({words} {pct:g}%: {low:.0f}-{high:.0f})",
    )


def discharge_check(rules: DischargeRules, x: DischargeInputs) -> list[Criterion]:
    """Every criterion of `rules`, judged on `x`, in the order a nurse reads them."""
    out: list[Criterion] = []
    if x.observation_left_s is None:
        out.append(Criterion("observation", False, "The infusion has not ended"))
    elif x.observation_left_s > 0:
        left_min = x.observation_left_s / 60.0
        out.append(Criterion("observation", False, f"Observation: {left_min:.0f} min left"))
    else:
        out.append(Criterion("observation", True, "Observation complete"))
    if x.last_bp is None:
        out.append(Criterion("fresh_bp", False, "No BP measured: take one before discharge"))
    else:
        age_min = (x.t_s - x.last_bp.t_s) / 60.0
        fresh = age_min <= rules.bp_within_min + 1e-9
        text = (
            f"Last BP {x.last_bp.sbp_mmhg:.0f}/{x.last_bp.dbp_mmhg:.0f} {age_min:.0f} min ago"
            + ("" if fresh else f" (older than {rules.bp_within_min:g} min: take a new one)")
        )
        out.append(Criterion("fresh_bp", fresh, text))
    b = x.baseline
    sbp = x.last_bp.sbp_mmhg if x.last_bp else None
    dbp = x.last_bp.dbp_mmhg if x.last_bp else None
    out.append(_within("SBP", sbp, b.sbp_mmhg if b else None, rules.sbp_margin_pct, "mmHg"))
    out.append(_within("DBP", dbp, b.dbp_mmhg if b else None, rules.dbp_margin_pct, "mmHg"))
    out.append(_within("HR", x.hr_bpm, b.hr_bpm if b else None, rules.hr_margin_pct, "bpm"))
    if x.spo2_pct is not None:
        ok = x.spo2_pct >= rules.min_spo2_pct
        out.append(
            Criterion("SpO2", ok, f"SpO2 {x.spo2_pct:.0f}% (at least {rules.min_spo2_pct:g}%)")
        )
    if x.alarms:
        out.append(
            Criterion("alarms", False, "Alarm active or unacknowledged: " + ", ".join(x.alarms))
        )
    else:
        out.append(Criterion("alarms", True, "No active or unacknowledged alarm"))
    if rules.min_moaas > 0:
        if x.moaas is None:
            out.append(Criterion("sedation", False, "No MOAA/S sedation score recorded"))
        else:
            ok = x.moaas >= rules.min_moaas
            out.append(Criterion("sedation", ok, f"MOAA/S {x.moaas} (needs {rules.min_moaas})"))
    ticked = {item.strip().casefold() for item in x.checklist}
    for item in rules.checklist:
        ok = item.casefold() in ticked
        out.append(Criterion("checklist", ok, f"{item}: {'ticked' if ok else 'not ticked'}"))
    return out


def unmet(criteria: list[Criterion]) -> list[Criterion]:
    return [c for c in criteria if not c.met]
