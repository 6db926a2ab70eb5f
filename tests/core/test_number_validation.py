"""One rule for every number: finite and in range, or ConfigError naming file, field, reason.

The walk visits every numeric field of every bundled config file (protocols,
drug library, alarm profile, scenarios, artefact rules) and puts nan, inf,
-inf, 1e308, -1 and 0 in it.
"""

from __future__ import annotations

import json
import math
import re
import tomllib
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from ketamon.core.alarm_profile import load_alarm_profile
from ketamon.core.artefact import ArtefactRules, load_artefact_rules, split_artefacts
from ketamon.core.config import ConfigError, check_number, load_toml
from ketamon.core.limits import load_drug_library
from ketamon.core.protocol import load_protocol
from ketamon.core.scenario import load_scenario
from ketamon.core.scores import load_course_settings
from ketamon.core.vitals import Sample, Vital
from ketamon.resources import resources_dir

NEVER_VALID = [math.nan, math.inf, -math.inf, 1e308]
MAYBE_VALID = [-1, 0]


def _toml(value) -> str:
    """A value as inline TOML (enough for the bundled files)."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float) and math.isnan(value):
        return "nan"
    if isinstance(value, float) and math.isinf(value):
        return "inf" if value > 0 else "-inf"
    if isinstance(value, int | float):
        return repr(value)
    if isinstance(value, str):
        return json.dumps(value)
    if isinstance(value, list):
        return "[" + ", ".join(_toml(v) for v in value) + "]"
    return "{" + ", ".join(f"{_key(k)} = {_toml(v)}" for k, v in value.items()) + "}"


def _key(key: str) -> str:
    return key if re.fullmatch(r"[A-Za-z0-9_-]+", key) else json.dumps(key)


def _numbers(node, path=()) -> Iterator[tuple]:
    if isinstance(node, dict):
        for k, v in node.items():
            yield from _numbers(v, (*path, k))
    elif isinstance(node, list):
        for i, v in enumerate(node):
            yield from _numbers(v, (*path, i))
    elif isinstance(node, int | float) and not isinstance(node, bool):
        yield path


def _with(data, path, value):
    copy = json.loads(json.dumps(data))
    node = copy
    for part in path[:-1]:
        node = node[part]
    node[path[-1]] = value
    return copy


CONFIGS: list[tuple[str, Callable[[Path], object]]] = [
    ("protocols/loading.toml", load_protocol),
    ("protocols/loading_maintenance.toml", load_protocol),
    ("drug_library.toml", load_drug_library),
    ("alarm_profiles/default.toml", load_alarm_profile),
    ("artefact_rules.toml", load_artefact_rules),
    ("course.toml", load_course_settings),
    *[(f"scenarios/{p.name}", load_scenario) for p in sorted(resources_dir().glob("scenarios/*"))],
]


@pytest.mark.parametrize(("relative", "loader"), CONFIGS, ids=[c[0] for c in CONFIGS])
def test_every_numeric_field_refuses_non_finite_and_huge(tmp_path, relative, loader):
    data = tomllib.loads((resources_dir() / relative).read_text(encoding="utf-8"))
    fields = list(_numbers(data))
    assert fields, relative
    target = tmp_path / Path(relative).name
    for path in fields:
        for value in NEVER_VALID + MAYBE_VALID:
            changed = _with(data, path, value)
            target.write_text("\n".join(f"{_key(k)} = {_toml(v)}" for k, v in changed.items()))
            try:
                loader(target)
            except ConfigError as exc:
                assert exc.file == str(target) and exc.reason, exc
                if value in NEVER_VALID:  # refused by the one rule, naming this very field
                    named = str(path[-1]) in exc.field or isinstance(path[-1], int)
                    assert named, (path, exc)
                continue
            assert value in MAYBE_VALID, f"{relative} {path} accepted {value}"


@pytest.mark.parametrize(
    ("value", "reason"),
    [
        (math.nan, "finite"),
        (math.inf, "finite"),
        (1e308, "at most"),
        ("abc", "must be a number"),
        (True, "must be a number"),
        (10**400, "far too large"),
        (-1, "at least 0"),
        (2.5, "whole number"),
    ],
)
def test_check_number_reasons(value, reason):
    with pytest.raises(ConfigError, match=reason) as err:
        check_number(value, "f.toml", "seed", 0, 100, line=3, integer=True)
    assert str(err.value).startswith("f.toml, line 3: seed: ")


def test_check_number_accepts_text_from_the_command_line():
    assert check_number(" 70.5 ", "--weight", "weight", 0, 300) == 70.5


def test_toml_nested_3000_deep_is_a_config_error(tmp_path):
    path = tmp_path / "deep.toml"
    path.write_text("x = " + "[" * 3000 + "]" * 3000)
    with pytest.raises(ConfigError, match="nested too deeply"):
        load_toml(path)


@pytest.mark.parametrize(
    ("sbp", "dbp", "mean", "why"),
    [
        (151, 127, None, "DBP/SBP"),
        (86, 22, None, "DBP/SBP"),
        (120, 80, 150, "MAP 150 not between"),
        (120, 115, None, "pulse pressure"),
        (80, 100, None, "pulse pressure"),
    ],
)
def test_artefact_readings_are_rejected_whole(sbp, dbp, mean, why):
    parts = [Sample(5.0, Vital.SBP, sbp), Sample(5.0, Vital.DBP, dbp)]
    parts += [] if mean is None else [Sample(5.0, Vital.MAP, mean)]
    kept, rejected = split_artefacts(ArtefactRules(), [Sample(5.0, Vital.HR, 70.0), *parts])
    assert kept == [Sample(5.0, Vital.HR, 70.0)]
    assert len(rejected) == 1 and why in rejected[0].reason
    assert rejected[0].values["sbp"] == sbp


def test_plausible_readings_and_hr_limits():
    reading = [Sample(1.0, Vital.SBP, 120), Sample(1.0, Vital.DBP, 80), Sample(1.0, Vital.MAP, 93)]
    kept, rejected = split_artefacts(ArtefactRules(), [*reading, Sample(1.0, Vital.HR, 277)])
    assert kept == reading
    assert [r.values for r in rejected] == [{"hr": 277}]


def test_a_session_never_takes_an_artefact_as_baseline_or_vital(library, loading_protocol):
    from ketamon.core.dosing import Patient, make_plan
    from ketamon.core.session import Session
    from ketamon.core.vitals import NibpReading

    session = Session(library, simulated=False)
    session.configure(make_plan(loading_protocol, Patient(70.0), 1.0), [], 0.0)
    session.ingest(NibpReading(10.0, 86, 22, 43).samples())  # artefact
    session.advance_to(300.0)
    session.ingest(NibpReading(300.0, 151, 127, 135).samples())  # artefact
    assert session.baseline is None and Vital.SBP not in session.latest
    assert session.rejected_readings == 2
    assert [e.kind for e in session.events].count("artefact.rejected") == 2
    session.ingest(NibpReading(310.0, 120, 80, 93).samples())
    session.advance_to(610.0)
    session.ingest(NibpReading(610.0, 124, 82, 96).samples())
    assert session.baseline is not None and session.baseline.sbp_mmhg == pytest.approx(122)
