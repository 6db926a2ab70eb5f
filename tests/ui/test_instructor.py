"""The instructor panel and the debrief, driven as a trainer does."""

import pytest

from ketamon.core.scenario import load_scenarios
from ketamon.core.simulation import autostart_demo
from ketamon.core.vitals import Vital
from ketamon.io.run_config import RunConfig, SourceKind
from ketamon.resources import scenarios_dir
from ketamon.resources_loading import load_clinical_resources
from ketamon.ui.instructor import DebriefDialog, write_debrief_pdf
from ketamon.ui.main_window import MainWindow
from ketamon.ui.sources import Sources


@pytest.fixture(scope="module")
def resources():
    return load_clinical_resources()


@pytest.fixture
def open_training(qtbot, resources, tmp_path):
    """A window on a scenario session, set up and started; returns (window, panel)."""
    windows = []

    def opener(scenario_id):
        scenario = load_scenarios(scenarios_dir())[scenario_id]
        config = RunConfig(SourceKind.SCENARIO, scenario=scenario, data_dir=tmp_path)
        sources = Sources(resources, config)
        win = MainWindow(
            sources.new_model, resources.protocols, resources.library, sources.label(), sources
        )
        win.force_close = True
        qtbot.addWidget(win)
        qtbot.addWidget(win.instructor)
        autostart_demo(win.model.session, resources.protocols[0], scenario.patient.weight_kg)
        win.model.refresh()
        windows.append(win)
        return win, win.instructor

    yield opener
    for win in windows:
        win.model.close()


@pytest.fixture
def training(open_training):
    return open_training("uneventful")


def advance(win, seconds):
    win.model.clock.fast_forward(win.model.session.t_s + seconds)


def test_panel_opens_in_its_own_window_for_a_scenario(training):
    win, panel = training
    assert panel is not None and panel.isWindow() and panel.isVisible()
    assert "Uneventful session" in panel.windowTitle()
    assert "SIMULATION" in win.windowTitle()


def test_override_reaches_the_numerics_and_the_alarms(qtbot, training):
    win, panel = training
    advance(win, 30)
    before = float(win.dashboard.numerics.tiles[Vital.HR].value.text())
    panel.offsets[Vital.HR].setValue(60)
    advance(win, 1)  # one sample
    after = float(win.dashboard.numerics.tiles[Vital.HR].value.text())
    assert after >= before + 50
    advance(win, 11)
    assert win.dashboard.alarm_banner.text.text().startswith("*** HR VERY HIGH")
    overrides = [e for e in win.model.session.events if e.kind == "command.instructor"]
    assert [e.data["kind"] for e in overrides] == ["override"]


def test_one_tap_fault_and_scheduled_events(qtbot, training):
    win, panel = training
    panel.fault_buttons["probe_off"].setChecked(True)
    advance(win, 12)
    assert "INOP" in win.dashboard.alarm_banner.text.text()
    panel.fault_buttons["probe_off"].setChecked(False)
    advance(win, 2)
    assert win.dashboard.numerics.tiles[Vital.SPO2].value.text().isdigit()


def test_scenario_countdown_pause_and_fast_forward(qtbot, open_training):
    win, panel = open_training("tachycardia")
    assert [panel.schedule.item(0, c).text() for c in (0, 2)] == ["HR climbs", "in 15:00"]
    panel.forward_button.click()
    assert panel.schedule.item(0, 2).text() == "in 10:00"
    win.model.clock.start()
    panel.pause_button.click()
    assert panel.pause_button.text() == "Resume time"
    frozen = win.model.clock.now_s()
    qtbot.wait(200)
    assert win.model.clock.now_s() == frozen
    panel.pause_button.click()
    assert panel.pause_button.text() == "Pause time"


def test_debrief_shows_alarms_actions_and_response_times(qtbot, training, tmp_path):
    win, panel = training
    panel.offsets[Vital.HR].setValue(60)
    advance(win, 20)
    start = next(e for e in win.model.session.events if e.kind == "alarm.start")
    advance(win, 7)
    win.actions.request_acknowledge()
    panel.note.setText("Trainee checked the patient")
    panel.note.returnPressed.emit()
    panel.open_debrief()
    debrief = panel.debrief
    assert isinstance(debrief, DebriefDialog)
    rows = debrief.table_text()
    ack = next(r for r in rows if r[2].startswith("Acknowledged"))
    assert ack[3].startswith(f"{win.model.session.t_s - start.t_s:.0f} s (answered: ")
    alarm_row = next(r for r in rows if r[1] == "alarm")
    assert alarm_row[3].startswith("Acknowledged after")  # the alarm says what answered it
    assert ":" in alarm_row[0]  # a time on every line
    assert any(r[1] == "instructor" and r[2] == "Trainee checked the patient" for r in rows)
    assert any(r[1] == "alarm" for r in rows)
    pdf = write_debrief_pdf(tmp_path / "debrief.pdf", debrief.rows)
    assert pdf.read_bytes().startswith(b"%PDF")
    assert pdf.stat().st_mode & 0o777 == 0o600  # every PDF is written readable by the user only
    assert debrief.scenario and debrief.trainee.placeholderText().startswith("Trainee")


def test_the_instructor_sees_clock_phase_and_vitals(training):
    win, panel = training
    advance(win, 5)
    assert "LOADING" in panel.status.text() or "INFUSING" in panel.status.text().upper()
    assert "HR " in panel.vitals.text() and "SpO2 " in panel.vitals.text()


def test_an_active_fault_button_looks_pressed_and_logs_plainly(training):
    win, panel = training
    button = panel.fault_buttons["probe_off"]
    button.setChecked(True)
    assert button.isChecked()
    texts = [e.data.get("text", "") for e in win.model.session.events]
    assert "Fault started: Probe off" in texts
    button.setChecked(False)
    texts = [e.data.get("text", "") for e in win.model.session.events]
    assert "Fault ended: Probe off" in texts and not any("off off" in t for t in texts)
