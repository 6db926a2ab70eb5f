"""Where a patient's course comes from: the recordings in the user's data folder.

Design: no separate course file and no index. A session's patient ID is in its
recording (the `setup` command's prescription), so the course is found by scanning
the recordings' setup records. Nothing new holds patient data: the recordings keep
their protections (0600 in a 0700 folder, validated on read, a damaged file named
with its reason), a patient ID never reaches a file name, and there is no index
to fall out of step with the recordings (or to leak IDs, even hashed ones, which
are guessable from a short ID space). The cost is reading each recording once per
course query (about a session per few hundred ms); a clinic laptop holds hundreds.

A follow-up score is appended to a closed recording as one more command record
(`command.score` with the wall time it was entered) and its effect, after
everything that was there; nothing already recorded is rewritten.
"""

from __future__ import annotations

import json
import logging
import sqlite3
import time
from dataclasses import dataclass
from pathlib import Path

from ketamon.core.course import Course, ScoreEntry, SessionFacts, build_course
from ketamon.core.events import encode_command
from ketamon.core.scores import check_score
from ketamon.core.session import Session
from ketamon.core.vitals import Vital
from ketamon.io.filelock import try_lock, unlock
from ketamon.io.recording import SUFFIX, Recording, RecordingError, lock_path, sqlite_uri
from ketamon.io.summary import Peaks, rebuild_recording
from ketamon.resources_loading import ClinicalResources

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class CourseScan:
    """The recordings of one patient, and the files that could not be read (with why)."""

    paths: list[Path]
    unreadable: list[str]


def recording_patient_id(recording: Recording) -> str:
    """The patient ID in a recording's first setup record ('' if none)."""
    for event in recording.events():
        if event.kind in ("command.setup", "setup.confirmed"):
            prescription = event.data.get("prescription")
            if isinstance(prescription, dict):
                pid = prescription.get("patient_id")
                return pid if isinstance(pid, str) else ""
    return ""


def setup_patient_id(path: Path) -> str:
    """The patient ID of a recording, reading only its first setup record (a scan of a
    folder of long sessions stays quick); RecordingError if the file cannot be read.

    An unfinished recording (a -wal beside it) is read whole by `Recording`, which
    reads the uncommitted pages from a private copy.
    """
    wal = path.with_name(path.name + "-wal")
    if wal.exists() and wal.stat().st_size > 0:
        return recording_patient_id(Recording(path))
    query = (
        "SELECT data FROM events WHERE kind IN ('command.setup', 'setup.confirmed') "
        "ORDER BY seq LIMIT 1"
    )
    try:
        db = sqlite3.connect(sqlite_uri(path, mode="ro", immutable="1"), uri=True)
        try:
            row = db.execute(query).fetchone()
        finally:
            db.close()
    except sqlite3.Error as exc:
        raise RecordingError(f"{path.name}: not a readable ketamon recording ({exc})") from exc
    try:
        data = json.loads(row[0]) if row and isinstance(row[0], str) else {}
    except (ValueError, RecursionError):
        data = {}
    prescription = data.get("prescription") if isinstance(data, dict) else None
    pid = prescription.get("patient_id") if isinstance(prescription, dict) else None
    return pid if isinstance(pid, str) else ""


def find_patient_recordings(data_dir: Path, patient_id: str) -> CourseScan:
    """Every recording in `data_dir` whose setup names `patient_id` (exactly)."""
    paths: list[Path] = []
    unreadable: list[str] = []
    if not data_dir.is_dir():
        return CourseScan(paths, unreadable)
    for path in sorted(data_dir.glob(f"*{SUFFIX}")):
        try:
            found = setup_patient_id(path)
        except RecordingError as exc:
            unreadable.append(str(exc))
            continue
        if found == patient_id:
            paths.append(path)
    return CourseScan(paths, unreadable)


def session_facts(path: Path, resources: ClinicalResources) -> SessionFacts:
    """One recording rebuilt (io/summary.py) and reduced to what a course shows."""
    session, peaks, meta = rebuild_recording(path, resources)
    return facts_of(session, peaks, path.name, _number(meta.get("created_wall_s")))


def facts_of(
    session: Session, peaks: Peaks, source: str, started_wall_s: float | None
) -> SessionFacts:
    """A (live or rebuilt) session reduced to its course facts."""
    plan = session.plan
    b = session.baseline
    status = session.snapshot().status
    cadss = [
        float(e.data["score"])
        for e in session.events
        if e.kind == "annotation"
        and e.data.get("type") == "cadss6"
        and isinstance(e.data.get("score"), int | float)
    ]
    side_effects = tuple(
        dict.fromkeys(
            e.message
            for e in session.events
            if e.kind == "annotation" and e.data.get("type") == "side_effect"
        )
    )
    scores = tuple(
        ScoreEntry(e.data["scale"], float(e.data["value"]), e.t_s, e.data.get("entered_wall_s"))
        for e in session.events
        if e.kind == "score.recorded"
    )
    alarms = sum(
        1
        for e in session.events
        if e.kind == "alarm.start" and e.data.get("kind") == "physiological"
    )
    cp = session.concentration

    def peak(vital: Vital) -> float | None:
        return peaks.best[vital][0] if vital in peaks.best else None

    return SessionFacts(
        source=source,
        started_wall_s=started_wall_s,
        protocol=plan.protocol.name if plan else "",
        weight_kg=plan.patient.weight_kg if plan else None,
        delivered_mg=status.delivered_mg if status else None,
        baseline_sbp=b.sbp_mmhg if b else None,
        baseline_dbp=b.dbp_mmhg if b else None,
        baseline_hr=b.hr_bpm if b else None,
        peak_sbp=peak(Vital.SBP),
        peak_dbp=peak(Vital.DBP),
        peak_hr=peak(Vital.HR),
        alarms=alarms,
        cadss_max=max(cadss) if cadss else None,
        moaas_min=None,  # MOAA/S records arrive with the sedation command (issue 13)
        side_effects=side_effects,
        scores=scores,
        predicted_peak_ng_per_ml=cp.peak_ng_per_ml if cp else None,
        pk_model=cp.model.name if cp else None,
        discharged=any(e.kind == "infusion.discharged" for e in session.events),
    )


