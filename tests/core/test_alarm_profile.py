import pytest

from ketamon.core.alarm_profile import Priority, load_alarm_profile
from ketamon.core.config import ConfigError
from ketamon.core.vitals import Vital
from ketamon.resources import alarm_profiles_dir

DEFAULT = (alarm_profiles_dir() / "default.toml").read_text()


def test_default_profile_has_the_clinical_table():
    profile = load_alarm_profile(alarm_profiles_dir() / "default.toml")
    by_id = {r.id: r for r in profile.rules}
    severe = by_id["bp_severe"]
    assert severe.priority is Priority.HIGH and severe.latching and severe.delay_s == 0
    assert [(c.vital, c.op, c.limit) for c in severe.criteria] == [
        (Vital.SBP, ">=", 180),
        (Vital.DBP, ">=", 110),
    ]
    assert [(c.op, c.limit) for c in by_id["bp_rise"].criteria] == [("rise", 40), ("rise", 25)]
    assert (by_id["hr_very_high"].delay_s, by_id["hr_high"].delay_s) == (10, 15)
    assert by_id["spo2_low"].criteria[0].op == "<"
    assert not by_id["hr_high"].latching
    assert profile.audio_pause_s == 120
    assert profile.technical.no_data_s == 10
    assert profile.technical.nibp_overdue_s == 120
    assert profile.technical.latching is False


@pytest.mark.parametrize(
    ("old", "new", "field", "reason"),
    [
        ('priority = "high"', 'priority = "urgent"', "rules[0].priority", "must be one of"),
        ("limit = 180", "limit = 1800", "rules[0].criteria[0].limit", "impossible for SBP"),
        ('op = ">="', 'op = "=>"', "rules[0].criteria[0].op", "must be one of"),
        ("limit = 40 }", "limit = -40 }", "rules[1].criteria[0].limit", "greater than 0"),
        ("delay_s = 10", "delay_sec = 10", "delay_sec", "unknown field"),
        ('vital = "sbp"', 'vital = "bp"', "rules[0].criteria[0].vital", "must be one of"),
        ("audio_pause_s = 120", "audio_pause_s = 3600", "audio_pause_s", "at most 300"),
    ],
)
def test_broken_profile_is_refused_naming_file_field_and_reason(tmp_path, old, new, field, reason):
    assert old in DEFAULT
    path = tmp_path / "clinic.toml"
    path.write_text(DEFAULT.replace(old, new, 1))
    with pytest.raises(ConfigError) as err:
        load_alarm_profile(path)
    message = str(err.value)
    assert "clinic.toml" in message
    assert field in message
    assert reason in message


def test_bad_toml_is_refused_with_its_line(tmp_path):
    path = tmp_path / "bad.toml"
    path.write_text(DEFAULT.replace('name = "Default ketamine profile"', "name = "))
    with pytest.raises(ConfigError, match=r"bad.toml, line \d+: not valid TOML"):
        load_alarm_profile(path)


def test_mixed_nibp_and_continuous_rule_is_refused(tmp_path):
    path = tmp_path / "mixed.toml"
    path.write_text(
        DEFAULT.replace(
            '{ vital = "dbp", op = ">=", limit = 110 }', '{ vital = "hr", op = ">=", limit = 150 }'
        )
    )
    with pytest.raises(ConfigError, match="mix NIBP and continuous"):
        load_alarm_profile(path)
