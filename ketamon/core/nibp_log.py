"""The session's cuff readings: SBP, DBP and MAP samples joined into readings (CLINICAL.md §2).

A cuff reading arrives as separate samples with one time; it is a reading once
both SBP and DBP are there (MAP is estimated when the source gave none). The log
also remembers when the cuff last measured something the artefact rules rejected,
because the next reading is due an interval after any measurement. Session seconds.
"""

from __future__ import annotations

import bisect
from collections.abc import Iterator

from ketamon.core.vitals import NibpReading, Sample, Vital, estimated_map


class NibpLog:
    """Cuff readings in time order, and the parts of readings not yet complete."""

    def __init__(self) -> None:
        self.readings: list[NibpReading] = []
        self.last_rejected_s: float | None = None  # a rejected cuff measurement, when
        self._parts: dict[float, dict[Vital, float]] = {}

    def add_part(self, sample: Sample) -> None:
        """Keep one cuff sample (SBP, DBP or MAP, mmHg) until its reading is complete."""
        self._parts.setdefault(sample.t_s, {})[sample.vital] = sample.value

    def note_rejected(self, t_s: float) -> None:
        """The cuff measured at `t_s` but the artefact rules rejected the reading."""
        self.last_rejected_s = max(self.last_rejected_s or t_s, t_s)

    @property
    def waiting(self) -> bool:
        """Parts of a reading are kept (complete() has something to join)."""
        return bool(self._parts)

    def complete(self) -> Iterator[NibpReading]:
        """Join the waiting parts into readings, oldest first; yield each once it is logged.

        Half a reading (SBP without DBP, or the reverse) is dropped. A reading taken
        before the last one (a manual entry) is inserted in time order.
        """
        for t_s in sorted(self._parts):
            parts = self._parts.pop(t_s)
            if Vital.SBP not in parts or Vital.DBP not in parts:
                continue  # half a reading is no reading
            sbp, dbp = parts[Vital.SBP], parts[Vital.DBP]
            reading = NibpReading(t_s, sbp, dbp, parts.get(Vital.MAP, estimated_map(sbp, dbp)))
            bisect.insort(self.readings, reading, key=lambda r: r.t_s)
            yield reading

    def last_measured_s(self) -> float | None:
        """When the cuff last measured (the latest reading or rejected one), or None."""
        last = self.readings[-1].t_s if self.readings else None
        if self.last_rejected_s is not None:
            last = max(last or self.last_rejected_s, self.last_rejected_s)
        return last
