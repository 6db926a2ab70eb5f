"""`ketamon course`: a patient's treatment course from the recordings on this laptop.

`ketamon course ID [--json] [--report PDF]` lists the patient's sessions in order
with doses, blood pressure and heart-rate rises, alarms, CADSS, scores, response and
remission (CLINICAL.md §11) and the predicted peak concentration (§6).
`ketamon course add-score FILE --scale phq9 --value 8` appends a follow-up score to
a closed session. cli.py parses the arguments; nothing imports this module.
"""

from __future__ import annotations

import json
import logging
from pathlib import Path
from typing import TextIO

from ketamon.core.course import Course, course_dict
from ketamon.core.scores import SCALES
from ketamon.io.course_store import load_course
from ketamon.resources_loading import ClinicalResources

log = logging.getLogger(__name__)


def format_course(course: Course) -> str:
    """The course as text, one line per session."""
    label = SCALES[course.scale].label
    lines = [f"Treatment course of patient {course.patient_id} ({len(course.rows)} sessions)"]
    for r in course.rows:
        f = r.facts
        mg = "—" if f.delivered_mg is None else f"{f.delivered_mg:.1f} mg"
        rise = "—" if f.sbp_rise is None else f"SBP +{f.sbp_rise:.0f}"
        cp = "—" if f.predicted_peak_ng_per_ml is None else f"{f.predicted_peak_ng_per_ml:.0f}"
        score = "—" if r.score is None else f"{r.score:.0f}"
        marks = " RESPONSE" * r.response + " REMISSION" * r.remission
        days = "" if r.days_since_previous is None else f", +{r.days_since_previous:.1f} d"
        lines.append(
            f"{r.number}. {f.source}{days}: {f.protocol}, {mg}, {rise}, alarms {f.alarms}, "
            f"predicted peak {cp} ng/mL (model), {label} {score}{marks}"
        )
    return "\n".join(lines)


def course_command(
    patient_id: str,
    data_dir: Path,
    resources: ClinicalResources,
    as_json: bool,
    report: Path | None,
    out: TextIO,
) -> int:
    course, _problems = load_course(patient_id, data_dir, resources)
    if not course.rows:
        log.error("no recorded session of patient %s in %s", patient_id, data_dir)
        return 1
    if report is not None:
        from PySide6.QtGui import QGuiApplication

        from ketamon.ui.course_report import write_course_report

        _app = QGuiApplication.instance() or QGuiApplication(["ketamon"])  # fonts for the PDF
        log.info("wrote %s", write_course_report(report, course))
    text = json.dumps(course_dict(course), indent=2) if as_json else format_course(course)
    out.write(text + "\n")
    return 0
