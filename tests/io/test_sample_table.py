"""Reading a recording's samples in bulk equals reading them row by row, and the
recorder's many-rows-a-statement inserts keep every row, in order.

The bulk reader (io/sample_table.py) is taken when every column has the recorder's
types; the row-by-row reader otherwise. Both must keep the same rows and refuse the
same ones with the same words, whatever a damaged or foreign file holds.
"""

import math
import sqlite3

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from ketamon.core.session import SessionEvent
from ketamon.core.vitals import Sample, Vital
from ketamon.io.recorder import SAMPLE_ROWS_PER_INSERT, Recorder
from ketamon.io.recording import Recording
from ketamon.io.sample_table import MAX_SESSION_S, _read_row_by_row, read_sample_rows

NAMES = [v.value for v in Vital]

good_row = st.tuples(
    st.integers(1, 10**6),
    st.floats(-MAX_SESSION_S, MAX_SESSION_S),
    st.sampled_from(NAMES),
    st.floats(-300, 300) | st.integers(-300, 300),
)
odd_row = st.tuples(
    st.integers(1, 10**6) | st.floats(allow_nan=True) | st.none() | st.text(max_size=3),
    st.floats(allow_nan=True, allow_infinity=True) | st.integers() | st.none(),
    st.sampled_from([*NAMES, "bp", "", "HR"]) | st.none() | st.integers(0, 5),
    st.floats(allow_nan=True, allow_infinity=True) | st.integers(-(2**62), 2**62) | st.none(),
)
# Damage within the recorder's types (a time past a week, a NaN value, an unknown
# vital) keeps the bulk path; any other type in a column takes the row-by-row one.
typed_damage = st.tuples(
    st.integers(1, 10**6),
    st.floats(allow_nan=True, allow_infinity=True),
    st.sampled_from([*NAMES, "bp", ""]),
    st.floats(allow_nan=True, allow_infinity=True),
)


def _both(rows):
    refused_bulk, refused_slow = [], []
    bulk = read_sample_rows(rows, refused_bulk.append)
    slow = _read_row_by_row(rows, refused_slow.append)
    return bulk, slow, refused_bulk, refused_slow


@settings(max_examples=100, deadline=None)
@given(st.lists(good_row | typed_damage | good_row, max_size=60) | st.lists(odd_row, max_size=20))
def test_bulk_reading_equals_row_by_row(rows):
    bulk, slow, refused_bulk, refused_slow = _both(rows)
    assert refused_bulk == refused_slow
    for column in ("seq", "t_s", "code", "value"):
        np.testing.assert_array_equal(getattr(bulk, column), getattr(slow, column))
        assert getattr(bulk, column).dtype == getattr(slow, column).dtype
    assert bulk.samples() == slow.samples()


def test_samples_keep_their_values_and_order():
    rows = [(3, 2.0, "hr", 70), (1, 1.0, "spo2", 97.5), (2, 1.0, "nope", 1.0)]
    refused = []
    table = read_sample_rows(rows, refused.append)
    assert table.samples() == [Sample(2.0, Vital.HR, 70.0), Sample(1.0, Vital.SPO2, 97.5)]
    assert refused == ["row seq=2 t_s=1.0 'nope'=1.0 refused"]
    assert table.peak(Vital.HR) == 70.0 and table.peak(Vital.SBP) is None


def test_many_rows_a_statement_keep_every_row_in_order(tmp_path):
    """More rows than fill whole statements (and a remainder), with events between."""
    recorder = Recorder(tmp_path / "r.ketamon", {"simulated": True})
    rng = np.random.default_rng(5)
    written = []
    t = 0.0
    for n in (1, SAMPLE_ROWS_PER_INSERT - 1, 3 * SAMPLE_ROWS_PER_INSERT + 7, 2):
        batch = []
        for _ in range(n):
            t += 0.5
            vital = Vital(NAMES[int(rng.integers(len(NAMES)))])
            batch.append(Sample(t, vital, float(np.round(rng.normal(80, 10), 1))))
        recorder._on_samples(batch)
        recorder._on_event(SessionEvent(t, "annotation", f"after {n}", {}))
        written += batch
        assert recorder.flush()
    recorder.close()
    recording = Recording(tmp_path / "r.ketamon")
    assert recording.samples() == written
    stream = recording.stream()
    assert [s for s in stream if isinstance(s, Sample)] == written
    notes = [i for i, s in enumerate(stream) if isinstance(s, SessionEvent)]
    assert [stream[i - 1].t_s for i in notes] == [e.t_s for e in (stream[i] for i in notes)]
    with sqlite3.connect(tmp_path / "r.ketamon") as db:
        seqs = [row[0] for row in db.execute("SELECT seq FROM samples ORDER BY rowid")]
    assert seqs == sorted(seqs) and len(seqs) == len(written)
    assert math.isclose(recording.duration_s(), t)
