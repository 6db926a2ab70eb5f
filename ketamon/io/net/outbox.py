"""A bounded on-disk queue of outgoing messages (SQLite), sent strictly in order.

The producer (the session's thread) appends; one sender thread reads the oldest
rows and deletes each once the far end confirmed it. A crash or an absent broker
loses nothing up to the bound; past it the oldest rows are dropped and counted,
because the newest data matters most to a nurse watching now.
"""

from __future__ import annotations

import logging
import os
import sqlite3
import threading
from dataclasses import dataclass
from pathlib import Path

log = logging.getLogger(__name__)

DEFAULT_MAX_ROWS = 200_000  # ~ a 6 h session of one bed's vitals at 1 Hz, three times over


@dataclass(frozen=True)
class Queued:
    """One queued message: `seq` rises by one per message, for ever, in this file."""

    seq: int
    topic: str
    payload: bytes


class Outbox:
    """The queue file at `path` (created 0600: it may hold clinical data), at most `max_rows`."""

    def __init__(self, path: Path, max_rows: int = DEFAULT_MAX_ROWS):
        if max_rows < 1:
            raise ValueError("an outbox holds at least one message")
        self.path = path
        self.max_rows = max_rows
        path.parent.mkdir(parents=True, exist_ok=True)
        fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o600)
        os.close(fd)
        os.chmod(path, 0o600)
        self._lock = threading.Lock()  # one connection shared by producer and sender
        self._db = sqlite3.connect(path, check_same_thread=False, isolation_level=None)
        self._db.execute("PRAGMA journal_mode=WAL")
        self._db.execute("PRAGMA synchronous=NORMAL")  # survives an app crash
        self._db.execute(
            "CREATE TABLE IF NOT EXISTS outbox (seq INTEGER PRIMARY KEY AUTOINCREMENT, "
            "topic TEXT NOT NULL, payload BLOB NOT NULL)"
        )
        self._rows = self._db.execute("SELECT count(*) FROM outbox").fetchone()[0]
        self.dropped = 0

    def put(self, topic: str, payload: bytes) -> int:
        """Append one message; returns its sequence number. Drops the oldest past the bound."""
        with self._lock:
            cur = self._db.execute(
                "INSERT INTO outbox (topic, payload) VALUES (?, ?)", (topic, payload)
            )
            seq = int(cur.lastrowid or 0)
            self._rows += 1
            over = self._rows - self.max_rows
            if over > 0:
                self._db.execute(
                    "DELETE FROM outbox WHERE seq IN (SELECT seq FROM outbox ORDER BY seq LIMIT ?)",
                    (over,),
                )
                self._rows -= over
                self.dropped += over
                log.warning("%s full (%d messages): dropped the oldest", self.path, self.max_rows)
            return seq

    def oldest(self, after_seq: int = 0, limit: int = 1) -> list[Queued]:
        """Up to `limit` messages with seq > `after_seq`, oldest first."""
        with self._lock:
            rows = self._db.execute(
                "SELECT seq, topic, payload FROM outbox WHERE seq > ? ORDER BY seq LIMIT ?",
                (after_seq, limit),
            ).fetchall()
        return [Queued(seq, topic, bytes(payload)) for seq, topic, payload in rows]

    def remove(self, seq: int) -> None:
        """The far end has it: forget message `seq`."""
        with self._lock:
            cur = self._db.execute("DELETE FROM outbox WHERE seq = ?", (seq,))
            self._rows -= cur.rowcount

    def __len__(self) -> int:
        with self._lock:
            return self._rows

    def close(self) -> None:
        with self._lock:
            self._db.close()
