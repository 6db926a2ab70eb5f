"""`ketamon review`: a session's summary from a recording, or from another monitor's CSV.

Alarms are judged by the same engine and profile as live: the session is rebuilt
from the recorded samples and the nurse's commands (io/rebuild.py).
"""

from __future__ import annotations

import json
import math
from pathlib import Path

from ketamon.core.baseline import Baseline
from ketamon.core.session import Session
from ketamon.core.simulation import demo_plan
from ketamon.core.vitals import NibpReading, Sample, Vital
from ketamon.format import mmss, predicted_text
from ketamon.io.clinic_record import clinic_record_lines
from ketamon.io.csv_import import CsvImportError, CsvSamples, read_csv_samples
from ketamon.io.rebuild import replay
from ketamon.io.run_config import rebuilt_session
from ketamon.io.summary import (  # noqa: F401 (the review command's API)
    Peaks,
    _rejections,
    rebuild_recording,
    review_events,
    review_recording,
    summarize,
)
from ketamon.resources_loading import ClinicalResources

COLUMN_KEYS = {
    "hr": Vital.HR,
    "spo2": Vital.SPO2,
    "rr": Vital.RR,
    "sbp": Vital.SBP,
    "dbp": Vital.DBP,
    "map": Vital.MAP,
}


class ReviewError(ValueError):
    """The input cannot be reviewed; the message says which file and why."""


def parse_columns(text: str) -> dict[Vital, str]:
    """'hr=HR,sbp=NBPSys' -> {Vital.HR: 'HR', Vital.SBP: 'NBPSys'}."""
    mapping = {}
    for part in filter(None, (p.strip() for p in text.split(","))):
        key, sep, column = part.partition("=")
        if not sep or key not in COLUMN_KEYS or not column:
            raise ReviewError(
                f"--columns: '{part}' is not key=COLUMN with key one of {', '.join(COLUMN_KEYS)}"
            )
        mapping[COLUMN_KEYS[key]] = column
    if not mapping:
        raise ReviewError("--columns names no column")
    return mapping


def review_csv(
    path: Path,
    resources: ClinicalResources,
    columns: dict[Vital, str],
    zero_is_missing: bool,
    weight_kg: float | None,
    infusion_start_s: float | None,
) -> dict:
    try:
        samples = read_csv_samples(path, columns, zero_is_missing)
    except CsvImportError as exc:
        raise ReviewError(str(exc)) from exc
    rejected = samples.rejected
    if not len(samples):
        raise ReviewError(f"{path.name}: no usable values in columns {list(columns.values())}")
    # Silence between samples taken once a minute means nothing: no 'no data' alarms;
    # time still ticks as live, so alarms escalate as they would have.
    session = rebuilt_session(
        resources, simulated=False, judge_silence=False, artefact_rules=resources.artefact_rules
    )
    peaks = Peaks()
    session.on_samples.connect(peaks.on_samples)
    first_t = samples.first_t_s
    session.advance_to(first_t)
    baseline_note = None
    if infusion_start_s is not None:
        if weight_kg is None:
            raise ReviewError("--infusion-start needs --weight")
        plan = demo_plan(resources.protocols[0], weight_kg, patient_id=path.stem)
        session.configure(plan, [], first_t)
        if infusion_start_s < first_t:
            raise ReviewError(
                f"--infusion-start {infusion_start_s:g} is before the first sample "
                f"({first_t:g} s) of {path.name}"
            )
        start_s = infusion_start_s
        replay(session, samples.between(end_s=start_s), resources.protocols, until_s=start_s)
        if session.baseline is None:
            baseline_note = _fallback_baseline(session, samples, start_s)
        session.start(start_s, review_acknowledged=True, override_reason="CSV review")
        replay(session, samples.between(start_s=start_s), resources.protocols)
    else:
        session.arm_alarms(first_t)  # monitoring review: judge the whole record
        replay(session, iter(samples), resources.protocols)
    summary = summarize(session, peaks, source=str(path), kind="CSV")
    summary["rejected_cells"] = rejected
    summary["rejected_readings"] = _rejections(session.events)
    if baseline_note:
        summary["baseline"]["note"] = baseline_note
    summary["technical_alarms_judged"] = False
    return summary


