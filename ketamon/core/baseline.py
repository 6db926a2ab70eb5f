"""Pre-treatment baseline: the reference for every rise-over-baseline alarm (CLINICAL.md §2)."""

from __future__ import annotations

from dataclasses import dataclass
from statistics import fmean

from ketamon.core.vitals import NibpReading

# CLINICAL.md §2: a clinic practice withholds or reviews treatment above 140/90.
REVIEW_SBP_MMHG = 140.0
REVIEW_DBP_MMHG = 90.0
MIN_SPAN_S = 5 * 60.0  # at least 2 readings >= 5 min apart (CLINICAL.md §2)


@dataclass(frozen=True)
class Baseline:
    """Resting values before start: BP mmHg, HR bpm, SpO2 %; `source` is measured or entered."""

    sbp_mmhg: float
    dbp_mmhg: float
    hr_bpm: float | None
    spo2_pct: float | None
    source: str
    n_readings: int = 0

    @property
    def needs_review(self) -> bool:
        return self.sbp_mmhg > REVIEW_SBP_MMHG or self.dbp_mmhg > REVIEW_DBP_MMHG

    def review_message(self) -> str | None:
        if not self.needs_review:
            return None
        return (
            f"Resting BP {self.sbp_mmhg:.0f}/{self.dbp_mmhg:.0f} is above "
            f"{REVIEW_SBP_MMHG:.0f}/{REVIEW_DBP_MMHG:.0f} mmHg: review before starting."
        )


def measured_baseline(
    readings: list[NibpReading],
    hr_values: list[float],
    spo2_values: list[float],
    min_readings: int = 2,
) -> Baseline | None:
    """Mean of the pre-start readings, or None until there are enough, far enough apart."""
    if len(readings) < min_readings:
        return None
    if min_readings >= 2 and readings[-1].t_s - readings[0].t_s < MIN_SPAN_S - 1e-6:
        return None
    return Baseline(
        sbp_mmhg=fmean(r.sbp_mmhg for r in readings),
        dbp_mmhg=fmean(r.dbp_mmhg for r in readings),
        hr_bpm=fmean(hr_values) if hr_values else None,
        spo2_pct=fmean(spo2_values) if spo2_values else None,
        source="measured",
        n_readings=len(readings),
    )
