"""The debrief timeline: every alarm says what answered it; rises in priority are listed."""

from ketamon.core.alarm_profile import AlarmKind, Priority
from ketamon.core.alarm_types import AlarmEvent
from ketamon.core.debrief import debrief_rows
from ketamon.core.events import encode_alarm, encode_command


def alarm(t_s, action, priority, condition="BP high"):
    return encode_alarm(
        AlarmEvent(t_s, action, "bp_high", priority, AlarmKind.PHYSIOLOGICAL, condition)
    )


def test_a_rise_in_priority_is_listed_and_the_acknowledge_answers_it():
    events = [
        alarm(10, "start", Priority.MEDIUM),
        alarm(70, "change", Priority.HIGH, "BP very high"),
        encode_command(100, "acknowledge", {}),
    ]
    rows = debrief_rows(events)
    texts = [r.text for r in rows]
    assert "medium alarm: BP high" in texts
    assert "raised to high alarm: BP very high (worse)" in texts
    assert rows[0].response == "Acknowledged after 90 s"
    assert rows[1].response == "Acknowledged after 30 s"
    assert rows[2].kind == "action" and rows[2].response_s == 30


def test_an_alarm_nobody_answered_says_so():
    rows = debrief_rows([alarm(10, "start", Priority.HIGH)])
    assert rows[0].response == "not answered"
    rows = debrief_rows([alarm(10, "start", Priority.HIGH), alarm(40, "end", Priority.HIGH)])
    assert rows[0].response == "ended by itself after 30 s"
