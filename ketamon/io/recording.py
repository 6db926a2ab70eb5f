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
import logging
import math
import os
import shutil
import sqlite3
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import IO
from urllib.parse import quote

import numpy as np

import ketamon
from ketamon.core.session import Session, SessionEvent
from ketamon.core.vitals import Sample, Vital
from ketamon.io.data_dir import os_reason
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


log = logging.getLogger(__name__)


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
            db.executemany("INSERT INTO samples VALUES (?, ?, ?, ?)", self._samples)
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
        for s in samples:
            self._samples.append((self._seq, s.t_s, s.vital.value, s.value))
            self._seq += 1
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


def is_open_elsewhere(path: Path) -> bool:
    """Another ketamon is recording `path` right now (its lock is held)."""
    lock = lock_path(path)
    if not lock.exists():
        return False
    try:
        with open(lock, "a") as handle:
            if not try_lock(handle):
                return True
            unlock(handle)
    except OSError:
        return False
    return False


@dataclass(frozen=True)
class VitalSeries:
    """All recorded values of one vital: times (s) and values, as arrays."""

    t_s: np.ndarray
    values: np.ndarray


VITAL_NAMES = {v.value for v in Vital}
MAX_SESSION_S = 7 * 24 * 3600.0  # no session lasts a week: a later time is damage, not data
SALVAGE_CHUNK_ROWS = 4096


def sqlite_uri(path: Path, **params: str) -> str:
    """A `file:` URI for `path` with # ? % spaces and unicode escaped (RFC 3986)."""
    query = "&".join(f"{k}={v}" for k, v in params.items())
    return f"file:{quote(str(path.absolute()), safe='/')}" + (f"?{query}" if query else "")


