"""The patient ID that links a patient's sessions into a treatment course (core/course.py).

Its own module: the command line checks `--patient-id` (and its default) on every start,
and the course arithmetic is not needed for the first frame.
"""

from __future__ import annotations

MAX_PATIENT_ID_CHARS = 64


class PatientIdError(ValueError):
    """A patient ID that cannot be used (the message says why)."""


def check_patient_id(text: object) -> str:
    """The ID stripped, or PatientIdError: 1-64 printable characters, no line breaks."""
    if not isinstance(text, str) or not text.strip():
        raise PatientIdError("a patient ID must not be empty")
    pid = text.strip()
    if len(pid) > MAX_PATIENT_ID_CHARS:
        raise PatientIdError(f"a patient ID has at most {MAX_PATIENT_ID_CHARS} characters")
    if not pid.isprintable():
        raise PatientIdError("a patient ID must be printable text (no control characters)")
    return pid
