"""Manual BP in the window (F4), and two monitors at once: each tile says where from."""

import pytest
from PySide6.QtCore import QSettings, Qt

from ketamon.core.events import alarm_events
from ketamon.core.session import Session
from ketamon.core.vitals import Vital
from ketamon.io.device import port_settings
from ketamon.io.run_config import RunConfig, SourceKind, autostart
from ketamon.io.summary import review_recording
from ketamon.ui.bp_dialog import BpDialog
from ketamon.ui.clock import SessionClock
from ketamon.ui.main_window import MainWindow
from ketamon.ui.port_dialog import PortDialog
from ketamon.ui.session_model import SessionModel
from ketamon.ui.sources import Sources
from tests.io.two_devices import two_monitors
from tests.ui.helpers import click, type_into

MIN = 60.0


def open_window(qtbot, resources, config):
    sources = Sources(resources, config)
    win = MainWindow(
        sources.new_model, resources.protocols, resources.library, sources.label(), sources
    )
    win.force_close = True
    qtbot.addWidget(win)
    win.show()
    return win


def enter(qtbot, window, sbp, dbp, minutes_ago="0", by_key=False) -> BpDialog:
    """Open "Enter BP…" (its button, or F4) and type a reading."""
    if by_key:
        qtbot.keyClick(window, Qt.Key.Key_F4)
    else:
        click(qtbot, window.dashboard.infusion.bp_button)
    dialog = window.actions.dialog
    assert isinstance(dialog, BpDialog)
    type_into(qtbot, dialog.sbp, sbp)
    type_into(qtbot, dialog.dbp, dbp)
    dialog.minutes_ago.setText(minutes_ago)
    click(qtbot, dialog.buttons.button(dialog.buttons.StandardButton.Ok))
    return dialog


def test_185_over_112_by_the_dialog_raises_one_high_alarm_recorded_and_reviewed(
    qtbot, resources, tmp_path
):
    config = RunConfig(seed=3, data_dir=tmp_path)
    window = open_window(qtbot, resources, config)
    session = window.model.session
    autostart(session, config, resources)
    window.model.clock.fast_forward(session.infusion.started_s() + 42 * MIN)
    assert window.dashboard.infusion.phase.text() == "OBSERVATION"

    dialog = enter(qtbot, window, "185", "112", "1")
    assert dialog.result() == dialog.DialogCode.Accepted
    high = [a for a in alarm_events(session.events) if a.action == "start" and a.value == 185]
    assert len(high) == 1 and high[0].priority.label == "high"
    numerics = window.dashboard.numerics
    assert numerics.tiles[Vital.SBP].value.text() == "185/112"
    assert numerics.tiles[Vital.SBP].source.text() == "manual"
    assert len(window.dashboard.trends.marks.manual_points) == 2  # SBP and DBP marked as manual
    path = window.model.recorder.path
    window.model.close(resumable=False)
    summary = review_recording(path, resources)
    (manual,) = summary["manual_bp"]
    assert (manual["sbp"], manual["dbp"]) == (185, 112)
    assert [a["value"] for a in summary["alarms"] if a["priority"] == "high"] == [185]


def test_the_dialog_refuses_nonsense_with_a_message(qtbot, window):
    window.model.clock.fast_forward(30 * MIN)
    dialog = enter(qtbot, window, "120", "130", by_key=True)
    assert "below SBP" in dialog.error.text()
    assert dialog.isVisible() and dialog.reading is None
    dialog.dbp.setText("80")
    dialog.minutes_ago.setText("20")
    click(qtbot, dialog.buttons.button(dialog.buttons.StandardButton.Ok))
    assert "up to 15 min" in dialog.error.text()
    dialog.minutes_ago.setText("soon")
    click(qtbot, dialog.buttons.button(dialog.buttons.StandardButton.Ok))
    assert "not a number" in dialog.error.text()
    assert not [e for e in window.model.session.events if e.kind == "command.enter_bp"]


def test_masimo_and_ge_at_once_each_tile_says_where_from(qtbot, resources, tmp_path):
    with two_monitors(tmp_path, duration_s=4, until_end=False) as (masimo, ge):
        devices = (
            port_settings(str(masimo.cable.link), "masimo-ascii"),
            port_settings(str(ge.cable.link), "ge-s5"),
        )
        window = open_window(qtbot, resources, RunConfig(SourceKind.DEVICES, devices=devices))
        window.model.clock.start()
        tiles = window.dashboard.numerics.tiles
        try:
            qtbot.waitUntil(lambda: tiles[Vital.SBP].source.text().startswith("GE"), timeout=8000)
            qtbot.waitUntil(
                lambda: tiles[Vital.SPO2].source.text().startswith("Masimo"), timeout=8000
            )
            assert tiles[Vital.SBP].source.text() == f"GE S/5 on {ge.cable.link}"
            assert tiles[Vital.SPO2].source.text() == f"Masimo on {masimo.cable.link}"
            assert tiles[Vital.HR].source.text() == f"Masimo on {masimo.cable.link}"
            assert tiles[Vital.SBP].value.text() != "---/---"
        finally:
            window.model.close(resumable=False)


