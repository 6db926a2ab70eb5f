"""Another monitor's CSV: streamed, every cell checked, clear refusals with the row."""

from __future__ import annotations

import json
import os
import subprocess
import sys

import pytest

from ketamon.core.vitals import Sample, Vital
from ketamon.io.csv_import import CsvImportError, read_csv_samples
from ketamon.io.private_files import spreadsheet_safe

HR = {Vital.HR: "HR"}


def _write(tmp_path, content: bytes, name="v.csv"):
    path = tmp_path / name
    path.write_bytes(content)
    return path


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (b"time_s,HR\n0,70\n-1,70\n", "row 3: time_s must be at least 0"),
        (b"time_s,HR\n0,70\n5,70\ninf,70\n", "row 4: time_s must be a finite number"),
        (b"time_s,HR\nnan,70\n", "row 2: time_s must be a finite number"),
        (b"time_s,HR\n1e308,70\n", "row 2: time_s must be at most"),
        (b"time_s,HR\n0," + b"7" * 20_000 + b"\n", "row 2: a cell is longer than"),
        (b'time_s,HR\n0,"' + b"7" * 200_000 + b'"\n', "row 2: not a readable CSV"),
        (b"\x00PK\x03\x04" * 10, "not a text file"),
        (b"time_s,HR\n0,70\n" + "1,72,\u00e9\n".encode("utf-16-le"), "not a text file"),
    ],
)
def test_refusals_name_the_row(tmp_path, content, message):
    with pytest.raises(CsvImportError, match=message):
        read_csv_samples(_write(tmp_path, content), HR, False)


def test_encodings_are_detected(tmp_path):
    text = "time_s,HR,Note\n0,70,café\n60,72,naïve\n"
    for encoding, expected in (
        ("utf-8", "utf-8-sig"),
        ("utf-8-sig", "utf-8-sig"),
        ("cp1252", "cp1252"),
        ("utf-16", "utf-16"),
    ):
        samples = read_csv_samples(_write(tmp_path, text.encode(encoding)), HR, False)
        assert samples.encoding == expected
        assert list(samples) == [Sample(0.0, Vital.HR, 70.0), Sample(60.0, Vital.HR, 72.0)]


def test_cells_are_counted_not_refused_and_samples_come_in_time_order(tmp_path):
    path = _write(tmp_path, b"time_s,HR,SpO2\n60,abc,97\n0,70,\nx,71,98\n30,999,0\n")
    samples = read_csv_samples(path, {Vital.HR: "HR", Vital.SPO2: "SpO2"}, zero_is_missing=True)
    assert samples.rejected == 3  # abc, the row with time x, 999 bpm
    assert list(samples) == [Sample(0.0, Vital.HR, 70.0), Sample(60.0, Vital.SPO2, 97.0)]
    assert list(samples.between(30.0, 90.0)) == [Sample(60.0, Vital.SPO2, 97.0)]


def test_review_json_is_strict_and_never_nan(tmp_path):
    path = _write(tmp_path, b"time_s,HR,NBPSys,NBPDias\n0,70,120,80\n60,71,151,127\n")
    cmd = [sys.executable, "-m", "ketamon", "review", str(path), "--json"]
    cmd += ["--columns", "hr=HR,sbp=NBPSys,dbp=NBPDias"]
    result = subprocess.run(cmd, capture_output=True, text=True, timeout=60)
    assert result.returncode == 0, result.stderr
    summary = json.loads(result.stdout, parse_constant=lambda c: pytest.fail(f"JSON has {c}"))
    assert summary["peaks"]["dbp"]["value"] == 80  # 151/127 is an artefact, not the peak
    assert [r["values"] for r in summary["rejected_readings"]] == [{"sbp": 151.0, "dbp": 127.0}]


def test_spreadsheet_formulas_are_escaped():
    assert spreadsheet_safe("=HYPERLINK(1)") == "'=HYPERLINK(1)"
    assert [spreadsheet_safe(t) for t in ("+1", "-1", "@x", "ok = fine")] == [
        "'+1",
        "'-1",
        "'@x",
        "ok = fine",
    ]


def test_exports_are_private_and_notes_are_not_formulas(tmp_path, strong_recording, library):
    import shutil

    from ketamon.io.export import export_csv
    from ketamon.io.recorder import Recorder
    from ketamon.io.recording import Recording

    path = tmp_path / "r.ketamon"
    shutil.copyfile(strong_recording, path)
    recorder = Recorder(path, {}, resume=True)
    from ketamon.core.session import Session

    session = Session(library, simulated=True)
    recorder.attach(session)
    session.annotate(0.0, "=cmd|'/c calc'!A1")
    recorder.close()
    old_umask = os.umask(0o022)
    try:
        vitals, events = export_csv(Recording(path), tmp_path / "out")
    finally:
        os.umask(old_umask)
    for written in (vitals, events):
        assert os.stat(written).st_mode & 0o777 == 0o600
    assert "'=cmd|" in events.read_text() and ",=cmd" not in events.read_text()
