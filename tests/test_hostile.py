"""Hostile and clumsy input to the `ketamon` command.

Every case must end with exit status 0 or 2, a message naming the problem, no
traceback, within 20 s. Most cases call the command's entry point
(`ketamon.cli.main(argv)`) in this process: the same code path as the command,
without paying a Python start and the imports per case. One case per command family
(headless run, GUI, review of a recording, review of a CSV, course, course add-score)
is also run as a whole `python -m ketamon` process, so the real command is tested end
to end; those run in parallel (a few workers), each short (--speed max, small
--quit-after).
"""

from __future__ import annotations

import logging
import os
import shutil
import sqlite3
import subprocess
import sys
import time
import traceback
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path

import pytest

from ketamon.cli import main
from ketamon.resources import resources_dir

CASE_TIMEOUT_S = 20.0
HEADLESS = ["--headless", "--autostart", "--speed", "max"]


@dataclass
class Case:
    name: str
    argv: list[str]
    message: str  # must appear in stderr or stdout (case-insensitive)
    codes: tuple[int, ...] = (0, 2)
    env: dict[str, str] = field(default_factory=dict)
    # Also run as a whole `python -m ketamon` process (one case per command family).
    whole_process: bool = False
    # Opens a window (GUI): run as a whole process only; in the test process it would
    # change the QApplication the other tests use, or wait on a dialog.
    window: bool = False


def _resources_with(root: Path, name: str, relative: str, old: str, new: str) -> str:
    """A copy of the bundled resources with one text replacement in one file."""
    target = root / f"res-{name}"
    shutil.copytree(resources_dir(), target)
    path = target / relative
    text = path.read_text(encoding="utf-8")
    assert old in text, (relative, old)
    path.write_text(text.replace(old, new, 1), encoding="utf-8")
    return str(target)


def _damaged(root: Path, source: Path, name: str, sql: str) -> str:
    path = root / name
    shutil.copyfile(source, path)
    db = sqlite3.connect(path)
    db.execute(sql)
    db.commit()
    db.close()
    return str(path)


def _overwritten(root: Path, source: Path, name: str, offset: int, count: int) -> str:
    path = root / name
    data = bytearray(source.read_bytes())
    data[offset : offset + count] = b"\xa5" * count
    path.write_bytes(bytes(data))
    return str(path)


