"""Every bench of issue 15, one table: figure, goal, measured median and range, runs.

    python bench/run.py [--json] [--runs N]

Each bench runs in its own process (bench/headless.py, replay.py, redraw.py,
parsers.py, startup.py; GUI ones offscreen). With --json: one object
{figure: {"median": x, "goal": y, "unit": "..."}} (also "min", "max", "runs", "met").
Times are CPU seconds where the work is single-threaded (stable on a shared machine);
the redraw and start-up figures are ratios of medians measured alternately.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
from pathlib import Path

BENCH = Path(__file__).resolve().parent
BENCHES = ("headless.py", "replay.py", "redraw.py", "parsers.py", "startup.py")


def collect(runs: int) -> dict[str, dict]:
    env = dict(os.environ, QT_QPA_PLATFORM=os.environ.get("QT_QPA_PLATFORM", "offscreen"))
    figures: dict[str, dict] = {}
    for script in BENCHES:
        cmd = [sys.executable, str(BENCH / script), "--json", "--runs", str(runs)]
        result = subprocess.run(cmd, capture_output=True, text=True, env=env)
        if result.returncode != 0:
            sys.stderr.write(f"{script} failed:\n{result.stderr[-3000:]}\n")
            continue
        raw = json.loads(result.stdout.strip().splitlines()[-1])
        for name, f in raw.items():
            values = f["runs"]
            median = statistics.median(values)
            met = median <= f["goal"] if f["better"] == "lower" else median >= f["goal"]
            figures[name] = {
                "median": median,
                "goal": f["goal"],
                "unit": f["unit"],
                "min": min(values),
                "max": max(values),
                "runs": len(values),
                "better": f["better"],
                "met": met,
            }
    return figures


def _number(x: float) -> str:
    return f"{x:,.0f}" if abs(x) >= 1000 else f"{x:.3g}"


def table(figures: dict[str, dict]) -> str:
    lines = [
        "| figure | goal | median | range | runs | met |",
        "|---|---|---|---|---|---|",
    ]
    for name, f in figures.items():
        sign = "<=" if f["better"] == "lower" else ">="
        unit = f["unit"]
        lines.append(
            f"| `{name}` | {sign} {_number(f['goal'])} {unit} | {_number(f['median'])} {unit} "
            f"| {_number(f['min'])}-{_number(f['max'])} | {f['runs']} "
            f"| {'yes' if f['met'] else 'NO'} |"
        )
    return "\n".join(lines)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--json", action="store_true")
    parser.add_argument("--runs", type=int, default=5, help="runs of each bench (default 5)")
    args = parser.parse_args()
    figures = collect(args.runs)
    if args.json:
        sys.stdout.write(json.dumps(figures) + "\n")
    else:
        sys.stdout.write(table(figures) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
