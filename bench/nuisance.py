"""Nuisance-alarm rate of 100 uneventful simulated sessions, and the run time.

    python bench/nuisance.py [--seeds N]

Goal: a physiological alarm in at most 5 of 100 sessions (loading + 60 min observation).
"""

from __future__ import annotations

import argparse
import sys
import time
from collections import Counter

from ketamon.nuisance import nuisance_rate
from ketamon.resources_loading import load_clinical_resources


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seeds", type=int, default=100)
    args = parser.parse_args()
    resources = load_clinical_resources()
    start = time.perf_counter()
    result = nuisance_rate(resources, range(1, args.seeds + 1))
    elapsed = time.perf_counter() - start
    sys.stdout.write(
        f"sessions with a physiological alarm: {result.with_alarm} of {result.sessions} "
        f"({100 * result.rate:.1f}%, goal <= 5%)\n"
        f"run time: {elapsed:.1f} s for {result.sessions} sessions of 105 min "
        f"({elapsed / result.sessions * 1000:.0f} ms each, "
        f"{105 * 60 * result.sessions / elapsed:.0f}x real time)\n"
    )
    for condition, count in Counter(e.message for e in result.alarms).most_common():
        sys.stdout.write(f"  {count} x {condition}\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
