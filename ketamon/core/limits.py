"""Drug-library limits: soft limits warn and need acknowledgement; hard limits refuse.

Numbers come from `resources/drug_library.toml` (CLINICAL.md §1 and §8 design
defaults). Dose limits are keyed by role and dose unit (mg/kg, mg/kg/h, mg), so a
segment is judged in every unit the library knows for its role, whatever unit the
protocol wrote it in.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from enum import Enum
from pathlib import Path

from ketamon.core.config import Fields, load_toml
from ketamon.core.protocol import DoseBasis


class LimitLevel(Enum):
    SOFT = "soft"
    HARD = "hard"


@dataclass(frozen=True)
class Limit:
    """Bounds for one quantity in `unit`; None means unbounded on that side."""

    label: str
    unit: str
    soft_min: float | None = None
    soft_max: float | None = None
    hard_min: float | None = None
    hard_max: float | None = None

    def check(self, key: str, value: float) -> LimitFinding | None:
        if not math.isfinite(value):  # nan compares false with every bound: refuse it here
            return LimitFinding(
                key, LimitLevel.HARD, f"{self.label} {value} is not a number: cannot be used", value
            )
        for level, low, high in (
            (LimitLevel.HARD, self.hard_min, self.hard_max),
            (LimitLevel.SOFT, self.soft_min, self.soft_max),
        ):
            if low is not None and value < low:
                return LimitFinding(key, level, self._msg(value, level, "below", low), value, low)
            if high is not None and value > high:
                return LimitFinding(key, level, self._msg(value, level, "above", high), value, high)
        return None

    def _msg(self, value: float, level: LimitLevel, side: str, bound: float) -> str:
        verb = "cannot be used" if level is LimitLevel.HARD else "needs confirmation"
        return (
            f"{self.label} {_fmt(value)} {self.unit} is {side} the {level.value} limit "
            f"of {bound:g} {self.unit}: {verb}"
        )


@dataclass(frozen=True)
class LimitFinding:
    """One value outside a limit. `key` identifies the quantity (for acknowledgements).

    `limit` is the bound that was crossed, in the same unit as `value` (NaN when the
    finding is not a number against a bound, e.g. a role with no limits).
    """

    key: str
    level: LimitLevel
    message: str
    value: float
    limit: float = field(default=math.nan, compare=False)


@dataclass(frozen=True)
class DrugLibrary:
    """Limits for one drug.

    `role_dose[role][basis]`: dose limits of a segment role in that unit (mg/kg is the
    dose over the segment, mg/kg/h its rate, mg its dose). Per-kg limits are checked on
    the dosing weight and on actual weight (CLINICAL.md §8). `rate_ml_per_h` is the pump
    rate; `cumulative_mg` and `cumulative_mg_per_kg` bound the whole session's dose
    (per kg of actual weight).
    """

    drug: str
    weight_kg: Limit
    concentration_mg_per_ml: Limit
    role_dose: dict[str, dict[DoseBasis, Limit]]
    role_duration_min: dict[str, Limit]
    rate_ml_per_h: Limit = Limit("Pump rate", "mL/h")
    cumulative_mg: Limit = Limit("Total dose", "mg")
    cumulative_mg_per_kg: Limit = Limit("Total dose", "mg/kg actual weight")


def load_drug_library(path: Path) -> DrugLibrary:
    """Read and validate the drug library; raise ConfigError on any problem."""
    data, text = load_toml(path)
    top = Fields(data, str(path), text)
    weight = _limit(top.table("weight_kg"), "Weight", "kg")
    conc = _limit(top.table("concentration_mg_per_ml"), "Concentration", "mg/mL")
    rate = _limit(top.table("rate_ml_per_h", default={}), "Pump rate", "mL/h")
    cumulative = top.table("cumulative", default={})
    cumulative_mg = _limit(cumulative.table("mg", default={}), "Total dose", "mg")
    cumulative_per_kg = _limit(
        cumulative.table("mg_per_kg", default={}), "Total dose", "mg/kg actual weight"
    )
    cumulative.finish()
    roles = top.table("roles")
    role_dose: dict[str, dict[DoseBasis, Limit]] = {}
    role_duration: dict[str, Limit] = {}
    for role in roles.keys():
        r = roles.table(role)
        name = role.capitalize()
        role_dose[role] = {
            basis: _limit(r.table(basis.value), f"{name} dose", basis.unit)
            for basis in DoseBasis
            if r.has(basis.value)
        }
        if not role_dose[role]:
            units = ", ".join(b.value for b in DoseBasis)
            raise roles.error(role, f"give dose limits in at least one of {units}")
        role_duration[role] = _limit(r.table("duration_min", default={}), f"{name} duration", "min")
        r.finish()
    roles.finish()
    library = DrugLibrary(
        top.text("drug"),
        weight,
        conc,
        role_dose,
        role_duration,
        rate_ml_per_h=rate,
        cumulative_mg=cumulative_mg,
        cumulative_mg_per_kg=cumulative_per_kg,
    )
    top.finish()
    return library


def _limit(f: Fields, label: str, unit: str) -> Limit:
    values = {}
    for name in ("soft_min", "soft_max", "hard_min", "hard_max"):
        value = f.number(name, None, low=0)
        if value is not None and not math.isfinite(value):
            raise f.error(name, f"must be a finite number (got {value:g})")
        values[name] = value
    f.finish()
    for low_name, high_name in (("soft_min", "soft_max"), ("hard_min", "hard_max")):
        low, high = values[low_name], values[high_name]
        if low is not None and high is not None and low > high:
            raise f.error(low_name, f"is above {high_name}")
    hard_min = values["hard_min"] if values["hard_min"] is not None else -math.inf
    hard_max = values["hard_max"] if values["hard_max"] is not None else math.inf
    for name in ("soft_min", "soft_max"):
        v = values[name]
        if v is not None and not hard_min <= v <= hard_max:
            raise f.error(name, "lies outside the hard limits")
    return Limit(label, unit, **values)


def _fmt(value: float) -> str:
    """Four significant figures (150.5 kg, 0.9357 mg/kg), no exponent for large numbers."""
    return f"{value:.0f}" if abs(value) >= 1000 else f"{value:.4g}"
