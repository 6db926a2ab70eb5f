"""Depression rating scales for the treatment course (CLINICAL.md §11), and the clinic's
course settings (resources/course.toml): which scales it records, their remission
thresholds, the response rule and the PK model shown to clinicians (CLINICAL.md §6).
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from pathlib import Path

from ketamon.core.config import Fields, load_toml


@dataclass(frozen=True)
class Scale:
    """A rating scale: its id in records, its label, its range (whole points)."""

    id: str
    label: str
    max_points: int


# The scales ketamon knows; a clinic picks among them (PHQ-9 always, CLINICAL.md §11).
SCALES: dict[str, Scale] = {
    "phq9": Scale("phq9", "PHQ-9", 27),
    "qids_sr16": Scale("qids_sr16", "QIDS-SR16", 27),
    "madrs": Scale("madrs", "MADRS", 60),
}
PHQ9 = "phq9"
# Remission: PHQ-9 < 5 (CLINICAL.md §11). QIDS-SR16 <= 5 and MADRS < 10 are the usual
# trial definitions (design defaults; the clinic can change them).
DEFAULT_REMISSION_BELOW = {"phq9": 5.0, "qids_sr16": 6.0, "madrs": 10.0}
RESPONSE_DROP = 0.5  # response: a drop of at least 50% from the first score (§11)
PK_MODEL_IDS = ("clements", "domino")


class ScoreError(ValueError):
    """A score that is not a value of its scale (the message says why)."""


def check_score(scale_id: object, value: object) -> tuple[Scale, float]:
    """The scale and the value, or ScoreError: a known scale, a whole number in its range."""
    scale = SCALES.get(scale_id) if isinstance(scale_id, str) else None
    if scale is None:
        raise ScoreError(f"unknown scale {scale_id!r} (one of {', '.join(SCALES)})")
    ok = isinstance(value, int | float) and not isinstance(value, bool) and math.isfinite(value)
    if not ok or not 0 <= value <= scale.max_points or float(value) != int(value):
        raise ScoreError(
            f"{scale.label} is a whole number from 0 to {scale.max_points} (got {value!r})"
        )
    return scale, float(value)


@dataclass(frozen=True)
class CourseSettings:
    """The clinic's choices: `scales` recorded (PHQ-9 first), thresholds, PK model id."""

    scales: tuple[str, ...] = (PHQ9,)
    remission_below: dict[str, float] = field(default_factory=lambda: dict(DEFAULT_REMISSION_BELOW))
    response_drop: float = RESPONSE_DROP
    pk_model: str = "clements"


def load_course_settings(path: Path) -> CourseSettings:
    """Read resources/course.toml; ConfigError names file, line, field and reason."""
    data, text = load_toml(path)
    f = Fields(data, str(path), text)
    scales = f.raw("scales", [PHQ9])
    if not isinstance(scales, list) or not all(isinstance(s, str) for s in scales):
        raise f.error("scales", "must be a list of scale names")
    for s in scales:
        if s not in SCALES:
            raise f.error("scales", f"unknown scale {s!r} (one of {', '.join(SCALES)})")
    ordered = (PHQ9, *[s for s in dict.fromkeys(scales) if s != PHQ9])
    table = f.table("remission_below", {})
    remission = dict(DEFAULT_REMISSION_BELOW)
    for key in table.keys():
        if key not in SCALES:
            raise table.error(key, f"unknown scale (one of {', '.join(SCALES)})")
        remission[key] = table.number(key, low=0, high=SCALES[key].max_points + 1)
    table.finish()
    settings = CourseSettings(
        scales=ordered,
        remission_below=remission,
        response_drop=f.number("response_drop", RESPONSE_DROP, low=0.05, high=1.0),
        pk_model=f.text("pk_model", "clements", choices=PK_MODEL_IDS),
    )
    f.finish()
    return settings
