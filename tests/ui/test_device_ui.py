"""A monitor on a serial port, seen in the window: numerics, INOP on unplug, resume on replug."""

import os
import select
import subprocess
import sys

import pytest
from PySide6.QtCore import QSettings

from ketamon.core.baseline import Baseline
from ketamon.core.dosing import Patient, make_plan
from ketamon.core.vitals import Vital
from ketamon.io.device import PortSettings
from ketamon.io.emulator import Emulator
from ketamon.io.parsers import make_parser
from ketamon.io.run_config import RunConfig, SourceKind
from ketamon.ui.main_window import MainWindow
from ketamon.ui.port_dialog import PortDialog, remembered
from ketamon.ui.sources import Sources
from tests.ui.helpers import click, type_into


@pytest.fixture
def device_window(qtbot, resources, cable):
    port = PortSettings(str(cable.link), "ketamon-text", 115200)
    sources = Sources(resources, RunConfig(SourceKind.DEVICES, port=port))
    win = MainWindow(
        sources.new_model, resources.protocols, resources.library, sources.label(), sources
    )
    win.force_close = True
    qtbot.addWidget(win)
    win.show()
    win.model.clock.start()
    yield win
    win.model.close()


def test_a_real_monitor_session_is_not_labelled_simulation(device_window):
    assert not device_window.sim_banner.isVisible()
    assert "SIMULATION" not in device_window.windowTitle()
    assert not device_window.model.session.simulated


def test_emulated_monitor_through_the_worker_thread(qtbot, device_window, resources, cable):
    emulator = Emulator.demo(resources, "ketamon-text", seed=6)
    qtbot.waitUntil(lambda: device_window.model.device.feed.connected, timeout=5000)
    sent = []
    emulator.session.on_samples.connect(
        lambda s: sent.extend(x.value for x in s if x.vital is Vital.HR)
    )
    for _ in range(3):
        cable.write(emulator.next_second())
    hr_tile = device_window.dashboard.numerics.tiles[Vital.HR]
    qtbot.waitUntil(lambda: hr_tile.value.text() == f"{sent[-1]:g}", timeout=5000)
    status = device_window.source_label.text()
    assert "ketamon-text" in status and "connected" in status

    cable.write(b"garbage\r\n$KTM1,HR=72*00\r\n")  # malformed, then a bad checksum
    qtbot.waitUntil(lambda: "2 malformed" in device_window.source_label.text(), timeout=5000)


def test_unplugged_monitor_shows_inop_then_resumes(qtbot, device_window, resources, cable):
    session = device_window.model.session
    plan = make_plan(resources.protocols[0], Patient(70.0), 1.0)
    session.configure(plan, [], session.t_s)
    session.enter_baseline(session.t_s, Baseline(120, 80, 70, 98, "entered"))
    session.start(session.t_s)
    qtbot.waitUntil(lambda: device_window.model.device.feed.connected, timeout=5000)
    banner = device_window.dashboard.alarm_banner
    cable.unplug()
    qtbot.waitUntil(lambda: "DATA SOURCE LOST" in banner.text.text(), timeout=10_000)
    assert banner.text.text().startswith("** INOP")
    assert "NOT CONNECTED" in device_window.source_label.text()
    cable.plug()
    qtbot.waitUntil(lambda: device_window.model.device.feed.connected, timeout=10_000)
    emulator = Emulator.demo(resources, "ketamon-text", seed=6)
    cable.write(emulator.next_second())
    hr_tile = device_window.dashboard.numerics.tiles[Vital.HR]
    qtbot.waitUntil(lambda: hr_tile.value.text().isdigit(), timeout=5000)
    assert "DATA SOURCE LOST" not in banner.text.text()


def test_port_dialog_remembers_settings_per_port(qtbot, tmp_path):
    settings = QSettings(str(tmp_path / "settings.ini"), QSettings.Format.IniFormat)
    dialog = PortDialog(settings)
    qtbot.addWidget(dialog)
    type_into(qtbot, dialog.port.lineEdit(), "/dev/ttyUSB7")
    dialog.protocol.setCurrentIndex(dialog.protocol.findData("ketamon-text"))
    assert dialog.baud.currentText() == "115200"  # the protocol's default
    dialog.baud.setCurrentText("57600")
    click(qtbot, dialog.buttons.button(dialog.buttons.StandardButton.Ok))
    assert dialog.chosen == PortSettings("/dev/ttyUSB7", "ketamon-text", 57600, "N")
    assert remembered(settings, "/dev/ttyUSB7")["baud"] == "57600"

    again = PortDialog(settings)
    qtbot.addWidget(again)
    type_into(qtbot, again.port.lineEdit(), "/dev/ttyUSB7")
    assert again.protocol.currentData() == "ketamon-text"
    assert again.baud.currentText() == "57600"


def test_port_dialog_takes_the_protocols_line_settings(qtbot, tmp_path):
    dialog = PortDialog(QSettings(str(tmp_path / "s.ini"), QSettings.Format.IniFormat))
    qtbot.addWidget(dialog)
    type_into(qtbot, dialog.port.lineEdit(), "/dev/ttyUSB3")
    dialog.protocol.setCurrentIndex(dialog.protocol.findData("ge-s5"))
    assert (dialog.baud.currentText(), dialog.parity.currentText()) == ("19200", "even")
    click(qtbot, dialog.buttons.button(dialog.buttons.StandardButton.Ok))
    assert dialog.chosen == PortSettings("/dev/ttyUSB3", "ge-s5", 19200, "E", rtscts=True)


def test_port_dialog_needs_a_port(qtbot, tmp_path):
    dialog = PortDialog(QSettings(str(tmp_path / "s.ini"), QSettings.Format.IniFormat))
    qtbot.addWidget(dialog)
    dialog.port.setEditText("")
    click(qtbot, dialog.buttons.button(dialog.buttons.StandardButton.Ok))
    assert dialog.chosen is None
    assert "Choose or type" in dialog.error.text()


def test_emulate_command_writes_valid_frames(tmp_path):
    master, slave = os.openpty()
    try:
        cmd = [sys.executable, "-m", "ketamon", "emulate", "--port", os.ttyname(slave)]
        cmd += ["--protocol", "masimo-ascii", "--speed", "20", "--duration", "1.5"]
        proc = subprocess.Popen(cmd, stderr=subprocess.PIPE, text=True)
        data = b""
        os.set_blocking(master, False)
        while proc.poll() is None:
            # Wait for bytes (not a busy loop: the emulator needs the CPU more).
            if select.select([master], [], [], 0.05)[0]:
                data += os.read(master, 4096)
        while select.select([master], [], [], 0)[0]:  # what it wrote just before exiting
            data += os.read(master, 4096)
        assert proc.returncode == 0, proc.stderr.read()
        parser = make_parser("masimo-ascii")
        frames = parser.feed(data)
        assert len(frames) >= 20  # 20 x speed: at least a second of 1 Hz lines per 0.05 s
        assert parser.stats.rejected == 0
        assert all(Vital.SPO2 in f.values for f in frames)
    finally:
        os.close(master)
        os.close(slave)
