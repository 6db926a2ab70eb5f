"""Shared by the benches: the 8-hour session, timing helpers, and the JSON a bench prints.

Every bench script prints, with `--json`, one object {figure: {"runs": [...], "goal": x,
"unit": "...", "better": "lower"|"higher"}}; bench/run.py collects them into one table.
Times are CPU seconds of this process (time.process_time) where the work is single
threaded: on a machine shared with other work they vary far less than wall time.
"""

from __future__ import annotations

import json
import sys
import time
from collections.abc import Callable
from pathlib import Path

from ketamon.core.dosing import Patient, check_limits, make_plan
from ketamon.headless import run_session
from ketamon.io.run_config import RunConfig, make_session, recording_meta
from ketamon.io.session_recorder import SessionRecorder
from ketamon.resources_loading import ClinicalResources

EIGHT_HOURS_MAINTENANCE_MIN = 360  # 5 min baseline + 40 min loading + 6 h + 60 min observation


def eight_hour_session(resources: ClinicalResources, directory: Path | None):
    """The simulated 8-hour session (seed 1) set up and started, recorded into `directory`."""
    config = RunConfig(seed=1, speed=None, data_dir=directory)
    session = make_session(config, resources)
    recorder = None
    if directory is not None:
        recorder = SessionRecorder(session, directory, recording_meta(config, resources))
    protocol = next(p for p in resources.protocols if len(p.segments) == 2)
    protocol = protocol.with_segment(1, duration_min=EIGHT_HOURS_MAINTENANCE_MIN)
    plan = make_plan(protocol, Patient(70.0), 1.0)
    # 6 h maintenance totals 1.7 mg/kg: a soft limit, acknowledged as a nurse would.
    session.configure(plan, check_limits(plan, resources.library), 0.0)
    return session, recorder


def run_eight_hours(resources: ClinicalResources, directory: Path | None) -> None:
    """What `ketamon --headless --speed max` does with the 8-hour session, recorded."""
    session, recorder = eight_hour_session(resources, directory)
    session.advance_to(300.0)
    session.start(300.0)
    run_session(session, None, None, recorder)
    if recorder is not None:
        recorder.close("closed")


def record_eight_hours(resources: ClinicalResources, directory: Path) -> Path:
    run_eight_hours(resources, directory)
    return next(directory.glob("*.ketamon"))


def cpu_s(work: Callable[[], object]) -> float:
    start = time.process_time()
    work()
    return time.process_time() - start


def figure(runs: list[float], goal: float, unit: str, better: str = "lower") -> dict:
    return {"runs": runs, "goal": goal, "unit": unit, "better": better}


def emit(figures: dict[str, dict]) -> None:
    """The bench's figures: JSON with --json, else a line each."""
    if "--json" in sys.argv:
        sys.stdout.write(json.dumps(figures) + "\n")
        return
    for name, f in figures.items():
        runs = sorted(f["runs"])
        median = runs[len(runs) // 2] if len(runs) % 2 else sum(runs[len(runs) // 2 - 1 :][:2]) / 2
        sys.stdout.write(
            f"{name}: median {median:.4g} {f['unit']} (range {runs[0]:.4g}-{runs[-1]:.4g}, "
            f"{len(runs)} runs), goal {'<=' if f['better'] == 'lower' else '>='} {f['goal']:g}\n"
        )
