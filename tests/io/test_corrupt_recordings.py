"""Random damage to a recording: every reader gives a clear message or salvaged data.

Pages of the SQLite file are overwritten at random; review, replay, the browser
listing and resume must each end with a RecordingError/RebuildError (one clear
message naming the file) or with what could be salvaged, never a traceback of
another kind and never a hang (the hypothesis deadline).
"""

from __future__ import annotations

import shutil
import tempfile
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from ketamon.io.rebuild import RebuildError
from ketamon.io.recording import Recording, RecordingError
from ketamon.io.replay import ReplayData
from ketamon.io.resume import rebuild_for_resume
from ketamon.review import ReviewError, review_recording

PAGE_BYTES = 4096

damage = st.lists(
    st.tuples(
        st.integers(min_value=0, max_value=63),  # page (beyond the end wraps around)
        st.integers(min_value=0, max_value=PAGE_BYTES - 1),  # offset in the page
        st.binary(min_size=1, max_size=64),
    ),
    min_size=1,
    max_size=4,
)


def _corrupt(source: Path, target: Path, hits: list[tuple[int, int, bytes]]) -> None:
    data = bytearray(source.read_bytes())
    pages = max(1, len(data) // PAGE_BYTES)
    for page, offset, junk in hits:
        start = (page % pages) * PAGE_BYTES + offset
        data[start : start + len(junk)] = junk
    target.write_bytes(bytes(data[: len(source.read_bytes())]))


def _clear(exc: Exception, name: str) -> None:
    assert name in str(exc) or "at " in str(exc), f"message does not name the file: {exc}"


@settings(
    max_examples=8,
    deadline=10_000,
    suppress_health_check=[HealthCheck.function_scoped_fixture],
)
@given(hits=damage)
def test_every_reader_survives_random_page_damage(strong_recording, resources, hits):
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "damaged #1.ketamon"
        _corrupt(strong_recording, path, hits)
        try:
            recording = Recording(path)
        except RecordingError as exc:
            _clear(exc, path.name)
            return
        summary = recording.summary()  # the browser's row
        assert summary["path"] == path
        assert len(recording.samples()) + len(recording.events()) > 0 or recording.skipped
        for reader in (
            lambda: review_recording(path, resources),
            lambda: ReplayData(Recording(path), resources),
            lambda: rebuild_for_resume(path, resources),
        ):
            try:
                reader()
            except (RecordingError, RebuildError, ReviewError) as exc:
                _clear(exc, path.name)
            except ValueError as exc:  # resume: 'the recording has no live clock'
                assert "clock" in str(exc) or "time went backwards" in str(exc), exc
        assert sorted(p.name for p in Path(folder).iterdir()) == [path.name]


def test_salvage_keeps_what_is_readable_and_says_what_was_skipped(tmp_path, strong_recording):
    whole = Recording(strong_recording)
    path = tmp_path / "x.ketamon"
    shutil.copyfile(strong_recording, path)
    data = bytearray(path.read_bytes())
    # Damage one page in the middle of the file (a leaf of the samples table).
    middle = (len(data) // PAGE_BYTES // 2) * PAGE_BYTES
    data[middle + 8 : middle + 8 + 200] = b"\xff" * 200
    path.write_bytes(bytes(data))
    try:
        damaged = Recording(path)
    except RecordingError as exc:
        pytest.skip(f"this page held the schema: {exc}")
    assert 0 < len(damaged.samples()) <= len(whole.samples())
    if len(damaged.samples()) < len(whole.samples()):
        assert damaged.skipped_text() and "skipped" in damaged.skipped_text()
