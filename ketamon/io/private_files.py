"""Files that hold patient data are readable by the user only (0600), like recordings."""

from __future__ import annotations

import os
from pathlib import Path

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def make_private(path: Path) -> Path:
    """Create `path` (empty) if missing, and set it to 0600 either way; return it.

    Call before a writer that truncates and keeps the mode (open 'w', QPdfWriter),
    so the data is never readable by others, not even for a moment.
    """
    fd = os.open(path, os.O_CREAT | os.O_WRONLY, 0o600)
    os.close(fd)
    os.chmod(path, 0o600)
    return path


def spreadsheet_safe(text: str) -> str:
    """A text cell a spreadsheet will not run as a formula (OWASP CSV injection).

    A cell beginning with = + - @ (or tab, CR) gets a leading apostrophe.
    """
    return "'" + text if text.startswith(FORMULA_STARTS) else text
