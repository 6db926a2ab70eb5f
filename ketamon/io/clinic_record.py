"""The per-session record a clinic files (CLINICAL.md §11, after the Spravato REMS patient
monitoring form, plus what an IV ketamine clinic adds: pump settings, confirmations, volume).

Built from a rebuilt session (io/summary.py): the same samples, commands and alarms as live.
Times are session seconds; BP in mmHg; volumes in mL. One dict, used by `ketamon review`
(text and JSON) and the PDF report, so they cannot disagree.
"""

from __future__ import annotations

from ketamon.core.events import alarm_history
from ketamon.core.session import Session
from ketamon.core.vitals import NibpReading
from ketamon.format import mmss

AROUND_40_MIN_S = 40 * 60.0  # REMS asks for BP about 40 min after the dose
AROUND_WINDOW_S = 10 * 60.0  # the reading closest to that time, within 10 min
RESPIRATORY_ALARMS = ("rr_low", "spo2_very_low")  # RR < 8 or SpO2 < 90 (CLINICAL.md §10)
SEDATION_EVENT_MOAAS = 3  # MOAA/S <= 3 counts as sedation (§10)


def _bp(reading: NibpReading | None) -> dict | None:
    if reading is None:
        return None
    return {"t_s": reading.t_s, "sbp": reading.sbp_mmhg, "dbp": reading.dbp_mmhg}


def clinic_record(session: Session) -> dict:
    """What the clinic files for one session; missing items are None, never guessed."""
    events = session.events
    readings = session.nibp_readings
    infusion = session.infusion
    start_s = infusion.started_s() if infusion else None
    first = {}
    for e in events:
        first.setdefault(e.kind, e)
    discharged = first.get("infusion.discharged")
    end_s = discharged.t_s if discharged else session.t_s
    setup = first.get("setup.confirmed")

    before = [r for r in readings if start_s is not None and r.t_s <= start_s]
    at_40 = None
    if start_s is not None:
        near = [r for r in readings if abs(r.t_s - start_s - AROUND_40_MIN_S) <= AROUND_WINDOW_S]
        at_40 = min(near, key=lambda r: abs(r.t_s - start_s - AROUND_40_MIN_S), default=None)
    before_leaving = [r for r in readings if r.t_s <= end_s]

    moaas = [{"t_s": t, "score": s} for t, s in session.moaas]
    cadss = [
        {"t_s": e.t_s, "score": e.data.get("data", {}).get("score")}
        for e in events
        if e.kind == "command.annotate" and e.data.get("data", {}).get("type") == "cadss6"
    ]
    episodes = alarm_history(events)
    respiratory = [
        {"t_s": a.started_s, "condition": a.condition, "value": a.value}
        for a in episodes
        if a.alarm_id in RESPIRATORY_ALARMS
    ]
    handoffs = [
        {
            "due_s": h.t_s,
            "instruction": h.instruction,
            "rate_mg_per_h": round(h.rate_mg_per_h, 2),
            "rate_ml_per_h": round(h.rate_ml_per_h, 2),
            "confirmed_s": h.confirmed_s,
        }
        for h in session.handoffs
    ]
    status = session.snapshot().status
    early = first.get("discharge.early")
    checklist = first.get("pretreatment.checklist")
    override = first.get("baseline.review_acknowledged")
    return {
        "bp_before_infusion": _bp(before[-1] if before else None),
        "bp_at_40_min": _bp(at_40),
        "bp_before_discharge": _bp(before_leaving[-1] if before_leaving else None),
        "monitoring_s": None if setup is None else end_s - setup.t_s,
        "ready_to_leave_s": first["infusion.discharge_ready"].t_s
        if "infusion.discharge_ready" in first
        else None,
        "discharged_s": discharged.t_s if discharged else None,
        "early_discharge_reason": early.message if early else None,
        "sedation": {
            "moaas": moaas,
            "occurred": any(m["score"] <= SEDATION_EVENT_MOAAS for m in moaas),
        },
        "dissociation": {"cadss6": cadss, "occurred": any((c["score"] or 0) > 0 for c in cadss)},
        "respiratory_events": respiratory,
        "pump_changes": handoffs,
        "volume_infused_ml": None if status is None else round(status.volume_infused_ml, 1),
        "pretreatment_checklist": None if checklist is None else checklist.data.get("items"),
        "pretreatment_override": None
        if override is None
        else {"findings": override.message, "reason": override.data.get("reason", "")},
    }


def clinic_record_lines(r: dict) -> list[str]:
    """The record as lines a clinic reads (review text, PDF)."""

    def bp(entry: dict | None) -> str:
        if entry is None:
            return "not measured"
        return f"{entry['sbp']:.0f}/{entry['dbp']:.0f} at {mmss(entry['t_s'])}"

    def when(t_s: float | None) -> str:
        return "-" if t_s is None else mmss(t_s)

    lines = [
        f"BP before the infusion:   {bp(r['bp_before_infusion'])}",
        f"BP about 40 min after:    {bp(r['bp_at_40_min'])}",
        f"BP before discharge:      {bp(r['bp_before_discharge'])}",
        f"Total monitoring time:    {when(r['monitoring_s'])}",
        f"Ready to leave at:        {when(r['ready_to_leave_s'])}"
        f"   discharged at {when(r['discharged_s'])}",
    ]
    if r["early_discharge_reason"]:
        lines.append(f"EARLY DISCHARGE (against the criteria): {r['early_discharge_reason']}")
    scores = ", ".join(f"{m['score']} at {mmss(m['t_s'])}" for m in r["sedation"]["moaas"])
    lines.append(
        f"Sedation (MOAA/S <= 3): {'yes' if r['sedation']['occurred'] else 'no'}"
        f"   scores: {scores or 'none recorded'}"
    )
    cadss = ", ".join(f"{c['score']} at {mmss(c['t_s'])}" for c in r["dissociation"]["cadss6"])
    lines.append(
        f"Dissociation: {'yes' if r['dissociation']['occurred'] else 'no'}"
        f"   CADSS-6: {cadss or 'none recorded'}"
    )
    resp = ", ".join(f"{e['condition']} at {mmss(e['t_s'])}" for e in r["respiratory_events"])
    lines.append(f"Respiratory events: {resp or 'none'}")
    lines.append(f"Volume infused: {r['volume_infused_ml']} mL")
    for h in r["pump_changes"]:
        confirmed = (
            "NOT CONFIRMED" if h["confirmed_s"] is None else f"confirmed {mmss(h['confirmed_s'])}"
        )
        lines.append(f"Pump change {mmss(h['due_s'])}: {h['instruction']} ({confirmed})")
    if r["pretreatment_override"]:
        o = r["pretreatment_override"]
        lines.append(f"Pre-treatment override: {o['findings']} (reason: {o['reason'] or '-'})")
    items = r["pretreatment_checklist"]
    if items is not None:
        missing = [k for k, ticked in items.items() if not ticked]
        lines.append(
            f"Pre-treatment checklist: {len(items) - len(missing)}/{len(items)} ticked"
            + (f"; not ticked: {', '.join(missing)}" if missing else "")
        )
    return lines
