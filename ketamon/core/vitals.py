"""Vital-sign samples: the one currency every source, the session and the UI share."""

from __future__ import annotations

import math
from dataclasses import dataclass
from enum import Enum


class Vital(Enum):
    """A vital-sign channel; `unit` is what its values are measured in."""

    HR = "hr"
    SPO2 = "spo2"
    RR = "rr"
    SBP = "sbp"
    DBP = "dbp"
    MAP = "map"

    @property
    def unit(self) -> str:
        return _UNITS[self]

    @property
    def label(self) -> str:
        return _LABELS[self]

    # Members are singletons compared by identity: hashing by identity keeps dict and
    # set look-ups keyed by a vital (several per sample) as cheap as for a plain object.
    # (Set order was never stable across runs: str hashes are salted per process.)
    __hash__ = object.__hash__

    def __init__(self, value: str):
        # Plain attributes, not properties: read for every sample (`value` is an enum
        # property, several times slower; `key` is the same string).
        self.is_nibp: bool = value in ("sbp", "dbp", "map")
        self.key: str = value


_UNITS = {
    Vital.HR: "bpm",
    Vital.SPO2: "%",
    Vital.RR: "/min",
    Vital.SBP: "mmHg",
    Vital.DBP: "mmHg",
    Vital.MAP: "mmHg",
}
_LABELS = {
    Vital.HR: "HR",
    Vital.SPO2: "SpO2",
    Vital.RR: "RR",
    Vital.SBP: "SBP",
    Vital.DBP: "DBP",
    Vital.MAP: "MAP",
}

# Values outside these ranges cannot come from a living patient: a source that
# produces one has an artefact, and the value is rejected, never shown.
PLAUSIBLE_RANGE = {
    Vital.HR: (15.0, 300.0),
    Vital.SPO2: (40.0, 100.0),
    Vital.RR: (0.0, 80.0),
    Vital.SBP: (40.0, 300.0),
    Vital.DBP: (15.0, 200.0),
    Vital.MAP: (20.0, 250.0),
}


def is_plausible(vital: Vital, value: float) -> bool:
    """True when `value` could be a real measurement of `vital`."""
    if not math.isfinite(value):
        return False
    low, high = PLAUSIBLE_RANGE[vital]
    return low <= value <= high


@dataclass(frozen=True, slots=True)
class Sample:
    """One measured value of one vital at session time `t_s` (seconds), in `vital.unit`."""

    t_s: float
    vital: Vital
    value: float


@dataclass(frozen=True, slots=True)
class NibpReading:
    """One completed cuff measurement at `t_s`: systolic, diastolic and mean, in mmHg."""

    t_s: float
    sbp_mmhg: float
    dbp_mmhg: float
    map_mmhg: float

    def samples(self) -> list[Sample]:
        return [
            Sample(self.t_s, Vital.SBP, self.sbp_mmhg),
            Sample(self.t_s, Vital.DBP, self.dbp_mmhg),
            Sample(self.t_s, Vital.MAP, self.map_mmhg),
        ]


def estimated_map(sbp_mmhg: float, dbp_mmhg: float) -> float:
    """Mean arterial pressure estimated as DBP + (SBP - DBP) / 3, in mmHg."""
    return dbp_mmhg + (sbp_mmhg - dbp_mmhg) / 3.0
