import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from ketamon.core.vitals import Vital
from ketamon.io.parsers import PARSERS, make_parser
from ketamon.io.parsers.ketamon_text import checksum, format_frame
from ketamon.io.protocol_names import PROTOCOL_NAMES

RAD7 = (
    b"11/30/26 14:05:09 SN=0000012345 SPO2=097% BPM=072 PI=02.85% SPCO=--.-% "
    b"SPMET=--.-% DESAT=-- PIDELTA=+-- ALARM=0000 EXC=000800\r\n"
)
RAD5 = b"09/15/10 15:10:29 SPO2=097% BPM=064 PI=11.82% ALARM=20 EXC=800\r\n"


# ---- Masimo --------------------------------------------------------------------------------


def test_masimo_example_line_from_the_issue():
    parser = make_parser("masimo-ascii")
    (frame,) = parser.feed(RAD7)
    assert frame.values == {Vital.SPO2: 97.0, Vital.HR: 72.0}
    assert frame.technical == {"sensor_off": (False, "")}
    assert parser.stats.frames == 1 and parser.stats.rejected == 0


def test_masimo_radical5_fields_are_keyed_by_name():
    (frame,) = make_parser("masimo-ascii").feed(RAD5)
    assert frame.values == {Vital.SPO2: 97.0, Vital.HR: 64.0}


def test_masimo_dash_filled_values_give_no_sample():
    line = RAD7.replace(b"SPO2=097%", b"SPO2=---%").replace(b"BPM=072", b"BPM=---")
    (frame,) = make_parser("masimo-ascii").feed(line)
    assert frame.values == {}


@pytest.mark.parametrize(
    ("exc", "detail"),
    [(b"000001", "no sensor"), (b"000020", "sensor off"), (b"001000", "no cable")],
)
def test_masimo_sensor_exceptions(exc, detail):
    (frame,) = make_parser("masimo-ascii").feed(RAD7.replace(b"000800", exc))
    assert frame.technical["sensor_off"] == (True, detail)
    assert frame.values == {}  # SPO2=097 beside a sensor exception is not a measurement


def test_lines_split_across_reads_are_joined():
    parser = make_parser("masimo-ascii")
    frames = []
    for i in range(0, len(RAD7 * 3), 7):
        frames += parser.feed((RAD7 * 3)[i : i + 7])
    assert len(frames) == 3


@pytest.mark.parametrize(
    "garbage",
    [
        b"\x00\xff\xfe binary \x01\x02\r\n",
        b"SPO2=097% BPM=072\r\n",  # no date and time
        b"11/30/26 14:05:09 SPO2=0x7% BPM=072\r\n",
        b"11/30/26 14:05:09 SPO2=097% BPM=072 EXC=zz\r\n",
        b"11/30/26 14:05:09 PI=02.85%\r\n",  # nothing we use
    ],
)
def test_malformed_lines_are_rejected_and_counted(garbage):
    parser = make_parser("masimo-ascii")
    frames = parser.feed(garbage + RAD7)
    assert len(frames) == 1  # the good line after the bad one still counts
    assert parser.stats.rejected_frames == 1


def test_impossible_values_are_rejected_as_artefact():
    parser = make_parser("masimo-ascii")
    (frame,) = parser.feed(RAD7.replace(b"BPM=072", b"BPM=999"))
    assert frame.values == {Vital.SPO2: 97.0}
    assert parser.stats.implausible_values == 1


def test_endless_garbage_without_line_ends_is_discarded():
    parser = make_parser("masimo-ascii")
    assert parser.feed(b"x" * 5000) == []
    assert parser.stats.discarded_bytes == 5000
    assert len(parser.feed(RAD7)) == 1


# ---- ketamon text --------------------------------------------------------------------------


def test_ketamon_text_round_trip():
    parser = make_parser("ketamon-text")
    data = format_frame([("HR", "72"), ("SPO2", "98"), ("RR", "14")])
    data += format_frame([("NIBP", "128/80/96")])
    data += format_frame([("SENSOR", "OFF")])
    hr, nibp, sensor = parser.feed(data)
    assert hr.values == {Vital.HR: 72, Vital.SPO2: 98, Vital.RR: 14}
    assert nibp.values == {Vital.SBP: 128, Vital.DBP: 80, Vital.MAP: 96}
    assert sensor.technical == {"sensor_off": (True, "sensor off")}