def test_next_nibp_asks_the_nurse_when_no_device_measures_the_cuff(qtbot, resources, plan_70kg):
    session = Session(resources.library, simulated=False, alarm_profile=resources.alarm_profile)
    session.configure(plan_70kg, [], 0.0)
    model = SessionModel(session, SessionClock(session))
    window = MainWindow(lambda: model, resources.protocols, resources.library, "Device")
    window.force_close = True
    qtbot.addWidget(window)
    panel = window.dashboard.infusion
    model.refresh()
    assert panel.nibp_due.text() == "BP due now: take and enter"
    enter(qtbot, window, "128", "82")
    assert panel.nibp_due.text().startswith("in ")  # the next one, 5 min on
    assert window.dashboard.numerics.tiles[Vital.SBP].source.text() == "manual"
    model.close(resumable=False)


def test_the_port_dialog_keeps_an_ordered_list_of_devices(qtbot, tmp_path):
    dialog = PortDialog(QSettings(str(tmp_path / "s.ini"), QSettings.Format.IniFormat))
    qtbot.addWidget(dialog)
    for port, protocol in (("/dev/ttyUSB1", "ge-s5"), ("/dev/ttyUSB0", "masimo-ascii")):
        type_into(qtbot, dialog.port.lineEdit(), port)
        dialog.protocol.setCurrentIndex(dialog.protocol.findData(protocol))
        click(qtbot, dialog.add_button)
    type_into(qtbot, dialog.port.lineEdit(), "/dev/ttyUSB0")
    click(qtbot, dialog.add_button)
    assert "already in the list" in dialog.error.text()
    dialog.device_list.setCurrentRow(1)
    click(qtbot, dialog.up_button)  # the Masimo first: SpO2 and pulse from it
    assert dialog.device_list.item(0).text().startswith("1. Masimo on ttyUSB0")
    type_into(qtbot, dialog.port.lineEdit(), "/dev/ttyUSB2")
    dialog.protocol.setCurrentIndex(dialog.protocol.findData("intellivue"))
    click(qtbot, dialog.add_button)
    dialog.device_list.setCurrentRow(2)
    click(qtbot, dialog.remove_button)
    click(qtbot, dialog.buttons.button(dialog.buttons.StandardButton.Ok))
    assert [(d.port, d.protocol) for d in dialog.devices] == [
        ("/dev/ttyUSB0", "masimo-ascii"),
        ("/dev/ttyUSB1", "ge-s5"),
    ]
    assert dialog.chosen == dialog.devices[0]


def record_manual_bp(qtbot, resources, tmp_path, at_s, ago_min, after_s=0.0):
    """A recorded simulated session with a manual 150/95 entered `at_s` after the start,
    measured `ago_min` minutes before, then `after_s` more: (the session, its file)."""
    config = RunConfig(seed=3, data_dir=tmp_path)
    window = open_window(qtbot, resources, config)
    session = window.model.session
    autostart(session, config, resources)
    window.model.clock.fast_forward(session.infusion.started_s() + at_s)
    enter(qtbot, window, "150", "95", ago_min)
    window.model.clock.fast_forward(session.t_s + after_s)
    path = window.model.recorder.path
    window.model.close(resumable=False)
    return session, path


def test_a_late_manual_reading_replays_in_time_order(qtbot, resources, tmp_path):
    from ketamon.io.recording import Recording
    from ketamon.io.replay import ReplayData

    session, path = record_manual_bp(qtbot, resources, tmp_path, 50 * MIN, "12")
    data = ReplayData(Recording(path), resources)
    sbp = data.series[Vital.SBP]
    assert list(sbp.t_s) == sorted(sbp.t_s)
    measured = session.infusion.started_s() + 38 * MIN
    t, values = data.arrays_until(measured + 1)[Vital.SBP]
    assert t[-1] == pytest.approx(measured, abs=0.01) and values[-1] == 150


def test_a_replay_seek_shows_manual_readings_only_up_to_its_position(qtbot, resources, tmp_path):
    from ketamon.io.recording import Recording
    from ketamon.io.replay import ReplayData
    from ketamon.ui.main_window import MainWindow
    from ketamon.ui.replay_model import ReplayModel

    session, path = record_manual_bp(qtbot, resources, tmp_path, 20 * MIN, "0", after_s=10 * MIN)
    entered_s = next(e.t_s for e in session.events if e.kind == "nibp.manual")
    model = ReplayModel(ReplayData(Recording(path), resources))
    replay = MainWindow(lambda: model, resources.protocols, resources.library, "replay")
    replay.force_close = True
    qtbot.addWidget(replay)
    marks = replay.dashboard.trends.marks
    model.seek(entered_s + 60)
    assert len(marks.manual_points) == 2  # SBP and DBP of the one manual reading
    model.seek(entered_s + 120)
    assert len(marks.manual_points) == 2  # seeking again draws it once, not twice
    model.seek(entered_s - 120)
    assert marks.manual_points == []  # not yet entered at that point of the replay
    model.close()
