"""One ketamon per serial port: an advisory lock file that names its holder.

Two programs reading one port each get half the bytes: garbage for both. The port
itself is opened with pyserial's `exclusive=True` (flock on POSIX), which stops any
cooperating program; this lock file, in the system's temporary folder and keyed by
the port's real path, lets the second ketamon say *who* holds the port.
"""

from __future__ import annotations

import logging
import os
import tempfile
from pathlib import Path
from typing import IO

from ketamon.io.filelock import try_lock, unlock

log = logging.getLogger(__name__)


class PortInUse(Exception):
    """Another process holds the port; the message names it."""


def lock_file_for(port: str, directory: Path | None = None) -> Path:
    import hashlib  # here: only a device connection needs it, never the start-up

    real = os.path.realpath(port) if "://" not in port else port
    digest = hashlib.sha256(real.encode("utf-8", "surrogatepass")).hexdigest()[:16]
    return (directory or Path(tempfile.gettempdir())) / f"ketamon-port-{digest}.lock"


class PortLock:
    """Held from `acquire()` to `release()`; the OS drops it if the process dies."""

    def __init__(self, port: str, directory: Path | None = None):
        self.port = port
        self.path = lock_file_for(port, directory)
        self._handle: IO | None = None
        # pyserial's loop:// is a private loopback for whoever opens it: nothing to share.
        self._private = port.startswith("loop://")

    def acquire(self) -> None:
        """Raise PortInUse naming the holder (pid) if another process has the port."""
        if self._handle is not None or self._private:
            return
        # A releasing holder deletes the file; if that happened between our open and our
        # lock, we locked an orphan: open the path again (a few tries are plenty).
        for _attempt in range(5):
            # "a+" never truncates: the holder's pid stays readable while we try.
            handle = open(self.path, "a+")  # noqa: SIM115 (held while the port is open)
            if not try_lock(handle):
                handle.seek(0)
                holder = handle.read().strip() or "another program"
                handle.close()
                raise PortInUse(f"port {self.port} in use by ketamon (pid {holder})")
            if self._is_current(handle):
                break
            unlock(handle)
            handle.close()
        else:
            raise PortInUse(f"port {self.port}: its lock file keeps changing")
        handle.seek(0)
        handle.truncate()
        handle.write(str(os.getpid()))
        handle.flush()
        self._handle = handle

    def _is_current(self, handle: IO) -> bool:
        """True if `handle` is still the file at `self.path` (not one deleted meanwhile)."""
        try:
            return os.path.samestat(os.fstat(handle.fileno()), os.stat(self.path))
        except FileNotFoundError:
            return False

    def release(self) -> None:
        """Delete the lock file (so none linger in the temp folder), then let go of it."""
        if self._handle is not None:
            # Deleted while still locked: a waiting process then re-opens a fresh file.
            try:
                if self._is_current(self._handle):
                    self.path.unlink()
            except OSError as exc:  # Windows keeps open files; the next holder reuses it
                log.debug("lock file %s kept: %s", self.path, exc)
            unlock(self._handle)
            self._handle.close()
            self._handle = None


def port_problem(port: str) -> str | None:
    """Why a headless run cannot use `port` now (missing, or held by another ketamon), or None."""
    if "://" in port:
        return None  # an allowed pyserial URL: pyserial says what is wrong when opening it
    if not os.path.exists(port):
        return f"serial port {port} not found (is the cable plugged in?)"
    lock = PortLock(port)
    try:
        lock.acquire()
    except PortInUse as exc:
        return str(exc)
    except OSError as exc:
        return f"cannot lock port {port}: {exc.strerror}"
    lock.release()
    return None
