"""Importing another monitor's CSV of vitals, streamed, with every cell validated.

The file is read row by row (never whole) into compact arrays: 17 bytes per
value, so 10^6 rows of six vitals stay near 100 MB (bench/csv_import.py
measures it). Samples come back in time order as an iterator.

Refused with a clear message (CsvImportError, naming the row): a file that is not
text in UTF-8 / UTF-16 (with BOM) / Windows-1252, a cell longer than
MAX_CELL_CHARS, a time that is negative, not finite, or beyond a month (MAX_TIME_S). Counted,
not refused: a vital cell that is not a number or is impossible (`rejected`).
"""

from __future__ import annotations

import codecs
import csv
import math
from array import array
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from ketamon.core.config import ConfigError, check_number
from ketamon.core.vitals import Sample, Vital, is_plausible

MAX_CELL_CHARS = 10_000  # no vital or time needs more; a megabyte cell is damage or attack
MAX_TIME_S = 31 * 24 * 3600.0  # a month: longer gaps would take review minutes to step through
SNIFF_BYTES = 1 << 20
ITER_CHUNK = 65_536
VITALS = list(Vital)
VITAL_INDEX = {v: i for i, v in enumerate(VITALS)}


class CsvImportError(ValueError):
    """The CSV cannot be imported; the message names the file, the row and why."""


@dataclass
class CsvSamples:
    """Imported samples in compact arrays; iterate for Sample objects in time order."""

    t_s: np.ndarray
    vital: np.ndarray  # index into VITALS
    value: np.ndarray
    rejected: int
    encoding: str

    def __len__(self) -> int:
        return len(self.t_s)

    @property
    def first_t_s(self) -> float:
        return float(self.t_s[0])

    def between(self, start_s: float = -math.inf, end_s: float = math.inf) -> Iterator[Sample]:
        """Samples with start_s <= t < end_s, in time order, made a chunk at a time."""
        a = int(np.searchsorted(self.t_s, start_s, side="left"))
        b = int(np.searchsorted(self.t_s, end_s, side="left"))
        for c in range(a, b, ITER_CHUNK):  # bounded memory: never all as Python objects
            d = min(c + ITER_CHUNK, b)
            for t, k, x in zip(
                self.t_s[c:d].tolist(),
                self.vital[c:d].tolist(),
                self.value[c:d].tolist(),
                strict=True,
            ):
                yield Sample(t, VITALS[k], x)

    def __iter__(self) -> Iterator[Sample]:
        return self.between()

    def nibp(self) -> list[Sample]:
        """Only the cuff samples (few: one reading every few minutes)."""
        mask = np.isin(self.vital, [VITAL_INDEX[v] for v in VITALS if v.is_nibp])
        return [
            Sample(t, VITALS[k], x)
            for t, k, x in zip(
                self.t_s[mask].tolist(),
                self.vital[mask].tolist(),
                self.value[mask].tolist(),
                strict=True,
            )
        ]


def detect_encoding(path: Path) -> str:
    """utf-8-sig, utf-16 (BOM) or cp1252, judged from the first megabyte; error if binary."""
    try:
        with path.open("rb") as handle:
            head = handle.read(SNIFF_BYTES)
    except OSError as exc:
        raise CsvImportError(f"{path}: cannot read ({exc.strerror})") from exc
    if head.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        return "utf-16"
    if b"\x00" in head:
        raise CsvImportError(f"{path.name}: not a text file (it holds NUL bytes): not a CSV")
    try:
        head.decode("utf-8")
        return "utf-8-sig"
    except UnicodeDecodeError as exc:
        if exc.start >= len(head) - 3 and len(head) == SNIFF_BYTES:
            return "utf-8-sig"  # a character cut at the sniff boundary
    try:
        head.decode("cp1252")
        return "cp1252"
    except UnicodeDecodeError:
        raise CsvImportError(
            f"{path.name}: text encoding not recognized (not UTF-8, UTF-16 or Windows-1252); "
            "save it as UTF-8"
        ) from None


def read_csv_samples(
    path: Path, columns: dict[Vital, str], zero_is_missing: bool, time_column: str = "time_s"
) -> CsvSamples:
    """Stream `path` into CsvSamples; CsvImportError (with the row) for what cannot be used."""
    encoding = detect_encoding(path)
    t_out, k_out, x_out = array("d"), array("b"), array("d")
    rejected = 0
    row_number = 1
    reader = None
    try:
        with path.open(newline="", encoding=encoding) as handle:
            reader = csv.reader(handle)
            header = next(reader, [])
            index = {name.strip(): i for i, name in enumerate(header)}
            missing = [c for c in [time_column, *columns.values()] if c not in index]
            if missing:
                raise CsvImportError(
                    f"{path.name}: no column {', '.join(missing)} (it has: {', '.join(header)})"
                )
            t_col = index[time_column]
            wanted = [(VITAL_INDEX[v], v, index[c]) for v, c in columns.items()]
            for row in reader:
                row_number = reader.line_num
                if not row:
                    continue
                if max(map(len, row)) > MAX_CELL_CHARS:
                    raise CsvImportError(
                        f"{path.name}, row {row_number}: a cell is longer than "
                        f"{MAX_CELL_CHARS} characters: not vitals data"
                    )
                t_text = row[t_col].strip() if t_col < len(row) else ""
                try:
                    t_s = float(t_text)
                except ValueError:
                    rejected += 1  # a time that is no number: the row is unusable
                    continue
                if not 0.0 <= t_s <= MAX_TIME_S:  # nan fails too; the one rule says why
                    try:
                        check_number(t_s, path.name, time_column, 0, MAX_TIME_S, row_number)
                    except ConfigError as exc:
                        raise CsvImportError(
                            f"{path.name}, row {row_number}: {time_column} {exc.reason}"
                        ) from None
                width = len(row)
                for k, vital, col in wanted:
                    cell = row[col] if col < width else ""
                    if not cell or not (cell := cell.strip()):
                        continue
                    try:
                        value = float(cell)
                    except ValueError:
                        rejected += 1
                        continue
                    if value == 0.0 and zero_is_missing:
                        continue
                    if not is_plausible(vital, value):
                        rejected += 1
                        continue
                    t_out.append(t_s)
                    k_out.append(k)
                    x_out.append(value)
    except UnicodeDecodeError as exc:
        raise CsvImportError(
            f"{path.name}, after row {row_number}: not valid {encoding} text ({exc.reason}); "
            "save it as UTF-8"
        ) from None
    except csv.Error as exc:
        row_number = reader.line_num if reader is not None else row_number
        raise CsvImportError(f"{path.name}, row {row_number}: not a readable CSV ({exc})") from None
    except OSError as exc:
        raise CsvImportError(f"{path}: cannot read ({exc.strerror})") from exc
    t = np.frombuffer(t_out, dtype=np.float64) if t_out else np.empty(0)
    order = np.argsort(t, kind="stable")  # files are usually in order: this is then cheap
    return CsvSamples(
        t[order],
        np.frombuffer(k_out, dtype=np.int8)[order] if k_out else np.empty(0, np.int8),
        np.frombuffer(x_out, dtype=np.float64)[order] if x_out else np.empty(0),
        rejected,
        encoding,
    )
