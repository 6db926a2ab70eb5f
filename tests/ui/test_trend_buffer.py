import math

import numpy as np

from ketamon.ui.trend_buffer import MAX_BINS, TrendBuffer, bin_width_s


def fill(buffer, n, period_min=1 / 60, start=0.0, rng=None):
    rng = rng or np.random.default_rng(0)
    values = 70 + rng.normal(0, 5, n)
    for i, v in enumerate(values):
        buffer.append(start + i * period_min, float(v))
    return values


def test_short_windows_keep_every_sample():
    buffer = TrendBuffer()
    values = fill(buffer, 100)
    x, y = buffer.view()
    assert len(x) == 100
    np.testing.assert_array_equal(y, values)


def test_plotted_points_stay_bounded_over_eight_hours():
    window_s = 8 * 3600.0
    buffer = TrendBuffer(gap_min=10 / 60)
    buffer.set_bin_width(bin_width_s(window_s) / 60.0)
    values = fill(buffer, int(window_s))
    x, y = buffer.view()
    assert len(buffer) == int(window_s)
    assert len(x) <= 2 * MAX_BINS
    # Peak decimation keeps every extreme: the alarmable peaks are never smoothed away.
    assert np.nanmax(y) == values.max()
    assert np.nanmin(y) == values.min()


def test_bins_keep_min_and_max_in_time_order():
    buffer = TrendBuffer()
    buffer.set_bin_width(1.0)  # one-minute bins
    for x, y in [(0.1, 5.0), (0.2, 9.0), (0.3, 1.0), (0.4, 4.0)]:
        buffer.append(x, y)
    x, y = buffer.view()
    assert list(x) == [0.2, 0.3]
    assert list(y) == [9.0, 1.0]


def test_a_silence_breaks_the_line_with_nan():
    buffer = TrendBuffer(gap_min=10 / 60)
    fill(buffer, 30)
    fill(buffer, 30, start=5.0)  # five minutes later: cable was out
    x, y = buffer.view()
    gaps = np.flatnonzero(np.isnan(y))
    assert len(gaps) == 1
    assert x[gaps[0] - 1] < 1.0 and x[gaps[0] + 1] == 5.0


def test_rebinning_equals_binning_from_the_start():
    samples = [(i / 60, 70 + (i * 37 % 23)) for i in range(600)]
    samples += [(20 + i / 60, 60 + (i * 11 % 17)) for i in range(600)]  # after a gap
    rebinned, binned = TrendBuffer(gap_min=0.5), TrendBuffer(gap_min=0.5)
    binned.set_bin_width(4 / 60)
    for x, y in samples:
        rebinned.append(x, y)
        binned.append(x, y)
    rebinned.set_bin_width(4 / 60)
    np.testing.assert_array_equal(rebinned.view()[0], binned.view()[0])
    np.testing.assert_array_equal(rebinned.view()[1], binned.view()[1])
    assert len(rebinned.view()[0]) < len(samples)


def test_bin_width_is_a_power_of_two_seconds_and_bounds_the_bins():
    assert bin_width_s(100.0) == 0.0
    for window_s in (3600.0, 6 * 3600.0, 8 * 3600.0, 30 * 3600.0):
        width = bin_width_s(window_s)
        assert math.log2(width).is_integer()
        assert window_s / width <= MAX_BINS
        assert window_s / (width / 2) > MAX_BINS


def test_version_bumps_on_change_only():
    buffer = TrendBuffer()
    v0 = buffer.version
    buffer.append(0.0, 1.0)
    assert buffer.version == v0 + 1
    buffer.set_bin_width(0.0)  # same width: nothing to do
    assert buffer.version == v0 + 1


def test_bulk_load_equals_appending_one_by_one():
    rng = np.random.default_rng(7)
    for bin_min in (0.0, 2 / 60, 32 / 60):
        for _ in range(10):
            n = int(rng.integers(1, 2000))
            steps = rng.choice([1 / 60] * 20 + [0.5, 3.0], size=n)  # some gaps
            x = np.cumsum(steps)
            y = np.round(rng.normal(70, 10, n))
            one_by_one, bulk = TrendBuffer(gap_min=10 / 60), TrendBuffer(gap_min=10 / 60)
            one_by_one.set_bin_width(bin_min)
            bulk.set_bin_width(bin_min)
            for xi, yi in zip(x, y, strict=True):
                one_by_one.append(xi, yi)
            bulk.load(x, y)
            np.testing.assert_array_equal(one_by_one.view()[0], bulk.view()[0])
            np.testing.assert_array_equal(one_by_one.view()[1], bulk.view()[1])
            for buffer in (one_by_one, bulk):  # and they go on identically
                buffer.append(x[-1] + 1 / 60, 99.0)
            np.testing.assert_array_equal(one_by_one.view()[1], bulk.view()[1])


def test_completed_bins_and_open_bin_together_are_the_whole_line():
    """The trends draw completed bins as one cached path and the open bin apart: joined
    at the last completed point, they show exactly the full view, and the completed part
    is announced changed (done_version) only when a bin completes."""
    rng = np.random.default_rng(3)
    buffer = TrendBuffer(gap_min=10 / 60)
    buffer.set_bin_width(4 / 60)
    x = 0.0
    done_changes = 0
    for i in range(3000):
        x += 1 / 60 if i % 700 else 0.5  # a gap now and then
        before = (buffer.done_version, *(a.copy() for a in buffer.done_view()))
        buffer.append(x, float(np.round(rng.normal(70, 10))))
        done_x, done_y = buffer.done_view()
        open_x, open_y = buffer.open_view()
        full_x, full_y = buffer.view()
        joined_x = np.concatenate([done_x, open_x[1:] if len(done_x) else open_x])
        joined_y = np.concatenate([done_y, open_y[1:] if len(done_y) else open_y])
        np.testing.assert_array_equal(joined_x, full_x)
        np.testing.assert_array_equal(joined_y, full_y)
        if buffer.done_version == before[0]:  # unchanged: the cached path is still right
            np.testing.assert_array_equal(done_x, before[1])
            np.testing.assert_array_equal(done_y, before[2])
        else:
            done_changes += 1
    assert done_changes < 3000 / 3  # about once a bin (4 samples), not every sample
