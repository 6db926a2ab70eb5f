"""ketamon review: recordings rebuilt through the same engine; other monitors' CSVs."""

import csv
import json
from pathlib import Path

import pytest

from ketamon.cli import main
from ketamon.io.recording import Recording
from ketamon.review import ReviewError, parse_columns, review_csv, review_recording

SHARED_CSV = Path(__file__).resolve().parents[2] / "shared" / "data" / "icu-numerics-s00001.csv"
COLUMNS = "hr=HR,sbp=NBPSys,dbp=NBPDias,map=NBPMean,spo2=SpO2,rr=RESP"


def test_review_judges_alarms_exactly_as_live(strong_recording, resources):
    live = [
        (e.t_s, e.message, e.data["priority"])
        for e in Recording(strong_recording).events()
        if e.kind == "alarm.start"
    ]
    summary = review_recording(strong_recording, resources)
    reviewed = [(a["t_s"], a["condition"], a["priority"]) for a in summary["alarms"]]
    assert live and reviewed == live
    assert summary["delivered_mg"] == 35.0
    assert summary["phase_times_s"]["infusion_start"] == 300.0
    assert summary["phase_times_s"]["infusion_end"] == 300.0 + 40 * 60
    assert summary["baseline"]["source"] == "measured"
    assert summary["simulated"] is True
    assert summary["peaks"]["sbp"]["value"] >= 150  # the strong response is in the peaks


def test_review_command_text_and_json(strong_recording, capsys):
    assert main(["review", str(strong_recording)]) == 0
    text = capsys.readouterr().out
    assert "SIMULATED" in text and "Delivered 35.0 of 35.0 mg" in text
    assert "BP rise over baseline" in text
    assert main(["review", str(strong_recording), "--json"]) == 0
    data = json.loads(capsys.readouterr().out)
    assert data["alarm_count"] >= 1


def test_corrupt_recording_is_refused_clearly(tmp_path, caplog):
    bad = tmp_path / "broken.ketamon"
    bad.write_bytes(b"\x00" * 4096)
    assert main(["review", str(bad)]) == 2
    assert "broken.ketamon: not a readable ketamon recording" in caplog.text


def _csv_rows():
    with SHARED_CSV.open() as handle:
        return list(csv.DictReader(handle))


needs_shared = pytest.mark.skipif(not SHARED_CSV.exists(), reason="shared/data not beside repo")


@needs_shared
def test_review_of_32_hours_of_real_icu_numerics(resources):
    summary = review_csv(
        SHARED_CSV, resources, parse_columns(COLUMNS), True, weight_kg=None, infusion_start_s=None
    )
    rows = _csv_rows()
    readings = [(float(r["time_s"]), float(r["NBPSys"])) for r in rows if r["NBPSys"]]
    top_t, top_sbp = max(readings, key=lambda x: x[1])
    assert summary["peaks"]["sbp"] == {"value": top_sbp, "t_s": top_t}
    mapped = ("HR", "NBPSys", "NBPDias", "NBPMean", "SpO2", "RESP")
    usable = [r for r in rows if any(r[c] not in ("", "0.0") for c in mapped)]
    assert summary["duration_s"] == float(usable[-1]["time_s"])
    assert summary["technical_alarms_judged"] is False
    # Every BP alarm is a reading at or above 160/100 in the file, and vice versa.
    bp_alarm_times = {a["t_s"] for a in summary["alarms"] if a["condition"] == "BP high"}
    high = {
        float(r["time_s"])
        for r in rows
        if r["NBPSys"] and (float(r["NBPSys"]) >= 160 or float(r["NBPDias"]) >= 100)
    }
    starts = {t for t in high if t - 60 not in high and t - 120 not in high and t - 180 not in high}
    assert bp_alarm_times and bp_alarm_times <= high
    assert len(bp_alarm_times) <= len(starts) + 1


@needs_shared
def test_placing_an_infusion_on_imported_data(resources):
    summary = review_csv(
        SHARED_CSV, resources, parse_columns(COLUMNS), True, weight_kg=70.0, infusion_start_s=36000
    )
    assert summary["phase_times_s"]["infusion_start"] == 36000
    assert summary["phase_times_s"]["infusion_end"] == 36000 + 2400
    assert summary["delivered_mg"] == 35.0
    assert summary["baseline"] is not None
    assert all(a["t_s"] >= 36000 for a in summary["alarms"])  # armed from the infusion on


@needs_shared
def test_zero_is_missing_matters(resources):
    with_zero = review_csv(SHARED_CSV, resources, parse_columns("hr=HR"), False, None, None)
    without = review_csv(SHARED_CSV, resources, parse_columns("hr=HR"), True, None, None)
    assert with_zero["samples"] >= without["samples"]


def test_csv_errors_are_clear(tmp_path, resources):
    path = tmp_path / "other.csv"
    path.write_text("time_s,HR\n0,70\n60,abc\n120,999\n")
    with pytest.raises(ReviewError, match="no column SpO2 .it has: time_s, HR"):
        review_csv(path, resources, parse_columns("spo2=SpO2"), False, None, None)
    summary = review_csv(path, resources, parse_columns("hr=HR"), False, None, None)
    assert summary["rejected_cells"] == 2  # 'abc' and 999 bpm
    with pytest.raises(ReviewError, match="'pulse=HR' is not key=COLUMN"):
        parse_columns("pulse=HR")


def test_csv_review_ticks_time_so_a_medium_alarm_escalates_as_live(tmp_path, resources):
    """SpO2 92 % a minute apart for 15 min: medium at first, high once unresolved 5 min."""
    path = tmp_path / "low.csv"
    rows = ["time_s,HR,SpO2"] + [f"{60 * i},80,92" for i in range(16)]
    path.write_text("\n".join(rows) + "\n")
    summary = review_csv(path, resources, parse_columns("hr=HR,spo2=SpO2"), False, None, None)
    (alarm,) = [a for a in summary["alarms"] if a["condition"].startswith("SpO2")]
    assert alarm["priority"] == "medium"
    assert alarm["highest_priority"] == "high"
    assert not [a for a in summary["alarms"] if a["kind"] == "technical"]  # no 'no data'


def test_a_recording_without_command_records_is_still_reviewed(
    strong_recording, tmp_path, resources
):
    """Schema 1 (before command records): the legacy inference path, clearly marked."""
    import shutil
    import sqlite3

    old = tmp_path / "old.ketamon"
    shutil.copy(strong_recording, old)
    db = sqlite3.connect(old)
    db.execute("DELETE FROM events WHERE kind LIKE 'command.%'")
    db.execute("UPDATE meta SET value = '1' WHERE key = 'schema_version'")
    db.commit()
    db.close()
    expected = review_recording(strong_recording, resources)["alarms"]
    assert review_recording(old, resources)["alarms"] == expected
