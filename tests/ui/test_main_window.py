import re

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QMessageBox

from ketamon.core.infusion import Phase
from ketamon.ui.dialogs import BaselineDialog, ConfirmDialog
from ketamon.ui.setup_dialog import SetupDialog
from ketamon.ui.workflow import DischargeDialog, MoaasDialog
from tests.ui.helpers import click, fill_setup, type_into

MIN = 60.0


def set_up_patient(qtbot, window, weight="70"):
    click(qtbot, window.dashboard.infusion.setup_button)
    dialog = window.actions.dialog
    assert isinstance(dialog, SetupDialog)
    fill_setup(qtbot, dialog, weight=weight)
    click(qtbot, dialog.confirm_button)


def advance(window, t_s):
    window.model.clock.fast_forward(t_s)


def confirm(qtbot, window, reason=None, tick_all=False):
    dialog = window.actions.dialog
    assert isinstance(dialog, ConfirmDialog | DischargeDialog)
    if reason is not None:
        assert not dialog.confirm_button.isEnabled()  # a reason is required
        type_into(qtbot, dialog.reason.lineEdit(), reason)
    if tick_all:
        for check in dialog.checks:
            check.setChecked(True)
    click(qtbot, dialog.confirm_button)


def ready_for_discharge(qtbot, window):
    """What the nurse does before discharge: confirm the pump stopped, score MOAA/S,
    acknowledge what is left, and take a fresh BP."""
    prompt = window.dashboard.workflow
    assert "stop the pump" in prompt.pump_label.text()
    assert re.search(r"\(waiting (\d+:)?\d\d:\d\d\)$", prompt.pump_label.text())  # [h:]mm:ss
    click(qtbot, prompt.confirm_button)
    assert not prompt.confirm_button.isVisible()
    click(qtbot, window.dashboard.annotations.buttons["MOAA/S…"])
    dialog = window.actions.dialog
    assert isinstance(dialog, MoaasDialog)
    dialog.accept()
    if window.dashboard.alarm_banner.ack_button.isEnabled():
        click(qtbot, window.dashboard.alarm_banner.ack_button)
    assert window.model.session.moaas[-1][1] == 5


def test_simulation_is_labelled_everywhere(window):
    assert window.sim_banner.isVisible()
    assert "SIMULATION" in window.sim_banner.text()
    assert "SIMULATION" in window.windowTitle()


def test_a_whole_session_as_the_nurse_drives_it(qtbot, window):
    panel = window.dashboard.infusion
    assert panel.phase.text() == "SETUP"
    assert not panel.start_button.isEnabled()

    set_up_patient(qtbot, window)
    assert panel.phase.text() == "BASELINE"
    assert "waiting for 2 NIBP readings" in panel.baseline.text()
    assert not panel.start_button.isEnabled()

    advance(window, 5 * MIN)  # the simulated cuff takes readings at 0 and 5 min
    assert "(measured)" in panel.baseline.text()
    assert panel.start_button.isEnabled()

    click(qtbot, panel.start_button)
    confirm(qtbot, window, tick_all=True)
    assert panel.phase.text() == "LOADING"
    assert panel.remaining.text() == "40:00"
    assert panel.rate.text() == "52.5 mL/h"  # the pump's unit, large
    assert panel.rate_mg.text().endswith("52.5 mg/h")

    advance(window, 25 * MIN)
    assert panel.remaining.text() == "20:00"
    assert panel.dose.text() == "17.5 / 35.0 mg"
    assert panel.patient.text().endswith("Infused 17.5 mL, bag 82.5 mL left")  # 100 mL bag
    tiles = window.dashboard.numerics.tiles
    assert tiles[next(iter(tiles))].value.text().isdigit()  # HR shows a number

    click(qtbot, panel.pause_button)
    confirm(qtbot, window, reason="Nausea / vomiting")
    assert panel.phase.text() == "LOADING PAUSED"
    assert panel.rate.text() == "0.0 mL/h"
    assert not panel.pause_button.isEnabled()
    advance(window, 30 * MIN)
    assert panel.dose.text() == "17.5 / 35.0 mg"
    assert panel.remaining.text() == "20:00"

    click(qtbot, panel.resume_button)
    confirm(qtbot, window)
    advance(window, 50 * MIN)
    assert panel.phase.text() == "OBSERVATION"
    assert panel.dose.text() == "35.0 / 35.0 mg"
    click(qtbot, panel.discharge_button)  # early: the dialog says what is not met yet
    assert "NOT  Observation: 60 min left" in window.actions.dialog.criteria.text()
    assert not window.actions.dialog.confirm_button.isEnabled()
    window.actions.dialog.reject()

    advance(window, 110 * MIN)
    assert panel.phase.text() == "READY FOR DISCHARGE"
    ready_for_discharge(qtbot, window)
    click(qtbot, panel.discharge_button)
    dialog = window.actions.dialog
    assert "NOT  Dissociation resolved: not ticked" in dialog.criteria.text()
    assert not dialog.confirm_button.isEnabled()  # every checklist item first
    for check in dialog.checks:
        check.setChecked(True)
    # This simulated patient's last BP is 21% over baseline: shown with its numbers,
    # and discharge needs an early-discharge reason.
    assert "NOT  SBP 126 mmHg is +21% of baseline 104" in dialog.criteria.text()
    assert not dialog.confirm_button.isEnabled()
    type_into(qtbot, dialog.early_reason, "Prescriber reviewed: SBP 126 acceptable")
    assert dialog.confirm_button.text() == "Early discharge"
    confirm(qtbot, window)
    assert panel.phase.text() == "DISCHARGED"
    early = [e for e in window.model.session.events if e.kind == "discharge.early"]
    assert early[0].message == "Prescriber reviewed: SBP 126 acceptable"
    kinds = [e.kind for e in window.model.session.events]
    assert "infusion.paused" in kinds and "infusion.discharged" in kinds


