"""The session's pump hand-offs and time-driven nurse reminders (CLINICAL.md §8).

Free functions: the session passes the infusion's events and its own state,
and records and alarms what they return. Times in session seconds.
"""

from __future__ import annotations

import math

from ketamon.core.alarm_profile import TechnicalSettings
from ketamon.core.dosing import DosePlan
from ketamon.core.infusion import EventKind, InfusionEvent
from ketamon.core.workflow import PumpHandoff


def handoffs_for(
    events: list[InfusionEvent], plan: DosePlan, numbered_after: int
) -> list[PumpHandoff]:
    """The pump changes `events` call for: each segment change and the infusion's end.

    Numbered on from `numbered_after` (the hand-offs so far); rates in mg/h and mL/h.
    """
    handoffs: list[PumpHandoff] = []
    for e in events:
        number = numbered_after + len(handoffs) + 1
        if e.kind is EventKind.SEGMENT_STARTED and e.data.get("index", 0) > 0:
            seg = plan.segments[e.data["index"]]
            handoffs.append(
                PumpHandoff(number, e.t_s, seg.name, seg.rate_mg_per_h, seg.rate_ml_per_h)
            )
        elif e.kind is EventKind.INFUSION_COMPLETE:
            handoffs.append(PumpHandoff(number, e.t_s, "", 0.0, 0.0))
    return handoffs


REMINDER_MARGIN_S = 1e-6  # quiet_until_s stops this much short of a reminder's threshold


def pump_change_late_s(pending: PumpHandoff, tech: TechnicalSettings) -> float:
    """Session time (s) from which an unconfirmed hand-off is late (its alarm starts)."""
    return pending.t_s + tech.pump_confirm_s - 1e-9


def reminders_quiet_until_s(
    t_s: float, pending: PumpHandoff | None, paused_since_s: float | None, tech: TechnicalSettings
) -> float:
    """Until when `reminder_conditions` stay as they are at `t_s` (inf: for good, until a
    command or transition; `t_s`: they may change at the next step).

    A pause's reminder counts its minutes in its detail; an unconfirmed pump change
    turns late once, then stands as it is until it is confirmed.
    """
    if paused_since_s is not None:
        return t_s
    if pending is None:
        return math.inf
    late_s = pump_change_late_s(pending, tech)
    return late_s - REMINDER_MARGIN_S if t_s < late_s - REMINDER_MARGIN_S else math.inf


def reminder_conditions(
    t_s: float,
    pending: PumpHandoff | None,
    paused_since_s: float | None,
    tech: TechnicalSettings,
) -> list[tuple[str, bool, str]]:
    """The reminder conditions at `t_s` as (condition, present, detail).

    'pump_change': a hand-off unconfirmed for `tech.pump_confirm_s`; 'paused': the
    infusion paused for `tech.paused_reminder_s` or longer.
    """
    late = pending is not None and t_s >= pump_change_late_s(pending, tech)
    pump_detail = pending.instruction if pending is not None else ""
    since = paused_since_s
    long_pause = since is not None and t_s - since >= tech.paused_reminder_s - 1e-9
    pause_detail = f"Paused for {(t_s - since) / 60:.0f} min" if long_pause else ""
    return [("pump_change", late, pump_detail), ("paused", long_pause, pause_detail)]
