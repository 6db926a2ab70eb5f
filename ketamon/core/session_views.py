"""What a session shows: its snapshot, and its discharge criteria judged now.

Read-only views built from a Session's public state; they change nothing and
publish nothing. Times in session seconds.
"""

from __future__ import annotations

from dataclasses import replace
from typing import TYPE_CHECKING

from ketamon.core.nibp import is_stale
from ketamon.core.session_types import Snapshot
from ketamon.core.vitals import NibpReading, Vital
from ketamon.core.workflow import Criterion, DischargeInputs, discharge_check

if TYPE_CHECKING:
    from ketamon.core.session import Session


def build_snapshot(session: Session) -> Snapshot:
    """What the dashboard shows at the session's current time."""
    t_s, infusion, engine = session.t_s, session.infusion, session.alarms
    readings = session.nibp.readings
    status = infusion.status(t_s) if infusion else None
    stale = False
    if session.plan is not None and readings:
        stale = is_stale(session.plan.protocol.nibp, session.phase(), readings[-1].t_s, t_s)
    due_s = session.nibp_due_s()
    prompt = None
    if due_s is not None and not session.nibp_supplied and due_s <= t_s:
        prompt = "BP due now: take and enter"
    cp = session.concentration
    return Snapshot(
        t_s=t_s,
        phase=session.phase(),
        status=status,
        latest=dict(session.latest),
        baseline=session.baseline,
        nibp_due_s=due_s,
        nibp_stale=stale,
        alarms=tuple(replace(a) for a in engine.active()) if engine else (),
        alarms_armed=bool(engine and engine.armed),
        alarm_profile=engine.profile.name if engine else None,
        audio_priority=engine.audio_priority(t_s) if engine else None,
        audio_pause_left_s=engine.audio_pause_left_s(t_s) if engine else None,
        no_data_s=engine.profile.technical.no_data_s if engine else None,
        audio_pause_s=engine.profile.audio_pause_s if engine else None,
        pump_handoff=session.pending_handoff(),
        repeat_bp_due_s=engine.repeat_bp_due_s() if engine else None,
        paused_since_s=infusion.paused_since_s(t_s) if infusion else None,
        moaas=session.moaas[-1][1] if session.moaas else None,
        readings_after_baseline=readings_after_baseline(session),
        sources=dict(session.sources),
        nibp_prompt=prompt,
        predicted_cp_ng_per_ml=cp.cp_ng_per_ml if cp else None,
        pk_model=cp.model.name if cp else None,
    )


def readings_after_baseline(session: Session) -> tuple[NibpReading, ...]:
    """Cuff readings taken before start but after a typed baseline (shown beside it)."""
    entered = session.baseline_entered_s
    if entered is None or session.infusion is None:
        return ()
    start = session.infusion.started_s()
    return tuple(
        r for r in session.nibp.readings if r.t_s >= entered and (start is None or r.t_s < start)
    )


def discharge_criteria(session: Session, checklist: str = "") -> list[Criterion]:
    """The protocol's discharge criteria judged now, each with its numbers (CLINICAL.md §9).

    `checklist`: the ticked items, separated by ';'.
    """
    if session.plan is None or session.infusion is None:
        return [Criterion("observation", False, "No infusion set up")]
    t_s = session.t_s
    end_s = session.infusion.observation_end_s()
    hr = session.latest.get(Vital.HR)
    spo2 = session.latest.get(Vital.SPO2)
    engine = session.alarms
    alarms = tuple(
        a.label for a in (engine.active() if engine else []) if a.present or not a.acknowledged
    )
    readings = session.nibp.readings
    return discharge_check(
        session.plan.protocol.discharge,
        DischargeInputs(
            t_s=t_s,
            observation_left_s=None if end_s is None else max(0.0, end_s - t_s),
            baseline=session.baseline,
            last_bp=readings[-1] if readings else None,
            hr_bpm=hr.value if hr else None,
            spo2_pct=spo2.value if spo2 else None,
            alarms=alarms,
            moaas=session.moaas[-1][1] if session.moaas else None,
            checklist=tuple(item for item in checklist.split(";") if item.strip()),
        ),
    )