class Recording:
    """A recorded session, read-only, validated and salvaged where damaged.

    Opening reads everything into memory: every row is checked (known vital,
    finite time within MAX_SESSION_S, finite value, event data a JSON object).
    Rows that fail, or that SQLite cannot read from a damaged page, are skipped
    and counted in `skipped` (table -> count); `problems` says why, in words.
    Nothing is ever written beside the file: a file without a -wal is opened
    `immutable`; one with a -wal (an unfinished session) is read from a private
    copy of both, so the uncommitted-to-main pages are included.
    """

    def __init__(self, path: Path):
        self.path = path
        self.skipped: dict[str, int] = {}
        self.problems: list[str] = []
        if not path.is_file():
            raise RecordingError(f"{path}: no such file")
        self._tmp: tempfile.TemporaryDirectory | None = None
        self._series: dict[Vital, tuple[np.ndarray, np.ndarray]] | None = None
        try:
            self._db = self._connect(path)
            self.meta = self._read_meta()
            version = self.meta.get("schema_version")
            if version not in READABLE_SCHEMAS:
                raise RecordingError(
                    f"{path.name}: recording format {version!r} is not one of {READABLE_SCHEMAS} "
                    "(made by another ketamon version?)"
                )
            self._samples = self._read_samples()
            self._events = self._read_events()
            if self.skipped:
                log.warning("%s", self.skipped_text())
        except (sqlite3.Error, MemoryError, OSError) as exc:
            self.close()
            raise RecordingError(
                f"{path.name}: not a readable ketamon recording ({exc}); it was left untouched"
            ) from exc
        except RecordingError:
            self.close()
            raise
        finally:
            if getattr(self, "_db", None) is not None:
                self._db.close()
                self._db = None
            if self._tmp is not None:
                self._tmp.cleanup()
                self._tmp = None

    # ---- opening -------------------------------------------------------------------

    def _connect(self, path: Path) -> sqlite3.Connection:
        wal = path.with_name(path.name + "-wal")
        if wal.exists() and wal.stat().st_size > 0:
            # Unfinished: the newest pages are in the -wal. Read a private copy of both,
            # so SQLite's recovery writes (the -shm, a checkpoint) never touch the original.
            self._tmp = tempfile.TemporaryDirectory(prefix="ketamon-read-")
            copy = Path(self._tmp.name) / "r.ketamon"
            shutil.copyfile(path, copy)
            shutil.copyfile(wal, copy.with_name(copy.name + "-wal"))
            db = sqlite3.connect(sqlite_uri(copy), uri=True)
        else:
            db = sqlite3.connect(sqlite_uri(path, mode="ro", immutable="1"), uri=True)
        db.execute("PRAGMA query_only=1")
        return db

    def _skip(self, table: str, n: int, why: str) -> None:
        self.skipped[table] = self.skipped.get(table, 0) + n
        if len(self.problems) < 20:  # the first reasons say enough; the counts say how many
            self.problems.append(f"{table}: {why}")

    def _rows(self, table: str, columns: str) -> list[tuple]:
        """Every readable row in rowid order; damaged stretches are skipped and counted."""
        try:
            return self._db.execute(f"SELECT {columns} FROM {table} ORDER BY rowid").fetchall()
        except sqlite3.DatabaseError as exc:
            first_error = str(exc)
        # Salvage: walk rowid ranges, then single rows where a range fails.
        try:
            low, high = self._db.execute(f"SELECT min(rowid), max(rowid) FROM {table}").fetchone()
        except sqlite3.DatabaseError as exc:
            raise RecordingError(
                f"{self.path.name}: not a readable ketamon recording (its {table} table cannot "
                f"be read: {exc}); it was left untouched"
            ) from exc
        if low is None:
            return []
        high = min(high, low + 50_000_000)  # a damaged rowid must not make us walk forever
        rows: list[tuple] = []
        lost = 0
        query = f"SELECT {columns} FROM {table} WHERE rowid BETWEEN ? AND ? ORDER BY rowid"
        for a in range(low, high + 1, SALVAGE_CHUNK_ROWS):
            b = min(a + SALVAGE_CHUNK_ROWS - 1, high)
            try:
                rows += self._db.execute(query, (a, b)).fetchall()
                continue
            except sqlite3.DatabaseError:
                pass
            for rowid in range(a, b + 1):
                try:
                    rows += self._db.execute(query, (rowid, rowid)).fetchall()
                except sqlite3.DatabaseError:
                    lost += 1
        if lost or not rows:
            self._skip(table, lost, f"damaged pages ({first_error})")
        return rows

    def _read_meta(self) -> dict:
        meta = {}
        for row in self._rows("meta", "key, value"):
            key, value = row
            try:
                meta[str(key)] = json.loads(value)
            except (TypeError, ValueError, RecursionError):
                self._skip("meta", 1, f"{key!r} is not readable JSON")
        return meta

    def _read_samples(self) -> list[tuple[int, float, Vital, float]]:
        out = []
        vital_named = {v.value: v for v in Vital}
        isfinite = math.isfinite
        for seq, t, name, value in self._rows("samples", "seq, t_s, vital, value"):
            # An 8-hour recording has ~100k rows: the checks of _is_time, inlined for the
            # plain float times every written row has (others take the full check).
            vital = vital_named.get(name) if isinstance(name, str) else None
            if type(t) is float:
                time_ok = -MAX_SESSION_S <= t <= MAX_SESSION_S  # False for nan, inf
            else:
                time_ok = _is_time(t)
            ok = (
                vital is not None
                and isinstance(seq, int)
                and time_ok
                and isinstance(value, int | float)
                and isfinite(value)
            )
            if not ok:
                self._skip("samples", 1, f"row seq={seq!r} t_s={t!r} {name!r}={value!r} refused")
                continue
            out.append((seq, float(t), vital, float(value)))
        return out

    def _read_events(self) -> list[tuple[int, SessionEvent]]:
        out = []
        for seq, t, kind, message, data in self._rows("events", "seq, t_s, kind, message, data"):
            try:
                decoded = json.loads(data) if isinstance(data, str) else None
            except (ValueError, RecursionError):
                decoded = None
            ok = (
                isinstance(seq, int)
                and _is_time(t)
                and isinstance(kind, str)
                and isinstance(message, str)
                and isinstance(decoded, dict)
                and _event_data_ok(kind, decoded)
            )
            if not ok:
                self._skip("events", 1, f"event seq={seq!r} kind={kind!r} refused")
                continue
            out.append((seq, SessionEvent(float(t), kind, message, decoded)))
        return out

    def close(self) -> None:
        """Kept for callers: the file is already closed once the recording is read."""

    # ---- reading -------------------------------------------------------------------

    def skipped_text(self) -> str | None:
        """What salvage left out, for review and the browser; None when nothing was."""
        if not self.skipped:
            return None
        counts = ", ".join(f"{n} {table} row(s)" for table, n in self.skipped.items())
        return f"{self.path.name} is damaged: skipped {counts}: " + "; ".join(self.problems[:3])

    def events(self) -> list[SessionEvent]:
        return [e for _seq, e in sorted(self._events, key=lambda x: x[0])]

    def series(self, vital: Vital) -> VitalSeries:
        t_s, values = self._series_arrays().get(vital, (np.zeros(0), np.zeros(0)))
        return VitalSeries(t_s, values)

    def _series_arrays(self) -> dict[Vital, tuple[np.ndarray, np.ndarray]]:
        """Every vital's times and values, split in one pass (cached), each in time order
        (replay searches it): a manual BP is recorded when it is entered, stamped when it
        was measured, up to 15 min earlier."""
        if self._series is None:
            n = len(self._samples)
            code = {vital: i for i, vital in enumerate(Vital)}
            kind = np.fromiter((code[v] for _q, _t, v, _x in self._samples), np.int8, n)
            t_s = np.fromiter((t for _q, t, _v, _x in self._samples), float, n)
            values = np.fromiter((x for _q, _t, _v, x in self._samples), float, n)
            self._series = {}
            for vital, i in code.items():
                mask = kind == i
                order = np.argsort(t_s[mask], kind="stable")
                self._series[vital] = (t_s[mask][order], values[mask][order])
        return self._series

    def samples(self) -> list[Sample]:
        """Every sample in recorded order (which is time order per source)."""
        return [Sample(t, v, x) for _seq, t, v, x in sorted(self._samples, key=lambda r: r[0])]

    def stream(self) -> list[Sample | SessionEvent]:
        """Samples and events merged in the exact order they happened."""
        items: list[tuple[int, Sample | SessionEvent]] = [
            (seq, Sample(t, v, x)) for seq, t, v, x in self._samples
        ]
        items += self._events
        items.sort(key=lambda item: item[0])
        return [item for _seq, item in items]

    def summary(self) -> dict:
        """What the session browser lists (no rebuild)."""
        setup = next((e for _s, e in self._events if e.kind == "setup.confirmed"), None)
        prescription = setup.data.get("prescription", {}) if setup else {}
        if not isinstance(prescription, dict):
            prescription = {}
        peaks: dict[str, float] = {}
        for _seq, _t, vital, value in self._samples:
            if vital in (Vital.SBP, Vital.HR) and value > peaks.get(vital.value, -math.inf):
                peaks[vital.value] = value
        alarms = sum(
            1
            for _s, e in self._events
            if e.kind == "alarm.start" and e.data.get("kind") == "physiological"
        )
        discharged = any(e.kind == "infusion.discharged" for _s, e in self._events)
        source = self.meta.get("source")
        scenario = source.get("scenario") if isinstance(source, dict) else None
        return {
            "path": self.path,
            "discharged": discharged,
            "created_wall_s": _number_or_none(self.meta.get("created_wall_s")),
            "simulated": bool(self.meta.get("simulated")),
            "patient_id": str(prescription.get("patient_id", "")),
            "weight_kg": _number_or_none(prescription.get("weight_kg")),
            "protocol_id": str(prescription.get("protocol_id", "")),
            "scenario": str(scenario) if scenario else "",
            "duration_s": self.duration_s(),
            "peak_sbp": peaks.get("sbp"),
            "peak_hr": peaks.get("hr"),
            "alarms": alarms,
            "status": self.meta.get("status") if isinstance(self.meta.get("status"), str) else None,
            "damaged": self.skipped_text(),
        }

    def duration_s(self) -> float:
        times = [t for _s, t, _v, _x in self._samples] + [e.t_s for _s, e in self._events]
        return max(times, default=0.0)


