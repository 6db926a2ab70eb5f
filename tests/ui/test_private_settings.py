"""The settings file names this machine's devices: readable by the user only."""

import os

from PySide6.QtCore import QSettings

from ketamon.io.device import PortSettings
from ketamon.ui.port_dialog import remember, remembered


def test_remembered_port_settings_are_0600(qapp, tmp_path):
    old_umask = os.umask(0o022)
    try:
        settings = QSettings(str(tmp_path / "ketamon.ini"), QSettings.Format.IniFormat)
        remember(settings, PortSettings("/dev/ttyUSB0", "masimo-ascii", 9600))
    finally:
        os.umask(old_umask)
    assert remembered(settings, "/dev/ttyUSB0")["protocol"] == "masimo-ascii"
    assert os.stat(tmp_path / "ketamon.ini").st_mode & 0o777 == 0o600
