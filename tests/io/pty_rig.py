"""A pseudo-terminal 'cable' behind a stable path, as udev's /dev/serial/by-id links are.

Unplugging closes the pty and removes the link; replugging makes a new pty and
points the same path at it.
"""

from __future__ import annotations

import os
import tty
from pathlib import Path


class PtyCable:
    def __init__(self, link: Path):
        self.link = link
        self.master: int | None = None
        self._slave: int | None = None
        self.plug()

    def plug(self) -> None:
        self.master, self._slave = os.openpty()
        tty.setraw(self._slave)  # no echo, no CR/LF translation before the app opens it
        if self.link.is_symlink():
            self.link.unlink()
        self.link.symlink_to(os.ttyname(self._slave))

    def write(self, data: bytes) -> None:
        os.write(self.master, data)

    def write_all(self, data: bytes) -> None:
        """Write everything, blocking while the reader catches up (a pty buffers ~4 kB)."""
        view = memoryview(data)
        while view:
            view = view[os.write(self.master, view[:4096]) :]

    def unplug(self) -> None:
        for fd in (self.master, self._slave):
            if fd is not None:
                os.close(fd)
        self.master = self._slave = None
        if self.link.is_symlink():
            self.link.unlink()

    def close(self) -> None:
        if self.master is not None:
            self.unplug()