def test_stop_early_needs_a_reason_and_starts_observation(qtbot, window):
    set_up_patient(qtbot, window)
    advance(window, 5 * MIN)
    click(qtbot, window.dashboard.infusion.start_button)
    confirm(qtbot, window, tick_all=True)
    advance(window, 15 * MIN)
    click(qtbot, window.dashboard.infusion.stop_button)
    confirm(qtbot, window, reason="Patient request")
    assert window.dashboard.infusion.phase.text() == "OBSERVATION"
    assert window.dashboard.infusion.dose.text() == "8.8 / 35.0 mg"


def test_entered_baseline_enables_start_and_high_bp_needs_review(qtbot, window):
    set_up_patient(qtbot, window)
    panel = window.dashboard.infusion
    click(qtbot, panel.baseline_button)
    dialog = window.actions.dialog
    assert isinstance(dialog, BaselineDialog)
    type_into(qtbot, dialog.sbp, "150")
    type_into(qtbot, dialog.dbp, "95")
    click(qtbot, dialog.buttons.button(dialog.buttons.StandardButton.Ok))
    assert "150/95" in panel.baseline.text()
    assert "review before starting" in panel.baseline.text()
    advance(window, 1 * MIN)  # the monitor's HR completes the typed BP-only baseline
    click(qtbot, panel.start_button)
    start = window.actions.dialog
    assert not start.confirm_button.isEnabled()  # review must be ticked
    assert "Reviewed: resting BP 150/95 is above 140/90" in start.checks[-1].text()
    confirm(qtbot, window, reason="Prescriber reviewed and approved", tick_all=True)
    events = window.model.session.events
    reviewed = [e for e in events if e.kind == "baseline.review_acknowledged"]
    assert reviewed[0].data["reason"] == "Prescriber reviewed and approved"
    assert window.model.session.phase() is Phase.INFUSING


def test_refused_command_is_shown_not_swallowed(qtbot, window):
    set_up_patient(qtbot, window)
    window.actions.request_start()  # e.g. a keyboard shortcut before any baseline
    box = window.actions.dialog
    confirm_dialog = box
    for check in confirm_dialog.checks:
        check.setChecked(True)
    click(qtbot, confirm_dialog.confirm_button)
    error = window.actions.dialog
    assert isinstance(error, QMessageBox)
    assert "No baseline yet" in error.text()


def test_keyboard_reaches_the_controls(qtbot, window):
    qtbot.keyClick(window, Qt.Key.Key_N, Qt.KeyboardModifier.ControlModifier)
    assert isinstance(window.actions.dialog, SetupDialog)


def test_numerics_show_values_baselines_and_nibp_age(qtbot, window):
    set_up_patient(qtbot, window)
    advance(window, 7 * MIN)
    tiles = window.dashboard.numerics.tiles
    hr, spo2, nibp, rr = tiles.values()
    assert hr.value.text().isdigit()
    assert spo2.value.text().isdigit()
    sbp, dbp = nibp.value.text().split("/")
    assert sbp.isdigit() and dbp.isdigit()
    assert nibp.detail.text().endswith("2 min ago")
    assert nibp.baseline.text().startswith("BL ")
    assert hr.baseline.text().startswith("BL ")


def test_nibp_marked_stale_when_too_old(qtbot, window):
    set_up_patient(qtbot, window)
    advance(window, 1 * MIN)
    window.model.session.source.connected = False  # cuff and probe silent
    advance(window, 9 * MIN)
    nibp = list(window.dashboard.numerics.tiles.values())[2]
    hr = list(window.dashboard.numerics.tiles.values())[0]
    assert nibp.stale.isVisible() and nibp.stale.text() == "STALE"
    assert hr.value.text() == "---"
    assert hr.stale.text() == "NO DATA"


def test_new_patient_after_discharge_starts_a_fresh_session(qtbot, window):
    set_up_patient(qtbot, window)
    advance(window, 5 * MIN)
    click(qtbot, window.dashboard.infusion.start_button)
    confirm(qtbot, window, tick_all=True)
    advance(window, 106 * MIN)
    ready_for_discharge(qtbot, window)
    click(qtbot, window.dashboard.infusion.discharge_button)
    confirm(qtbot, window, tick_all=True)
    old = window.model.session
    set_up_patient(qtbot, window, weight="80")
    assert window.model.session is not old
    assert window.dashboard.infusion.phase.text() == "BASELINE"
    assert window.model.session.plan.total_mg == 40.0


def test_a_new_patient_during_the_baseline_starts_clean(qtbot, window):
    """The previous patient's baseline readings, events and recording stay behind."""
    set_up_patient(qtbot, window, weight="70")
    advance(window, 5 * MIN)
    first = window.model
    assert first.session.baseline is not None
    click(qtbot, window.dashboard.infusion.setup_button)
    dialog = window.actions.dialog
    fill_setup(qtbot, dialog, weight="82")
    click(qtbot, dialog.confirm_button)
    assert window.model is not first
    session = window.model.session
    assert session.phase() is Phase.BASELINE
    assert session.baseline is None and not session.nibp_readings
    assert session.plan.patient.weight_kg == 82
    assert "waiting for 2 NIBP readings" in window.dashboard.infusion.baseline.text()
