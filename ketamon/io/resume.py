"""Resuming an unfinished session after an unclean exit: rebuild it, then carry on recording.

The infusion pump kept running while ketamon was down, so the rebuilt session
is advanced to now on the recorded clock: the timer and the delivered dose are
right for the time that passed. Live data from the gap is simply missing (a gap
in the trends); a simulated patient is regenerated exactly from its seed.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from ketamon.core.scenario import load_scenario
from ketamon.core.session import Session, SessionEvent
from ketamon.core.vitals import Sample, Vital
from ketamon.format import mmss
from ketamon.io.rebuild import replay
from ketamon.io.recording import Recording, is_unfinished
from ketamon.io.run_config import RunConfig, SourceKind, make_session, rebuilt_session
from ketamon.resources_loading import ClinicalResources


def unfinished_recordings(directory: Path) -> list[Path]:
    """Newest first."""
    if not directory.is_dir():
        return []
    paths = [p for p in directory.glob("*.ketamon") if is_unfinished(p)]
    return sorted(paths, key=lambda p: p.stat().st_mtime, reverse=True)


def session_time_now(meta: dict, wall_now_s: float | None = None) -> float:
    """Where the session clock is now, from the mapping the recording kept."""
    clock = meta.get("clock")
    if not clock or not clock.get("speed"):
        raise ValueError("the recording has no live clock to continue from")
    wall_now_s = time.time() if wall_now_s is None else wall_now_s
    return clock["t_s"] + (wall_now_s - clock["wall_s"]) * clock["speed"]


@dataclass
class ResumeHistory:
    """What the rebuilt session showed before the crash: samples (for the trends)."""

    samples: list[Sample] = field(default_factory=list)

    def on_samples(self, samples: list[Sample]) -> None:
        self.samples.extend(samples)

    def arrays(self) -> dict[Vital, tuple[np.ndarray, np.ndarray]]:
        out = {}
        for vital in Vital:
            mine = [(s.t_s, s.value) for s in self.samples if s.vital is vital]
            data = np.array(mine, dtype=float).reshape(-1, 2)
            out[vital] = (data[:, 0], data[:, 1])
        return out


def gap_text(meta: dict, from_s: float, to_s: float) -> str:
    """'app not running 10:42-10:44' in local wall time (session times if no clock)."""
    clock = meta.get("clock") or {}
    if not clock.get("speed"):
        return f"app not running {mmss(from_s)}-{mmss(to_s)}"

    def wall(t_s: float) -> str:
        wall_s = clock["wall_s"] + (t_s - clock["t_s"]) / clock["speed"]
        return time.strftime("%H:%M", time.localtime(wall_s))

    return f"app not running {wall(from_s)}-{wall(to_s)}"


def rebuild_for_resume(
    path: Path,
    resources: ClinicalResources,
    wall_now_s: float | None = None,
    before_downtime: Callable[[Session], None] | None = None,
    history: ResumeHistory | None = None,
) -> tuple[Session, float]:
    """A session as it would be now, and the downtime in session seconds.

    The session is rebuilt up to the last recorded moment; `before_downtime` is then
    called (attach the recorder there, so what follows is on disk); then the
    downtime is applied as one `session.resumed` record: the pump ran on, no data was
    taken, no alarm is raised for the silence. `history` collects the rebuilt samples.
    """
    recording = Recording(path)
    meta = recording.meta
    stream = recording.stream()
    last_t = recording.duration_s()
    recording.close()
    now_s = max(session_time_now(meta, wall_now_s), last_t)
    source = meta.get("source", {})
    if meta.get("simulated") and source.get("kind") == "simulator":
        if source.get("scenario_file"):
            config = RunConfig(
                SourceKind.SCENARIO, scenario=load_scenario(Path(source["scenario_file"]))
            )
        else:
            config = RunConfig(seed=source["seed"])
        session = make_session(config, resources)
        if history is not None:
            session.on_samples.connect(history.on_samples)
        # The simulator regenerates the samples; the commands come from the record.
        events = [item for item in stream if isinstance(item, SessionEvent)]
        replay(session, events, resources.protocols, last_t)
    else:
        session = rebuilt_session(resources, simulated=False, meta=meta)
        if history is not None:
            session.on_samples.connect(history.on_samples)
        replay(session, stream, resources.protocols, until_s=last_t)
    if before_downtime is not None:
        before_downtime(session)
    session.resume_after_downtime(last_t, now_s, gap_text(meta, last_t, now_s))
    return session, now_s - last_t
