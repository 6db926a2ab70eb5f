import pytest

from ketamon.core.simulation import simulated_session
from ketamon.ui.clock import SessionClock


@pytest.fixture
def session(library):
    return simulated_session(library, seed=1)


def test_commands_before_the_clock_starts_use_the_session_time(session):
    clock = SessionClock(session)
    session.advance_to(300.0)  # e.g. the demo's baseline, taken before the clock starts
    assert clock.now_s() == 300.0


def test_session_time_runs_at_speed(qtbot, session):
    clock = SessionClock(session, speed=100.0, tick_ms=20)
    clock.start()
    qtbot.waitUntil(lambda: session.t_s >= 20.0, timeout=3000)  # 20 s of session in ~0.2 s
    clock.stop()
    assert clock.now_s() >= session.t_s


def test_speed_change_keeps_time_continuous(qtbot, session):
    clock = SessionClock(session, speed=50.0, tick_ms=20)
    clock.start()
    qtbot.waitUntil(lambda: session.t_s >= 5.0, timeout=3000)
    before = clock.now_s()
    clock.set_speed(1.0)
    after = clock.now_s()
    clock.stop()
    assert 0 <= after - before < 1.0


def test_fast_forward_moves_the_session_and_announces_it(qtbot, session):
    clock = SessionClock(session)
    with qtbot.waitSignal(clock.advanced, timeout=1000) as signal:
        clock.fast_forward(600.0)
    assert signal.args == [600.0]
    assert session.t_s == 600.0
