"""Choosing the monitor's serial port; baud, parity and protocol are remembered per port."""

from __future__ import annotations

import os
from pathlib import Path

import serial
from PySide6.QtCore import QSettings
from PySide6.QtWidgets import (
    QComboBox,
    QDialog,
    QFormLayout,
    QLabel,
    QWidget,
)
from serial.tools import list_ports

from ketamon.io.device import PortSettings
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
    """Lists the machine's serial ports (or type a path); `chosen` holds the result."""

    def __init__(self, settings: QSettings, parent: QWidget | None = None):
        super().__init__(parent)
        self.setWindowTitle("Monitor port")
        self._settings = settings
        self.chosen: PortSettings | None = None
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

    def _on_ok(self) -> None:
        port = self.port.currentText().strip()
        if not port:
            self.error.setText("Choose or type the monitor's port.")
            return
        self.chosen = PortSettings(
            port=port,
            protocol=self.protocol.currentData(),
            baud=int(self.baud.currentText()),
            parity=PARITIES[self.parity.currentText()],
            rtscts=PARSERS[self.protocol.currentData()].rtscts,  # the protocol's, not a choice
        )
        remember(self._settings, self.chosen)
        self.accept()
