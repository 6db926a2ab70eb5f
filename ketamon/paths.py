"""Where recordings live: the user's data directory as Qt's standard paths define it."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import QCoreApplication, QStandardPaths


def default_data_dir() -> Path:
    """e.g. ~/.local/share/ketamon/sessions on Linux, %APPDATA%/ketamon/sessions on Windows."""
    QCoreApplication.setApplicationName("ketamon")
    base = QStandardPaths.writableLocation(QStandardPaths.StandardLocation.AppDataLocation)
    return Path(base) / "sessions"
