"""The port dialog offers the Philips IntelliVue protocol with its line settings."""

from PySide6.QtCore import QSettings

from ketamon.io.device import PortSettings
from ketamon.ui.port_dialog import PortDialog
from tests.ui.helpers import click, type_into


def test_port_dialog_offers_intellivue_at_115200_8n1(qtbot, tmp_path):
    dialog = PortDialog(QSettings(str(tmp_path / "s.ini"), QSettings.Format.IniFormat))
    qtbot.addWidget(dialog)
    type_into(qtbot, dialog.port.lineEdit(), "/dev/ttyUSB4")
    index = dialog.protocol.findData("intellivue")
    assert "Philips IntelliVue" in dialog.protocol.itemText(index)
    dialog.protocol.setCurrentIndex(index)
    assert (dialog.baud.currentText(), dialog.parity.currentText()) == ("115200", "none")
    click(qtbot, dialog.buttons.button(dialog.buttons.StandardButton.Ok))
    assert dialog.chosen == PortSettings("/dev/ttyUSB4", "intellivue", 115200, "N", rtscts=False)
