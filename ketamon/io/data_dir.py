"""Can recordings be written to the data folder? Asked at start, before any patient is set up."""

from __future__ import annotations

import os
from pathlib import Path

PROBE_BYTES = 64 * 1024  # enough to meet a nearly full disk or a file-size limit


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
            left = memoryview(b"\0" * PROBE_BYTES)
            while left:  # a short write comes first; the next one says why
                left = left[os.write(fd, left) :]
        finally:
            os.close(fd)
            probe.unlink(missing_ok=True)
    except OSError as exc:
        return f"recordings cannot be saved in {directory}: {exc.strerror or exc}"
    return None


def os_reason(directory: Path) -> str | None:
    """The operating system's words for why `directory` cannot be written now, if any.

    SQLite reports only 'disk I/O error' or 'database or disk is full'; a probe
    write says which: 'No space left on device', 'Read-only file system', ...
    """
    problem = data_dir_problem(directory)
    return None if problem is None else problem.rsplit(": ", 1)[-1]
