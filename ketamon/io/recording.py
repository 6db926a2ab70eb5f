"""Session recordings: one SQLite file per session, crash-safe, readable by the user only.

Writing: `Recorder` subscribes to a session and commits at least every `flush()`
(the app calls it every 0.5 s of wall time), in WAL mode with synchronous=FULL,
so a kill -9 or power loss loses at most the last uncommitted half second. A
lock file held while recording tells a crashed session from a running one.

Reading: `Recording` opens read-only and refuses, with a clear message, any file
that is not a readable ketamon recording; it never writes to it.
"""

from __future__ import annotations

import json
import os
import sqlite3
import time
from dataclasses import dataclass
from pathlib import Path

import numpy as np

import ketamon
from ketamon.core.session import Session, SessionEvent
from ketamon.core.vitals import Sample, Vital
from ketamon.io.filelock import try_lock, unlock

SCHEMA_VERSION = 2  # 2: nurse commands recorded as `command.<name>` events
READABLE_SCHEMAS = (1, 2)  # 1 is rebuilt by io/rebuild.py's legacy path
SUFFIX = ".ketamon"
SCHEMA = """
CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS samples (
    seq INTEGER NOT NULL, t_s REAL NOT NULL, vital TEXT NOT NULL, value REAL NOT NULL
);
CREATE INDEX IF NOT EXISTS samples_t ON samples (t_s);
CREATE TABLE IF NOT EXISTS events (
    seq INTEGER NOT NULL, t_s REAL NOT NULL, kind TEXT NOT NULL,
    message TEXT NOT NULL, data TEXT NOT NULL
);
"""


class RecordingError(Exception):
    """A recording cannot be read; the message names the file and says why."""


def new_recording_path(directory: Path, simulated: bool, wall_s: float | None = None) -> Path:
    stamp = time.strftime("%Y-%m-%d_%H-%M-%S", time.localtime(wall_s or time.time()))
    kind = "SIM" if simulated else "LIVE"
    path = directory / f"{stamp}_{kind}{SUFFIX}"
    n = 1
    while path.exists():
        n += 1
        path = directory / f"{stamp}_{kind}_{n}{SUFFIX}"
    return path


class Recorder:
    """Writes `session` to `path` (new, or an unfinished one being resumed)."""

    def __init__(self, path: Path, meta: dict, resume: bool = False):
        self.path = path
        path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
        if not resume:
            # Created 0600 before SQLite opens it; SQLite gives its -wal and -shm the same mode.
            os.close(os.open(path, os.O_CREAT | os.O_EXCL | os.O_WRONLY, 0o600))
        self._lock = open(lock_path(path), "w")  # noqa: SIM115 (held for the session)
        os.chmod(self._lock.name, 0o600)
        if not try_lock(self._lock):
            self._lock.close()
            raise RecordingError(f"{path.name} is being recorded by another ketamon")
        self._db = sqlite3.connect(path)
        self._db.execute("PRAGMA journal_mode=WAL")
        self._db.execute("PRAGMA synchronous=FULL")
        self._db.executescript(SCHEMA)
        base = {
            "schema_version": SCHEMA_VERSION,
            "app_version": ketamon.__version__,
            "created_wall_s": time.time(),
            "status": "open",
        }
        for key, value in ({} if resume else base | meta).items():
            self.set_meta(key, value)
        if resume:
            self.set_meta("status", "open")
        self._db.commit()
        # One sequence across samples and events keeps their exact interleaving, so a
        # rebuilt session sees a reading and a command at the same time in live order.
        row = self._db.execute(
            "SELECT max(m) FROM (SELECT max(seq) AS m FROM samples "
            "UNION ALL SELECT max(seq) FROM events)"
        ).fetchone()
        self._seq = (row[0] or 0) + 1
        self._samples: list[tuple[int, float, str, float]] = []
        self._events: list[tuple[int, float, str, str, str]] = []

    def attach(self, session: Session) -> None:
        session.on_samples.connect(self._on_samples)
        session.on_event.connect(self._on_event)

    def set_meta(self, key: str, value) -> None:
        self._db.execute(
            "INSERT OR REPLACE INTO meta (key, value) VALUES (?, ?)", (key, json.dumps(value))
        )

    def flush(self) -> None:
        """Commit what is buffered: after this returns, it survives a crash."""
        if self._samples:
            self._db.executemany("INSERT INTO samples VALUES (?, ?, ?, ?)", self._samples)
            self._samples = []
        if self._events:
            self._db.executemany("INSERT INTO events VALUES (?, ?, ?, ?, ?)", self._events)
            self._events = []
        self._db.commit()

    def close(self, status: str = "closed") -> None:
        self.flush()
        self.set_meta("status", status)
        self.set_meta("closed_wall_s", time.time())
        self._db.commit()
        self._db.close()
        unlock(self._lock)
        self._lock.close()
        Path(self._lock.name).unlink(missing_ok=True)

    def _on_samples(self, samples: list[Sample]) -> None:
        for s in samples:
            self._samples.append((self._seq, s.t_s, s.vital.value, s.value))
            self._seq += 1

    def _on_event(self, event: SessionEvent) -> None:
        self._events.append(
            (self._seq, event.t_s, event.kind, event.message, json.dumps(event.data))
        )
        self._seq += 1


