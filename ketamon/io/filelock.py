"""An exclusive, non-blocking lock on an open file: fcntl on POSIX, msvcrt on Windows.

The operating system drops the lock when the process dies, which is what tells
a crashed session (lock free) from one still being recorded (lock held).
"""

from __future__ import annotations

import os
from typing import IO

if os.name == "nt":  # pragma: no cover (exercised on Windows only)
    import msvcrt

    def try_lock(handle: IO) -> bool:
        try:
            msvcrt.locking(handle.fileno(), msvcrt.LK_NBLCK, 1)
        except OSError:
            return False
        return True

    def unlock(handle: IO) -> None:
        handle.seek(0)
        msvcrt.locking(handle.fileno(), msvcrt.LK_UNLCK, 1)

else:
    import fcntl

    def try_lock(handle: IO) -> bool:
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            return False
        return True

    def unlock(handle: IO) -> None:
        fcntl.flock(handle, fcntl.LOCK_UN)
