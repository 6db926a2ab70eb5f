"""The scripted nurse (`--actions`) and `review --events`: live and rebuilt tell one story."""

import io
import json
import subprocess
import sys
from pathlib import Path

import pytest

from ketamon.core.events import clock_text
from ketamon.core.scenario import load_scenarios
from ketamon.headless import run_headless
from ketamon.io.actions import ActionsError, load_actions
from ketamon.io.run_config import RunConfig, SourceKind
from ketamon.resources import resources_dir, scenarios_dir
from ketamon.review import review_events, review_recording

SCENARIOS = load_scenarios(scenarios_dir())
ACTIONS_DIR = resources_dir() / "actions"


def run_scripted(resources, scenario_id: str, data_dir: Path) -> tuple[list[str], Path]:
    """Headless at --speed max with the scenario's bundled actions: stdout lines, recording."""
    config = RunConfig(
        SourceKind.SCENARIO, scenario=SCENARIOS[scenario_id], speed=None, data_dir=data_dir
    )
    out = io.StringIO()
    actions = load_actions(ACTIONS_DIR / f"{scenario_id}.toml")
    assert run_headless(config, resources, out=out, actions=actions) == 0
    (path,) = data_dir.glob("*.ketamon")
    return out.getvalue().splitlines(), path


def alarm_lines(lines: list[str]) -> list[str]:
    return [line for line in lines if json.loads(line)["event"] != "refused"]


def test_every_bundled_scenario_has_an_actions_file():
    assert {p.stem for p in ACTIONS_DIR.glob("*.toml")} == set(SCENARIOS)


@pytest.mark.parametrize("scenario_id", sorted(SCENARIOS))
def test_headless_alarm_lines_equal_review_events(scenario_id, resources, tmp_path):
    lines, path = run_scripted(resources, scenario_id, tmp_path)
    live = alarm_lines(lines)
    assert any(json.loads(line)["event"] == "armed" for line in live)
    assert review_events(path, resources) == live
    summary = review_recording(path, resources)
    assert summary["discharge"]["discharged"] is True
    assert summary["discharge"]["phase"] == "Discharged"
    assert summary["recorded_status"] == "closed"


def test_command_line_run_and_review_events_agree(tmp_path):
    """The real commands, as a trainer runs them: headless with actions, then review --events."""
    actions = ACTIONS_DIR / "hypertensive-responder.toml"
    cmd = [sys.executable, "-m", "ketamon", "--headless", "--speed", "max", "--autostart"]
    cmd += ["--scenario", "hypertensive-responder", "--data-dir", str(tmp_path)]
    cmd += ["--actions", str(actions)]
    live = subprocess.run(cmd, capture_output=True, text=True, timeout=120)
    assert live.returncode == 0, live.stderr[-2000:]
    (path,) = tmp_path.glob("*.ketamon")
    review = [sys.executable, "-m", "ketamon", "review", str(path), "--events"]
    rebuilt = subprocess.run(review, capture_output=True, text=True, timeout=120)
    assert rebuilt.returncode == 0, rebuilt.stderr[-2000:]
    assert rebuilt.stdout.splitlines() == alarm_lines(live.stdout.splitlines())
    events = [json.loads(line) for line in live.stdout.splitlines()]
    assert any(e["event"] == "start" and e["alarm_id"] == "bp_high" for e in events)


def test_a_refused_command_prints_a_refused_line_and_the_run_goes_on(resources, tmp_path):
    script = tmp_path / "a.toml"
    script.write_text(
        '[[action]]\nt_s = 900\ncommand = "resume"\n\n'
        '[[action]]\nt_s = 2700\ncommand = "confirm_pump"\n\n'
        '[[action]]\nt_s = 6900\ncommand = "moaas"\nscore = 5\n\n'
        '[[action]]\nt_s = 7000\ncommand = "discharge"\n'
        'checklist = ["Dissociation resolved", "Able to walk", "Escort present"]\n'
    )
    config = RunConfig(seed=2, speed=None, data_dir=tmp_path)
    out = io.StringIO()
    start_wall_s = 1_796_133_787.0  # 2026-12-01 14:03:07 UTC
    actions = load_actions(script)
    assert run_headless(config, resources, out=out, actions=actions, start_wall_s=start_wall_s) == 0
    events = [json.loads(line) for line in out.getvalue().splitlines()]
    refused = [e for e in events if e["event"] == "refused"]
    clock = clock_text(start_wall_s + 900.0)  # its time of day: start + session time
    assert refused == [
        {"t_s": 900.0, "clock": clock, "event": "refused", "command": "resume",
         "reason": refused[0]["reason"]}
    ]  # fmt: skip
    assert refused[0]["reason"] == "Only a paused infusion can be resumed."
    # The run went on to the discharge at 7000 s, after the observation ended.
    (path,) = tmp_path.glob("*.ketamon")
    assert review_recording(path, resources)["phase_times_s"]["discharged"] == 7000.0


