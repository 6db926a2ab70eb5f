"""The headless 8-hour session and the review of its recording.

    python bench/headless.py [--runs N] [--json]

headless_8h_s: loading + 6 h maintenance + observation on the simulator, alarms judged,
recorded to SQLite, at maximum speed (what `ketamon --headless --speed max` does after
its start-up). review_8h_s: `ketamon review` of that recording (read, rebuilt from its
samples and commands, summarised). CPU seconds of the work itself.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from common import cpu_s, emit, figure, record_eight_hours, run_eight_hours  # noqa: E402

from ketamon.io.summary import review_recording  # noqa: E402
from ketamon.resources_loading import load_clinical_resources  # noqa: E402


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args()
    resources = load_clinical_resources()
    headless, review = [], []
    with tempfile.TemporaryDirectory() as tmp:
        path = record_eight_hours(resources, Path(tmp) / "kept")
        for i in range(args.runs):
            run_dir = Path(tmp) / f"run{i}"
            headless.append(cpu_s(lambda d=run_dir: run_eight_hours(resources, d)))
            review.append(cpu_s(lambda: review_recording(path, resources)))
    emit(
        {
            "headless_8h_s": figure(headless, 0.8, "s"),
            "review_8h_s": figure(review, 0.5, "s"),
        }
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