def lock_path(path: Path) -> Path:
    return path.with_name(path.name + ".lock")


def is_unfinished(path: Path) -> bool:
    """Recorded 'open' and nobody holds its lock: the app died during the session."""
    try:
        status = Recording(path).meta.get("status")
    except RecordingError:
        return False
    if status != "open":
        return False
    lock = lock_path(path)
    if not lock.exists():
        return True
    with open(lock, "a") as handle:
        if not try_lock(handle):
            return False  # another ketamon is recording it right now
        unlock(handle)
    return True


@dataclass(frozen=True)
class VitalSeries:
    """All recorded values of one vital: times (s) and values, as arrays."""

    t_s: np.ndarray
    values: np.ndarray


class Recording:
    """A recorded session, read-only."""

    def __init__(self, path: Path):
        self.path = path
        if not path.is_file():
            raise RecordingError(f"{path}: no such file")
        try:
            self._db = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
            rows = self._db.execute("SELECT key, value FROM meta").fetchall()
            self.meta = {key: json.loads(value) for key, value in rows}
            self._db.execute("SELECT count(*) FROM samples").fetchone()
            self._db.execute("SELECT count(*) FROM events").fetchone()
        except (sqlite3.DatabaseError, json.JSONDecodeError) as exc:
            raise RecordingError(
                f"{path.name}: not a readable ketamon recording ({exc}); it was left untouched"
            ) from exc
        version = self.meta.get("schema_version")
        if version not in READABLE_SCHEMAS:
            raise RecordingError(
                f"{path.name}: recording format {version!r} is not one of {READABLE_SCHEMAS} "
                "(made by another ketamon version?)"
            )

    def close(self) -> None:
        self._db.close()

    def events(self) -> list[SessionEvent]:
        rows = self._db.execute("SELECT t_s, kind, message, data FROM events ORDER BY seq")
        return [SessionEvent(t, kind, message, json.loads(data)) for t, kind, message, data in rows]

    def series(self, vital: Vital) -> VitalSeries:
        rows = self._db.execute(
            "SELECT t_s, value FROM samples WHERE vital = ? ORDER BY seq", (vital.value,)
        ).fetchall()
        data = np.array(rows, dtype=float).reshape(-1, 2)
        return VitalSeries(data[:, 0], data[:, 1])

    def samples(self) -> list[Sample]:
        """Every sample in recorded order (which is time order per source)."""
        rows = self._db.execute("SELECT t_s, vital, value FROM samples ORDER BY seq")
        return [Sample(t, Vital(v), x) for t, v, x in rows]

    def stream(self) -> list[Sample | SessionEvent]:
        """Samples and events merged in the exact order they happened."""
        rows = self._db.execute(
            "SELECT seq, t_s, vital, value, NULL, NULL FROM samples "
            "UNION ALL SELECT seq, t_s, kind, NULL, message, data FROM events ORDER BY 1"
        )
        return [
            Sample(t, Vital(name), value)
            if message is None
            else SessionEvent(t, name, message, json.loads(data))
            for _seq, t, name, value, message, data in rows
        ]

    def summary(self) -> dict:
        """What the session browser lists, from quick queries (no rebuild)."""
        setup = self._db.execute(
            "SELECT data FROM events WHERE kind = 'setup.confirmed' ORDER BY seq LIMIT 1"
        ).fetchone()
        prescription = json.loads(setup[0]).get("prescription", {}) if setup else {}
        peaks = dict(
            self._db.execute(
                "SELECT vital, max(value) FROM samples WHERE vital IN ('sbp', 'hr') GROUP BY vital"
            ).fetchall()
        )
        alarms = self._db.execute(
            "SELECT count(*) FROM events WHERE kind = 'alarm.start' "
            "AND json_extract(data, '$.kind') = 'physiological'"
        ).fetchone()[0]
        discharged = self._db.execute(
            "SELECT count(*) FROM events WHERE kind = 'infusion.discharged'"
        ).fetchone()[0]
        return {
            "path": self.path,
            "discharged": bool(discharged),
            "created_wall_s": self.meta.get("created_wall_s"),
            "simulated": bool(self.meta.get("simulated")),
            "patient_id": prescription.get("patient_id", ""),
            "weight_kg": prescription.get("weight_kg"),
            "protocol_id": prescription.get("protocol_id", ""),
            "duration_s": self.duration_s(),
            "peak_sbp": peaks.get("sbp"),
            "peak_hr": peaks.get("hr"),
            "alarms": alarms,
            "status": self.meta.get("status"),
        }

    def duration_s(self) -> float:
        row = self._db.execute(
            "SELECT max(t) FROM (SELECT max(t_s) AS t FROM samples "
            "UNION ALL SELECT max(t_s) FROM events)"
        ).fetchone()
        return row[0] or 0.0
