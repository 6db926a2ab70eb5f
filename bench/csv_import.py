"""CSV import at scale: 10^6 rows of six vitals, streamed (issue 10: < 10 s and < 300 MB).

Run: python bench/csv_import.py [ROWS]. Writes a synthetic monitor export into a
temporary folder, then in a fresh child process per step measures wall time and
peak resident memory of (1) the import alone and (2) the whole `ketamon review`.
"""

from __future__ import annotations

import subprocess
import sys
import tempfile
import time
from pathlib import Path

CHILD = """
import resource, sys, time
from pathlib import Path
from ketamon.core.vitals import Vital
from ketamon.io.csv_import import read_csv_samples
t0 = time.perf_counter()
columns = {Vital.HR: "HR", Vital.SPO2: "SpO2", Vital.RR: "RESP",
           Vital.SBP: "NBPSys", Vital.DBP: "NBPDias", Vital.MAP: "NBPMean"}
samples = read_csv_samples(Path(sys.argv[1]), columns, True)
n = sum(1 for _ in samples)
peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
print(f"{n} {time.perf_counter() - t0:.2f} {peak_mb:.0f}")
"""


def write_csv(path: Path, rows: int) -> None:
    with path.open("w") as handle:
        handle.write("time_s,HR,SpO2,RESP,NBPSys,NBPDias,NBPMean\n")
        for i in range(rows):
            nibp = "121,79,93" if i % 300 == 0 else ",,"
            handle.write(f"{i},{70 + i % 7},{97 + i % 2},{14 + i % 3},{nibp}\n")


def main() -> None:
    rows = int(sys.argv[1]) if len(sys.argv) > 1 else 1_000_000
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "big.csv"
        write_csv(path, rows)
        size_mb = path.stat().st_size / 1e6
        out = subprocess.run(
            [sys.executable, "-c", CHILD, str(path)], capture_output=True, text=True, check=True
        ).stdout.split()
        sys.stdout.write(
            f"{rows} rows ({size_mb:.0f} MB): import {out[1]} s, peak RSS {out[2]} MB, "
            f"{out[0]} samples\n"
        )
        cmd = [
            sys.executable,
            "-m",
            "ketamon",
            "review",
            str(path),
            "--columns",
            "hr=HR,spo2=SpO2,rr=RESP,sbp=NBPSys,dbp=NBPDias,map=NBPMean",
            "--zero-is-missing",
        ]
        t0 = time.perf_counter()
        timed = subprocess.run(
            ["/usr/bin/time", "-f", "%M", *cmd], capture_output=True, text=True, check=False
        )
        wall = time.perf_counter() - t0
        peak = timed.stderr.strip().splitlines()[-1] if timed.stderr else "?"
        memory = f", peak RSS {int(peak) / 1024:.0f} MB" if peak.isdigit() else ""
        sys.stdout.write(f"whole review: {wall:.1f} s{memory}\n")


if __name__ == "__main__":
    main()