def _build_cases(root: Path, recording: Path) -> list[Case]:
    profile = resources_dir() / "alarm_profiles" / "default.toml"
    profile_text = profile.read_text(encoding="utf-8")

    def profile_with(name: str, old: str, new: str) -> str:
        path = root / f"{name}.toml"
        assert old in profile_text
        path.write_text(profile_text.replace(old, new, 1), encoding="utf-8")
        return str(path)

    protocol_text = (resources_dir() / "protocols" / "loading_maintenance.toml").read_text(
        encoding="utf-8"
    )

    def protocol_with(name: str, old: str, new: str) -> str:
        path = root / f"{name}.toml"
        assert old in protocol_text
        path.write_text(protocol_text.replace(old, new, 1), encoding="utf-8")
        return str(path)

    def scenario(name: str, text: str, old: str = "seed = 11") -> str:
        path = root / f"{name}.toml"
        base = (resources_dir() / "scenarios" / "uneventful.toml").read_text(encoding="utf-8")
        assert old in base
        path.write_text(base.replace(old, text, 1), encoding="utf-8")
        return str(path)

    def csv_file(name: str, content: bytes) -> str:
        path = root / name
        path.write_bytes(content)
        return str(path)

    nested = root / "nested.toml"
    nested.write_text("x = " + "[" * 3000 + "]" * 3000 + "\n")
    latin = root / "latin1.toml"
    latin.write_bytes('name = "caf\xe9"\n'.encode("latin-1"))
    text_as_recording = root / "notes.ketamon"
    text_as_recording.write_text("not a database\n" * 200)
    empty = root / "empty.ketamon"
    empty.write_bytes(b"")
    foreign = root / "foreign.ketamon"
    db = sqlite3.connect(foreign)
    db.execute("CREATE TABLE meta (key TEXT, value TEXT)")
    db.execute("INSERT INTO meta VALUES ('schema_version', '99')")
    db.commit()
    db.close()
    odd_names = []
    for name in ("patient #3.ketamon", "what?.ketamon", "Ünïcødé ßession 50%.ketamon"):
        shutil.copyfile(recording, root / name)
        odd_names.append(str(root / name))
    a_file = root / "a-file"
    a_file.write_text("")
    good_csv = b"time_s,HR,NBPSys,NBPDias\n0,70,120,80\n60,72,,\n120,71,151,127\n"
    review = ["review"]

    cases = [
        Case("weight nan", [*HEADLESS, "--weight", "nan"], "--weight"),
        Case("weight inf", [*HEADLESS, "--weight", "inf"], "finite"),
        Case("weight 1e308", [*HEADLESS, "--weight", "1e308"], "at most"),
        Case(
            "weight 10 (hard limit)",
            [*HEADLESS, "--weight", "10"],
            "hard limit",
            whole_process=True,
        ),
        Case("weight -70", [*HEADLESS, "--weight", "-70"], "greater than 0"),
        Case("weight text", [*HEADLESS, "--weight", "heavy"], "must be a number"),
        Case("seed -1", [*HEADLESS, "--seed", "-1"], "--seed"),
        Case("seed 1.5", [*HEADLESS, "--seed", "1.5"], "whole number"),
        Case("seed huge", [*HEADLESS, "--seed", "1e30"], "at most"),
        Case("quit-after nan", [*HEADLESS, "--quit-after", "nan"], "--quit-after"),
        Case("quit-after inf", [*HEADLESS, "--quit-after", "inf"], "finite"),
        Case("quit-after 1e10", [*HEADLESS, "--quit-after", "1e10"], "at most"),
        Case("GUI quit-after nan", ["--quit-after", "nan"], "--quit-after"),
        Case("geometry text", ["--geometry", "big"], "WIDTHxHEIGHT"),
        Case("geometry nan", ["--geometry", "nanx768"], "--geometry"),
        Case("geometry tiny", ["--geometry", "10x10"], "at least 640"),
        Case("speed nan", ["--headless", "--autostart", "--speed", "nan"], "finite"),
        Case("speed 0", ["--headless", "--autostart", "--speed", "0"], "greater than 0"),
        Case("speed max in GUI", ["--speed", "max"], "needs --headless"),
        Case("baud nan", [*HEADLESS, "--port", "/dev/null", "--baud", "nan"], "--baud"),
        Case("baud 10", [*HEADLESS, "--port", "/dev/null", "--baud", "10"], "at least 50"),
        Case("port URL", [*HEADLESS, "--port", "socket://127.0.0.1:9"], "not a serial device"),
        Case("patient id empty", [*HEADLESS, "--patient-id", "  "], "must not be empty"),
        Case("patient id newline", [*HEADLESS, "--patient-id", "a\nb"], "printable"),
        Case("patient id 65 chars", [*HEADLESS, "--patient-id", "x" * 65], "at most 64"),
        Case("course id empty", ["course", ""], "must not be empty"),
        Case(
            "add-score PHQ-9 28",
            ["course", "add-score", str(recording), "--scale", "phq9", "--value", "28"],
            "0 to 27",
        ),
        Case(
            "add-score nan",
            ["course", "add-score", str(recording), "--scale", "phq9", "--value", "nan"],
            "finite",
        ),
        Case(
            "add-score unknown scale",
            ["course", "add-score", str(recording), "--scale", "bdi", "--value", "3"],
            "invalid choice",
        ),
        Case(
            "add-score to a text file",
            ["course", "add-score", str(text_as_recording), "--scale", "phq9", "--value", "3"],
            "not a readable ketamon recording",
            whole_process=True,
        ),
        Case(
            "course.toml unknown scale",
            ["course", "P1"],
            "unknown scale",
            whole_process=True,
            env={
                "KETAMON_RESOURCES": _resources_with(
                    root, "course-scale", "course.toml", 'scales = ["phq9"]', 'scales = ["bdi"]'
                )
            },
        ),
        Case(
            "course.toml remission nan",
            ["course", "P1"],
            "finite",
            env={
                "KETAMON_RESOURCES": _resources_with(
                    root, "course-nan", "course.toml", "phq9 = 5", "phq9 = nan"
                )
            },
        ),
        Case(
            "device unknown protocol",
            [*HEADLESS, "--device", "acme:/dev/null"],
            "unknown protocol 'acme'",
        ),
        Case("device no port", [*HEADLESS, "--device", "ge-s5"], "PROTOCOL:PORT"),
        Case("device baud text", [*HEADLESS, "--device", "ge-s5:/dev/null:fast"], "baud"),
        Case("device baud 10", [*HEADLESS, "--device", "ge-s5:/dev/null:10"], "at least 50"),
        Case(
            "device port twice",
            [*HEADLESS, "--device", "ge-s5:/dev/null", "--device", "masimo-ascii:/dev/null"],
            "given twice",
        ),
        Case(
            "device and port",
            [*HEADLESS, "--device", "ge-s5:/dev/null", "--port", "/dev/zero"],
            "exclude each other",
        ),
        Case(
            "device URL",
            [*HEADLESS, "--device", "masimo-ascii:socket://127.0.0.1:9"],
            "not a serial device",
        ),
        Case(
            "device missing port",
            [*HEADLESS, "--device", f"ge-s5:{root / 'ttyGONE'}"],
            "not found",
        ),
        Case(
            "port spy URL",
            [*HEADLESS, "--port", f"spy:///dev/null?file={root / 'spy.txt'}"],
            "--allow-port-url",
        ),
        Case("missing port", [*HEADLESS, "--port", str(root / "ttyGONE")], "not found"),
        Case("headless without autostart", ["--headless"], "needs --autostart"),
        Case(
            "infusion protocol unknown id",
            [*HEADLESS, "--infusion-protocol", "ketamine-10x"],
            "no protocol 'ketamine-10x'",
        ),
        Case(
            "infusion protocol missing file",
            [*HEADLESS, "--infusion-protocol", str(root / "gone.toml")],
            "gone.toml",
        ),
        Case(
            "infusion protocol file is nested junk",
            [*HEADLESS, "--infusion-protocol", str(nested)],
            "nested.toml",
        ),
        Case(
            "infusion protocol discharge margin nan",
            [
                *HEADLESS,
                "--infusion-protocol",
                protocol_with("d1", "hr_margin_pct = 20", "hr_margin_pct = nan"),
            ],
            "hr_margin_pct",
        ),
        Case(
            "infusion protocol discharge checklist not texts",
            [
                *HEADLESS,
                "--infusion-protocol",
                protocol_with("d2", "checklist = [", "checklist = [1, "),
            ],
            "checklist",
        ),
        Case(
            "infusion protocol reuses a bundled id",
            [
                *HEADLESS,
                "--infusion-protocol",
                protocol_with("d3", "hr_margin_pct = 20", "hr_margin_pct = 25"),
            ],
            "already a bundled protocol",
        ),
        Case(
            "alarm profile pump_confirm_s inf",
            [
                *HEADLESS,
                "--alarm-profile",
                profile_with("p-pump", "pump_confirm_s = 60", "pump_confirm_s = inf"),
            ],
            "pump_confirm_s",
        ),
        Case(
            "alarm profile clear_delay_s -1",
            [
                *HEADLESS,
                "--alarm-profile",
                profile_with("p-clear", "clear_delay_s = 30", "clear_delay_s = -1"),
            ],
            "clear_delay_s",
        ),
        Case(
            "alarm profile paused_reminder_s 1e308",
            [
                *HEADLESS,
                "--alarm-profile",
                profile_with("p-paused", "paused_reminder_s = 300", "paused_reminder_s = 1e308"),
            ],
            "paused_reminder_s",
        ),
        Case(
            "alarm profile no_data_s nan",
            [*HEADLESS, "--alarm-profile", profile_with("p1", "no_data_s = 10", "no_data_s = nan")],
            "no_data_s",
        ),
        Case(
            "alarm profile delay_s nan",
            [*HEADLESS, "--alarm-profile", profile_with("p2", "delay_s = 10", "delay_s = nan")],
            "delay_s",
        ),
        Case(
            "alarm profile limit inf",
            [*HEADLESS, "--alarm-profile", profile_with("p3", "limit = 180", "limit = inf")],
            "limit",
        ),
        Case("alarm profile nested 3000", [*HEADLESS, "--alarm-profile", str(nested)], "nested"),
        Case("alarm profile latin-1", [*HEADLESS, "--alarm-profile", str(latin)], "UTF-8"),
        Case(
            "alarm profile missing",
            [*HEADLESS, "--alarm-profile", str(root / "gone.toml")],
            "cannot read",
        ),
        Case(
            "protocol dose nan",
            HEADLESS,
            "dose_mg_per_kg",
            env={
                "KETAMON_RESOURCES": _resources_with(
                    root,
                    "dose",
                    "protocols/loading.toml",
                    "dose_mg_per_kg = 0.5",
                    "dose_mg_per_kg = nan",
                )
            },
        ),
        Case(
            "protocol observation inf",
            HEADLESS,
            "duration_min",
            env={
                "KETAMON_RESOURCES": _resources_with(
                    root, "obs", "protocols/loading.toml", "duration_min = 60", "duration_min = inf"
                )
            },
        ),
        Case(
            "protocol baseline_readings nan",
            HEADLESS,
            "baseline_readings",
            env={
                "KETAMON_RESOURCES": _resources_with(
                    root,
                    "readings",
                    "protocols/loading.toml",
                    "baseline_readings = 2",
                    "baseline_readings = nan",
                )
            },
        ),
        Case(
            "drug library hard_max nan",
            HEADLESS,
            "hard_max",
            env={
                "KETAMON_RESOURCES": _resources_with(
                    root, "lib", "drug_library.toml", "hard_max = 10", "hard_max = nan"
                )
            },
        ),
        Case(
            "artefact rules ratio 5",
            HEADLESS,
            "max_dbp_sbp_ratio",
            env={
                "KETAMON_RESOURCES": _resources_with(
                    root,
                    "art",
                    "artefact_rules.toml",
                    "max_dbp_sbp_ratio = 0.8",
                    "max_dbp_sbp_ratio = 5",
                )
            },
        ),
        Case("scenario seed nan", [*HEADLESS, "--scenario", scenario("s1", "seed = nan")], "seed"),
        Case("scenario seed -5", [*HEADLESS, "--scenario", scenario("s2", "seed = -5")], "seed"),
        Case(
            "scenario weight 1e308",
            [*HEADLESS, "--scenario", scenario("s3", "weight_kg = 1e308", "weight_kg = 72")],
            "weight_kg",
        ),
        Case(
            "data dir is a file",
            [*HEADLESS, "--data-dir", str(a_file / "sessions")],
            "cannot be saved",
        ),
        Case("review missing file", [*review, str(root / "gone.ketamon")], "no such file"),
        Case("review text file", [*review, str(text_as_recording)], "not a readable ketamon"),
        Case("review empty file", [*review, str(empty)], "not a readable ketamon"),
        Case("review foreign sqlite", [*review, str(foreign)], "format 99", whole_process=True),
        *[
            Case(f"review odd name {i}", [*review, p], "ketamon review")
            for i, p in enumerate(odd_names)
        ],
        Case(
            "review unknown vital",
            [
                *review,
                _damaged(
                    root, recording, "vital.ketamon", "UPDATE samples SET vital='xyz' WHERE rowid=5"
                ),
            ],
            "damaged",
        ),
        Case(
            "review sample at 1e15 s",
            [
                *review,
                _damaged(root, recording, "t.ketamon", "UPDATE samples SET t_s=1e15 WHERE rowid=9"),
            ],
            "damaged",
        ),
        Case(
            "review broken event JSON",
            [
                *review,
                _damaged(
                    root, recording, "json.ketamon", "UPDATE events SET data='{x' WHERE rowid=3"
                ),
            ],
            "damaged",
        ),
        Case(
            "review missing prescription",
            [
                *review,
                _damaged(
                    root,
                    recording,
                    "presc.ketamon",
                    "UPDATE events SET data='{}' "
                    "WHERE kind IN ('setup.confirmed', 'command.setup')",
                ),
            ],
            "damaged",
        ),
        Case(
            "review 64 bytes overwritten (page 2)",
            [*review, _overwritten(root, recording, "over2.ketamon", 4096 + 100, 64)],
            "ketamon",
        ),
        Case(
            "review 64 bytes overwritten (header)",
            [*review, _overwritten(root, recording, "over0.ketamon", 0, 64)],
            "not a readable ketamon",
        ),
        Case(
            "replay damaged (GUI)",
            ["--replay", str(root / "over0.ketamon"), "--quit-after", "1"],
            "not a readable ketamon",
            window=True,
        ),
        Case(
            "replay alarm event without priority (GUI)",
            [
                "--replay",
                _damaged(
                    root,
                    recording,
                    "prio.ketamon",
                    "UPDATE events SET data=json_remove(data, '$.priority') "
                    "WHERE kind='alarm.start'",
                ),
                "--quit-after",
                "1",
            ],
            "damaged",
            window=True,
        ),
        Case(
            "replay missing (GUI)",
            ["--replay", str(root / "gone.ketamon"), "--quit-after", "1"],
            "no such file",
            window=True,
        ),
        Case(
            "csv not text",
            [*review, csv_file("bin.csv", b"\x00\x01\x02" * 50), "--columns", "hr=HR"],
            "not a text file",
        ),
        Case(
            "csv huge cell",
            [
                *review,
                csv_file("big.csv", b"time_s,HR\n0,70\n1," + b"9" * 200_000 + b"\n"),
                "--columns",
                "hr=HR",
            ],
            "row 3",
            whole_process=True,
        ),
        Case(
            "csv negative time",
            [*review, csv_file("neg.csv", b"time_s,HR\n0,70\n-5,80\n"), "--columns", "hr=HR"],
            "row 3",
        ),
        Case(
            "csv infinite time",
            [*review, csv_file("inf.csv", b"time_s,HR\n0,70\n1e308,80\n"), "--columns", "hr=HR"],
            "row 3",
        ),
        Case(
            "csv nan time --json",
            [
                *review,
                csv_file("nan.csv", b"time_s,HR\n0,70\nnan,80\n"),
                "--columns",
                "hr=HR",
                "--json",
            ],
            "finite",
        ),
        Case(
            "csv latin-1 accepted",
            [
                *review,
                csv_file("l1.csv", "time_s,HR,Note\n0,70,café\n".encode("cp1252")),
                "--columns",
                "hr=HR",
            ],
            "Alarms",
        ),
        Case(
            "csv missing column",
            [*review, csv_file("good.csv", good_csv), "--columns", "spo2=SpO2"],
            "no column SpO2",
        ),
        Case(
            "csv infusion-start -600",
            [
                *review,
                str(root / "good.csv"),
                "--columns",
                "hr=HR",
                "--weight",
                "70",
                "--infusion-start",
                "-600",
            ],
            "--infusion-start",
        ),
        Case(
            "csv weight nan",
            [
                *review,
                str(root / "good.csv"),
                "--columns",
                "hr=HR",
                "--weight",
                "nan",
                "--infusion-start",
                "0",
            ],
            "--weight",
        ),
        Case(
            "csv artefact reading listed",
            [*review, str(root / "good.csv"), "--columns", "hr=HR,sbp=NBPSys,dbp=NBPDias"],
            "Rejected as artefact",
        ),
        Case(
            "export into a file",
            [*review, str(recording), "--export-csv", str(a_file / "out")],
            "a-file",
        ),
    ]
    return cases


