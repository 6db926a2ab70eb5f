"""Pre-treatment baseline: the reference for every rise-over-baseline alarm (CLINICAL.md §2)."""

from __future__ import annotations

import math
from collections.abc import Iterable
from dataclasses import dataclass

from ketamon.core.vitals import NibpReading

# The clinic sets these in the protocol's [nibp] table (core/protocol.py); these are the
# defaults of CLINICAL.md §2 for a baseline judged without a protocol.
REVIEW_SBP_MMHG = 140.0
REVIEW_DBP_MMHG = 90.0
MIN_SPAN_S = 5 * 60.0


@dataclass(frozen=True)
class Baseline:
    """Resting values before start: BP mmHg, HR bpm, SpO2 %; `source` is measured or entered."""

    sbp_mmhg: float
    dbp_mmhg: float
    hr_bpm: float | None
    spo2_pct: float | None
    source: str
    n_readings: int = 0
    review_sbp_mmhg: float = REVIEW_SBP_MMHG  # above this, review before starting
    review_dbp_mmhg: float = REVIEW_DBP_MMHG

    @property
    def needs_review(self) -> bool:
        return self.sbp_mmhg > self.review_sbp_mmhg or self.dbp_mmhg > self.review_dbp_mmhg

    def review_message(self) -> str | None:
        if not self.needs_review:
            return None
        return (
            f"Resting BP {self.sbp_mmhg:.0f}/{self.dbp_mmhg:.0f} is above "
            f"{self.review_sbp_mmhg:.0f}/{self.review_dbp_mmhg:.0f} mmHg: review before starting."
        )


def measured_baseline(
    readings: list[NibpReading],
    hr_values: list[float],
    spo2_values: list[float],
    min_readings: int = 2,
    min_span_s: float = MIN_SPAN_S,
) -> Baseline | None:
    """Mean of the pre-start readings, or None until there are enough, far enough apart."""
    if len(readings) < min_readings:
        return None
    if min_readings >= 2 and readings[-1].t_s - readings[0].t_s < min_span_s - 1e-6:
        return None
    return Baseline(
        sbp_mmhg=_mean(r.sbp_mmhg for r in readings),
        dbp_mmhg=_mean(r.dbp_mmhg for r in readings),
        hr_bpm=_mean(hr_values) if hr_values else None,
        spo2_pct=_mean(spo2_values) if spo2_values else None,
        source="measured",
        n_readings=len(readings),
    )


def _mean(values: Iterable[float]) -> float:
    """statistics.fmean's arithmetic (fsum over the count), without importing statistics
    (and fractions) at start-up."""
    values = list(values)
    return math.fsum(values) / len(values)
