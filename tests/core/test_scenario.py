import io
import json
from dataclasses import replace

import pytest

from ketamon.cli import main, run_config
from ketamon.cli_args import build_parser
from ketamon.core.config import ConfigError
from ketamon.core.scenario import find_scenario, load_scenario, load_scenarios
from ketamon.core.simulation import autostart_demo, scenario_session
from ketamon.core.vitals import Vital
from ketamon.headless import run_headless
from ketamon.io.actions import load_actions
from ketamon.io.run_config import SourceKind
from ketamon.resources import resources_dir, scenarios_dir
from ketamon.resources_loading import load_clinical_resources

SCENARIOS = load_scenarios(scenarios_dir())


@pytest.fixture(scope="module")
def resources():
    return load_clinical_resources()


def test_the_clinical_training_cases_are_bundled():
    # CLINICAL.md §7: uneventful; hypertensive responder; tachycardia; desaturation; vasovagal;
    # cuff failure / probe off / cable unplugged; artefact; nausea with vomiting.
    assert set(SCENARIOS) >= {
        "uneventful",
        "hypertensive-responder",
        "tachycardia",
        "desaturation",
        "vasovagal",
        "cuff-failure",
        "probe-off",
        "cable-unplugged",
        "artefact",
        "nausea-vomiting",
    }


@pytest.mark.parametrize("scenario_id", sorted(SCENARIOS))
def test_each_scenario_raises_exactly_its_expected_alarms(scenario_id, resources, tmp_path):
    """With its bundled trainee (resources/actions), who confirms each pump change."""
    args = build_parser().parse_args(
        ["--headless", "--speed", "max", "--autostart", "--data-dir", str(tmp_path)]
    )
    config = replace(run_config(args), source=SourceKind.SCENARIO, scenario=SCENARIOS[scenario_id])
    out = io.StringIO()
    actions = load_actions(resources_dir() / "actions" / f"{scenario_id}.toml")
    assert run_headless(config, resources, out=out, actions=actions) == 0
    events = [json.loads(line) for line in out.getvalue().splitlines()]
    raised = {e["alarm_id"] for e in events if e["event"] == "start"}
    assert raised == set(SCENARIOS[scenario_id].expected_alarms)


def test_scenario_command_line(capsys, tmp_path):
    argv = ["--headless", "--speed", "max", "--autostart", "--scenario", "tachycardia"]
    assert main([*argv, "--data-dir", str(tmp_path)]) == 0
    lines = [json.loads(line) for line in capsys.readouterr().out.splitlines()]
    assert any(e["event"] == "start" and e["alarm_id"] == "hr_high" for e in lines)
    (recording,) = tmp_path.glob("*_SIM.ketamon")  # recorded, and flagged simulated


def test_instructor_override_reaches_numerics_and_alarms_within_one_sample(resources):
    session = scenario_session(resources.library, SCENARIOS["uneventful"], resources.alarm_profile)
    autostart_demo(session, resources.protocols[0], 70.0)
    session.advance_to(session.t_s + 60)
    before = session.latest[Vital.HR].value
    session.source.instructor.offsets[Vital.HR] = 70.0
    t0 = session.t_s
    session.advance_to(t0 + 1.0)  # one sample later
    first = session.latest[Vital.HR]
    assert first.t_s == t0 + 1.0
    assert first.value >= before + 55
    session.advance_to(t0 + 11.0)
    starts = [e for e in session.events if e.kind == "alarm.start" and e.t_s > t0]
    assert starts and starts[0].data["alarm_id"] == "hr_high"
    # HR >= 120 needs 10 s: the engine counted from the very first sample after the override.
    assert starts[-1].t_s <= first.t_s + 10.0 + 1e-9


@pytest.mark.parametrize(
    ("old", "new", "field"),
    [
        ("change = 50", "change = 'fifty'", "events[0].change"),
        ('vital = "hr"', 'vital = "pulse"', "events[0].vital"),
        ("at_min = 15", "at_minute = 15", "events[0].at_min"),
        ("hr_bpm = 82", "hr_bpm = 900", "patient.hr_bpm"),
    ],
)
def test_a_broken_scenario_names_file_line_and_field(tmp_path, old, new, field):
    text = (scenarios_dir() / "tachycardia.toml").read_text()
    assert old in text
    path = tmp_path / "mine.toml"
    path.write_text(text.replace(old, new))
    with pytest.raises(ConfigError) as err:
        load_scenario(path)
    assert "mine.toml" in str(err.value)
    assert field in str(err.value)
    assert err.value.line is not None and f"line {err.value.line}" in str(err.value)


def test_unknown_scenario_lists_the_bundled_ones():
    with pytest.raises(ConfigError, match="no such scenario .bundled: artefact"):
        find_scenario("zombie", scenarios_dir())
