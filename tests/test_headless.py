"""Headless mode: the same pipeline without a window, alarm events as JSON lines."""

import io
import json
import os
import subprocess
import sys
from dataclasses import replace

import pytest

from ketamon.cli import run_config
from ketamon.cli_args import build_parser
from ketamon.core.events import clock_text
from ketamon.core.simulator import strong_bp_responder
from ketamon.headless import run_headless
from ketamon.nuisance import nuisance_rate
from ketamon.resources_loading import load_clinical_resources

MIN = 60.0
START_WALL_S = 1_796_133_787.0  # 2026-12-01 14:03:07 UTC


@pytest.fixture(scope="module")
def resources():
    return load_clinical_resources()


def headless_events(resources, argv, profile=None):
    config = replace(run_config(build_parser().parse_args(argv)), patient=profile, data_dir=None)
    out = io.StringIO()
    # One start time of day for every run: the lines' "clock" is start + session time.
    assert run_headless(config, resources, out=out, start_wall_s=START_WALL_S) == 0
    return [json.loads(line) for line in out.getvalue().splitlines()]


def test_strong_bp_responder_raises_the_rise_alarm_near_the_end_of_loading(resources):
    events = headless_events(
        resources,
        ["--simulate", "--headless", "--speed", "max", "--seed", "5", "--autostart"],
        profile=strong_bp_responder(),
    )
    armed = next(e for e in events if e["event"] == "armed")
    rise = [
        e
        for e in events
        if e["event"] in ("start", "change") and e["condition"] == "BP rise over baseline"
    ]
    assert rise, events
    minutes_after_start = (rise[0]["t_s"] - armed["t_s"]) / MIN
    assert 30 <= minutes_after_start <= 50
    assert rise[0]["priority"] == "medium"
    assert rise[0]["value"] - rise[0]["limit"] >= 0
    for key in ("t_s", "event", "priority", "condition", "value", "limit"):
        assert key in rise[0]


def test_uneventful_sessions_rarely_alarm(resources):
    """Loading plus 60 min observation, maximum speed: at most 5% with any alarm.

    A sample of 20 seeds keeps the suite fast; `python bench/nuisance.py` measures the
    rate on 100 (1 of 100 when last measured).
    """
    result = nuisance_rate(resources, range(1, 21))
    assert result.sessions == 20
    assert result.rate <= 0.05, [e.message for e in result.alarms]


def test_same_seed_same_alarms(resources):
    argv = ["--headless", "--speed", "max", "--seed", "9", "--autostart"]
    profile = strong_bp_responder()
    assert headless_events(resources, argv, profile) == headless_events(resources, argv, profile)


def test_headless_command_prints_json_lines(tmp_path):
    env = dict(os.environ)
    cmd = [sys.executable, "-m", "ketamon", "--simulate", "--headless", "--speed", "max"]
    cmd += ["--seed", "2", "--autostart", "--quit-after", "30"]
    result = subprocess.run(cmd, capture_output=True, text=True, timeout=120, env=env)
    assert result.returncode == 0, result.stderr
    lines = [json.loads(line) for line in result.stdout.splitlines()]
    assert lines[0]["event"] == "armed"


def test_broken_alarm_profile_refuses_to_start(tmp_path):
    bad = tmp_path / "broken.toml"
    bad.write_text('name = "x"\n[[rules]]\nid = "a"\n')
    cmd = [sys.executable, "-m", "ketamon", "--headless", "--speed", "max", "--autostart"]
    cmd += ["--alarm-profile", str(bad)]
    result = subprocess.run(cmd, capture_output=True, text=True, timeout=120)
    assert result.returncode == 2
    assert "broken.toml" in result.stderr
    assert "rules[0].criteria: is required" in result.stderr
    assert result.stdout == ""


def test_speed_max_needs_headless(capsys):
    from ketamon.cli import main

    with pytest.raises(SystemExit):
        main(["--speed", "max"])
    assert "--speed max needs --headless" in capsys.readouterr().err


def test_each_line_has_its_time_of_day_start_plus_session_time(resources):
    events = headless_events(resources, ["--headless", "--speed", "max", "--seed", "2"])
    assert events
    for event in events:
        assert event["clock"] == clock_text(START_WALL_S + event["t_s"])
