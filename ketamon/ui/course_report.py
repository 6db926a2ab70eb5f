"""The course report (PDF): one page block per session, as the Course view's table."""

from __future__ import annotations

from pathlib import Path

from ketamon.core.course import Course
from ketamon.core.scores import SCALES
from ketamon.ui.course_text import column_titles, row_cells
from ketamon.ui.report import pdf_pages


def write_course_report(path: Path, course: Course) -> Path:
    """Write `course` to `path` (0600: patient data); returns the path."""
    with pdf_pages(path, "ketamon treatment course") as pages:
        label = SCALES[course.scale].label
        pages.text(f"Treatment course of patient {course.patient_id}", 18, bold=True)
        response = course.response_at
        remission = course.remission_at
        pages.text(
            f"{label}: response (drop >= {course.response_drop:.0%} from the first) "
            f"{'at session ' + str(response) if response else 'not yet'}; remission (below "
            f"{course.remission_below:g}) "
            f"{'at session ' + str(remission) if remission else 'not yet'}"
        )
        pages.text("Predicted peak: plasma concentration from the model, not measured.", 10)
        pages.gap()
        titles = column_titles(course.scale)
        for row in course.rows:
            pages.need(14 * 30)
            cells = row_cells(row)
            pages.text(f"Session {cells[0]}  {cells[1]}  ({row.facts.source})", 12, bold=True)
            for title, cell in zip(titles[2:], cells[2:], strict=True):
                pages.text(f"    {title}: {cell}", 10)
            effects = ", ".join(row.facts.side_effects) or "none charted"
            pages.text(f"    Side effects: {effects}", 10)
            pages.gap(10)
    return path
