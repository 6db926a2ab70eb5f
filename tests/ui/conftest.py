"""UI fixtures: a window on a simulated session whose clock the test moves by hand."""

from __future__ import annotations

import pytest
from PySide6.QtCore import QStandardPaths

from ketamon.core.alarm_profile import load_alarm_profile
from ketamon.core.simulation import simulated_session
from ketamon.resources import alarm_profiles_dir
from ketamon.ui.clock import SessionClock
from ketamon.ui.main_window import MainWindow
from ketamon.ui.session_model import SessionModel
from ketamon.ui.theme import apply_theme


@pytest.fixture(autouse=True, scope="session")
def qt_test_settings():
    """QSettings go to a throw-away location, never the user's real settings."""
    QStandardPaths.setTestModeEnabled(True)
    yield


@pytest.fixture(scope="session")
def alarm_profile():
    return load_alarm_profile(alarm_profiles_dir() / "default.toml")


@pytest.fixture
def make_model(library, alarm_profile):
    def factory() -> SessionModel:
        session = simulated_session(library, seed=3, alarm_profile=alarm_profile)
        return SessionModel(session, SessionClock(session, speed=1.0))

    return factory


@pytest.fixture
def window(qtbot, qapp, make_model, protocols, library):
    apply_theme(qapp)
    ordered = sorted(protocols.values(), key=lambda p: not p.default)
    win = MainWindow(make_model, ordered, library, "Source: simulator (seed 3)")
    win.force_close = True
    qtbot.addWidget(win)
    win.resize(1600, 900)
    win.show()
    yield win
    win.model.close()
