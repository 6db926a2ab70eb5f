"""How a course and a previous session read on screen and on paper (shared by the
course view, its PDF report and the setup dialog); formatting only, no clinical logic."""

from __future__ import annotations

import time

from ketamon.core.course import CourseRow, SessionFacts
from ketamon.core.scores import SCALES

NONE = "—"
COLUMNS = [
    "#",
    "Date",
    "Days since last",
    "{scale} before",
    "Protocol",
    "Delivered",
    "Baseline BP",
    "Rise SBP/DBP",
    "HR rise",
    "Predicted peak Cp (model)",
    "CADSS max",
    "MOAA/S min",
    "Alarms",
]


def _n(value: float | None, fmt: str = "{:.0f}") -> str:
    return NONE if value is None else fmt.format(value)


def _signed(value: float | None) -> str:
    return NONE if value is None else f"{value:+.0f}"


def date_text(wall_s: float | None, with_time: bool = True) -> str:
    if wall_s is None:
        return NONE
    return time.strftime("%Y-%m-%d %H:%M" if with_time else "%Y-%m-%d", time.localtime(wall_s))


def dose_text(f: SessionFacts) -> str:
    if f.delivered_mg is None:
        return NONE
    per_kg = f.delivered_mg_per_kg
    return f"{f.delivered_mg:.1f} mg" + ("" if per_kg is None else f" ({per_kg:.2f} mg/kg)")


def row_cells(row: CourseRow) -> list[str]:
    """The course table's cells for one session (COLUMNS order)."""
    f = row.facts
    base = NONE if f.baseline_sbp is None else f"{f.baseline_sbp:.0f}/{f.baseline_dbp:.0f}"
    score = _n(row.score)
    if row.remission:
        score += "  remission"
    elif row.response:
        score += "  response"
    cp = f.predicted_peak_ng_per_ml
    return [
        str(row.number),
        date_text(f.started_wall_s, with_time=False),
        _n(row.days_since_previous, "{:.1f}"),
        score,
        f.protocol,
        dose_text(f),
        base,
        f"{_signed(f.sbp_rise)}/{_signed(f.dbp_rise)}",
        _signed(f.hr_rise),
        NONE if cp is None else f"{cp:.0f} ng/mL",
        _n(f.cadss_max),
        _n(f.moaas_min),
        str(f.alarms),
    ]


def column_titles(scale: str) -> list[str]:
    return [c.format(scale=SCALES[scale].label) for c in COLUMNS]


def previous_session_text(f: SessionFacts | None, now_wall_s: float) -> str:
    """The setup dialog's note on the patient's last session."""
    if f is None:
        return "No earlier session of this patient on this laptop."
    when = date_text(f.started_wall_s)
    if f.started_wall_s is not None:
        when += f", {(now_wall_s - f.started_wall_s) / 86400:.0f} days ago"
    effects = ", ".join(f.side_effects) if f.side_effects else "none charted"
    cadss = "" if f.cadss_max is None else f"; CADSS max {f.cadss_max:.0f}"
    return (
        f"Last session ({when}): dose {dose_text(f)}; peak rise over baseline "
        f"SBP {_signed(f.sbp_rise)} / DBP {_signed(f.dbp_rise)} mmHg, HR {_signed(f.hr_rise)} bpm; "
        f"alarms {f.alarms}; side effects: {effects}{cadss}"
    )
