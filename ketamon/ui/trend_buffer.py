"""Trend storage whose plotted size is bounded: min/max bins sized to the x window.

Raw samples are kept in preallocated arrays. What the plot receives is one or two
points per bin (the bin's min and max, in time order: peak decimation done
incrementally), so a redraw costs the same at minute 1 and at hour 8. The bin
width is a power of two seconds, at least window / MAX_BINS; it changes only
when the window doubles, and then the bins are rebuilt from the raw samples.
"""

from __future__ import annotations

import math

import numpy as np

MAX_BINS = 500  # about one bin per horizontal pixel of a trend plot


def bin_width_s(window_s: float, sample_period_s: float = 1.0) -> float:
    """Smallest power-of-two multiple of the sample period giving <= MAX_BINS bins."""
    if window_s <= MAX_BINS * sample_period_s:
        return 0.0  # one bin per sample: no decimation needed
    return sample_period_s * 2.0 ** math.ceil(math.log2(window_s / (MAX_BINS * sample_period_s)))


class _Grow:
    """A preallocated float array that doubles when full (rare: past the planned hours).

    Only `data[:n]` is ever read, so the rest is left unwritten (np.empty): filling six
    trends' buffers with NaN was a few ms of the first frame, in memory never read.
    """

    def __init__(self, capacity: int):
        self.data = np.empty(capacity)
        self.n = 0

    def push(self, value: float) -> None:
        if self.n == len(self.data):
            self.data = np.concatenate([self.data, np.empty(len(self.data))])
        self.data[self.n] = value
        self.n += 1