@pytest.mark.parametrize(
    ("text", "where"),
    [
        ('[[action]]\nt_s = 10\ncommand = "dance"\n', ":3: [[action]] #1, field 'command'"),
        ('[[action]]\ncommand = "pause"\nreason = "x"\n', ":1: [[action]] #1, field 't_s'"),
        ('[[action]]\nt_s = -5\ncommand = "resume"\n', ":2: [[action]] #1, field 't_s'"),
        (
            '[[action]]\nt_s = 1\ncommand = "resume"\n\n[[action]]\nt_s = 2\ncommand = "pause"\n',
            ":5: [[action]] #2, field 'reason': missing",
        ),
        (
            '[[action]]\nt_s = 1\ncommand = "enter_baseline"\nsbp = 900\ndbp = 80\n',
            ":4: [[action]] #1, field 'sbp'",
        ),
        (
            '[[action]]\nt_s = 1\ncommand = "discharge"\nchecklist = [1, 2]\n',
            ":4: [[action]] #1, field 'checklist'",
        ),
        ('[[action]]\nt_s = 1\ncommand = "acknowledge"\nloud = true\n', "field 'loud'"),
        (
            '[[action]]\nt_s = 1\ncommand = "score"\nscale = "phq9"\nvalue = 30\n',
            ":5: [[action]] #1, field 'value': PHQ-9 is a whole number from 0 to 27",
        ),
        (
            '[[action]]\nt_s = 1\ncommand = "score"\nscale = "bdi"\nvalue = 3\n',
            ":4: [[action]] #1, field 'scale': unknown scale 'bdi'",
        ),
        (
            '[[action]]\nt_s = 1\ncommand = "score"\nscale = "madrs"\nvalue = 7.5\n',
            "field 'value'",
        ),
        ('[[action]]\nt_s = 1\ncommand = "score"\nvalue = 3\n', "field 'scale': missing"),
        ("[[action]\nt_s = 1\n", "not valid TOML"),
    ],
)
def test_a_broken_actions_file_is_refused_with_file_line_field_and_reason(tmp_path, text, where):
    script = tmp_path / "broken.toml"
    script.write_text(text)
    with pytest.raises(ActionsError) as caught:
        load_actions(script)
    assert str(script) in str(caught.value)
    assert where in str(caught.value)


def test_the_command_refuses_a_broken_actions_file(tmp_path):
    script = tmp_path / "broken.toml"
    script.write_text('[[action]]\nt_s = "soon"\ncommand = "acknowledge"\n')
    cmd = [sys.executable, "-m", "ketamon", "--headless", "--speed", "max", "--autostart"]
    cmd += ["--actions", str(script), "--data-dir", str(tmp_path)]
    result = subprocess.run(cmd, capture_output=True, text=True, timeout=120)
    assert result.returncode == 2
    assert f"{script}:2: [[action]] #1, field 't_s'" in result.stderr
    assert result.stdout == ""
    assert not list(tmp_path.glob("*.ketamon"))


def test_a_discharge_shows_in_the_browser_and_in_replay(qtbot, resources, tmp_path):
    from ketamon.core.infusion import Phase
    from ketamon.io.recording import Recording
    from ketamon.io.replay import ReplayData
    from ketamon.ui.browser import SessionBrowser

    _lines, path = run_scripted(resources, "uneventful", tmp_path)
    data = ReplayData(Recording(path), resources)
    assert data.snapshot_at(data.end_s).phase is Phase.DISCHARGED
    assert data.snapshot_at(6900.0).phase is Phase.DISCHARGE_READY
    browser = SessionBrowser(tmp_path)
    qtbot.addWidget(browser)
    table = browser.tables[True]  # simulations
    assert table.rowCount() == 1
    assert table.item(0, 8).text() == "discharged"


def test_a_manual_bp_in_observation_raises_one_high_alarm_recorded_and_reviewed(tmp_path):
    """The real commands: `enter_bp` in --actions, then `ketamon review --json` and --events."""
    script = tmp_path / "bp.toml"
    script.write_text(
        '[[action]]\nt_s = 3600\ncommand = "enter_bp"\nsbp = 185\ndbp = 112\n'
        "measured_at_s = 3540\nhr = 90\n"
    )
    cmd = [sys.executable, "-m", "ketamon", "--headless", "--speed", "max", "--autostart"]
    cmd += ["--seed", "3", "--data-dir", str(tmp_path / "rec"), "--actions", str(script)]
    live = subprocess.run(cmd, capture_output=True, text=True, timeout=120)
    assert live.returncode == 0, live.stderr[-2000:]
    events = [json.loads(line) for line in live.stdout.splitlines()]
    high_bp = [
        e for e in events if e["event"] == "start" and e["alarm_id"] == "bp_high"
        and e["priority"] == "high"
    ]  # fmt: skip
    assert len(high_bp) == 1
    assert high_bp[0]["value"] == 185 and high_bp[0]["t_s"] == 3540
    (path,) = (tmp_path / "rec").glob("*.ketamon")
    review = [sys.executable, "-m", "ketamon", "review", str(path)]
    summary = json.loads(
        subprocess.run([*review, "--json"], capture_output=True, text=True, timeout=120).stdout
    )
    (manual,) = summary["manual_bp"]
    assert (manual["sbp"], manual["dbp"], manual["measured_at_s"]) == (185, 112, 3540)
    assert [a for a in summary["alarms"] if a["priority"] == "high"][0]["value"] == 185
    rebuilt = subprocess.run([*review, "--events"], capture_output=True, text=True, timeout=120)
    assert rebuilt.stdout.splitlines() == alarm_lines(live.stdout.splitlines())
    from ketamon.io.recording import Recording

    recorded = [(s.t_s, s.vital.value, s.value) for s in Recording(path).samples()]
    assert recorded.count((3540.0, "sbp", 185.0)) == 1
    assert (3540.0, "dbp", 112.0) in recorded
