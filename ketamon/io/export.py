"""CSV export of a recording: vitals (one row per time, the layout review imports) and events."""

from __future__ import annotations

import csv
import json
from pathlib import Path

from ketamon.core.vitals import Vital
from ketamon.io.private_files import make_private, spreadsheet_safe
from ketamon.io.recording import Recording

VITAL_COLUMNS = [Vital.HR, Vital.SPO2, Vital.RR, Vital.SBP, Vital.DBP, Vital.MAP]


def export_csv(recording: Recording, directory: Path) -> tuple[Path, Path]:
    """Write <name>_vitals.csv and <name>_events.csv into `directory`; return both paths.

    Both are 0600 (patient data); text cells are escaped against spreadsheet formulas.
    """
    directory.mkdir(parents=True, exist_ok=True)
    stem = recording.path.stem
    vitals_path = directory / f"{stem}_vitals.csv"
    events_path = directory / f"{stem}_events.csv"
    make_private(vitals_path)
    make_private(events_path)
    rows: dict[float, dict[str, float]] = {}
    for sample in recording.samples():
        rows.setdefault(sample.t_s, {})[sample.vital.label] = sample.value
    with vitals_path.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow(["time_s", *(v.label for v in VITAL_COLUMNS)])
        for t_s in sorted(rows):
            row = rows[t_s]
            writer.writerow([f"{t_s:g}", *(_cell(row.get(v.label)) for v in VITAL_COLUMNS)])
    with events_path.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow(["time_s", "kind", "message", "data"])
        for event in recording.events():
            writer.writerow(
                [
                    f"{event.t_s:g}",
                    spreadsheet_safe(event.kind),
                    spreadsheet_safe(event.message),
                    spreadsheet_safe(json.dumps(event.data)),
                ]
            )
    return vitals_path, events_path


def _cell(value: float | None) -> str:
    return "" if value is None else f"{value:g}"
