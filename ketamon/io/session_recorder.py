"""Recording every session from setup to discharge, automatically.

A file appears when the nurse confirms the setup (no patient, no file) and is
closed at discharge. Quitting or crashing mid-session leaves it 'open': the next
start offers to resume it.
"""

from __future__ import annotations

import logging
import time
from pathlib import Path

from ketamon.core.session import SESSION_ENDED, Session, SessionEvent
from ketamon.core.vitals import Sample
from ketamon.io.recorder import Recorder, new_recording_path

log = logging.getLogger(__name__)

FLUSH_INTERVAL_S = 0.5  # wall seconds between commits: at most this much lost in a crash


class SessionRecorder:
    """Owns the Recorder of one session. `meta` says where the data came from."""

    def __init__(
        self, session: Session, data_dir: Path, meta: dict, resume_path: Path | None = None
    ):
        """`resume_path`: go on writing that unfinished recording for a rebuilt session."""
        self.session = session
        self.data_dir = data_dir
        self.meta = {"simulated": session.simulated} | meta
        self.recorder: Recorder | None = None
        # Commands given before the setup is confirmed (a refused setup, an entered
        # baseline): written first when the file appears.
        self._before_setup: list[SessionEvent] = []
        if resume_path is not None:
            self.recorder = Recorder(resume_path, {}, resume=True)
            self.recorder.report_to(session)
        self._closed_path: Path | None = None
        self._last_flush = time.monotonic()
        # One subscription for both, so this object decides the order: an event is
        # written before the file is closed because of it.
        session.on_samples.connect(self._on_samples)
        session.on_event.connect(self._on_event)

    @property
    def path(self) -> Path | None:
        """The recording's file (still known after it is closed); None before the setup."""
        return self.recorder.path if self.recorder else self._closed_path

    def note_clock(self, wall_s: float, t_s: float, speed: float) -> None:
        """Session time t_s was wall time wall_s, running at `speed` (for resume)."""
        self.meta["clock"] = {"wall_s": wall_s, "t_s": t_s, "speed": speed}
        if self.recorder is not None:
            self.recorder.set_meta("clock", self.meta["clock"])

    def maybe_flush(self) -> None:
        """Commit if FLUSH_INTERVAL_S of wall time passed; cheap to call every tick."""
        if self.recorder is not None and time.monotonic() - self._last_flush >= FLUSH_INTERVAL_S:
            self.flush()

    def flush(self) -> None:
        if self.recorder is not None:
            self.recorder.flush()
            self._last_flush = time.monotonic()

    def close(self, status: str) -> None:
        if self.recorder is not None:
            self.recorder.close(status)
            log.info("recording %s closed (%s)", self.recorder.path, status)
            self._closed_path = self.recorder.path
            self.recorder = None

    def _on_samples(self, samples: list[Sample]) -> None:
        if self.recorder is not None:
            self.recorder._on_samples(samples)

    def _on_event(self, event: SessionEvent) -> None:
        if self.recorder is None:
            if event.kind != "setup.confirmed":
                if event.kind.startswith("command."):
                    self._before_setup.append(event)
                return
            path = new_recording_path(self.data_dir, self.session.simulated)
            self.recorder = Recorder(path, self.meta)
            self.recorder.report_to(self.session)
            for earlier in self._before_setup:
                self.recorder._on_event(earlier)
            self._before_setup.clear()
            log.info("recording to %s", path)
        self.recorder._on_event(event)
        if event.kind == SESSION_ENDED:
            self.close("closed")  # after the discharge and everything it caused is written
