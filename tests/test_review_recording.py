"""`ketamon review` of a recording with hand-entered BP and notes: what the text says,
and `--events` printing exactly the headless alarm lines."""

import io
import json
import math
from datetime import datetime

import pytest

from ketamon.cli import main
from ketamon.headless import run_headless
from ketamon.io.actions import Action
from ketamon.io.recording import Recording, origin_wall_s
from ketamon.io.run_config import RunConfig

ACTIONS = [
    Action(900.0, "enter_bp", {"sbp": 131.0, "dbp": 84.0, "hr": 70.0}),
    Action(1000.0, "annotate", {"kind": "side_effect", "text": "Dissociation"}),
    Action(7000.0, "discharge", {"checklist": ["escort present"]}),  # refused: too much open
]


@pytest.fixture(scope="module")
def scripted(tmp_path_factory, resources):
    """A headless run (seed 3, max speed) with a scripted nurse: its recording and stdout."""
    directory = tmp_path_factory.mktemp("scripted")
    out = io.StringIO()
    config = RunConfig(speed=None, data_dir=directory, seed=3)
    assert run_headless(config, resources, out=out, actions=ACTIONS) == 0
    (path,) = directory.glob("*.ketamon")
    return path, out.getvalue().splitlines()


def test_review_text_lists_notes_and_hand_entered_bp(scripted, capsys):
    path, _stdout = scripted
    assert main(["review", str(path)]) == 0
    text = capsys.readouterr().out
    assert "(ketamon recording, SIMULATED)" in text
    assert "Note 16:40: Dissociation" in text
    assert "Manual BP measured 15:00: 131/84" in text
    assert "Peak SBP  131 at 15:00" in text
    assert "Discharge: phase Ready for discharge; observation complete: yes" in text
    assert "DAMAGED RECORDING" not in text
    assert "Rejected cells" not in text  # a recording has no CSV cells


def test_review_json_of_a_refused_discharge(scripted, capsys):
    path, stdout = scripted
    refused = [json.loads(line) for line in stdout if '"refused"' in line]
    assert [r["command"] for r in refused] == ["discharge"]
    assert main(["review", str(path), "--json"]) == 0
    summary = json.loads(capsys.readouterr().out)
    assert summary["discharge"]["discharged"] is False
    assert summary["manual_bp"][0]["entered_s"] == 900.0
    assert summary["annotations"] == [{"t_s": 1000.0, "text": "Dissociation", "retracted": False}]


def test_review_events_are_the_headless_alarm_lines(scripted, capsys):
    path, stdout = scripted
    assert main(["review", str(path), "--events"]) == 0
    alarm_lines = [line for line in stdout if '"event": "refused"' not in line]
    assert len(alarm_lines) >= 2
    assert capsys.readouterr().out.splitlines() == alarm_lines


def test_every_line_says_its_time_of_day_from_the_recorded_start(scripted):
    """'clock' is the run's start (the recording's clock) plus session time, local time
    with its UTC offset, on the live lines and so on review's."""
    path, stdout = scripted
    recording = Recording(path)
    try:
        origin = origin_wall_s(recording.meta)
    finally:
        recording.close()
    assert origin is not None
    for line in map(json.loads, stdout):
        when = datetime.fromisoformat(line["clock"])
        assert when.utcoffset() is not None
        assert when.timestamp() == math.floor(origin + line["t_s"])