def _fallback_baseline(session: Session, samples: CsvSamples, start_s: float) -> str:
    """No two readings 5 min apart before start: estimate, and say how."""
    rules = session.artefact_rules
    readings = [  # an artefact is never a baseline
        r
        for r in _readings(samples.nibp())
        if rules.nibp_problem(
            r.sbp_mmhg, r.dbp_mmhg, None if math.isnan(r.map_mmhg) else r.map_mmhg
        )
        is None
    ]
    before = [r for r in readings if r.t_s < start_s][-2:]
    chosen = before or [r for r in readings if r.t_s >= start_s][:1]
    if not chosen:
        raise ReviewError("no NIBP reading to take a baseline from")
    sbp = sum(r.sbp_mmhg for r in chosen) / len(chosen)
    dbp = sum(r.dbp_mmhg for r in chosen) / len(chosen)
    session.enter_baseline(session.t_s, Baseline(sbp, dbp, None, None, "estimated"))
    return (
        f"estimated from the {len(chosen)} reading(s) before the infusion"
        if before
        else "estimated from the first reading after the infusion started"
    )


def _readings(samples: list[Sample]) -> list[NibpReading]:
    by_t: dict[float, dict[Vital, float]] = {}
    for s in samples:
        if s.vital.is_nibp:
            by_t.setdefault(s.t_s, {})[s.vital] = s.value
    return [
        NibpReading(t, v[Vital.SBP], v[Vital.DBP], v.get(Vital.MAP, math.nan))
        for t, v in sorted(by_t.items())
        if Vital.SBP in v and Vital.DBP in v
    ]


def format_text(summary: dict) -> str:
    """The summary as a reviewer reads it."""
    lines = [
        f"ketamon review: {summary['source']} ({summary['kind']}"
        + (", SIMULATED" if summary["simulated"] else "")
        + ")"
    ]
    if summary["protocol"]:
        lines.append(
            f"Patient {summary['patient_id'] or '(no ID)'}, {summary['weight_kg']:g} kg; "
            f"{summary['protocol']}"
        )
        lines.append(f"Delivered {summary['delivered_mg']:.1f} of {summary['planned_mg']:.1f} mg")
    else:
        lines.append("No infusion: monitoring data only; alarms judged over the whole record")
    for name, t in summary["phase_times_s"].items():
        lines.append(f"  {name.replace('_', ' '):22s} {mmss(t)}")
    b = summary["baseline"]
    lines.append(
        "Baseline: none"
        if b is None
        else f"Baseline {b['sbp']:.0f}/{b['dbp']:.0f} mmHg"
        + (f", HR {b['hr']:.0f}" if b["hr"] else "")
        + f" ({b['source']})"
        + (f"; {b['note']}" if b.get("note") else "")
    )
    for key, peak in summary["peaks"].items():
        lines.append(f"Peak {key.upper():4s} {peak['value']:g} at {mmss(peak['t_s'])}")
    if summary.get("infusion"):
        lines.append(predicted_text(summary.get("predicted_concentration")))
    lines.append(f"Alarms: {summary['alarm_count']}")
    for a in summary["alarms"]:
        marker = {"high": "***", "medium": "**", "low": "*"}.get(a["highest_priority"], "")
        end = "" if a["ended_s"] is None else f" to {mmss(a['ended_s'])}"
        value = "" if a["value"] is None else f" value {a['value']:g}"
        lines.append(f"  {mmss(a['t_s'])}{end} {marker} {a['condition']}{value}")
    for note in summary["annotations"]:
        lines.append(f"Note {mmss(note['t_s'])}: {note['text']}")
    for bp in summary.get("manual_bp") or []:
        lines.append(f"Manual BP measured {mmss(bp['measured_at_s'])}: {bp['sbp']:g}/{bp['dbp']:g}")
    d = summary["discharge"]
    near = {None: "unknown", True: "yes", False: "no"}[d["vitals_near_baseline"]]
    lines.append(
        f"Discharge: phase {d['phase']}; observation complete: "
        f"{'yes' if d['observation_complete'] else 'no'}; BP and HR near baseline: {near}"
    )
    if summary.get("clinic_record") and summary["protocol"]:
        lines.append("Session record:")
        lines += ["  " + line for line in clinic_record_lines(summary["clinic_record"])]
    rejected = summary.get("rejected_readings") or []
    if rejected:
        lines.append(f"Rejected as artefact (not vitals, peaks or baseline): {len(rejected)}")
        for r in rejected[:10]:
            values = "/".join(f"{v:g}" for v in (r["values"] or {}).values())
            lines.append(f"  {mmss(r['t_s'])} {values}: {r['reason']}")
    if summary.get("damaged"):
        lines.append(f"DAMAGED RECORDING: {summary['damaged']}")
    if "rejected_cells" in summary:
        lines.append(f"Rejected cells (not numbers, impossible): {summary['rejected_cells']}")
    return "\n".join(lines)


def to_json(summary: dict) -> str:
    """Strict JSON: a non-finite number (never expected) becomes null, not NaN."""
    return json.dumps(_finite(summary), indent=2, allow_nan=False, default=str)


def _finite(value):
    if isinstance(value, float) and not math.isfinite(value):
        return None
    if isinstance(value, dict):
        return {k: _finite(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_finite(v) for v in value]
    return value
