"""When the next cuff reading is due, and when a shown reading is stale (CLINICAL.md §2)."""

from __future__ import annotations

from ketamon.core.infusion import Phase
from ketamon.core.protocol import NibpProgram


def interval_s(program: NibpProgram, phase: Phase) -> float | None:
    """The cuff interval for `phase` in seconds; None when no reading is scheduled."""
    if phase is Phase.BASELINE:
        return program.baseline_interval_min * 60.0
    if phase in (Phase.INFUSING, Phase.PAUSED):
        return program.infusion_interval_min * 60.0
    if phase in (Phase.OBSERVATION, Phase.DISCHARGE_READY):
        return program.observation_interval_min * 60.0
    return None


def next_due_s(
    program: NibpProgram, phase: Phase, phase_start_s: float, last_reading_s: float | None
) -> float | None:
    """Session time the next reading is due.

    Each phase starts a new interval program, as on a Philips monitor: a reading
    is due at the phase start (so the end of loading, when BP peaks, is always
    measured), then every interval after the latest reading.
    """
    interval = interval_s(program, phase)
    if interval is None:
        return None
    if last_reading_s is None or last_reading_s < phase_start_s - 1e-9:
        return phase_start_s
    return last_reading_s + interval


def is_stale(program: NibpProgram, phase: Phase, reading_s: float, t_s: float) -> bool:
    """A reading older than its interval plus grace is stale and shown as such."""
    interval = interval_s(program, phase)
    if interval is None:
        return False
    return t_s - reading_s > interval + program.stale_grace_min * 60.0
