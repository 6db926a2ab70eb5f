"""Where the test suite's CPU goes: the README's pytest command, timed per test.

    QT_QPA_PLATFORM=offscreen python bench/suite_cpu.py [--top N] [pytest args...]

Runs `python -m pytest -n 6` (or the pytest arguments given) with this file as a
plugin: each test's CPU (user + system of its worker, plus the children it waited
for: the commands it started) and wall time, from setup to teardown. Prints the wall
and CPU of the whole run (all processes), the largest consumers by test and by file,
and the longest waits. Compare runs by CPU: wall time depends on what else the machine
runs (the load is printed).
"""

from __future__ import annotations

import argparse
import collections
import json
import os
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import pytest

OUT_ENV = "KETAMON_SUITE_CPU_OUT"


def _cpu_s() -> tuple[float, float]:
    own = resource.getrusage(resource.RUSAGE_SELF)
    children = resource.getrusage(resource.RUSAGE_CHILDREN)
    return own.ru_utime + own.ru_stime, children.ru_utime + children.ru_stime


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_protocol(item, nextitem):
    """Plugin side (in each worker): one JSON line per test."""
    own0, children0 = _cpu_s()
    wall0 = time.perf_counter()
    yield
    own1, children1 = _cpu_s()
    folder = os.environ.get(OUT_ENV)
    if folder:
        worker = os.environ.get("PYTEST_XDIST_WORKER", "main")
        row = {"id": item.nodeid, "own": own1 - own0, "children": children1 - children0}
        row["wall"] = time.perf_counter() - wall0
        with open(Path(folder) / f"{worker}.jsonl", "a", encoding="utf-8") as out:
            out.write(json.dumps(row) + "\n")


def _report(rows: list[dict], top: int) -> None:
    write = sys.stdout.write
    cpu = [r["own"] + r["children"] for r in rows]
    write(f"tests: {len(rows)}, CPU in tests {sum(cpu):.1f} s ")
    write(f"(commands they started: {sum(r['children'] for r in rows):.1f} s)\n")
    write("\nlargest CPU (s: cpu, wall)\n")
    for r in sorted(rows, key=lambda r: -(r["own"] + r["children"]))[:top]:
        write(f"  {r['own'] + r['children']:6.2f} {r['wall']:6.2f}  {r['id']}\n")
    by_file: collections.Counter[str] = collections.Counter()
    for r in rows:
        by_file[r["id"].split("::")[0]] += r["own"] + r["children"]
    write("\nlargest CPU by file\n")
    for name, seconds in by_file.most_common(top):
        write(f"  {seconds:6.2f}  {name}\n")
    write("\nlongest waits (wall, cpu)\n")
    for r in sorted(rows, key=lambda r: -(r["wall"] - r["own"] - r["children"]))[:top]:
        write(f"  {r['wall']:6.2f} {r['own'] + r['children']:6.2f}  {r['id']}\n")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--top", type=int, default=15)
    args, pytest_args = parser.parse_known_args()
    root = Path(__file__).resolve().parent.parent
    with tempfile.TemporaryDirectory() as folder:
        env = dict(os.environ, **{OUT_ENV: folder})
        env["PYTHONPATH"] = os.pathsep.join(
            filter(None, [str(root / "bench"), env.get("PYTHONPATH")])
        )
        command = [sys.executable, "-m", "pytest", *(pytest_args or ["-n", "6"]), "-q"]
        command += ["-p", "suite_cpu"]
        load_before = os.getloadavg()[0]
        children0 = resource.getrusage(resource.RUSAGE_CHILDREN)
        wall0 = time.perf_counter()
        status = subprocess.run(command, cwd=root, env=env).returncode
        wall = time.perf_counter() - wall0
        children1 = resource.getrusage(resource.RUSAGE_CHILDREN)
        cpu = (children1.ru_utime - children0.ru_utime) + (children1.ru_stime - children0.ru_stime)
        rows = [json.loads(line) for f in Path(folder).glob("*.jsonl") for line in f.open()]
    sys.stdout.write(
        f"\nwhole run: {wall:.1f} s wall, {cpu:.1f} s CPU (all processes); "
        f"load {load_before:.1f} before, {os.getloadavg()[0]:.1f} after; pytest status {status}\n"
    )
    _report(rows, args.top)
    return status


if __name__ == "__main__":
    sys.exit(main())
