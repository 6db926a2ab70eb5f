"""Drug-library limits: soft limits warn and need acknowledgement; hard limits refuse.

Numbers come from `resources/drug_library.toml` (CLINICAL.md §1 design defaults).
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from enum import Enum
from pathlib import Path

from ketamon.core.config import Fields, load_toml


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
                return LimitFinding(key, level, self._msg(value, level, "below", low), value)
            if high is not None and value > high:
                return LimitFinding(key, level, self._msg(value, level, "above", high), value)
        return None

    def _msg(self, value: float, level: LimitLevel, side: str, bound: float) -> str:
        verb = "cannot be used" if level is LimitLevel.HARD else "needs confirmation"
        return (
            f"{self.label} {value:g} {self.unit} is {side} the {level.value} limit "
            f"of {bound:g} {self.unit}: {verb}"
        )


@dataclass(frozen=True)
class LimitFinding:
    """One value outside a limit. `key` identifies the quantity (for acknowledgements)."""

    key: str
    level: LimitLevel
    message: str
    value: float


@dataclass(frozen=True)
class DrugLibrary:
    """Limits for one drug: weight, concentration, and per segment role dose and duration."""

    drug: str
    weight_kg: Limit
    concentration_mg_per_ml: Limit
    role_dose: dict[str, Limit]
    role_duration_min: dict[str, Limit]


def load_drug_library(path: Path) -> DrugLibrary:
    """Read and validate the drug library; raise ConfigError on any problem."""
    data, text = load_toml(path)
    top = Fields(data, str(path), text)
    weight = _limit(top.table("weight_kg"), "Weight", "kg", "")
    conc = _limit(top.table("concentration_mg_per_ml"), "Concentration", "mg/mL", "")
    roles = top.table("roles")
    role_dose: dict[str, Limit] = {}
    role_duration: dict[str, Limit] = {}
    for role in roles.keys():
        r = roles.table(role)
        role_dose[role] = _limit(r, f"{role.capitalize()} dose", "", "dose_")
        role_duration[role] = _limit(r, f"{role.capitalize()} duration", "min", "duration_")
        r.finish()
    roles.finish()
    library = DrugLibrary(top.text("drug"), weight, conc, role_dose, role_duration)
    top.finish()
    return library


def _limit(f: Fields, label: str, unit: str, prefix: str) -> Limit:
    values = {
        name: f.number(f"{prefix}{name}", None, low=0)
        for name in ("soft_min", "soft_max", "hard_min", "hard_max")
    }
    if prefix == "":
        f.finish()
    for low_name, high_name in (("soft_min", "soft_max"), ("hard_min", "hard_max")):
        low, high = values[low_name], values[high_name]
        if low is not None and high is not None and low > high:
            raise f.error(f"{prefix}{low_name}", f"is above {prefix}{high_name}")
    hard_min = values["hard_min"] if values["hard_min"] is not None else -math.inf
    hard_max = values["hard_max"] if values["hard_max"] is not None else math.inf
    for name in ("soft_min", "soft_max"):
        v = values[name]
        if v is not None and not hard_min <= v <= hard_max:
            raise f.error(f"{prefix}{name}", "lies outside the hard limits")
    return Limit(label, unit, **values)
