"""What a sender thread tells the session's thread: connected or away since when, and why."""

from __future__ import annotations

import threading
import time
from dataclasses import dataclass


@dataclass(frozen=True)
class LinkStatus:
    """`failing_since_s` (monotonic wall seconds): when the oldest unconfirmed trouble began."""

    ok: bool
    failing_since_s: float | None
    detail: str
    queued: int


class LinkState:
    """Thread-safe status written by a sender thread and read by the session's thread."""

    def __init__(self, ok: bool, detail: str = "") -> None:
        """`ok` False: failing from now (e.g. a broker not connected yet)."""
        self._lock = threading.Lock()
        self._ok = ok
        self._since: float | None = None if ok else time.monotonic()
        self._detail = detail

    def fine(self) -> None:
        with self._lock:
            self._ok, self._since, self._detail = True, None, ""

    def failing(self, detail: str) -> None:
        """Trouble: keeps the time it began if it was failing already."""
        with self._lock:
            if self._since is None:
                self._since = time.monotonic()
            self._ok, self._detail = False, detail

    def worth_waiting(self, grace_s: float = 3.0) -> bool:
        """At exit: fine now, or failing only for `grace_s` (e.g. still connecting)."""
        with self._lock:
            return self._since is None or time.monotonic() - self._since < grace_s

    def read(self, queued: int) -> LinkStatus:
        with self._lock:
            return LinkStatus(self._ok, self._since, self._detail, queued)


@dataclass(frozen=True)
class Backoff:
    """How soon a sender tries again while its broker or engine is away: `first_s`
    seconds, doubling on each failure, never more than `max_s` seconds apart."""

    first_s: float = 0.5
    max_s: float = 5.0

    def delay_s(self, attempt: int) -> float:
        """Seconds before retry number `attempt` (0, 1, ...)."""
        return min(self.max_s, self.first_s * (2 ** min(attempt, 16)))