class TrendBuffer:
    """Samples in, bounded plot-ready (x, y) out; x in minutes, NaN rows mark gaps.

    `gap_min`: a silence longer than this breaks the line, so a pulled cable shows
    as a gap, never as a straight line across the missing time.
    """

    def __init__(self, capacity: int = 65536, gap_min: float | None = None):
        self._raw_x = _Grow(capacity)
        self._raw_y = _Grow(capacity)
        self._out_x = _Grow(4 * MAX_BINS)
        self._out_y = _Grow(4 * MAX_BINS)
        self._gap_min = gap_min
        self._bin_min = 0.0
        self._reset_bin()
        self.version = 0  # bumps on every change, so a view redraws only when needed
        # Bumps when a bin completes (or everything is rebinned): the completed part of
        # the output changed, so a view redraws its cached path of completed bins.
        self.done_version = 0

    def __len__(self) -> int:
        return self._raw_x.n

    @property
    def bin_min(self) -> float:
        return self._bin_min

    def set_bin_width(self, bin_min: float) -> None:
        """Rebin every raw sample at a new width (minutes; 0 keeps every sample)."""
        if bin_min == self._bin_min:
            return
        self._bin_min = bin_min
        self._out_x.n = self._out_y.n = 0
        self._reset_bin()
        xs = self._raw_x.data[: self._raw_x.n].copy()
        ys = self._raw_y.data[: self._raw_y.n].copy()
        last_x = None
        for x, y in zip(xs, ys, strict=True):
            self._bin(x, y, last_x)
            last_x = x
        self.version += 1
        self.done_version += 1

    def append(self, x_min: float, y: float) -> None:
        last_x = self._raw_x.data[self._raw_x.n - 1] if self._raw_x.n else None
        self._raw_x.push(x_min)
        self._raw_y.push(y)
        self._bin(x_min, y, last_x)
        self.version += 1

    def load(self, x_min: np.ndarray, y: np.ndarray) -> None:
        """Replace everything with these samples at once (replay open and seek).

        Vectorized; gives exactly what appending them one by one gives.
        """
        x_min = np.asarray(x_min, dtype=float)
        y = np.asarray(y, dtype=float)
        n = len(x_min)
        self._raw_x = _Grow(max(n * 2, 1024))
        self._raw_y = _Grow(max(n * 2, 1024))
        self._raw_x.data[:n], self._raw_y.data[:n] = x_min, y
        self._raw_x.n = self._raw_y.n = n
        self._reset_bin()
        self.version += 1
        self.done_version += 1
        if n == 0:
            self._out_x.n = self._out_y.n = 0
            return
        gap = np.zeros(n, dtype=bool)
        if self._gap_min is not None:
            gap[1:] = np.diff(x_min) > self._gap_min
        bins = x_min if self._bin_min == 0 else np.floor(x_min / self._bin_min)
        starts = np.ones(n, dtype=bool)
        starts[1:] = (bins[1:] != bins[:-1]) | gap[1:]
        segment = np.cumsum(starts) - 1
        index = np.arange(n)
        # First occurrence of each segment's min and max, as the incremental rule keeps.
        low = np.lexsort((index, y, segment))
        high = np.lexsort((index, -y, segment))
        first = np.flatnonzero(np.r_[True, segment[low][1:] != segment[low][:-1]])
        low_i, high_i = low[first], high[first]
        pairs = np.stack([np.minimum(low_i, high_i), np.maximum(low_i, high_i)], axis=1)
        single = pairs[:, 0] == pairs[:, 1]
        seg_starts = np.flatnonzero(starts)
        # Each segment's rows, in order: a gap row (x, NaN) if a gap opens it, its min
        # and max points in time order (one point when they are the same sample).
        gapped = gap[seg_starts]
        counts = gapped.astype(int) + 1 + (~single).astype(int)
        first_row = np.cumsum(counts) - counts
        m = int(counts.sum())
        self._out_x = _Grow(max(4 * MAX_BINS, 2 * m))
        self._out_y = _Grow(max(4 * MAX_BINS, 2 * m))
        out_x, out_y = self._out_x.data, self._out_y.data
        out_x[first_row[gapped]] = x_min[seg_starts[gapped]]
        out_y[first_row[gapped]] = np.nan
        i_row = first_row + gapped
        out_x[i_row], out_y[i_row] = x_min[pairs[:, 0]], y[pairs[:, 0]]
        j_row, j = i_row[~single] + 1, pairs[~single, 1]
        out_x[j_row], out_y[j_row] = x_min[j], y[j]
        self._out_x.n = self._out_y.n = m
        # Continue appending into the last segment exactly as if appended one by one.
        last = len(pairs) - 1
        self._bin_index = x_min[-1] if self._bin_min == 0 else bins[-1]
        self._bin_slot = m - (1 if single[last] else 2)
        self._bin_points = [
            (x_min[low_i[last]], y[low_i[last]]),
            (x_min[high_i[last]], y[high_i[last]]),
        ]

    def view(self) -> tuple[np.ndarray, np.ndarray]:
        """Views (no copies) of the plot-ready points."""
        return self._out_x.data[: self._out_x.n], self._out_y.data[: self._out_y.n]

    def done_view(self) -> tuple[np.ndarray, np.ndarray]:
        """The points of completed bins (they change only when done_version does)."""
        return self._out_x.data[: self._bin_slot], self._out_y.data[: self._bin_slot]

    def open_view(self) -> tuple[np.ndarray, np.ndarray]:
        """The open bin's points, after the last completed point (so the line joins)."""
        start = max(0, self._bin_slot - 1)
        return (
            self._out_x.data[start : self._out_x.n],
            self._out_y.data[start : self._out_y.n],
        )

    # ---- binning --------------------------------------------------------------------

    def _reset_bin(self) -> None:
        self._bin_index: float | None = None
        self._bin_slot = 0
        self._bin_points: list[tuple[float, float]] = []

    def _bin(self, x: float, y: float, last_x: float | None) -> None:
        if self._gap_min is not None and last_x is not None and x - last_x > self._gap_min:
            self._out_x.push(x)
            self._out_y.push(np.nan)
            self._reset_bin()
        index = x if self._bin_min == 0 else math.floor(x / self._bin_min)
        if index != self._bin_index:
            self._bin_index = index
            self._bin_slot = self._out_x.n
            self.done_version += 1
            self._bin_points = [(x, y), (x, y)]  # (min point, max point)
            self._out_x.push(x)
            self._out_y.push(y)
            return
        low, high = self._bin_points
        if y < low[1]:
            low = (x, y)
        if y > high[1]:
            high = (x, y)
        self._bin_points = [low, high]
        points = sorted({low, high})
        # Rewrite this bin's one or two slots at the tail of the output.
        self._out_x.n = self._out_y.n = self._bin_slot
        for px, py in points:
            self._out_x.push(px)
            self._out_y.push(py)
