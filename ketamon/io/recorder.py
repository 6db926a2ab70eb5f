"""Writing a session recording: one SQLite file per session, crash-safe, user-only.

`Recorder` subscribes to a session and commits at least every `flush()` (the app
calls it every 0.5 s of wall time), in WAL mode with synchronous=FULL, so a kill -9
or power loss loses at most the last uncommitted half second. A lock file held
while recording tells a crashed session from a running one. A write that fails
keeps the rows in memory and raises the RECORDING FAILED alarm. The file format
and the reader are in io/recording.py.
"""

from __future__ import annotations

import json
import logging
import os
import sqlite3
import time
from collections.abc import Callable
from itertools import chain
from pathlib import Path
from typing import IO

import ketamon
from ketamon.core.session import Session, SessionEvent
from ketamon.core.vitals import Sample
from ketamon.io.data_dir import os_reason
from ketamon.io.filelock import try_lock, unlock
from ketamon.io.recording import SCHEMA, SCHEMA_VERSION, SUFFIX, RecordingError, lock_path

log = logging.getLogger(__name__)


def new_recording_path(directory: Path, simulated: bool, wall_s: float | None = None) -> Path:
    """A free file name in `directory` for a new session, named by its start time and kind."""
    stamp = time.strftime("%Y-%m-%d_%H-%M-%S", time.localtime(wall_s or time.time()))
    kind = "SIM" if simulated else "LIVE"
    path = directory / f"{stamp}_{kind}{SUFFIX}"
    n = 1
    while path.exists():
        n += 1
        path = directory / f"{stamp}_{kind}_{n}{SUFFIX}"
    return path


MAX_BUFFERED_ROWS = 200_000  # ~11 h of 5 vitals at 1 Hz, ~30 MB: kept while writes fail
RECORDING_FAILED = "recording_failed"  # the technical alarm condition


