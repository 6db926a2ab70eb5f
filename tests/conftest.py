"""Shared fixtures: the bundled resources, and a guard that fails tests leaving threads running."""

from __future__ import annotations

import fcntl
import json
import os
import shutil
import threading
from collections.abc import Callable
from pathlib import Path

import pytest

from ketamon.core.dosing import Patient, make_plan
from ketamon.core.limits import load_drug_library
from ketamon.core.protocol import load_protocols
from ketamon.resources import drug_library_path, protocols_dir


@pytest.fixture(autouse=True, scope="session")
def private_data_dir(tmp_path_factory):
    """Recordings made by any test (or process it starts) never reach the user's folder."""
    directory = tmp_path_factory.mktemp("ketamon-data")
    previous = os.environ.get("KETAMON_DATA_DIR")
    os.environ["KETAMON_DATA_DIR"] = str(directory)
    yield directory
    if previous is None:
        del os.environ["KETAMON_DATA_DIR"]
    else:
        os.environ["KETAMON_DATA_DIR"] = previous


@pytest.hookimpl(trylast=True)
def pytest_runtest_teardown(item):
    """After a Qt test's fixtures are torn down, delete the widgets that were closed.

    pytest-qt closes a test's widgets with `deleteLater`, which Qt defers until an
    event loop runs: the widgets of earlier tests piled up (thousands), and every
    `apply_theme` (a style sheet on the application) restyled them all, up to 0.8 s a
    test. Tests without a QApplication (core, io) import no Qt here.
    """
    if "qapp" in item.fixturenames:
        from PySide6.QtCore import QCoreApplication, QEvent

        QCoreApplication.sendPostedEvents(None, QEvent.Type.DeferredDelete)


@pytest.fixture(autouse=True)
def no_leftover_threads():
    before = set(threading.enumerate())
    yield
    leftover = [
        t for t in threading.enumerate() if t not in before and t.is_alive() and not t.daemon
    ]
    for t in leftover:
        t.join(timeout=2.0)
    still = [t.name for t in leftover if t.is_alive()]
    assert not still, f"test left threads running: {still}"


@pytest.fixture(scope="session")
def library():
    return load_drug_library(drug_library_path())


@pytest.fixture(scope="session")
def protocols():
    return {p.id: p for p in load_protocols(protocols_dir())}


@pytest.fixture
def loading_protocol(protocols):
    return protocols["ketamine-loading"]


@pytest.fixture
def maintenance_protocol(protocols):
    return protocols["ketamine-loading-maintenance"]


@pytest.fixture
def plan_70kg(loading_protocol):
    return make_plan(loading_protocol, Patient(70.0), 1.0)


@pytest.fixture(scope="session")
def resources():
    """Protocols, drug library and alarm profile, as the app loads them."""
    from ketamon.resources_loading import load_clinical_resources

    return load_clinical_resources()


def built_once(tmp_path_factory, name: str, build: Callable[[Path], dict]) -> tuple[Path, dict]:
    """`build(directory)` run once per test run, also across xdist workers: the first
    worker that asks builds, the others wait for it and share the result (a folder and
    the JSON-able dict `build` returned). Only for set-ups the tests read or copy."""
    root = tmp_path_factory.getbasetemp()
    if os.environ.get("PYTEST_XDIST_WORKER"):
        root = root.parent  # the run's folder, shared by its workers
    directory = root / f"built-once-{name}"
    done = root / f"built-once-{name}.json"
    with open(root / f"built-once-{name}.lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)  # released when the file closes
        if not done.exists():
            shutil.rmtree(directory, ignore_errors=True)  # a failed attempt's leftovers
            directory.mkdir()
            done.write_text(json.dumps(build(directory)))
    return directory, json.loads(done.read_text())


@pytest.fixture(scope="session")
def strong_recording(tmp_path_factory, resources):
    """A recording of a strong BP responder (seed 5), made headless at maximum speed,
    once per run. Read it or copy it; never change it."""

    def build(directory: Path) -> dict:
        import io
        from dataclasses import replace

        from ketamon.cli import run_config
        from ketamon.cli_args import build_parser
        from ketamon.core.simulator import strong_bp_responder
        from ketamon.headless import run_headless

        argv = ["--headless", "--speed", "max", "--seed", "5", "--autostart"]
        args = build_parser().parse_args([*argv, "--data-dir", str(directory)])
        config = replace(run_config(args), patient=strong_bp_responder())
        run_headless(config, resources, out=io.StringIO())
        return {}

    directory, _ = built_once(tmp_path_factory, "strong", build)
    (path,) = directory.glob("*.ketamon")
    return path


@pytest.fixture
def cable(tmp_path):
    """A pseudo-terminal cable behind a stable path (see tests/io/pty_rig.py)."""
    from tests.io.pty_rig import PtyCable

    rig = PtyCable(tmp_path / "ttyMONITOR")
    yield rig
    rig.close()


@pytest.fixture(scope="session")
def crashed_template(tmp_path_factory):
    """One simulated session (seed 4) recorded at 1x and SIGKILLed after ~2 s of
    recording, made once: (its folder, the kill's wall time). Copy it before use."""
    from tests.io.crash import record_then_kill

    def build(directory: Path) -> dict:
        _path, killed_wall = record_then_kill(directory, seed=4, seconds=2.0)
        return {"killed_wall": killed_wall}

    directory, built = built_once(tmp_path_factory, "crashed", build)
    return directory, built["killed_wall"]
