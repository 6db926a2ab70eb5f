"""Shared fixtures: the bundled resources, and a guard that fails tests leaving threads running."""

from __future__ import annotations

import compileall
import fcntl
import json
import os
import shutil
import sys
import threading
from collections.abc import Callable
from pathlib import Path

import pytest

from ketamon.core.dosing import Patient, make_plan
from ketamon.core.limits import load_drug_library
from ketamon.core.protocol import load_protocols
from ketamon.resources import drug_library_path, protocols_dir


def pytest_configure(config):
    """Compile each module once, not in every process, when the environment says
    PYTHONDONTWRITEBYTECODE: the run's processes (xdist workers, and the `python -m
    ketamon` commands the tests start) share a bytecode cache inside pytest's own cache
    folder (.pytest_cache, beside the tests, ignored by git) instead of writing nothing.
    Without it every worker rewrote and compiled every test module (about 1.3 s CPU
    each) and every command compiled ketamon's modules from source (about 0.1 s a
    start). Nothing is written into the source tree, as the setting intends."""
    cache = getattr(config, "cache", None)
    if not sys.dont_write_bytecode or sys.pycache_prefix or cache is None:
        return  # caching already, or told where; or no pytest cache folder (-p no:cacheprovider)
    folder = str(cache.mkdir("bytecode"))
    os.environ.pop("PYTHONDONTWRITEBYTECODE", None)
    os.environ["PYTHONPYCACHEPREFIX"] = folder  # workers and commands started from here on
    sys.pycache_prefix = folder  # this process: the test modules it imports (-n 0)
    sys.dont_write_bytecode = False
    if "PYTEST_XDIST_WORKER" not in os.environ:
        # Before the workers start: ketamon compiled once here (a fresh checkout's first
        # run), not by six workers at the same moment (each ~1 s CPU of the same work).
        package = Path(__file__).resolve().parent.parent / "ketamon"
        compileall.compile_dir(str(package), quiet=2, workers=1)


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


def _long_wall_s(item: pytest.Item) -> float:
    marker = item.get_closest_marker("long_wall")
    return 0.0 if marker is None else float(marker.kwargs.get("seconds", 1.0))


@pytest.hookimpl(trylast=True)  # after -k/-m deselection: the shares xdist will see
def pytest_collection_modifyitems(config, items):
    """Tests marked `long_wall` (mostly waiting: whole processes, emulators, outages)
    start first on half of the xdist workers (all of them below four), so they overlap
    with the many short CPU-bound tests the other half runs (on all four at once they
    left the cores idle for the first ~15 s; at the end, alone).

    xdist's worksteal first gives each of the n workers one contiguous share of the
    collection (worker k: what is left // (n - k)), then moves tests from the end of
    the longest queue to an idle worker. So the long tests are spread over the first
    n // 2 shares (n < 4: all n) (longest first, to the share with the least waiting so far) and put
    at the head of each; the other tests keep their order. Every worker computes the
    same order."""
    long_items = sorted((i for i in items if _long_wall_s(i) > 0), key=_long_wall_s, reverse=True)
    if not long_items:
        return
    workers = int(os.environ.get("PYTEST_XDIST_WORKER_COUNT", "1"))
    sizes, left = [], len(items)
    for k in range(workers):
        sizes.append(left // (workers - k))
        left -= sizes[-1]
    heads: list[list[pytest.Item]] = [[] for _ in range(workers)]
    waits = [0.0] * workers
    # Half the workers when there are spare ones (-n 6 on two cores); with fewer, all.
    holders = range(workers // 2 if workers >= 4 else workers)
    for item in long_items:
        k = min(holders, key=lambda j: (len(heads[j]) >= sizes[j], waits[j]))
        heads[k].append(item)
        waits[k] += _long_wall_s(item)
    chosen = set(long_items)
    rest = iter([i for i in items if i not in chosen])
    ordered = []
    for k in range(workers):
        ordered += heads[k]
        ordered += [next(rest) for _ in range(sizes[k] - len(heads[k]))]
    ordered += list(rest)  # nothing: the sizes add up to len(items)
    assert len(ordered) == len(items)
    items[:] = ordered


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
