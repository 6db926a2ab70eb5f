"""Resuming an unfinished session after an unclean exit: rebuild it, then carry on recording.

The infusion pump kept running while ketamon was down, so the rebuilt session
is advanced to now on the recorded clock: the timer and the delivered dose are
right for the time that passed. Live data from the gap is simply missing (a gap
in the trends); a simulated patient is regenerated exactly from its seed.
"""

from __future__ import annotations

import time
from pathlib import Path

from ketamon.core.scenario import load_scenario
from ketamon.core.session import Session, SessionEvent
from ketamon.core.simulation import scenario_session, simulated_session
from ketamon.io.rebuild import replay
from ketamon.io.recording import Recording, is_unfinished
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


def rebuild_for_resume(
    path: Path, resources: ClinicalResources, wall_now_s: float | None = None
) -> tuple[Session, float]:
    """A session as it would be now, and the downtime in session seconds.

    The caller logs 'session.resumed' once the recorder is attached, so it is on disk.
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
            scenario = load_scenario(Path(source["scenario_file"]))
            session = scenario_session(resources.library, scenario, resources.alarm_profile)
        else:
            session = simulated_session(
                resources.library, source["seed"], alarm_profile=resources.alarm_profile
            )
        # The simulator regenerates the samples; the commands come from the record.
        events = [item for item in stream if isinstance(item, SessionEvent)]
        replay(session, events, resources.protocols, now_s)
    else:
        session = Session(resources.library, simulated=False, alarm_profile=resources.alarm_profile)
        replay(session, stream, resources.protocols, until_s=last_t)
        session.advance_to(now_s)
    downtime_s = now_s - last_t
    return session, downtime_s
