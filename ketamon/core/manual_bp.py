"""A blood pressure the nurse measured and typed in (a manual cuff, or a cuff with no link).

It is a sample like any device reading: the session judges it by the same alarm and
artefact rules, counts it toward the measured baseline when taken before the start,
and records it as the nurse's `enter_bp` command and as samples. Times in session s.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from ketamon.core.vitals import Sample, Vital, estimated_map, is_plausible

MAX_BACK_S = 15 * 60.0  # a reading may be entered up to 15 min after it was taken
MANUAL_SOURCE = "manual"  # what a numerics tile says a manual value came from


@dataclass(frozen=True)
class ManualBp:
    """SBP/DBP (and MAP, computed when not given) in mmHg, HR in bpm, taken at `measured_at_s`."""

    sbp_mmhg: float
    dbp_mmhg: float
    measured_at_s: float
    map_mmhg: float | None = None
    hr_bpm: float | None = None

    @property
    def mean_mmhg(self) -> float:
        """The MAP shown and recorded: the one measured, else DBP + (SBP - DBP) / 3."""
        if self.map_mmhg is not None:
            return self.map_mmhg
        return estimated_map(self.sbp_mmhg, self.dbp_mmhg)

    def problem(self, now_s: float) -> str | None:
        """Why this reading cannot be taken at session time `now_s`; None when it can."""
        values = [
            (Vital.SBP, self.sbp_mmhg),
            (Vital.DBP, self.dbp_mmhg),
            (Vital.MAP, self.map_mmhg),
            (Vital.HR, self.hr_bpm),
        ]
        for vital, value in values:
            if value is None:
                continue
            if not is_plausible(vital, value):
                return f"{vital.label} {value:g} {vital.unit} is not a possible value."
        if self.dbp_mmhg >= self.sbp_mmhg:
            return f"DBP ({self.dbp_mmhg:g}) must be below SBP ({self.sbp_mmhg:g})."
        if self.map_mmhg is not None and not self.dbp_mmhg <= self.map_mmhg <= self.sbp_mmhg:
            return f"MAP ({self.map_mmhg:g}) must lie between DBP and SBP."
        if not math.isfinite(self.measured_at_s) or self.measured_at_s < 0:
            return "The measured-at time is not a session time."
        if self.measured_at_s > now_s + 1e-6:
            return "The measured-at time is in the future."
        # 1 s of slack: the dialog's "15 min ago" is judged a moment after it was read.
        if now_s - self.measured_at_s > MAX_BACK_S + 1.0:
            back_min = (now_s - self.measured_at_s) / 60.0
            return (
                f"Measured {back_min:.0f} min ago: a reading can be entered up to "
                f"{MAX_BACK_S / 60:.0f} min after it was taken."
            )
        return None

    def samples(self) -> list[Sample]:
        """The reading as samples: one cuff reading (SBP, DBP, MAP), then HR if given."""
        t = self.measured_at_s
        out = [
            Sample(t, Vital.SBP, self.sbp_mmhg),
            Sample(t, Vital.DBP, self.dbp_mmhg),
            Sample(t, Vital.MAP, self.mean_mmhg),
        ]
        if self.hr_bpm is not None:
            out.append(Sample(t, Vital.HR, self.hr_bpm))
        return out

    def args(self) -> dict:
        """The `enter_bp` command record's arguments (rebuild reads them back)."""
        return {
            "sbp": self.sbp_mmhg,
            "dbp": self.dbp_mmhg,
            "map": self.map_mmhg,
            "hr": self.hr_bpm,
            "measured_at_s": self.measured_at_s,
        }

    @classmethod
    def from_args(cls, args: dict, t_s: float) -> ManualBp:
        """The reading of an `enter_bp` record or action (measured now when no time is given)."""
        measured = args.get("measured_at_s")
        return cls(
            float(args["sbp"]),
            float(args["dbp"]),
            t_s if measured is None else float(measured),
            None if args.get("map") is None else float(args["map"]),
            None if args.get("hr") is None else float(args["hr"]),
        )

    def text(self) -> str:
        hr = "" if self.hr_bpm is None else f", HR {self.hr_bpm:.0f}"
        return f"{self.sbp_mmhg:.0f}/{self.dbp_mmhg:.0f} ({self.mean_mmhg:.0f}){hr} manual"