def _run(case: Case, data_dir: Path) -> tuple[Case, int | None, str, float]:
    """`case` as a whole `python -m ketamon` process: (case, exit status, output, seconds)."""
    env = dict(os.environ, QT_QPA_PLATFORM="offscreen", KETAMON_DATA_DIR=str(data_dir), **case.env)
    started = time.monotonic()
    try:
        result = subprocess.run(
            [sys.executable, "-m", "ketamon", *case.argv],
            capture_output=True,
            text=True,
            timeout=CASE_TIMEOUT_S,
            env=env,
            stdin=subprocess.DEVNULL,
        )
    except subprocess.TimeoutExpired as exc:
        out = (exc.stderr or b"").decode(errors="replace") if isinstance(exc.stderr, bytes) else ""
        return case, None, out, time.monotonic() - started
    return case, result.returncode, result.stdout + result.stderr, time.monotonic() - started


def _run_in_process(
    case: Case, data_dir: Path, monkeypatch, capsys, caplog
) -> tuple[Case, int | None, str, float]:
    """`case` through `ketamon.cli.main(argv)` in this process, as `_run` reports it.

    The exit status is main's return value or SystemExit's code (argparse's errors);
    the output is stdout, stderr and the log records (the command logs to stderr);
    an exception escaping main is the traceback a user would have seen.
    """
    caplog.clear()
    capsys.readouterr()
    started = time.monotonic()
    with monkeypatch.context() as patch:
        patch.setenv("KETAMON_DATA_DIR", str(data_dir))
        for name, value in case.env.items():
            patch.setenv(name, value)
        extra = ""
        try:
            code = main(list(case.argv))
        except SystemExit as exc:
            if exc.code is None or isinstance(exc.code, int):
                code = exc.code or 0
            else:  # sys.exit("text"): Python prints the text and exits 1
                code, extra = 1, str(exc.code)
        except Exception:  # noqa: BLE001 - reported as the traceback the user would see
            code, extra = 1, traceback.format_exc()
    seconds = time.monotonic() - started
    captured = capsys.readouterr()
    return case, code, captured.out + captured.err + caplog.text + extra, seconds


