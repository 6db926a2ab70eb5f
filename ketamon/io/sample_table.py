"""A recording's samples as columns (numpy arrays), read and checked in bulk.

An 8-hour recording holds ~85k sample rows. Kept as one tuple a row, then turned
into per-vital arrays and Sample objects, they were most of what opening it for
replay or review cost. The rows are checked as io/recording.py always did (a known
vital, an integer sequence number, a finite time within MAX_SESSION_S, a finite
value): in bulk when every column has the types the recorder writes, row by row
otherwise (a damaged or foreign file), with the same verdict and the same words.
"""

from __future__ import annotations

import gc
import math
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from itertools import repeat, starmap

import numpy as np

from ketamon.core.vitals import Sample, Vital

MAX_SESSION_S = 7 * 24 * 3600.0  # no session lasts a week: a later time is damage, not data
VITALS = tuple(Vital)  # a vital's code in the table is its index here


@contextmanager
def collector_paused() -> Iterator[None]:
    """Python's cyclic garbage collector paused while a recording's ~100k rows (tuples,
    then Samples) are made: each thousand new objects would otherwise run it over every
    live one (in the window: all of Qt's and pyqtgraph's), about half the reading time.
    Nothing made here forms a cycle; reference counting frees it as always."""
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()


@dataclass(frozen=True)
class SampleTable:
    """Samples in recorded (rowid) order: sequence number, time (s), vital code, value."""

    seq: np.ndarray  # int64
    t_s: np.ndarray  # float64
    code: np.ndarray  # int8, index into VITALS
    value: np.ndarray  # float64, in the vital's unit

    def __len__(self) -> int:
        return len(self.seq)

    def samples(self, order: np.ndarray | None = None) -> list[Sample]:
        """The rows as Samples, in recorded order or in `order` (row indices)."""
        t_s, code, value = self.t_s, self.code, self.value
        if order is not None:
            t_s, code, value = t_s[order], code[order], value[order]
        vitals = [VITALS[c] for c in code.tolist()]
        return list(starmap(Sample, zip(t_s.tolist(), vitals, value.tolist(), strict=True)))

    def series(self) -> dict[Vital, tuple[np.ndarray, np.ndarray]]:
        """Each vital's times and values, in time order (stable: recorded order in ties)."""
        out = {}
        for i, vital in enumerate(VITALS):
            mask = self.code == i
            t_s, value = self.t_s[mask], self.value[mask]
            order = np.argsort(t_s, kind="stable")
            out[vital] = (t_s[order], value[order])
        return out

    def peak(self, vital: Vital) -> float | None:
        """The highest value of `vital` (None: no sample of it)."""
        values = self.value[self.code == VITALS.index(vital)]
        return float(values.max()) if len(values) else None


def read_sample_rows(rows: Sequence[tuple], refuse: Callable[[str], None]) -> SampleTable:
    """The valid rows of (seq, t_s, vital name, value) as a table; `refuse(why)` for each
    row left out, in row order."""
    if not rows:
        return _table([], [], [], [])
    seqs, times, names, values = zip(*rows, strict=True)
    plain = (
        set(map(type, seqs)) == {int}
        and set(map(type, times)) == {float}
        and set(map(type, names)) == {str}
        and set(map(type, values)) <= {int, float}
    )
    if not plain:
        return _read_row_by_row(rows, refuse)
    codes = {v.value: i for i, v in enumerate(VITALS)}
    code = np.fromiter(map(codes.get, names, repeat(-1)), np.int64, len(rows))
    t_s = np.array(times, dtype=float)
    value = np.array(values, dtype=float)
    ok = (code >= 0) & (np.abs(t_s) <= MAX_SESSION_S) & np.isfinite(value)
    if not ok.all():
        for i in np.flatnonzero(~ok).tolist():
            refuse(_refused(*rows[i]))
    seq = np.array(seqs, dtype=np.int64)
    return SampleTable(seq[ok], t_s[ok], code[ok].astype(np.int8), value[ok])


def _read_row_by_row(rows: Sequence[tuple], refuse: Callable[[str], None]) -> SampleTable:
    codes = {v.value: i for i, v in enumerate(VITALS)}
    kept: tuple[list, list, list, list] = ([], [], [], [])
    for seq, t, name, value in rows:
        code = codes.get(name) if isinstance(name, str) else None
        ok = (
            code is not None
            and isinstance(seq, int)
            and is_time(t)
            and isinstance(value, int | float)
            and math.isfinite(value)
        )
        if not ok:
            refuse(_refused(seq, t, name, value))
            continue
        for column, x in zip(kept, (seq, float(t), code, float(value)), strict=True):
            column.append(x)
    return _table(*kept)


def _table(seq: list, t_s: list, code: list, value: list) -> SampleTable:
    return SampleTable(
        np.array(seq, dtype=np.int64),
        np.array(t_s, dtype=float),
        np.array(code, dtype=np.int8),
        np.array(value, dtype=float),
    )


def _refused(seq: object, t: object, name: object, value: object) -> str:
    return f"row seq={seq!r} t_s={t!r} {name!r}={value!r} refused"


def is_time(t: object) -> bool:
    """A session time a recording may hold: a finite number within MAX_SESSION_S."""
    return (
        isinstance(t, int | float)
        and not isinstance(t, bool)
        and math.isfinite(t)
        and -MAX_SESSION_S <= t <= MAX_SESSION_S
    )
