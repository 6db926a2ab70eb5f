import pytest

from ketamon.core.config import ConfigError
from ketamon.core.limits import load_drug_library
from ketamon.core.protocol import DoseBasis, load_protocol, load_protocols
from ketamon.resources import protocols_dir

GOOD = """
id = "x"
name = "X"
drug = "ketamine"
[[segments]]
name = "Loading"
role = "loading"
dose_mg_per_kg = 0.5
duration_min = 40
[observation]
duration_min = 60
"""


def test_bundled_protocols_load_default_first():
    protocols = load_protocols(protocols_dir())
    assert [p.id for p in protocols][0] == "ketamine-loading"
    assert protocols[0].default
    maintenance = next(p for p in protocols if p.id == "ketamine-loading-maintenance")
    assert maintenance.segments[1].basis is DoseBasis.MG_PER_KG_PER_H
    assert maintenance.segments[1].duration_adjustable
    assert maintenance.segments[1].max_duration_min == 360
    # Esketamine's label asks for 2 h of observation (CLINICAL.md §2, §9).
    two_hours = next(p for p in protocols if p.id == "ketamine-loading-2h-observation")
    assert two_hours.observation_min == 120
    assert [(s.basis, s.dose, s.duration_min) for s in two_hours.segments] == [
        (DoseBasis.MG_PER_KG, 0.5, 40)
    ]


def test_a_new_protocol_needs_no_code(tmp_path):
    path = tmp_path / "fixed.toml"
    path.write_text(GOOD.replace("dose_mg_per_kg = 0.5", "dose_mg = 28"))
    protocol = load_protocol(path)
    assert protocol.segments[0].basis is DoseBasis.MG
    assert protocol.nibp.infusion_interval_min == 10


@pytest.mark.parametrize(
    ("change", "field", "reason"),
    [
        (("duration_min = 40", "duration_min = -40"), "segments[0].duration_min", "greater than 0"),
        (("dose_mg_per_kg = 0.5", "dose_mg_per_kg = 'half'"), "dose_mg_per_kg", "number"),
        (("dose_mg_per_kg = 0.5", "dose_mg_per_kg = 0.5\ndose_mg = 3"), "dose", "exactly one"),
        (('role = "loading"', 'role = "loading"\nrat = 3'), "segments[0].rat", "unknown field"),
        (('name = "X"\n', ""), "name", "is required"),
    ],
)
def test_broken_protocol_is_refused_naming_file_field_and_reason(tmp_path, change, field, reason):
    path = tmp_path / "broken.toml"
    path.write_text(GOOD.replace(*change))
    with pytest.raises(ConfigError) as err:
        load_protocol(path)
    message = str(err.value)
    assert "broken.toml" in message
    assert field in message
    assert reason in message


def test_bad_toml_syntax_names_the_line(tmp_path):
    path = tmp_path / "syntax.toml"
    path.write_text('id = "x"\nname = \n')
    with pytest.raises(ConfigError) as err:
        load_protocol(path)
    assert err.value.line == 2
    assert "syntax.toml, line 2" in str(err.value)


def test_field_errors_carry_a_line_number(tmp_path):
    path = tmp_path / "line.toml"
    path.write_text(GOOD.replace("duration_min = 40", "duration_min = 0"))
    with pytest.raises(ConfigError) as err:
        load_protocol(path)
    assert err.value.line == GOOD.splitlines().index("duration_min = 40") + 1


def test_drug_library_refuses_soft_outside_hard(tmp_path):
    path = tmp_path / "lib.toml"
    path.write_text(
        'drug = "k"\n[weight_kg]\nsoft_max = 300\nhard_max = 250\n'
        "[concentration_mg_per_ml]\nhard_max = 10\n[roles.loading.mg_per_kg]\nhard_max = 1\n"
    )
    with pytest.raises(ConfigError, match="weight_kg.soft_max: lies outside the hard limits"):
        load_drug_library(path)


def test_missing_directory_is_refused(tmp_path):
    with pytest.raises(ConfigError, match="no protocol files"):
        load_protocols(tmp_path)