def _failures(results: list[tuple[Case, int | None, str, float]]) -> list[str]:
    failures = []
    for case, code, output, seconds in results:
        problems = []
        if code is None or seconds > CASE_TIMEOUT_S:
            problems.append(f"did not finish within {CASE_TIMEOUT_S:.0f} s")
        elif code not in case.codes:
            problems.append(f"exit {code}")
        if "Traceback" in output:
            problems.append("traceback")
        if case.message.lower() not in output.lower():
            problems.append(f"no message {case.message!r}")
        if problems:
            failures.append(f"{case.name}: {', '.join(problems)}\n{output[-600:]}")
    return failures


def test_hostile_table_in_process(tmp_path, strong_recording, monkeypatch, capsys, caplog):
    """Every case that needs no window of its own, through the command's entry point."""
    cases = _build_cases(tmp_path, strong_recording)
    assert len(cases) >= 40
    caplog.set_level(logging.INFO)
    data_dir = tmp_path / "data"
    results = [
        _run_in_process(c, data_dir, monkeypatch, capsys, caplog) for c in cases if not c.window
    ]
    assert len(results) >= 40
    failures = _failures(results)
    assert not failures, "\n\n".join(failures)
    assert not (tmp_path / "spy.txt").exists()  # the spy:// URL never ran
    assert not list(tmp_path.glob("patient ")) and not list(tmp_path.glob("what"))


