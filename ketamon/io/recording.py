"""Session recordings: the file format, and reading one back.

One SQLite file per session (SCHEMA), written by io/recorder.py's `Recorder`; a
lock file held while recording tells a crashed session from a running one.
`Recording` opens read-only and refuses, with a clear message, any file that is
not a readable ketamon recording; it never writes to it, and salvages what it can
of a damaged one (rows with impossible times or values are skipped and counted).
"""

from __future__ import annotations

import json
import logging
import math
import shutil
import sqlite3
import tempfile
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import quote

import numpy as np

from ketamon.core.events import BASELINE_KINDS
from ketamon.core.session import VITALS_SOURCE, SessionEvent
from ketamon.core.vitals import Sample, Vital
from ketamon.io.filelock import try_lock, unlock
from ketamon.io.sample_table import SampleTable, collector_paused, is_time, read_sample_rows

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


def origin_wall_s(meta: dict) -> float | None:
    """Unix time of session time 0 from a recording's meta: its clock (session time
    `t_s` was wall time `wall_s`), else the file's creation; None when neither is a number."""
    clock = meta.get("clock")
    if isinstance(clock, dict):
        wall_s, t_s = _number_or_none(clock.get("wall_s")), _number_or_none(clock.get("t_s"))
        if wall_s is not None and t_s is not None:
            return wall_s - t_s
    return _number_or_none(meta.get("created_wall_s"))


@dataclass(frozen=True)
class VitalSeries:
    """All recorded values of one vital: times (s) and values, as arrays."""

    t_s: np.ndarray
    values: np.ndarray


VITAL_NAMES = {v.value for v in Vital}
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
            with collector_paused():
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

    def _read_samples(self) -> SampleTable:
        rows = self._rows("samples", "seq, t_s, vital, value")
        return read_sample_rows(rows, lambda why: self._skip("samples", 1, why))

    def _read_events(self) -> list[tuple[int, SessionEvent]]:
        out = []
        for seq, t, kind, message, data in self._rows("events", "seq, t_s, kind, message, data"):
            try:
                decoded = json.loads(data) if isinstance(data, str) else None
            except (ValueError, RecursionError):
                decoded = None
            ok = (
                isinstance(seq, int)
                and is_time(t)
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
        """Every vital's times and values (cached), each in time order (replay searches
        it): a manual BP is recorded when it is entered, stamped when it was measured,
        up to 15 min earlier."""
        if self._series is None:
            self._series = self._samples.series()
        return self._series

    def samples(self) -> list[Sample]:
        """Every sample in recorded order (which is time order per source)."""
        with collector_paused():
            return self._samples.samples(np.argsort(self._samples.seq, kind="stable"))

    def stream(self) -> list[Sample | SessionEvent]:
        """Samples and events merged in the exact order they happened."""
        with collector_paused():
            items: list[Sample | SessionEvent] = self._samples.samples()
            items += [e for _seq, e in self._events]
            seqs = np.concatenate([self._samples.seq, [q for q, _e in self._events]])
            return [items[i] for i in np.argsort(seqs, kind="stable").tolist()]

    def summary(self) -> dict:
        """What the session browser lists (no rebuild)."""
        setup = next((e for _s, e in self._events if e.kind == "setup.confirmed"), None)
        prescription = setup.data.get("prescription", {}) if setup else {}
        if not isinstance(prescription, dict):
            prescription = {}
        peaks = {vital.value: self._samples.peak(vital) for vital in (Vital.SBP, Vital.HR)}
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
        times = [float(self._samples.t_s.max())] if len(self._samples) else []
        return max(times + [e.t_s for _s, e in self._events], default=0.0)


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
    if kind in BASELINE_KINDS:
        optional = [data.get("hr"), data.get("spo2")]
        return (
            _finite(data.get("sbp"))
            and _finite(data.get("dbp"))
            and all(v is None or _finite(v) for v in optional)
        )
    if kind == VITALS_SOURCE:
        vitals = data.get("vitals")
        return (
            isinstance(data.get("source"), str)
            and isinstance(vitals, list)
            and all(v in VITAL_NAMES for v in vitals)
        )
    if kind == "technical.report":
        return isinstance(data.get("condition"), str) and isinstance(data.get("present"), bool)
    return True


def _number_or_none(value: object) -> float | None:
    ok = isinstance(value, int | float) and not isinstance(value, bool) and math.isfinite(value)
    return float(value) if ok else None
