"""Choosing the monitors' serial ports; baud, parity and protocol are remembered per port.

Several monitors at once: the nurse adds each to a list, in priority order (each
vital comes from the first device that supplies it, core/source_choice.py).
"""

from __future__ import annotations

import os
from pathlib import Path

import serial
from PySide6.QtCore import QSettings
from PySide6.QtWidgets import (
    QComboBox,
    QDialog,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QListWidget,
    QPushButton,
    QWidget,
)
from serial.tools import list_ports

from ketamon.io.device import PortSettings, device_name
from ketamon.io.parsers import PARSERS
from ketamon.ui.dialogs import ok_cancel

BAUDS = ["9600", "19200", "38400", "57600", "115200"]
PARITIES = {"none": serial.PARITY_NONE, "even": serial.PARITY_EVEN, "odd": serial.PARITY_ODD}


def remembered(settings: QSettings, port: str) -> dict[str, str]:
    settings.beginGroup(f"ports/{port.replace('/', '_')}")
    values = {key: str(settings.value(key)) for key in settings.childKeys()}
    settings.endGroup()
    return values


def remember(settings: QSettings, chosen: PortSettings) -> None:
    settings.beginGroup(f"ports/{chosen.port.replace('/', '_')}")
    settings.setValue("protocol", chosen.protocol)
    settings.setValue("baud", str(chosen.baud))
    parity = next(k for k, v in PARITIES.items() if v == chosen.parity)
    settings.setValue("parity", parity)
    settings.endGroup()
    settings.sync()
    if Path(settings.fileName()).is_file():  # it names this machine's devices: user only
        os.chmod(settings.fileName(), 0o600)


class PortDialog(QDialog):
    """Lists the machine's serial ports (or type a path).

    `devices` holds the result in priority order: the list, then the entry in the form
    if it names a port not yet listed; `chosen` is the first (the one-device case).
    """

    def __init__(self, settings: QSettings, parent: QWidget | None = None):
        super().__init__(parent)
        self.setWindowTitle("Monitor port")
        self._settings = settings
        self.chosen: PortSettings | None = None
        self.devices: list[PortSettings] = []
        self._listed: list[PortSettings] = []
        self.device_list = QListWidget(objectName="deviceList")
        self.device_list.setMaximumHeight(110)
        self.add_button = QPushButton("Add to list", objectName="addDevice")
        self.remove_button = QPushButton("Remove", objectName="removeDevice")
        self.up_button = QPushButton("Up", objectName="deviceUp")
        self.down_button = QPushButton("Down", objectName="deviceDown")
        list_buttons = QHBoxLayout()
        for button in (self.add_button, self.remove_button, self.up_button, self.down_button):
            list_buttons.addWidget(button)
        self.add_button.clicked.connect(self._on_add)
        self.remove_button.clicked.connect(self._on_remove)
        self.up_button.clicked.connect(lambda: self._on_move(-1))
        self.down_button.clicked.connect(lambda: self._on_move(1))
        self.port = QComboBox()
        self.port.setEditable(True)
        for info in list_ports.comports():
            self.port.addItem(f"{info.device}", info.device)
        self.port.lineEdit().setPlaceholderText("/dev/ttyUSB0 or COM3")
        self.protocol = QComboBox()
        for name, parser in PARSERS.items():
            self.protocol.addItem(parser.description, name)
        self.baud = QComboBox()
        self.baud.addItems(BAUDS)
        self.parity = QComboBox()
        self.parity.addItems(list(PARITIES))
        self.error = QLabel("", objectName="error")
        form = QFormLayout(self)
        form.addRow("Port", self.port)
        form.addRow("Protocol", self.protocol)
        form.addRow("Baud", self.baud)
        form.addRow("Parity", self.parity)
        form.addRow(list_buttons)
        form.addRow("Devices (first first)", self.device_list)
        form.addRow(self.error)
        self.buttons = ok_cancel(self, self._on_ok)
        form.addRow(self.buttons)
        self.port.currentTextChanged.connect(self._on_port_changed)
        self.protocol.currentIndexChanged.connect(self._on_protocol_changed)
        self._on_port_changed(self.port.currentText())

    def _on_protocol_changed(self, *_args) -> None:
        parser = PARSERS[self.protocol.currentData()]
        self.baud.setCurrentText(str(parser.default_baud))
        self.parity.setCurrentText(
            next(k for k, v in PARITIES.items() if v == parser.default_parity)
        )

    def _on_port_changed(self, port: str) -> None:
        saved = remembered(self._settings, port) if port else {}
        index = self.protocol.findData(saved.get("protocol"))
        if index >= 0:
            self.protocol.setCurrentIndex(index)
        else:
            self._on_protocol_changed()
        if saved.get("baud") in BAUDS:
            self.baud.setCurrentText(saved["baud"])
        if saved.get("parity") in PARITIES:
            self.parity.setCurrentText(saved["parity"])

    def _entry(self) -> PortSettings | None:
        """The device the form describes; None (and a message) when it names no port."""
        port = self.port.currentText().strip()
        if not port:
            self.error.setText("Choose or type the monitor's port.")
            return None
        return PortSettings(
            port=port,
            protocol=self.protocol.currentData(),
            baud=int(self.baud.currentText()),
            parity=PARITIES[self.parity.currentText()],
            rtscts=PARSERS[self.protocol.currentData()].rtscts,  # the protocol's, not a choice
        )

    def _on_add(self) -> None:
        entry = self._entry()
        if entry is None:
            return
        if any(d.port == entry.port for d in self._listed):
            self.error.setText(f"{entry.port} is already in the list (one monitor per port).")
            return
        self.error.setText("")
        self._listed.append(entry)
        self._show_list()
        self.port.setEditText("")

    def _on_remove(self) -> None:
        row = self.device_list.currentRow()
        if 0 <= row < len(self._listed):
            del self._listed[row]
            self._show_list()

    def _on_move(self, step: int) -> None:
        row = self.device_list.currentRow()
        to = row + step
        if 0 <= row < len(self._listed) and 0 <= to < len(self._listed):
            self._listed[row], self._listed[to] = self._listed[to], self._listed[row]
            self._show_list()
            self.device_list.setCurrentRow(to)

    def _show_list(self) -> None:
        self.device_list.clear()
        for i, d in enumerate(self._listed, 1):
            self.device_list.addItem(f"{i}. {device_name(d)} ({d.protocol}, {d.baud} baud)")

    def _on_ok(self) -> None:
        devices = list(self._listed)
        if self.port.currentText().strip() or not devices:
            entry = self._entry()
            if entry is None:
                return
            if all(d.port != entry.port for d in devices):
                devices.append(entry)
        self.devices = devices
        self.chosen = devices[0]
        for device in devices:
            remember(self._settings, device)
        self.accept()
