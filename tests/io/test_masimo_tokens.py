"""The Masimo parser remembers each token it has decoded: a line of tokens seen before reads
exactly as a fresh parser (and the regex grammar) reads it, and the memory stays bounded."""

from hypothesis import given, settings
from hypothesis import strategies as st

from ketamon.core.vitals import Vital
from ketamon.io.parsers.masimo import MAX_KNOWN_TOKENS, MasimoAsciiParser
from tests.io.test_masimo_grammar import line, reference


def _read(frame):
    if frame is None:
        return None
    return {v.name.replace("HR", "BPM"): x for v, x in frame.values.items()}, frame.technical


@settings(max_examples=120, deadline=None)
@given(st.lists(line, min_size=2, max_size=12))
def test_one_parser_reads_every_line_as_a_fresh_one(lines):
    seasoned = MasimoAsciiParser()
    for text in lines * 2:  # the second pass reads only remembered tokens
        mine = _read(seasoned.parse_line(text))
        fresh = _read(MasimoAsciiParser().parse_line(text))
        assert mine == fresh
        assert (mine is None) == (reference(text) is None)


def test_a_token_sent_twice_counts_the_last_time_as_before():
    parser = MasimoAsciiParser()
    head = "11/30/26 14:05:09 "
    assert parser.parse_line(head + "SPO2=9x SPO2=097%").values == {Vital.SPO2: 97.0}
    assert parser.parse_line(head + "SPO2=097% SPO2=9x") is None
    assert parser.parse_line(head + "SPO2= SPO2=097%") is None  # an empty value breaks the line
    assert parser.parse_line(head + "SPO2=097% SPO2=---%").values == {}


def test_implausible_values_are_counted_every_time_they_come():
    parser = MasimoAsciiParser()
    for _ in range(3):
        frame = parser.parse_line("11/30/26 14:05:09 SPO2=097% BPM=999 EXC=000800")
        assert frame.values == {Vital.SPO2: 97.0}
    assert parser.stats.implausible_values == 3


def test_endless_new_tokens_keep_the_memory_bounded_and_the_reading_right():
    parser = MasimoAsciiParser()
    for i in range(MAX_KNOWN_TOKENS + 500):
        pi = f"{i // 100:02d}.{i % 100:02d}%"
        frame = parser.parse_line(f"11/30/26 14:05:09 SPO2=0{90 + i % 10}% BPM=072 PI={pi}")
        assert frame.values == {Vital.SPO2: 90.0 + i % 10, Vital.HR: 72.0}
    assert len(parser._known_tokens) <= MAX_KNOWN_TOKENS
