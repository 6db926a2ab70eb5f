"""Everything a session emits is unchanged by the hot-loop work of issue 15.

Golden digests of the full event log and every sample of a few seeded runs: the
simulator (loading, maintenance, observation), scripted training scenarios with their
nurse actions, and the rebuild (review/replay) of each recording. The digests were
computed from the code without issue 15's changes and must not move: a change here
means the session now emits something different. (First from commit a5ba535; then,
when main brought new behaviour (pump hand-offs, manual BP), from main's tree alone,
which gave the same digests as main merged with issue 15. Then once more, for one added
key: "baseline.measured" records its SpO2 so a replay shows the baseline SpO2; with
that key left out of the digest, the new code gave exactly the previous digests.)

Regenerate only for a deliberate change of behaviour, never to make a speed-up pass,
and then from the code without the speed-ups if they are in question:

    .venv/bin/python tests/test_equivalence.py
"""

from __future__ import annotations

import hashlib
import json
import sys
import tempfile
from pathlib import Path

import pytest

from ketamon.core.dosing import Patient, check_limits, make_plan
from ketamon.core.scenario import find_scenario
from ketamon.core.session import Session, SessionEvent
from ketamon.core.vitals import Sample
from ketamon.headless import ScriptedNurse, run_session
from ketamon.io.actions import load_actions
from ketamon.io.rebuild import replay
from ketamon.io.recording import Recording
from ketamon.io.run_config import (
    RunConfig,
    SourceKind,
    autostart,
    make_session,
    rebuilt_session,
    recording_meta,
)
from ketamon.io.session_recorder import SessionRecorder
from ketamon.resources import resources_dir, scenarios_dir
from ketamon.resources_loading import load_clinical_resources

GOLDEN = {
    "cable-unplugged": "8273df73d66b1935e88ebd4d8ebecc89:d06bf1d0a286da57d6d0c4275862fb03",
    "cuff-failure": "8f4d4f21541f6578e44b179c59495853:f291893a6e3755c2cabdfc52b8ae9f70",
    "hypertensive-responder": "8899282aac051fb296c1bc712a8e3d83:1a38b9262e95da97c89b4638f9b7294f",
    "maintenance-2h-seed-5": "bf8c6f387c99dc90f9a56f1d5c79a1ae:76c7f2360239b879647efe9f015f3d3e",
    "simulator-seed-3": "c6fb47d6c436052e792e5937d8b54b5a:c48d36807b05e182b2a8aa9c7e709662",
    "vasovagal": "a6c625a187ccf34e9fad41817b034982:f7528874a9acad055f59411df53a2402",
}


class Digest:
    """A running SHA-256 of every sample and event a session publishes, in order."""

    def __init__(self, session: Session):
        self._hash = hashlib.sha256()
        session.on_samples.connect(self._on_samples)
        session.on_event.connect(self._on_event)

    def _on_samples(self, samples: list[Sample]) -> None:
        for s in samples:
            self._hash.update(f"S|{s.t_s!r}|{s.vital.value}|{s.value!r}\n".encode())

    def _on_event(self, e: SessionEvent) -> None:
        data = json.dumps(e.data, sort_keys=True, default=str)
        self._hash.update(f"E|{e.t_s!r}|{e.kind}|{e.message}|{data}\n".encode())

    def hexdigest(self) -> str:
        return self._hash.hexdigest()[:32]


def _actions_file(name: str) -> Path:
    """A scenario's bundled nurse actions (resources/actions/, formerly under scenarios/)."""
    for directory in (resources_dir() / "actions", scenarios_dir() / "actions"):
        if (directory / f"{name}.toml").exists():
            return directory / f"{name}.toml"
    raise FileNotFoundError(name)


def _live_and_rebuilt(name: str, resources, directory: Path) -> str:
    """Run `name` live (recorded), then rebuild its recording: one digest of both."""
    actions = []
    if name.startswith("simulator"):
        config = RunConfig(seed=3, speed=None, data_dir=directory)
    elif name.startswith("maintenance"):
        config = RunConfig(seed=5, speed=None, data_dir=directory)
    else:
        scenario = find_scenario(name, scenarios_dir())
        config = RunConfig(
            source=SourceKind.SCENARIO, scenario=scenario, speed=None, data_dir=directory
        )
        actions = load_actions(_actions_file(name))
    session = make_session(config, resources)
    live = Digest(session)
    recorder = SessionRecorder(session, directory, recording_meta(config, resources))
    if name.startswith("maintenance"):
        protocol = next(p for p in resources.protocols if len(p.segments) == 2)
        plan = make_plan(protocol.with_segment(1, duration_min=120), Patient(70.0), 1.0)
        session.configure(plan, check_limits(plan, resources.library), 0.0)
        session.advance_to(300.0)
        session.start(300.0)
    else:
        autostart(session, config, resources)
    run_session(session, None, None, None, ScriptedNurse(actions, sys.stderr))
    recorder.close("closed")
    recording = Recording(next(directory.glob("*.ketamon")))
    rebuilt = rebuilt_session(resources, simulated=True)
    again = Digest(rebuilt)
    replay(rebuilt, recording.stream(), resources.protocols)
    recording.close()
    return f"{live.hexdigest()}:{again.hexdigest()}"


@pytest.fixture(scope="module")
def resources():
    return load_clinical_resources()


@pytest.mark.parametrize("name", sorted(GOLDEN))
def test_session_output_is_unchanged(name, resources, tmp_path):
    assert _live_and_rebuilt(name, resources, tmp_path) == GOLDEN[name]


if __name__ == "__main__":
    res = load_clinical_resources()
    for key in sorted(GOLDEN):
        with tempfile.TemporaryDirectory() as tmp:
            sys.stdout.write(f'    "{key}": "{_live_and_rebuilt(key, res, Path(tmp))}",\n')
