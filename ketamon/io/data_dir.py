"""Can recordings be written to the data folder? Asked at start, before any patient is set up."""

from __future__ import annotations

import os
from pathlib import Path


def data_dir_problem(directory: Path) -> str | None:
    """None if a recording can be created in `directory` now; else the reason, in words.

    Creates the folder (0700) if missing, then creates and removes a probe file:
    permissions, a read-only mount, a full disk or a file in the folder's place all
    show up here, as they would for the first recording.
    """
    probe = directory / f".ketamon-write-test-{os.getpid()}"
    try:
        directory.mkdir(parents=True, exist_ok=True, mode=0o700)
        fd = os.open(probe, os.O_CREAT | os.O_EXCL | os.O_WRONLY, 0o600)
        try:
            os.write(fd, b"ketamon")
        finally:
            os.close(fd)
            probe.unlink(missing_ok=True)
    except OSError as exc:
        return f"recordings cannot be saved in {directory}: {exc.strerror or exc}"
    return None
