"""Issue 13's clinical workflow through the real headless runner: pump hand-offs and discharge."""

import io
import json
from pathlib import Path

import pytest

from ketamon.cli import main, run_config
from ketamon.cli_args import build_parser
from ketamon.core.config import ConfigError
from ketamon.core.scenario import load_scenario
from ketamon.headless import run_headless
from ketamon.io.actions import load_actions
from ketamon.io.recording import Recording
from ketamon.io.run_config import RunConfig, SourceKind, with_chosen_protocol
from ketamon.resources import resources_dir

LOADING_END_S = 300.0 + 40 * 60  # baseline 5 min, then 40 min loading
CHECKLIST = '["Dissociation resolved", "Able to walk", "Escort present"]'


def run(resources, argv, actions_text: str | None = None, tmp_path: Path | None = None):
    config = run_config(build_parser().parse_args(argv))
    resources = with_chosen_protocol(config, resources)
    actions = []
    if actions_text is not None:
        script = tmp_path / "actions.toml"
        script.write_text(actions_text)
        actions = load_actions(script)
    out = io.StringIO()
    assert run_headless(config, resources, out=out, actions=actions) == 0
    return [json.loads(line) for line in out.getvalue().splitlines()]


MAINTENANCE = ["--headless", "--speed", "max", "--autostart", "--seed", "3"]
MAINTENANCE += ["--infusion-protocol", "ketamine-loading-maintenance"]


def test_an_unconfirmed_pump_change_alarms_60_s_after_the_end_of_loading(resources, tmp_path):
    events = run(resources, [*MAINTENANCE, "--data-dir", str(tmp_path)])
    pump = [e for e in events if e["alarm_id"] == "pump_change" and e["event"] == "start"]
    assert pump[0]["t_s"] == LOADING_END_S + 60
    assert pump[0]["priority"] == "medium" and pump[0]["kind"] == "technical"
    assert pump[0]["condition"] == "PUMP CHANGE NOT CONFIRMED"
    assert "14.0 mL/h" in pump[0]["detail"]
    escalated = [e for e in events if e["alarm_id"] == "pump_change" and e["event"] == "escalated"]
    assert escalated[0]["t_s"] == LOADING_END_S + 60 + 300  # like other medium alarms
    # The record says the change was never confirmed.
    (path,) = tmp_path.glob("*.ketamon")
    kinds = [e.kind for e in Recording(path).events()]
    assert "pump.handoff" in kinds and "pump.confirmed" not in kinds


def test_confirmed_pump_changes_raise_no_alarm_and_are_recorded(resources, tmp_path):
    actions = (
        f'[[action]]\nt_s = {LOADING_END_S}\ncommand = "confirm_pump"\n\n'
        f'[[action]]\nt_s = {LOADING_END_S + 3600 + 30}\ncommand = "confirm_pump"\n'
    )
    events = run(resources, [*MAINTENANCE, "--data-dir", str(tmp_path)], actions, tmp_path)
    assert not [e for e in events if e["alarm_id"] == "pump_change"]
    assert not [e for e in events if e["event"] == "refused"]
    (path,) = tmp_path.glob("*.ketamon")
    confirmed = [e for e in Recording(path).events() if e.kind == "pump.confirmed"]
    assert [(e.t_s, e.data["stop"]) for e in confirmed] == [
        (LOADING_END_S, False),
        (LOADING_END_S + 3630, True),
    ]


def test_a_protocol_file_and_a_bad_protocol_on_the_command_line(resources, tmp_path, caplog):
    source = (resources_dir() / "protocols" / "loading_maintenance.toml").read_text()
    mine = tmp_path / "mine.toml"
    mine.write_text(source.replace('id = "ketamine-loading-maintenance"', 'id = "clinic-x"'))
    config = run_config(build_parser().parse_args(["--infusion-protocol", str(mine)]))
    assert config.protocol_file == mine and config.protocol_id is None
    assert with_chosen_protocol(config, resources).protocols[0].id == "clinic-x"
    with pytest.raises(ConfigError, match="no protocol 'nope'"):
        with_chosen_protocol(RunConfig(protocol_id="nope"), resources)
    assert main(["--headless", "--autostart", "--infusion-protocol", "nope"]) == 2
    assert "no protocol 'nope' (one of ketamine-loading" in caplog.text


def scenario_events(resources, tmp_path, scenario_text: str, actions_text: str):
    path = tmp_path / "scenario.toml"
    path.write_text(scenario_text)
    config = RunConfig(
        SourceKind.SCENARIO, scenario=load_scenario(path), speed=None, data_dir=tmp_path
    )
    script = tmp_path / "actions.toml"
    script.write_text(actions_text)
    out = io.StringIO()
    assert run_headless(config, resources, out=out, actions=load_actions(script)) == 0
    return [json.loads(line) for line in out.getvalue().splitlines()]


def scenario(events: str) -> str:
    return (
        'id = "t"\nname = "t"\ndescription = "t"\nseed = 4\nexpected_alarms = []\n'
        "[patient]\nhr_bpm = 70\n" + events
    )


