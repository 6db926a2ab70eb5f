"""The interface every widget reads: the live SessionModel and the read-only ReplayModel.

Widgets take a `DashboardModel` in `__init__`, subscribe to its signals and ask
`history()` once for what happened before they existed (a resumed session's
trends, a replay's position); `history_reset` tells them to reload (a replay seek).
`read_only` is True for a replay: nurse commands do not apply.
"""

from __future__ import annotations

from typing import Protocol

import numpy as np
from PySide6.QtCore import SignalInstance

from ketamon.core.session import Session, SessionEvent, Snapshot
from ketamon.core.vitals import Vital

# {"arrays": {Vital: (t_s, values)}, "events": [SessionEvent, ...]}
History = dict


def empty_arrays() -> dict[Vital, tuple[np.ndarray, np.ndarray]]:
    return {v: (np.empty(0), np.empty(0)) for v in Vital}


def history(
    arrays: dict[Vital, tuple[np.ndarray, np.ndarray]] | None, events: list[SessionEvent]
) -> History:
    return {"arrays": arrays if arrays is not None else empty_arrays(), "events": events}


class DashboardModel(Protocol):
    snapshot_changed: SignalInstance  # Snapshot
    event_added: SignalInstance  # SessionEvent
    samples_added: SignalInstance  # list[Sample]
    history_reset: SignalInstance  # History
    read_only: bool
    session: Session

    def snapshot(self) -> Snapshot: ...

    def refresh(self) -> None: ...

    def history(self) -> History: ...

    def source_text(self) -> str: ...

    def wall_time_s(self, t_s: float) -> float | None:
        """The wall-clock time (time.time()) of session time `t_s`, or None if unknown."""
        ...