def patient_sessions(
    data_dir: Path, patient_id: str, resources: ClinicalResources
) -> tuple[list[SessionFacts], list[str]]:
    """The facts of every readable session of `patient_id`, and the problems met."""
    scan = find_patient_recordings(data_dir, patient_id)
    facts: list[SessionFacts] = []
    problems = list(scan.unreadable)
    for path in scan.paths:
        try:
            facts.append(session_facts(path, resources))
        except (RecordingError, ValueError, KeyError, TypeError) as exc:
            problems.append(f"{path.name}: cannot be rebuilt ({exc})")
    return facts, problems


def load_course(
    patient_id: str, data_dir: Path, resources: ClinicalResources, scale: str = "phq9"
) -> tuple[Course, list[str]]:
    """The patient's course on `scale`, and the recordings left out (with why)."""
    facts, problems = patient_sessions(data_dir, patient_id, resources)
    for problem in problems:
        log.warning("left out of the course: %s", problem)
    return build_course(patient_id, facts, resources.course, scale), problems


def last_session(
    data_dir: Path, patient_id: str, resources: ClinicalResources
) -> SessionFacts | None:
    """The patient's most recent recorded session (only it is rebuilt), or None."""
    latest: tuple[float, Path] | None = None
    for path in find_patient_recordings(data_dir, patient_id).paths:
        try:
            created = _number(Recording(path).meta.get("created_wall_s")) or 0.0
        except RecordingError:
            continue
        if latest is None or created >= latest[0]:
            latest = (created, path)
    if latest is None:
        return None
    try:
        return session_facts(latest[1], resources)
    except (RecordingError, ValueError, KeyError, TypeError) as exc:
        log.warning("%s: the last session cannot be rebuilt (%s)", latest[1].name, exc)
        return None


class FollowUpError(Exception):
    """The follow-up score cannot be added (the message names the file and says why)."""


def add_follow_up_score(path: Path, scale: str, value: float, wall_s: float | None = None) -> None:
    """Append a follow-up score to a closed recording, after everything in it.

    Recorded at the session's last time (a session clock runs for hours, not weeks)
    with `entered_wall_s`, the wall time it was entered; rebuilt like any command.
    """
    check_score(scale, value)  # ScoreError (a ValueError) before touching anything
    wall_s = time.time() if wall_s is None else wall_s
    try:
        recording = Recording(path)
    except RecordingError as exc:
        raise FollowUpError(str(exc)) from exc
    if recording.meta.get("status") == "open":
        raise FollowUpError(f"{path.name} is still open (recording or unfinished): resume it first")
    t_s = recording.duration_s()
    lock = open(lock_path(path), "a")  # noqa: SIM115 (held while appending)
    try:
        lock_path(path).chmod(0o600)
        if not try_lock(lock):
            raise FollowUpError(f"{path.name} is being recorded by another ketamon")
        _append(path, t_s, scale, value, wall_s)
        unlock(lock)
    finally:
        lock.close()
        lock_path(path).unlink(missing_ok=True)


def _append(path: Path, t_s: float, scale: str, value: float, wall_s: float) -> None:
    args = {"scale": scale, "value": float(value), "entered_wall_s": wall_s}
    command = encode_command(t_s, "score", args)
    label = check_score(scale, value)[0].label
    effect_data = {"scale": scale, "value": float(value), "phase": "Follow-up"}
    effect_data["entered_wall_s"] = wall_s
    rows = [
        (command.kind, command.message, json.dumps(command.data)),
        ("score.recorded", f"{label} {value:.0f} (follow-up)", json.dumps(effect_data)),
    ]
    try:
        db = sqlite3.connect(path)
        try:
            with db:
                (last,) = db.execute(
                    "SELECT max(m) FROM (SELECT max(seq) AS m FROM samples "
                    "UNION ALL SELECT max(seq) FROM events)"
                ).fetchone()
                seq = (last or 0) + 1
                db.executemany(
                    "INSERT INTO events VALUES (?, ?, ?, ?, ?)",
                    [(seq + i, t_s, kind, msg, data) for i, (kind, msg, data) in enumerate(rows)],
                )
        finally:
            db.close()
    except sqlite3.Error as exc:
        raise FollowUpError(f"{path.name}: the score could not be added ({exc})") from exc
    log.info("follow-up %s %s added to %s", scale, value, path.name)


def _number(value: object) -> float | None:
    ok = isinstance(value, int | float) and not isinstance(value, bool)
    return float(value) if ok else None