CALM_NURSE = (
    f'[[action]]\nt_s = {LOADING_END_S}\ncommand = "confirm_pump"\n\n'
    '[[action]]\nt_s = 6500\ncommand = "moaas"\nscore = 5\n\n'
)


def discharge_at(t_s: float) -> str:
    return f'[[action]]\nt_s = {t_s}\ncommand = "discharge"\nchecklist = {CHECKLIST}\n\n'


def refusals(events):
    return [e for e in events if e["event"] == "refused" and e["command"] == "discharge"]


def test_discharge_refused_during_an_active_bp_alarm(resources, tmp_path):
    late_rise = '[[events]]\nname = "BP up"\nat_min = 95\nvital = "sbp"\nchange = 60\n'
    late_rise += "ramp_min = 1\nduration_min = 60\n"
    events = scenario_events(
        resources, tmp_path, scenario(late_rise), CALM_NURSE + discharge_at(6700)
    )
    assert any(e["event"] == "start" and e["alarm_id"] == "bp_high" for e in events)
    (refused,) = refusals(events)
    assert "Alarm active or unacknowledged: BP" in refused["reason"]
    assert "SBP" in refused["reason"] and "outside 20%" in refused["reason"]


def test_discharge_refused_with_hr_30_over_baseline_then_accepted(resources, tmp_path):
    hr_up = '[[events]]\nname = "HR up"\nat_min = 97\nvital = "hr"\nchange = 30\n'
    hr_up += "ramp_min = 1\nduration_min = 15\n"
    nurse = CALM_NURSE + discharge_at(6700) + discharge_at(7600)
    events = scenario_events(resources, tmp_path, scenario(hr_up), nurse)
    (refused,) = refusals(events)
    assert refused["t_s"] == 6700
    assert "HR 1" in refused["reason"] and "outside 20%" in refused["reason"]
    # Accepted once HR is back and a fresh BP is in: recorded as a discharge.
    (path,) = tmp_path.glob("*.ketamon")
    discharged = [e for e in Recording(path).events() if e.kind == "infusion.discharged"]
    assert [e.t_s for e in discharged] == [7600]


def test_discharge_refused_without_a_fresh_bp(resources, tmp_path):
    cuff = '[[events]]\nname = "Cuff fails"\nat_min = 60\nequipment = "cuff_failure"\n'
    cuff += "duration_min = 120\n"
    nurse = CALM_NURSE + '[[action]]\nt_s = 6000\ncommand = "acknowledge"\n\n'
    nurse += discharge_at(7000)
    nurse += (
        '[[action]]\nt_s = 7100\ncommand = "discharge"\n'
        f'checklist = {CHECKLIST}\nearly_reason = "cuff broken, BP checked manually 118/74"\n'
    )
    events = scenario_events(resources, tmp_path, scenario(cuff), nurse)
    (refused,) = refusals(events)
    assert "take a new one" in refused["reason"]
    (path,) = tmp_path.glob("*.ketamon")
    early = [e for e in Recording(path).events() if e.kind == "discharge.early"]
    assert [e.message for e in early] == ["cuff broken, BP checked manually 118/74"]
    assert any("take a new one" in text for text in early[0].data["unmet"])


def test_the_session_record_states_what_the_clinic_files(resources, tmp_path):
    """CLINICAL.md §11: BP before, ~40 min and before leaving; times; sedation, dissociation,
    respiratory events; every pump change with its confirmation; volume infused."""
    from ketamon.core.scenario import load_scenarios
    from ketamon.resources import scenarios_dir
    from ketamon.review import format_text, review_recording

    config = RunConfig(
        SourceKind.SCENARIO,
        scenario=load_scenarios(scenarios_dir())["uneventful"],
        speed=None,
        data_dir=tmp_path,
    )
    actions = load_actions(resources_dir() / "actions" / "uneventful.toml")
    assert run_headless(config, resources, out=io.StringIO(), actions=actions) == 0
    (path,) = tmp_path.glob("*.ketamon")
    summary = review_recording(path, resources)
    r = summary["clinic_record"]
    assert r["bp_before_infusion"]["t_s"] == 300.0
    assert r["bp_at_40_min"]["t_s"] == 300.0 + 40 * 60
    assert r["bp_before_discharge"]["t_s"] <= 7000.0
    assert r["monitoring_s"] == 7000.0 and r["discharged_s"] == 7000.0
    assert r["ready_to_leave_s"] == 300.0 + 40 * 60 + 60 * 60
    assert r["sedation"] == {"moaas": [{"t_s": 6900.0, "score": 5}], "occurred": False}
    assert r["dissociation"]["occurred"] is True  # CADSS-6 6/24 at 20 min
    assert r["respiratory_events"] == []
    assert r["volume_infused_ml"] == summary["delivered_mg"] == 36.0  # 72 kg at 1 mg/mL
    (pump,) = r["pump_changes"]
    assert pump["instruction"] == "Infusion complete: stop the pump"
    assert pump["confirmed_s"] == 2700.0
    text = format_text(summary)
    assert "BP about 40 min after:" in text
    assert "Pump change 45:00: Infusion complete: stop the pump (confirmed 45:00)" in text
