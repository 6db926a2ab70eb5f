"""A patient's treatment course: sessions linked by patient ID, scores, response and
remission (CLINICAL.md §11). Pure computation on per-session facts the io layer
gathers from recordings (io/course_store.py); no files, no clock.
"""

from __future__ import annotations

from dataclasses import dataclass

from ketamon.core.scores import PHQ9, SCALES, CourseSettings

DAY_S = 86400.0


@dataclass(frozen=True)
class ScoreEntry:
    """One recorded score: session time, and for a follow-up the wall time it was entered."""

    scale: str
    value: float
    t_s: float
    entered_wall_s: float | None = None

    @property
    def follow_up(self) -> bool:
        return self.entered_wall_s is not None


@dataclass(frozen=True)
class SessionFacts:
    """What one recorded infusion contributes to a course (units in the names).

    `started_wall_s`: wall time of the recording's start (epoch s); rises are
    peak minus baseline; `cadss_max` the highest CADSS-6 charted; `moaas_min`
    the lowest MOAA/S (None until sedation scores are recorded).
    """

    source: str
    started_wall_s: float | None
    protocol: str
    weight_kg: float | None
    delivered_mg: float | None
    baseline_sbp: float | None
    baseline_dbp: float | None
    baseline_hr: float | None
    peak_sbp: float | None
    peak_dbp: float | None
    peak_hr: float | None
    alarms: int
    cadss_max: float | None
    moaas_min: float | None
    side_effects: tuple[str, ...]
    scores: tuple[ScoreEntry, ...]
    predicted_peak_ng_per_ml: float | None
    pk_model: str | None
    discharged: bool

    @property
    def delivered_mg_per_kg(self) -> float | None:
        if self.delivered_mg is None or not self.weight_kg:
            return None
        return self.delivered_mg / self.weight_kg

    def rise(self, peak: float | None, base: float | None) -> float | None:
        return None if peak is None or base is None else peak - base

    @property
    def sbp_rise(self) -> float | None:
        return self.rise(self.peak_sbp, self.baseline_sbp)

    @property
    def dbp_rise(self) -> float | None:
        return self.rise(self.peak_dbp, self.baseline_dbp)

    @property
    def hr_rise(self) -> float | None:
        return self.rise(self.peak_hr, self.baseline_hr)

    def score_before(self, scale: str) -> float | None:
        """The session's own score on `scale` (the first entered live, not a follow-up)."""
        live = [s for s in self.scores if s.scale == scale and not s.follow_up]
        return live[0].value if live else None

    def follow_ups(self, scale: str) -> list[ScoreEntry]:
        return [s for s in self.scores if s.scale == scale and s.follow_up]


@dataclass(frozen=True)
class CourseRow:
    """One session in its course: days since the previous one, response and remission."""

    number: int
    facts: SessionFacts
    days_since_previous: float | None
    score: float | None
    response: bool
    remission: bool


@dataclass(frozen=True)
class Course:
    """A patient's sessions in time order, judged on `scale`."""

    patient_id: str
    scale: str
    rows: tuple[CourseRow, ...]
    first_score: float | None
    response_drop: float
    remission_below: float

    @property
    def response_at(self) -> int | None:
        return next((r.number for r in self.rows if r.response), None)

    @property
    def remission_at(self) -> int | None:
        return next((r.number for r in self.rows if r.remission), None)


def build_course(
    patient_id: str,
    sessions: list[SessionFacts],
    settings: CourseSettings,
    scale: str = PHQ9,
) -> Course:
    """The course of `sessions` (any order): response is a drop of at least
    `settings.response_drop` from the first score, remission a score below the
    clinic's threshold for `scale` (CLINICAL.md §11)."""
    if scale not in SCALES:
        raise ValueError(f"unknown scale {scale!r}")
    ordered = sorted(sessions, key=lambda s: (s.started_wall_s is None, s.started_wall_s or 0.0))
    threshold = settings.remission_below[scale]
    first: float | None = None
    rows: list[CourseRow] = []
    previous: SessionFacts | None = None
    for n, facts in enumerate(ordered, 1):
        score = facts.score_before(scale)
        if first is None and score is not None:
            first = score
        response = (
            score is not None
            and first is not None
            and first > 0
            and score <= first * (1.0 - settings.response_drop)
        )
        remission = score is not None and score < threshold
        days = None
        if (
            previous is not None
            and previous.started_wall_s is not None
            and facts.started_wall_s is not None
        ):
            days = (facts.started_wall_s - previous.started_wall_s) / DAY_S
        rows.append(CourseRow(n, facts, days, score, response, remission))
        previous = facts
    return Course(patient_id, scale, tuple(rows), first, settings.response_drop, threshold)


def course_dict(course: Course) -> dict:
    """The course as `ketamon course ID --json` prints it."""
    sessions = []
    for r in course.rows:
        f = r.facts
        sessions.append(
            {
                "number": r.number,
                "recording": f.source,
                "started_wall_s": f.started_wall_s,
                "protocol": f.protocol,
                "delivered_mg": _round(f.delivered_mg, 2),
                "delivered_mg_per_kg": _round(f.delivered_mg_per_kg, 3),
                "baseline": {"sbp": f.baseline_sbp, "dbp": f.baseline_dbp, "hr": f.baseline_hr},
                "peak": {"sbp": f.peak_sbp, "dbp": f.peak_dbp, "hr": f.peak_hr},
                "rise_over_baseline": {
                    "sbp": _round(f.sbp_rise, 1),
                    "dbp": _round(f.dbp_rise, 1),
                    "hr": _round(f.hr_rise, 1),
                },
                "alarms": f.alarms,
                "cadss_max": f.cadss_max,
                "moaas_min": f.moaas_min,
                "side_effects": list(f.side_effects),
                "score": r.score,
                "follow_up_scores": [
                    {"value": s.value, "entered_wall_s": s.entered_wall_s}
                    for s in f.follow_ups(course.scale)
                ],
                "days_since_previous": _round(r.days_since_previous, 2),
                "response": r.response,
                "remission": r.remission,
                "predicted_peak_ng_per_ml": _round(f.predicted_peak_ng_per_ml, 1),
                "pk_model": f.pk_model,
                "discharged": f.discharged,
            }
        )
    return {
        "patient_id": course.patient_id,
        "scale": course.scale,
        "first_score": course.first_score,
        "response_drop": course.response_drop,
        "remission_below": course.remission_below,
        "response_at_session": course.response_at,
        "remission_at_session": course.remission_at,
        "sessions": sessions,
    }


def _round(value: float | None, digits: int) -> float | None:
    return None if value is None else round(value, digits)
