"""The patient's last session, looked up off the GUI thread.

Finding it means opening the patient's recordings and rebuilding the newest one,
which takes about a second in a full data folder: long enough to freeze the setup
dialog while the nurse moves to the weight field. Each look-up runs on its own
short-lived daemon thread (it only reads, so quitting mid-way loses nothing); its
answer comes back as a queued signal, and an answer for an ID that is no longer the
one typed is dropped.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable

from PySide6.QtCore import QObject, Signal

from ketamon.core.course import SessionFacts

log = logging.getLogger(__name__)

PreviousLookup = Callable[[str], SessionFacts | None]  # patient ID -> last session


class PreviousSessionLookup(QObject):
    """Runs `lookup(patient_id)` on a worker thread; `found(patient_id, facts or None)`
    arrives on the GUI thread."""

    found = Signal(str, object)

    def __init__(self, lookup: PreviousLookup, parent: QObject | None = None):
        super().__init__(parent)
        self._lookup = lookup
        self.wanted = ""  # the ID whose answer is still wanted

    def ask(self, patient_id: str) -> threading.Thread:
        """Look up `patient_id` (answers for earlier IDs are dropped); returns its thread."""
        self.wanted = patient_id
        worker = threading.Thread(
            target=self._run, args=(patient_id,), name="previous-session", daemon=True
        )
        worker.start()
        return worker

    def _run(self, patient_id: str) -> None:
        try:
            facts = self._lookup(patient_id)
        except Exception:  # a look-up must never take the dialog down with it
            log.exception("looking up the last session of %s", patient_id)
            facts = None
        try:
            self.found.emit(patient_id, facts)
        except RuntimeError:  # the dialog closed meanwhile: nobody to tell
            log.debug("last session of %s found after the dialog closed", patient_id)
