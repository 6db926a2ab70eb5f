"""Course arithmetic (CLINICAL.md §11): response, remission, days between sessions; no Qt."""

import pytest

from ketamon.core.course import ScoreEntry, SessionFacts, build_course, course_dict
from ketamon.core.patient_id import PatientIdError, check_patient_id
from ketamon.core.scores import CourseSettings, ScoreError, check_score

DAY_S = 86400.0


def facts(day: float, scores: dict[str, float], follow_up: float | None = None) -> SessionFacts:
    entries = [ScoreEntry(scale, value, 0.0) for scale, value in scores.items()]
    if follow_up is not None:
        entries.append(ScoreEntry("phq9", follow_up, 9000.0, entered_wall_s=day * DAY_S + 5))
    return SessionFacts(
        f"s{day}", day * DAY_S, "Loading", 70.0, 35.0, 120.0, 80.0, 70.0, 150.0, 95.0, 90.0, 1,
        4.0, None, ("Nausea",), tuple(entries), 177.0, "Clements 1981", True,
    )  # fmt: skip


def test_response_is_a_half_drop_from_the_first_and_remission_below_five():
    sessions = [facts(7, {"phq9": 8}), facts(0, {"phq9": 20}), facts(3, {"phq9": 12})]
    course = build_course("P", sessions, CourseSettings())
    assert [r.score for r in course.rows] == [20, 12, 8]  # in time order
    assert [r.days_since_previous for r in course.rows] == [None, 3.0, 4.0]
    assert [r.response for r in course.rows] == [False, False, True]
    assert course.remission_at is None
    course = build_course("P", [*sessions, facts(10, {"phq9": 4})], CourseSettings())
    assert course.remission_at == 4 and course.response_at == 3
    assert course.rows[0].facts.sbp_rise == 30.0 and course.rows[0].facts.delivered_mg_per_kg == 0.5


def test_a_follow_up_is_not_the_score_before_and_other_scales_use_the_clinics_thresholds():
    sessions = [facts(0, {"phq9": 20, "madrs": 30}, follow_up=3), facts(7, {"madrs": 9})]
    course = build_course("P", sessions, CourseSettings(), scale="madrs")
    assert [r.score for r in course.rows] == [30, 9]
    assert [r.remission for r in course.rows] == [False, True]  # MADRS < 10 (default)
    out = course_dict(build_course("P", sessions, CourseSettings()))
    assert out["sessions"][0]["score"] == 20
    assert out["sessions"][0]["follow_up_scores"] == [{"value": 3, "entered_wall_s": 5.0}]
    assert out["sessions"][1]["score"] is None and not out["sessions"][1]["response"]


@pytest.mark.parametrize(
    "scale,value", [("phq9", 28), ("phq9", -1), ("madrs", 61), ("phq9", 3.5), ("x", 1)]
)
def test_scores_outside_their_scale_are_refused(scale, value):
    with pytest.raises(ScoreError):
        check_score(scale, value)
    assert check_score("madrs", 60)[1] == 60.0


@pytest.mark.parametrize("text", ["", "   ", "a\tb", "x" * 65, None])
def test_a_patient_id_is_short_printable_text(text):
    with pytest.raises(PatientIdError):
        check_patient_id(text)
    assert check_patient_id("  MRN 0042 ") == "MRN 0042"