def test_ketamon_text_checksum_is_nmea_xor():
    assert checksum("KTM1,HR=72") == f"{_xor(b'KTM1,HR=72'):02X}"
    assert format_frame([("HR", "72")]).startswith(b"$KTM1,HR=72*")


def _xor(data: bytes) -> int:
    value = 0
    for b in data:
        value ^= b
    return value


def test_ketamon_text_bad_checksum_is_rejected():
    parser = make_parser("ketamon-text")
    good = format_frame([("HR", "72")])
    bad = good.replace(b"72", b"73")
    assert parser.feed(bad) == []
    assert parser.stats.rejected_frames == 1


def test_ketamon_text_half_an_impossible_nibp_is_no_reading():
    parser = make_parser("ketamon-text")
    (frame,) = parser.feed(format_frame([("NIBP", "400/80/96"), ("HR", "70")]))
    assert frame.values == {Vital.HR: 70}
    assert parser.stats.implausible_values == 1


def test_unknown_keys_are_ignored_for_forward_compatibility():
    (frame,) = make_parser("ketamon-text").feed(format_frame([("HR", "70"), ("TEMP", "36.8")]))
    assert frame.values == {Vital.HR: 70}


def test_unknown_protocol_name():
    with pytest.raises(ValueError, match="unknown protocol 'philips'"):
        make_parser("philips")


# ---- properties ------------------------------------------------------------------------------


def _valid_lines(name):
    if name == "masimo-ascii":
        return st.sampled_from([RAD7, RAD5])
    return st.builds(
        lambda hr, spo2: format_frame([("HR", str(hr)), ("SPO2", str(spo2))]),
        st.integers(20, 250),
        st.integers(50, 100),
    )


def _mutate(data: bytes, flips: list[tuple[int, int]]) -> bytes:
    out = bytearray(data)
    for position, byte in flips:
        if out:
            out[position % len(out)] = byte
    return bytes(out)


@pytest.mark.parametrize("name", list(PARSERS))
@settings(max_examples=300, deadline=None)
@given(data=st.data())
def test_random_and_mutated_streams_never_raise_and_invent_nothing(name, data):
    lines = data.draw(st.lists(_valid_lines(name), max_size=5))
    stream = b"".join(lines)
    flips = data.draw(st.lists(st.tuples(st.integers(0, 10_000), st.integers(0, 255)), max_size=8))
    stream = _mutate(stream, flips) + data.draw(st.binary(max_size=200))
    chunks = data.draw(st.lists(st.integers(1, 64), max_size=20))
    parser = make_parser(name)
    frames = []
    position = 0
    for size in chunks + [len(stream)]:
        frames += parser.feed(stream[position : position + size])
        position += size
    text = stream.decode("latin-1")
    for frame in frames:
        for vital, value in frame.values.items():
            # Every value that comes out is written in the input, digit for digit.
            assert f"{value:g}" in text or f"{int(value):03d}" in text, (vital, value)
    stats = parser.stats
    assert stats.frames == len(frames)


def test_the_protocol_page_examples_parse():
    """docs/ketamon-protocol.md is the spec: its example frames must be valid."""
    from pathlib import Path

    page = (Path(__file__).parents[2] / "docs" / "ketamon-protocol.md").read_text()
    block = page.split("## Examples")[1].split("```")[1]
    lines = [line for line in block.splitlines() if line.startswith("$KTM1")]
    assert len(lines) == 3
    parser = make_parser("ketamon-text")
    frames = parser.feed("".join(line + "\r\n" for line in lines).encode())
    assert len(frames) == 3 and parser.stats.rejected == 0


def test_the_command_lines_protocol_names_are_the_parsers():
    # The command line offers these names without importing the parsers (startup).
    assert sorted(PROTOCOL_NAMES) == sorted(PARSERS)
