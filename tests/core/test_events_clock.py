"""The time of day on an alarm line: start of the session + session time, ISO-8601 local."""

from datetime import datetime

from ketamon.core.alarm_profile import AlarmKind, Priority
from ketamon.core.alarm_types import AlarmEvent
from ketamon.core.events import AlarmAction, alarm_line, clock_text

START_WALL_S = 1_796_133_787.25  # 2026-12-01 14:03:07.25 UTC


def hr_high(t_s: float) -> AlarmEvent:
    return AlarmEvent(
        t_s=t_s,
        action=AlarmAction.START,
        alarm_id="hr_high",
        priority=Priority.HIGH,
        kind=AlarmKind.PHYSIOLOGICAL,
        condition="HR very high",
        value=131.0,
        limit=120.0,
    )


def test_the_clock_is_the_start_plus_session_time_in_local_time_with_its_offset():
    line = alarm_line(hr_high(3600.5), START_WALL_S)
    assert list(line)[:3] == ["t_s", "clock", "event"]  # read left to right: when, then what
    when = datetime.fromisoformat(line["clock"])
    assert when.utcoffset() is not None  # the offset says which local time it is
    assert when.timestamp() == 1_796_137_387.0  # 15:03:07 UTC, to the second
    assert line["clock"] == clock_text(START_WALL_S + 3600.5)


def test_without_a_known_start_a_line_has_session_time_only():
    line = alarm_line(hr_high(12.0))
    assert "clock" not in line and line["t_s"] == 12.0
