"""The infusion's vocabulary: its phases, transition events, status and command refusals.

Values only; `Infusion` (infusion.py) is the state machine that produces them.
Times in session seconds, doses in mg, rates in mg/h and mL/h, volumes in mL.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import Enum


class Phase(Enum):
    """Where the session is. SETUP has no patient yet; BASELINE is set up, not started."""

    SETUP = "Setup"
    BASELINE = "Baseline"
    INFUSING = "Infusing"
    PAUSED = "Paused"
    OBSERVATION = "Observation"
    DISCHARGE_READY = "Ready for discharge"
    DISCHARGED = "Discharged"


class EventKind(Enum):
    SETUP = "setup"
    STARTED = "started"
    SEGMENT_STARTED = "segment_started"
    PAUSED = "paused"
    RESUMED = "resumed"
    STOPPED = "stopped_early"
    INFUSION_COMPLETE = "infusion_complete"
    OBSERVATION_STARTED = "observation_started"
    DISCHARGE_READY = "discharge_ready"
    DISCHARGED = "discharged"


@dataclass(frozen=True)
class InfusionEvent:
    """A transition at session time `t_s`, with the nurse's reason where there is one."""

    t_s: float
    kind: EventKind
    detail: str = ""
    data: dict = field(default_factory=dict)


class CommandError(RuntimeError):
    """A nurse command that does not apply now (e.g. pause when not infusing)."""


@dataclass(frozen=True)
class InfusionStatus:
    """Everything the infusion panel shows at session time `t_s`.

    Times in seconds; `*_remaining_s` is None when it cannot be known (paused
    indefinitely, or nothing left). Doses in mg, rates in mg/h and mL/h, volumes
    in mL. `bag_remaining_ml`/`bag_empty_in_s` (running seconds at the planned rates)
    are None when no bag was entered; `bag_empty_in_s` is also None when the bag
    outlasts the plan.
    """

    t_s: float
    phase: Phase
    segment_index: int | None
    segment_name: str
    phase_elapsed_s: float
    phase_remaining_s: float | None
    total_elapsed_s: float
    total_remaining_s: float | None
    rate_mg_per_h: float
    rate_ml_per_h: float
    delivered_mg: float
    planned_mg: float
    volume_infused_ml: float = 0.0
    bag_remaining_ml: float | None = None
    bag_empty_in_s: float | None = None

    @property
    def phase_label(self) -> str:
        if self.phase in (Phase.INFUSING, Phase.PAUSED) and self.segment_name:
            paused = " PAUSED" if self.phase is Phase.PAUSED else ""
            return f"{self.segment_name}{paused}"
        return self.phase.value
