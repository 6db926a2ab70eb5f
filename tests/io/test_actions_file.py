"""The actions file: each way a table can be wrong names file, line, field and reason;
every command applies through the session's own method."""

import pytest

from ketamon.io.actions import Action, ActionsError, apply_action, load_actions
from ketamon.io.run_config import RunConfig, autostart, make_session

HEAD = '[[action]]\nt_s = 100\ncommand = "{}"\n'


@pytest.mark.parametrize(
    ("text", "where"),
    [
        ('title = "x"\n', "unknown table or key 'title' (only [[action]])"),
        ("action = 3\n", "'action' must be [[action]] tables"),
        ("action = [1]\n", ":1: [[action]] #1, field 'action': must be a table"),
        ("[[action]]\nt_s = 1\n", ":1: [[action]] #1, field 'command': missing"),
        ('[[action]]\nt_s = true\ncommand = "resume"\n', ":2: [[action]] #1, field 't_s': must be"),
        ('[[action]]\nt_s = nan\ncommand = "resume"\n', "field 't_s': must be finite"),
        (
            HEAD.format("pause") + "reason = 5\n",
            ":4: [[action]] #1, field 'reason': must be a text",
        ),
        (HEAD.format("pause") + 'reason = "  "\n', "field 'reason': must not be empty"),
        (HEAD.format("enter_bp") + "sbp = 120\ndbp = inf\n", "field 'dbp': must be finite"),
        (
            HEAD.format("enter_bp") + "sbp = 120\ndbp = 80\nmeasured_at_s = 200\n",
            ":6: [[action]] #1, field 'measured_at_s': must be a session time at or before",
        ),
        (HEAD.format("moaas") + "score = 7\n", "field 'score': must be a whole number 0-5"),
        (HEAD.format("moaas") + "score = 2.0\n", "field 'score': must be a whole number 0-5"),
        (HEAD.format("annotate") + 'kind = "note"\ntext = true\n', "field 'text': must be"),
        (HEAD.format("resume") + "reason = 'x'\n", "field 'reason': 'resume' takes no fields"),
    ],
)
def test_a_broken_table_is_refused_with_where_and_why(tmp_path, text, where):
    script = tmp_path / "actions.toml"
    script.write_text(text)
    with pytest.raises(ActionsError) as caught:
        load_actions(script)
    assert str(caught.value).startswith(str(script))
    assert where in str(caught.value)


def test_an_unreadable_file_is_refused(tmp_path):
    binary = tmp_path / "actions.toml"
    binary.write_bytes(b"\xff\xfe\x00garbage")
    with pytest.raises(ActionsError, match="actions.toml: cannot read"):
        load_actions(binary)
    with pytest.raises(ActionsError, match="missing.toml: cannot read"):
        load_actions(tmp_path / "missing.toml")


def test_actions_come_back_in_time_order_with_typed_arguments(tmp_path):
    script = tmp_path / "actions.toml"
    script.write_text(
        '[[action]]\nt_s = 50\ncommand = "score"\nscale = "phq9"\nvalue = 12\n'
        '[[action]]\nt_s = 10\ncommand = "enter_baseline"\nsbp = 120\ndbp = 80\nhr = 70\n'
    )
    assert load_actions(script) == [
        Action(10.0, "enter_baseline", {"sbp": 120.0, "dbp": 80.0, "hr": 70.0}),
        Action(50.0, "score", {"scale": "phq9", "value": 12.0}),
    ]


def test_baseline_and_score_go_through_the_session_as_commands(resources):
    session = make_session(RunConfig(), resources)
    session.advance_to(1.0)
    apply_action(session, Action(1.0, "enter_baseline", {"sbp": 118.0, "dbp": 76.0, "hr": 64.0}))
    assert (session.baseline.sbp_mmhg, session.baseline.hr_bpm) == (118.0, 64.0)
    autostart(session, RunConfig(), resources)
    t = session.t_s
    apply_action(session, Action(t, "score", {"scale": "phq9", "value": 12.0}))
    kinds = [e.kind for e in session.events]
    assert "command.enter_baseline" in kinds and "command.score" in kinds
    with pytest.raises(ValueError, match="unknown command 'dance'"):
        apply_action(session, Action(t, "dance", {}))
    assert not any("dance" in e.kind for e in session.events)
