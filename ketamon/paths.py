"""Where recordings live: the user's data directory as Qt's standard paths define it."""

from __future__ import annotations

import os
from pathlib import Path

from PySide6.QtCore import QCoreApplication, QStandardPaths


def default_data_dir() -> Path:
    """$KETAMON_DATA_DIR, else e.g. ~/.local/share/ketamon/sessions on Linux or
    %APPDATA%/ketamon/sessions on Windows."""
    override = os.environ.get("KETAMON_DATA_DIR")
    if override:
        return Path(override)
    QCoreApplication.setApplicationName("ketamon")
    base = QStandardPaths.writableLocation(QStandardPaths.StandardLocation.AppDataLocation)
    return Path(base) / "sessions"
