"""Artefact rules: a cuff reading or heart rate that cannot be physiology is rejected.

A rejected value is never shown as a vital, a peak or part of a baseline: the
session drops it from the batch, counts it and records an `artefact.rejected`
event with the values and the reason (so nothing is lost and review can list it).
Thresholds come from resources/artefact_rules.toml (design defaults, clinic-editable).
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from ketamon.core.config import ConfigError, Fields, load_toml
from ketamon.core.vitals import Sample, Vital


@dataclass(frozen=True)
class ArtefactRules:
    """Limits in mmHg, bpm, and the DBP/SBP ratio (dimensionless)."""

    min_pulse_pressure_mmhg: float = 10.0
    max_pulse_pressure_mmhg: float = 150.0
    min_dbp_sbp_ratio: float = 0.3
    max_dbp_sbp_ratio: float = 0.8
    min_hr_bpm: float = 25.0
    max_hr_bpm: float = 250.0

    def nibp_problem(self, sbp: float, dbp: float, mean: float | None) -> str | None:
        """Why the reading SBP/DBP (MAP) is an artefact, or None if it is plausible."""
        pulse = sbp - dbp
        if pulse < self.min_pulse_pressure_mmhg:
            return f"pulse pressure {pulse:g} mmHg < {self.min_pulse_pressure_mmhg:g}"
        if pulse > self.max_pulse_pressure_mmhg:
            return f"pulse pressure {pulse:g} mmHg > {self.max_pulse_pressure_mmhg:g}"
        if mean is not None and not dbp <= mean <= sbp:
            return f"MAP {mean:g} not between DBP {dbp:g} and SBP {sbp:g}"
        if sbp <= 0:  # no pressure, and no ratio to take (SBP 0 divided by zero)
            return f"SBP {sbp:g} mmHg not above 0"
        ratio = dbp / sbp
        if not self.min_dbp_sbp_ratio <= ratio <= self.max_dbp_sbp_ratio:
            return (
                f"DBP/SBP {ratio:.2f} outside {self.min_dbp_sbp_ratio:g}-{self.max_dbp_sbp_ratio:g}"
            )
        return None

    def hr_problem(self, hr: float) -> str | None:
        if not self.min_hr_bpm <= hr <= self.max_hr_bpm:
            return f"HR {hr:g} outside {self.min_hr_bpm:g}-{self.max_hr_bpm:g} bpm"
        return None


@dataclass(frozen=True)
class Rejection:
    """What was rejected at `t_s` (vital name -> value) and why."""

    t_s: float
    values: dict[str, float]
    reason: str


def split_artefacts(
    rules: ArtefactRules, samples: list[Sample]
) -> tuple[list[Sample], list[Rejection]]:
    """The samples to keep, and the rejected readings/values (cuff readings as a whole)."""
    low_hr, high_hr = rules.min_hr_bpm, rules.max_hr_bpm
    for s in samples:
        if s.vital.is_nibp or (s.vital is Vital.HR and not low_hr <= s.value <= high_hr):
            break
    else:  # most batches: no cuff reading, no HR to refuse
        return list(samples), []
    return _split(rules, samples)


def _split(rules: ArtefactRules, samples: list[Sample]) -> tuple[list[Sample], list[Rejection]]:
    readings: dict[float, dict[Vital, float]] = {}
    for s in samples:
        if s.vital.is_nibp:
            readings.setdefault(s.t_s, {})[s.vital] = s.value
    rejected_t: dict[float, Rejection] = {}
    for t_s, parts in readings.items():
        if Vital.SBP in parts and Vital.DBP in parts:
            problem = rules.nibp_problem(parts[Vital.SBP], parts[Vital.DBP], parts.get(Vital.MAP))
            if problem:
                values = {v.value: x for v, x in parts.items()}
                rejected_t[t_s] = Rejection(t_s, values, f"NIBP artefact: {problem}")
    kept: list[Sample] = []
    rejections = list(rejected_t.values())
    for s in samples:
        if s.vital.is_nibp and s.t_s in rejected_t:
            continue
        if s.vital is Vital.HR and (problem := rules.hr_problem(s.value)):
            rejections.append(Rejection(s.t_s, {"hr": s.value}, f"HR artefact: {problem}"))
            continue
        kept.append(s)
    return kept, rejections


def load_artefact_rules(path: Path) -> ArtefactRules:
    """Read and validate the artefact rules; ConfigError names file, line, field, reason."""
    data, text = load_toml(path)
    f = Fields(data, str(path), text)
    rules = ArtefactRules(
        min_pulse_pressure_mmhg=f.number("min_pulse_pressure_mmhg", 10.0, low=0, high=100),
        max_pulse_pressure_mmhg=f.number("max_pulse_pressure_mmhg", 150.0, low=20, high=300),
        min_dbp_sbp_ratio=f.number("min_dbp_sbp_ratio", 0.3, low=0, high=1),
        max_dbp_sbp_ratio=f.number("max_dbp_sbp_ratio", 0.8, low=0, high=1),
        min_hr_bpm=f.number("min_hr_bpm", 25.0, low=0, high=100),
        max_hr_bpm=f.number("max_hr_bpm", 250.0, low=100, high=350),
    )
    f.finish()
    for low, high in (
        ("min_pulse_pressure_mmhg", "max_pulse_pressure_mmhg"),
        ("min_dbp_sbp_ratio", "max_dbp_sbp_ratio"),
        ("min_hr_bpm", "max_hr_bpm"),
    ):
        if getattr(rules, low) >= getattr(rules, high):
            raise ConfigError(str(path), low, f"must be below {high}")
    return rules
