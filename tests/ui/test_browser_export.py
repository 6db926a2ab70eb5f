"""Session browser (patients and simulations apart, bad files harmless), CSV and PDF export."""

import csv
import shutil

import pytest

from ketamon.cli import main
from ketamon.core.vitals import Vital
from ketamon.io.export import export_csv
from ketamon.io.recording import Recording
from ketamon.review import parse_columns, review_csv, review_recording
from ketamon.ui.browser import SessionBrowser, list_recordings
from ketamon.ui.report import write_report


@pytest.fixture(scope="module")
def folder(tmp_path_factory, strong_recording):
    directory = tmp_path_factory.mktemp("sessions")
    good = directory / strong_recording.name
    shutil.copy(strong_recording, good)
    live = directory / good.name.replace("_SIM", "_LIVE")
    shutil.copy(good, live)  # a simulation renamed as if it were a patient session
    (directory / "2026-01-01_00-00-00_LIVE.ketamon").write_bytes(b"truncated garbage")
    return directory


def test_browser_lists_simulations_apart_and_survives_a_bad_file(qtbot, folder):
    dialog = SessionBrowser(folder)
    qtbot.addWidget(dialog)
    patients, simulations = dialog.tables[False], dialog.tables[True]
    # Renaming a file cannot make a simulation pass for a patient: the flag is inside.
    assert simulations.rowCount() == 2
    row = [simulations.item(0, c).text() for c in range(simulations.columnCount())]
    assert row[1] == "DEMO" and row[2] == "ketamine-loading" and row[4] == "1:45:00"
    assert row[7] == "1"  # one physiological alarm
    assert float(row[5]) >= 150  # peak SBP of the strong responder
    texts = [patients.item(r, 1).text() for r in range(patients.rowCount())]
    assert texts == ["unreadable"]  # listed, with its reason, not a crash
    bad_row = texts.index("unreadable")
    patients.selectRow(bad_row)
    dialog.tabs.setCurrentIndex(0)
    dialog.open_button.click()
    assert dialog.chosen is None and "cannot be read" in dialog.error.text()


def test_browser_names_protocols_sorts_and_filters(qtbot, folder):
    dialog = SessionBrowser(folder, None, {"ketamine-loading": "Ketamine 0.5 mg/kg over 40 min"})
    qtbot.addWidget(dialog)
    headings = [
        dialog.tables[True].horizontalHeaderItem(c).text()
        for c in range(dialog.tables[True].columnCount())
    ]
    assert headings[:4] == ["Date", "Patient", "Protocol", "Scenario"]
    rows = dialog.visible_rows(True)
    assert rows[0][2] == "Ketamine 0.5 mg/kg over 40 min"  # its name, not its id
    assert dialog.tables[True].isSortingEnabled()
    dialog.filter.setText("no such patient")
    assert dialog.visible_rows(True) == []
    dialog.filter.setText("demo")
    assert len(dialog.visible_rows(True)) == 2
    table = dialog.tables[True]
    for c in range(table.columnCount()):  # nothing cut off: each column fits its text
        for r in range(table.rowCount()):
            text = table.item(r, c).text()
            assert table.fontMetrics().horizontalAdvance(text) <= table.columnWidth(c) + 2 or (
                c == 2
            )


def test_list_recordings_reports_every_file(folder):
    rows = list_recordings(folder)
    assert len(rows) == 3
    assert sum("error" in r for r in rows) == 1


def test_csv_export_round_trips_through_review(folder, resources, tmp_path):
    (path,) = [p for p in folder.glob("*_SIM.ketamon")]
    vitals, events = export_csv(Recording(path), tmp_path)
    with vitals.open() as handle:
        rows = list(csv.DictReader(handle))
    assert set(rows[0]) == {"time_s", "HR", "SpO2", "RR", "SBP", "DBP", "MAP"}
    hr = Recording(path).series(Vital.HR)
    assert [float(r["HR"]) for r in rows if r["HR"]] == list(hr.values)
    with events.open() as handle:
        kinds = [r["kind"] for r in csv.DictReader(handle)]
    assert kinds[:2] == ["command.setup", "setup.confirmed"] and "alarm.start" in kinds
    # The exported vitals are what review imports from any monitor.
    summary = review_csv(
        vitals,
        resources,
        parse_columns("hr=HR,sbp=SBP,dbp=DBP,spo2=SpO2,rr=RR"),
        False,
        None,
        None,
    )
    assert summary["peaks"]["sbp"]["value"] == max(float(r["SBP"]) for r in rows if r["SBP"])


def test_pdf_report(folder, resources, tmp_path, qapp):
    (path,) = [p for p in folder.glob("*_SIM.ketamon")]
    pdf = write_report(tmp_path / "report.pdf", review_recording(path, resources), Recording(path))
    data = pdf.read_bytes()
    assert data.startswith(b"%PDF") and len(data) > 5000


def test_review_command_exports(folder, tmp_path):
    (path,) = [p for p in folder.glob("*_SIM.ketamon")]
    pdf = tmp_path / "r.pdf"
    assert main(["review", str(path), "--export-csv", str(tmp_path), "--report", str(pdf)]) == 0
    assert pdf.exists() and list(tmp_path.glob("*_vitals.csv"))


def test_pdf_report_has_round_ticks_actions_discharge_and_right_marks(folder, resources):
    from ketamon.ui.report import report_lines, time_ticks

    assert time_ticks(105 * 60) == [60.0 * m for m in range(0, 106, 15)]
    assert time_ticks(26 * 60)[:3] == [0.0, 300.0, 600.0]
    (path,) = [p for p in folder.glob("*_SIM.ketamon")]
    summary = review_recording(path, resources)
    texts = [t for t, _size, _bold in report_lines(summary, Recording(path)) if t]
    assert any(t.startswith("Nurse actions") for t in texts)
    assert any("Infusion started" in t for t in texts)
    assert any(t.startswith("Discharge") for t in texts)
    alarm_lines = [t for t in texts if "limit" in t]
    first = summary["alarms"][0]
    marker = {"high": "***", "medium": "**", "low": "*"}[first["priority"]]
    assert f"  {marker} " in alarm_lines[0] and "(" in alarm_lines[0]  # session time on it