ALARM_STATE_EVENTS = {"alarm.start", "alarm.change", "alarm.escalated", "alarm.condition_returned"}
PRIORITIES = {"low", "medium", "high"}
ALARM_KINDS = {"physiological", "technical"}


def _finite(value: object) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool) and math.isfinite(value)


def _event_data_ok(kind: str, data: dict) -> bool:
    """The fields replay and review read from an event are there and of the right type."""
    if kind in ALARM_STATE_EVENTS:
        return (
            isinstance(data.get("alarm_id"), str)
            and data.get("priority") in PRIORITIES
            and data.get("kind") in ALARM_KINDS
            and all(data.get(k) is None or _finite(data[k]) for k in ("value", "limit"))
            and isinstance(data.get("vitals", []), list)
            and all(v in VITAL_NAMES for v in data.get("vitals", []))
        )
    if kind.startswith("alarm.") and "priority" in data:
        return data["priority"] is None or data["priority"] in PRIORITIES
    if kind in ("baseline.measured", "baseline.entered"):
        hr = data.get("hr")
        return _finite(data.get("sbp")) and _finite(data.get("dbp")) and (hr is None or _finite(hr))
    if kind == "technical.report":
        return isinstance(data.get("condition"), str) and isinstance(data.get("present"), bool)
    return True


def _is_time(t: object) -> bool:
    return (
        isinstance(t, int | float)
        and not isinstance(t, bool)
        and math.isfinite(t)
        and -MAX_SESSION_S <= t <= MAX_SESSION_S
    )


def _number_or_none(value: object) -> float | None:
    ok = isinstance(value, int | float) and not isinstance(value, bool) and math.isfinite(value)
    return float(value) if ok else None
