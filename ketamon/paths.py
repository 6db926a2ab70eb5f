"""Where recordings live: the user's data directory as Qt's standard paths define it."""

from __future__ import annotations

import os
from pathlib import Path


def default_data_dir() -> Path:
    """$KETAMON_DATA_DIR, else e.g. ~/.local/share/ketamon/sessions on Linux or
    %APPDATA%/ketamon/sessions on Windows."""
    override = os.environ.get("KETAMON_DATA_DIR")
    if override:
        return Path(override)
    # Qt only here: a run with an override (every test, scripted runs) starts without it.
    from PySide6.QtCore import QCoreApplication, QStandardPaths

    QCoreApplication.setApplicationName("ketamon")
    base = QStandardPaths.writableLocation(QStandardPaths.StandardLocation.AppDataLocation)
    return Path(base) / "sessions"