def test_hostile_table_whole_process(tmp_path, strong_recording):
    """One case per command family as a whole process, and every case that opens a window
    (a window in the test process would change its QApplication for the tests after it)."""
    cases = [c for c in _build_cases(tmp_path, strong_recording) if c.whole_process or c.window]
    families = {
        c.argv[0]
        if c.argv[0] in ("review", "course")
        else ("headless" if "--headless" in c.argv else "gui")
        for c in cases
    }
    assert families == {"headless", "gui", "review", "course"}
    data_dir = tmp_path / "data"
    with ThreadPoolExecutor(max_workers=4) as pool:
        results = list(pool.map(lambda c: _run(c, data_dir), cases))
    failures = _failures(results)
    assert not failures, "\n\n".join(failures)


@pytest.mark.parametrize("name", ["patient #3.ketamon", "what?.ketamon", "ä ö #?%.ketamon"])
def test_reading_leaves_nothing_beside_the_file(tmp_path, strong_recording, name):
    from ketamon.io.recording import Recording

    path = tmp_path / name
    shutil.copyfile(strong_recording, path)
    before = sorted(p.name for p in tmp_path.iterdir())
    recording = Recording(path)
    assert recording.samples() and recording.events()
    assert sorted(p.name for p in tmp_path.iterdir()) == before  # no -wal, -shm, stray file
