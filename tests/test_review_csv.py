"""CSV review through `ketamon review`: the fallback baseline, placing an infusion, refusals,
and what the text and JSON say."""

import json
import math

import pytest

from ketamon.cli import main
from ketamon.review import ReviewError, format_text, parse_columns, review_csv, to_json

COLUMNS = "hr=HR,spo2=SpO2,sbp=NBPSys,dbp=NBPDias"


def write_csv(path, bp_rows, minutes=40):
    """HR 75 and SpO2 98 once a minute; NIBP (sbp, dbp) at the minutes given."""
    rows = ["time_s,HR,SpO2,NBPSys,NBPDias"]
    for i in range(minutes):
        sbp, dbp = bp_rows.get(i, ("", ""))
        rows.append(f"{60 * i},75,98,{sbp},{dbp}")
    path.write_text("\n".join(rows) + "\n")
    return path


def review(path, resources, weight_kg=70.0, start_s=300.0):
    return review_csv(path, resources, parse_columns(COLUMNS), False, weight_kg, start_s)


def test_baseline_estimated_from_readings_before_the_start_artefact_left_out(tmp_path, resources):
    path = write_csv(tmp_path / "a.csv", {1: (122, 78), 2: (300, 20), 3: (124, 80)})
    summary = review(path, resources)
    b = summary["baseline"]
    assert (b["sbp"], b["dbp"], b["source"]) == (123.0, 79.0, "estimated")
    assert b["note"] == "estimated from the 2 reading(s) before the infusion"
    (rejected,) = summary["rejected_readings"]
    assert rejected["t_s"] == 120.0 and "pulse pressure" in rejected["reason"]
    text = format_text(summary)
    assert "Baseline 123/79 mmHg, HR 75 (estimated); estimated from the 2 reading(s)" in text
    assert "Patient a, 70 kg; " in text
    assert "Rejected as artefact (not vitals, peaks or baseline): 1" in text
    assert "  02:00 300/20: NIBP artefact: pulse pressure" in text
    assert "Rejected cells (not numbers, impossible): 0" in text
    assert "Predicted plasma concentration" in text


def test_baseline_from_the_first_reading_after_the_start(tmp_path, resources):
    path = write_csv(tmp_path / "b.csv", {10: (131, 85), 20: (140, 90)})
    summary = review(path, resources)
    assert (summary["baseline"]["sbp"], summary["baseline"]["dbp"]) == (131.0, 85.0)
    assert (
        summary["baseline"]["note"] == "estimated from the first reading after the infusion started"
    )


def test_no_reading_for_a_baseline_is_refused(tmp_path, resources):
    path = write_csv(tmp_path / "c.csv", {2: (300, 20)})  # only an artefact
    with pytest.raises(ReviewError, match="no NIBP reading to take a baseline from"):
        review(path, resources)


def test_an_infusion_start_needs_a_weight_and_a_time_inside_the_file(tmp_path, resources):
    path = write_csv(tmp_path / "d.csv", {1: (122, 78)})
    with pytest.raises(ReviewError, match="--infusion-start needs --weight"):
        review(path, resources, weight_kg=None)
    late = tmp_path / "late.csv"
    rows = ["time_s,HR,SpO2,NBPSys,NBPDias"] + [f"{600 + 60 * i},75,98,," for i in range(5)]
    late.write_text("\n".join(rows) + "\n")
    with pytest.raises(
        ReviewError, match=r"--infusion-start 300 is before the first sample \(600 s\)"
    ):
        review(late, resources)


def test_a_csv_with_no_usable_value_is_refused(tmp_path, resources):
    path = tmp_path / "empty.csv"
    path.write_text("time_s,HR\n0,\n60,0\n")
    with pytest.raises(ReviewError, match=r"empty.csv: no usable values in columns \['HR'\]"):
        review_csv(path, resources, parse_columns("hr=HR"), True, None, None)


@pytest.mark.parametrize(
    "text, message",
    [(" , ,", "names no column"), ("hr", "'hr' is not key=COLUMN"), ("hr=", "'hr=' is not")],
)
def test_column_mappings_that_name_nothing_are_refused(text, message):
    with pytest.raises(ReviewError, match=message):
        parse_columns(text)


def test_monitoring_only_review_as_text_through_the_command(tmp_path, capsys):
    path = write_csv(tmp_path / "mon.csv", {1: (150, 95)}, minutes=5)
    assert main(["review", str(path), "--columns", COLUMNS]) == 0
    text = capsys.readouterr().out
    assert "No infusion: monitoring data only; alarms judged over the whole record" in text
    assert "Baseline: none" in text
    assert "Predicted plasma concentration" not in text
    assert "Session record:" not in text
    assert "Peak SBP  150 at 01:00" in text


def test_csv_review_as_json_through_the_command(tmp_path, capsys):
    path = write_csv(tmp_path / "j.csv", {1: (122, 78), 3: (124, 80)})
    argv = ["review", str(path), "--columns", COLUMNS, "--weight", "70", "--infusion-start", "300"]
    assert main([*argv, "--json"]) == 0
    summary = json.loads(capsys.readouterr().out)
    assert summary["kind"] == "CSV" and summary["weight_kg"] == 70.0
    assert summary["phase_times_s"]["infusion_start"] == 300.0
    assert summary["technical_alarms_judged"] is False


def test_csv_review_refusals_through_the_command(tmp_path, capsys, caplog):
    path = write_csv(tmp_path / "r.csv", {}, minutes=3)
    with pytest.raises(SystemExit):
        main(["review", str(path), "--events", "--columns", COLUMNS])
    assert "--events: recordings only" in capsys.readouterr().err
    with pytest.raises(SystemExit):
        main(["review", str(path)])
    assert "a CSV needs --columns" in capsys.readouterr().err
    assert main(["review", str(path), "--columns", "pulse=HR"]) == 2
    assert "'pulse=HR' is not key=COLUMN" in caplog.text


def test_json_is_strict_a_non_finite_number_becomes_null():
    summary = {"a": math.nan, "b": [1.0, math.inf, {"c": -math.inf}], "d": (2.0,), "e": "x"}
    assert json.loads(to_json(summary)) == {
        "a": None,
        "b": [1.0, None, {"c": None}],
        "d": [2.0],
        "e": "x",
    }