class Recorder:
    """Writes `session` to `path` (new, or an unfinished one being resumed).

    A write that fails (full disk, read-only or vanished folder, I/O error) never
    raises: the rows stay in memory, `failure` says why (the OS's words), and the
    attached session gets the technical alarm RECORDING FAILED on every flush
    until a flush succeeds; then everything kept is written and the alarm clears.
    At most MAX_BUFFERED_ROWS samples and events are kept; beyond that the oldest
    samples are dropped (counted in `dropped_samples`), never the events.

    `connect` opens the SQLite database (sqlite3.connect; tests pass a factory);
    `max_buffered_rows` is the bound (MAX_BUFFERED_ROWS unless a test says otherwise).
    """

    def __init__(
        self,
        path: Path,
        meta: dict,
        resume: bool = False,
        connect: Callable[[Path], sqlite3.Connection] = sqlite3.connect,
        max_buffered_rows: int = MAX_BUFFERED_ROWS,
    ):
        self.path = path
        self._max_rows = max_buffered_rows
        self.failure: str | None = None
        self.dropped_samples = 0
        self._resume = resume
        self._connect = connect
        self._db: sqlite3.Connection | None = None
        self._lock: IO | None = None
        self._session: Session | None = None
        self._samples: list[tuple[int, float, str, float]] = []
        self._events: list[tuple[int, float, str, str, str]] = []
        base = {
            "schema_version": SCHEMA_VERSION,
            "app_version": ketamon.__version__,
            "created_wall_s": time.time(),
            "status": "open",
        }
        self._meta: dict = {"status": "open"} if resume else base | meta
        self._seq = 1
        if resume:
            self._open()  # a resumed file must be writable now: RecordingError otherwise
            if self._db is None:
                raise RecordingError(f"{path.name} cannot be written: {self.failure}")
        else:
            self._try(self._open)

    # ---- opening ---------------------------------------------------------------------

    def _open(self) -> None:
        """Create (O_EXCL, 0600, a free name) or reopen the file; take its lock; schema."""
        if self._db is not None:
            return
        if not self._resume and self._lock is None:
            self.path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
            self.path = _create_exclusive(self.path)
            self._resume = True  # from now on it is ours: reopen, never recreate
        if self._lock is None:
            lock = open(lock_path(self.path), "a")  # noqa: SIM115 (held for the session)
            os.chmod(lock.name, 0o600)
            if not try_lock(lock):
                lock.close()
                raise RecordingError(f"{self.path.name} is being recorded by another ketamon")
            self._lock = lock
        db = self._connect(self.path)
        try:
            db.execute("PRAGMA journal_mode=WAL")
            db.execute("PRAGMA synchronous=FULL")
            db.executescript(SCHEMA)
            # One sequence across samples and events keeps their exact interleaving, so a
            # rebuilt session sees a reading and a command at the same time in live order.
            row = db.execute(
                "SELECT max(m) FROM (SELECT max(seq) AS m FROM samples "
                "UNION ALL SELECT max(seq) FROM events)"
            ).fetchone()
            db.commit()
        except (sqlite3.Error, OSError):
            db.close()
            raise
        if row[0] is not None and row[0] >= self._seq:
            self._renumber(row[0] + 1)
        self._db = db

    def _renumber(self, first_seq: int) -> None:
        """Rows taken before the file could be read continue its sequence."""
        shift = first_seq - 1
        self._samples = [(q + shift, *rest) for q, *rest in self._samples]
        self._events = [(q + shift, *rest) for q, *rest in self._events]
        self._seq += shift

    def _try(self, action: Callable[[], None]) -> bool:
        try:
            action()
        except (sqlite3.Error, OSError) as exc:
            reason = getattr(exc, "strerror", None) or str(exc)
            if isinstance(exc, sqlite3.Error) and (why := os_reason(self.path.parent)):
                reason = f"{why} ({reason})"
            if self._db is not None:
                try:
                    self._db.rollback()
                except sqlite3.Error:
                    self._db.close()
                    self._db = None
            if reason != self.failure:
                log.error("recording %s failed: %s", self.path, reason)
            self.failure = reason
            self._report(True)
            return False
        if self.failure is not None:
            log.info("recording %s works again; kept rows written", self.path)
            self.failure = None
            self._report(False)
        return True

    def _report(self, present: bool) -> None:
        if self._session is not None:
            detail = f"RECORDING FAILED: {self.failure}" if present else "recording works again"
            self._session.report_technical(self._session.t_s, RECORDING_FAILED, present, detail)

    # ---- writing ---------------------------------------------------------------------

    def attach(self, session: Session) -> None:
        session.on_samples.connect(self._on_samples)
        session.on_event.connect(self._on_event)
        self.report_to(session)

    def report_to(self, session: Session) -> None:
        """Write failures become `session`'s RECORDING FAILED alarm (SessionRecorder feeds
        the rows itself, so an event is written before the file closes because of it)."""
        self._session = session
        if self.failure is not None:
            self._report(True)

    def set_meta(self, key: str, value) -> None:
        self._meta[key] = value  # written at the next flush (kept while writes fail)

    def flush(self) -> bool:
        """Commit what is kept: after this returns True, it survives a crash."""
        return self._try(self._write)

    def _write(self) -> None:
        self._open()
        db = self._db
        if self._meta:
            db.executemany(
                "INSERT OR REPLACE INTO meta (key, value) VALUES (?, ?)",
                [(k, json.dumps(v)) for k, v in self._meta.items()],
            )
        if self._samples:
            _insert_samples(db, self._samples)
        if self._events:
            db.executemany("INSERT INTO events VALUES (?, ?, ?, ?, ?)", self._events)
        db.commit()
        # Only once committed: a failed commit keeps every row for the next try.
        self._meta, self._samples, self._events = {}, [], []

    def close(self, status: str = "closed") -> None:
        """Final flush and close. If the disk still fails, what could not be written is
        lost with the process: the alarm said so, and the file stays 'open' (resumable)."""
        self.set_meta("status", status)
        self.set_meta("closed_wall_s", time.time())
        self.flush()
        if self._db is not None:
            self._db.close()
            self._db = None
        if self._lock is not None:
            unlock(self._lock)
            self._lock.close()
            Path(self._lock.name).unlink(missing_ok=True)
            self._lock = None

    def _on_samples(self, samples: list[Sample]) -> None:
        seq = self._seq
        self._samples += [(seq + i, s.t_s, s.vital.key, s.value) for i, s in enumerate(samples)]
        self._seq = seq + len(samples)
        excess = len(self._samples) + len(self._events) - self._max_rows
        if excess > 0 and self._samples:
            drop = min(excess, len(self._samples))
            del self._samples[:drop]
            self.dropped_samples += drop

    def _on_event(self, event: SessionEvent) -> None:
        self._events.append(
            (self._seq, event.t_s, event.kind, event.message, json.dumps(event.data))
        )
        self._seq += 1


SAMPLE_ROWS_PER_INSERT = 200  # 800 parameters: below SQLite's oldest limit (999)


def _insert_samples(db: sqlite3.Connection, rows: list[tuple[int, float, str, float]]) -> None:
    """Insert sample rows in order, many to a statement: a third less work than one
    INSERT a row (an 8-hour session writes ~85k)."""
    n = SAMPLE_ROWS_PER_INSERT
    full = len(rows) - len(rows) % n
    if full:
        many = "INSERT INTO samples VALUES " + ", ".join(["(?, ?, ?, ?)"] * n)
        chunks = (list(chain.from_iterable(rows[i : i + n])) for i in range(0, full, n))
        db.executemany(many, chunks)
    if full < len(rows):
        db.executemany("INSERT INTO samples VALUES (?, ?, ?, ?)", rows[full:])


def _create_exclusive(path: Path, attempts: int = 1000) -> Path:
    """Create `path` 0600 (or stem_2, stem_3... if taken): race-free with O_EXCL.

    Created before SQLite opens it; SQLite gives its -wal and -shm the same mode.
    """
    candidate = path
    for n in range(2, attempts + 2):
        try:
            os.close(os.open(candidate, os.O_CREAT | os.O_EXCL | os.O_WRONLY, 0o600))
            return candidate
        except FileExistsError:
            candidate = path.with_name(f"{path.stem}_{n}{path.suffix}")
    raise FileExistsError(f"no free file name beside {path}")
