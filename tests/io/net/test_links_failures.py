"""A link that fails is a technical alarm; monitoring goes on; bad flags are clear messages."""

from __future__ import annotations

import io
import json
from dataclasses import replace

import pytest

from ketamon.cli import main, net_plan, run_config
from ketamon.cli_args import build_parser
from ketamon.core.alarm_profile import load_alarm_profile
from ketamon.headless import run_headless
from ketamon.resources_loading import ClinicalResources
from tests.io.net.conftest import free_port
from tests.io.net.test_mllp_e2e import quick_hl7_alarm_profile


@pytest.mark.long_wall(seconds=3)
def test_no_broker_raises_broker_away_and_the_session_runs_on(tmp_path, resources):
    text = quick_hl7_alarm_profile(tmp_path, 60).read_text()
    profile_path = tmp_path / "p.toml"
    profile_path.write_text(text.replace("broker_away_s = 10", "broker_away_s = 1"))
    quick = ClinicalResources(
        resources.protocols, resources.library, load_alarm_profile(profile_path)
    )
    parser = build_parser()
    argv = [
        "--headless",
        "--simulate",
        "--autostart",
        "--speed",
        "60",
        "--quit-after",
        "2.5",
        "--mqtt",
        f"mqtt://127.0.0.1:{free_port()}",
        "--bed",
        "chair9",
        "--data-dir",
        str(tmp_path),
    ]
    args = parser.parse_args(argv)
    config = replace(run_config(args), net=net_plan(parser, args))
    out = io.StringIO()
    assert run_headless(config, quick, out=out, quit_after_s=args.quit_after) == 0
    events = [json.loads(line) for line in out.getvalue().splitlines()]
    away = [e for e in events if e["condition"] == "Broker away"]
    assert away and away[0]["event"] == "start" and away[0]["priority"] == "low"
    assert away[0]["kind"] == "technical"
    assert (tmp_path / "outbox-mqtt-clinic-chair9.sqlite").exists()  # kept for next time


@pytest.mark.parametrize(
    "argv, message",
    [
        (["--mqtt", "mqtt://127.0.0.1:1"], "need --bed"),
        (["--bed", "chair1"], "need --mqtt or --hl7-mllp"),
        (["--mqtt", "mqtt://user:pw@h", "--bed", "c"], "not in the URL"),
        (["--hl7-mllp", "enginehost", "--bed", "c"], "HOST:PORT"),
    ],
)
def test_bad_network_flags_are_usage_errors(argv, message, capsys):
    with pytest.raises(SystemExit) as exit_info:
        main(["--headless", "--autostart", *argv])
    assert exit_info.value.code == 2
    assert message in capsys.readouterr().err
