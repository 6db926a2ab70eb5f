"""A session's summary, rebuilt from its recording (what `ketamon review`, the PDF report
and the session browser show).

Alarms are judged by the same engine and profile as live: the session is rebuilt
from the recorded samples and the nurse's commands (io/rebuild.py). Below the
commands layer, so the window can use it without importing a command.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path

from ketamon.core.events import alarm_events, alarm_history, alarm_line
from ketamon.core.infusion import Phase
from ketamon.core.session import NOTE_RETRACTED, Session, SessionEvent
from ketamon.core.vitals import Sample, Vital
from ketamon.io.clinic_record import clinic_record
from ketamon.io.rebuild import replay
from ketamon.io.recording import Recording, origin_wall_s
from ketamon.io.run_config import rebuilt_session
from ketamon.resources_loading import ClinicalResources

DAMAGED_KEY = "_damaged"  # rebuild_recording's note of what the reader had to skip
REJECTED_KEY = "_rejected"  # and of the readings rejected as artefact
NEAR_BASELINE_SBP_MMHG = 20.0  # design choice: "back near baseline" for discharge readiness
NEAR_BASELINE_HR_BPM = 20.0


@dataclass
class Peaks:
    """Highest value and its time per vital, collected as samples pass."""

    best: dict[Vital, tuple[float, float]] = field(default_factory=dict)
    last: dict[Vital, float] = field(default_factory=dict)
    count: int = 0

    def on_samples(self, samples: list[Sample]) -> None:
        for s in samples:
            self.count += 1
            self.last[s.vital] = s.value
            if s.vital not in self.best or s.value > self.best[s.vital][0]:
                self.best[s.vital] = (s.value, s.t_s)


def rebuild_recording(path: Path, resources: ClinicalResources) -> tuple[Session, Peaks, dict]:
    """The session of a recording rebuilt from its samples and commands, its peaks, its meta."""
    recording = Recording(path)
    try:
        session = rebuilt_session(
            resources, simulated=bool(recording.meta.get("simulated")), meta=recording.meta
        )
        peaks = Peaks()
        session.on_samples.connect(peaks.on_samples)
        stream = recording.stream()
        replay(session, stream, resources.protocols, until_s=recording.duration_s())
        # Rejected readings never became samples: the recording's own list of them.
        notes = {DAMAGED_KEY: recording.skipped_text(), REJECTED_KEY: _rejections(stream)}
        return session, peaks, dict(recording.meta) | notes
    finally:
        recording.close()


def review_recording(path: Path, resources: ClinicalResources) -> dict:
    session, peaks, meta = rebuild_recording(path, resources)
    damaged = meta.get(DAMAGED_KEY)
    summary = summarize(session, peaks, source=str(path), kind="ketamon recording")
    summary["recorded_status"] = meta.get("status")
    summary["damaged"] = damaged  # what salvage left out, or None
    summary["rejected_readings"] = meta.get(REJECTED_KEY, [])
    retracted = {e.data.get("note_t_s") for e in session.events if e.kind == NOTE_RETRACTED}
    summary["annotations"] = [
        {"t_s": e.t_s, "text": e.message, "retracted": e.t_s in retracted}
        for e in session.events
        if e.kind == "annotation"
    ]
    # Readings the nurse entered by hand (enter_bp), as the rebuilt session judged them.
    summary["manual_bp"] = [
        {"entered_s": e.t_s} | e.data for e in session.events if e.kind == "nibp.manual"
    ]
    summary["devices"] = meta.get("source", {}).get("devices", [])
    return summary


def review_events(path: Path, resources: ClinicalResources) -> list[str]:
    """The rebuilt alarm events as JSON lines, exactly as `--headless` prints them live
    (the time of day from the recording's start: its clock, else its creation)."""
    session, _peaks, meta = rebuild_recording(path, resources)
    origin = origin_wall_s(meta)
    return [json.dumps(alarm_line(a, origin)) for a in alarm_events(session.events)]


def summarize(session: Session, peaks: Peaks, source: str, kind: str) -> dict:
    plan = session.plan
    infusion = session.infusion
    times = _phase_times(session.events)
    status = session.snapshot().status
    b = session.baseline
    alarms = _alarms(session.events)
    near = None
    if b is not None and Vital.SBP in peaks.last and Vital.HR in peaks.last and b.hr_bpm:
        near = (
            peaks.last[Vital.SBP] <= b.sbp_mmhg + NEAR_BASELINE_SBP_MMHG
            and peaks.last[Vital.HR] <= b.hr_bpm + NEAR_BASELINE_HR_BPM
        )
    phase = session.phase()
    return {
        "source": source,
        "kind": kind,
        "simulated": session.simulated,
        "patient_id": plan.patient.patient_id if plan else None,
        "weight_kg": plan.patient.weight_kg if plan else None,
        "protocol": plan.protocol.name if plan else None,
        "phase_times_s": times,
        "delivered_mg": round(status.delivered_mg, 2) if status else None,
        "planned_mg": round(status.planned_mg, 2) if status else None,
        "baseline": None
        if b is None
        else {
            "sbp": round(b.sbp_mmhg, 1),
            "dbp": round(b.dbp_mmhg, 1),
            "hr": None if b.hr_bpm is None else round(b.hr_bpm, 1),
            "source": b.source,
        },
        "peaks": {
            v.value: {"value": peaks.best[v][0], "t_s": peaks.best[v][1]}
            for v in (Vital.SBP, Vital.DBP, Vital.HR)
            if v in peaks.best
        },
        "alarms": alarms,
        "alarm_count": len(alarms),
        "annotations": [],
        "discharge": {
            "phase": phase.value,
            "observation_complete": phase in (Phase.DISCHARGE_READY, Phase.DISCHARGED),
            "discharged": phase is Phase.DISCHARGED,
            "vitals_near_baseline": near,
        },
        "clinic_record": clinic_record(session),
        "predicted_concentration": predicted_concentration(session),
        "samples": peaks.count,
        "duration_s": session.t_s,
        "infusion": infusion is not None,
    }


def predicted_concentration(session: Session) -> dict | None:
    """The model's predicted plasma concentration (CLINICAL.md §6; not measured), ng/mL."""
    cp, infusion = session.concentration, session.infusion
    if cp is None or infusion is None:
        return None
    end_s = infusion.loading_end_s()
    at_end = None if end_s is None else session.predicted_cp_at(end_s)
    return {
        "model": cp.model.name,
        "label": "predicted plasma concentration (model, not measured)",
        "end_of_loading_t_s": end_s,
        "end_of_loading_ng_per_ml": None if at_end is None else round(at_end, 2),
        "peak_ng_per_ml": round(cp.peak_ng_per_ml, 2),
        "peak_t_s": cp.peak_t_s,
        "at_end_ng_per_ml": round(cp.cp_ng_per_ml, 2),
    }


def _phase_times(events: list[SessionEvent]) -> dict[str, float]:
    names = {
        "setup.confirmed": "setup",
        "infusion.started": "infusion_start",
        "infusion.infusion_complete": "infusion_end",
        "infusion.stopped_early": "infusion_stopped",
        "infusion.observation_started": "observation_start",
        "infusion.discharge_ready": "observation_complete",
        "infusion.discharged": "discharged",
    }
    out: dict[str, float] = {}
    for e in events:
        if e.kind in names and names[e.kind] not in out:
            out[names[e.kind]] = e.t_s
    return out


def _alarms(events: list[SessionEvent]) -> list[dict]:
    return [
        {
            "t_s": a.started_s,
            "priority": a.priority.label,  # at the start, as it first sounded
            "highest_priority": a.highest_priority.label,
            "condition": a.condition,
            "kind": a.kind.value,
            "value": a.value,
            "limit": a.limit,
            "ended_s": a.ended_s,
        }
        for a in alarm_history(events)
    ]


def _rejections(events) -> list[dict]:
    """Artefacts rejected by the session (core/artefact.py): time, values, reason."""
    return [
        {"t_s": e.t_s, "values": e.data.get("values"), "reason": e.message}
        for e in events
        if isinstance(e, SessionEvent) and e.kind == "artefact.rejected"
    ]
