"""GE Datex-Ohmeda S/5 Computer Interface: framing, request, record decoding, emulated monitor.

Byte sequences are built here from the layout in docs/protocols/ge-s5.md (after
the DRI structures published by the open-source VSCapture project,
github.com/xeonfusion/VSCapture, VSCapture/Class1.cs and Class2.cs), with plain
struct offsets, not with the code under test.
"""

import struct

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from ketamon.core.vitals import Vital
from ketamon.io.emulator import Emulator, GeS5Side
from ketamon.io.parsers import make_parser
from ketamon.io.parsers.base import ParserStats
from ketamon.io.parsers.ge_s5 import (
    SILENCE_LIMIT_S,
    FrameSplitter,
    frame_record,
    request_record,
)

T0 = 1_764_547_200  # a monitor clock (Unix s)
INVALID = -32767  # DATA_INVALID
NOT_UPDATED = -32766


def wire(record: bytes) -> bytes:
    """Frame by hand: 0x7E, escaped record + sum checksum, 0x7E (docs: Framing)."""
    body = record + bytes([sum(record) % 256])
    escaped = bytearray()
    for b in body:
        if b in (0x7E, 0x7D):
            escaped += bytes([0x7D, b ^ 0x20])
        else:
            escaped.append(b)
    return b"\x7e" + bytes(escaped) + b"\x7e"


def displayed(
    time_s=T0,
    hr=72,
    sbp=12_000,
    dbp=8_000,
    mean=9_300,
    spo2=9_800,
    pr=72,
    rr=14,
    spo2_status=0b11,
    nibp_label=3,
    cls=0,
) -> bytes:
    """A displayed-values subrecord: u32 time, 270-byte basic class, marker, reserved, class."""
    sub = bytearray(278)
    struct.pack_into("<I", sub, 0, time_s)
    b = 4  # basic class
    struct.pack_into("<IHh", sub, b + 0, 0b11, 0, hr)  # ECG group: status, label, hr (1/min)
    struct.pack_into("<IH4h", sub, b + 72, 0b11, nibp_label, sbp, dbp, mean, INVALID)  # NIBP
    struct.pack_into("<IH2h", sub, b + 118, spo2_status, 0, spo2, pr)  # SpO2 (0.01 %), PR
    struct.pack_into("<IH3h", sub, b + 132, 0b11, 0, 500, 30, rr)  # CO2: et, fi, rr (1/min)
    struct.pack_into("<H", sub, 276, cls << 8 | 1)
    return bytes(sub)


def aux(nibp_time=T0 - 2) -> bytes:
    return struct.pack("<I", nibp_time) + bytes(110)


def record(*subs: tuple[int, bytes], maintype=0) -> bytes:
    """A DRI record: 40-byte header (r_len, ..., r_maintype, 8 subrecord descriptors), data."""
    data = b""
    descriptors = b""
    for kind, body in subs:
        descriptors += struct.pack("<hB", len(data), kind)
        data += body
    descriptors += struct.pack("<hB", 0, 0xFF)
    descriptors = descriptors.ljust(24, b"\0")
    head = struct.pack("<hBBHIBBHh", 40 + len(data), 0, 9, 0, T0, 0, 0, 0, maintype)
    return head + descriptors + data


def phdb(nibp_time=T0 - 2, **fields) -> bytes:
    return record((1, displayed(**fields)), (4, aux(nibp_time)))


# ---- framing ----------------------------------------------------------------------------


def test_framing_escapes_flag_and_escape_bytes_and_appends_the_sum():
    rec = bytes([0x01, 0x7E, 0x02, 0x7D, 0x03])
    checksum = (1 + 0x7E + 2 + 0x7D + 3) % 256
    assert frame_record(rec) == b"\x7e\x01\x7d\x5e\x02\x7d\x5d\x03" + bytes([checksum]) + b"\x7e"
    assert frame_record(rec) == wire(rec)


def test_splitter_unescapes_checks_and_survives_byte_by_byte_delivery():
    rec = bytes(range(120, 140))  # contains 0x7D and 0x7E
    splitter = FrameSplitter(ParserStats())
    out = []
    for b in b"noise" + wire(rec) + wire(rec):
        out += splitter.feed(bytes([b]))
    assert out == [rec, rec]
    assert splitter.stats.discarded_bytes == 5 and splitter.stats.rejected_frames == 0


@pytest.mark.parametrize(
    "bad",
    [
        lambda w: w[:-2] + bytes([w[-2] ^ 1]) + w[-1:],  # checksum off by one bit
        lambda w: w[:3] + b"\x7d\x41" + w[3:],  # unknown escape
        lambda w: w[:-2] + b"\x7d" + w[-1:],  # escape before the closing flag
    ],
)
def test_corrupted_frames_are_rejected_and_counted(bad):
    parser = make_parser("ge-s5")
    assert parser.feed(bad(wire(phdb()))) == []
    assert parser.stats.rejected_frames == 1
    assert parser.feed(wire(phdb(nibp_time=T0)))[0].values  # and the next one is fine


# ---- the request ------------------------------------------------------------------------


def test_on_connect_asks_for_displayed_values_and_aux_info_every_5_s():
    parser = make_parser("ge-s5")
    assert (parser.default_baud, parser.default_parity, parser.rtscts) == (19200, "E", True)
    sent = parser.on_connect(0.0)
    (req,) = FrameSplitter(ParserStats()).feed(sent)
    r_len, _, _, _, _, _, _, _, maintype = struct.unpack_from("<hBBHIBBHh", req, 0)
    assert r_len == len(req) == 40 + 2 * 9 and maintype == 0  # DRI_MT_PHDB
    descriptors = [struct.unpack_from("<hB", req, 16 + 3 * i) for i in range(3)]
    assert descriptors == [(0, 0), (9, 0), (0, 0xFF)]  # two requests, end of list
    # phdb_req: phdb_rcrd_type, tx_interval (s), phdb_class_bf (0: basic), reserved
    assert struct.unpack_from("<BhIh", req, 40) == (1, 5, 0, 0)  # DRI_PH_DISPL
    assert struct.unpack_from("<BhIh", req, 49) == (4, 5, 0, 0)  # DRI_PH_AUX_INFO


def test_silence_after_the_request_is_a_link_problem():
    parser = make_parser("ge-s5")
    parser.on_connect(100.0)
    assert parser.link_problem(100.0 + SILENCE_LIMIT_S - 0.5) is None
    parser.feed(wire(phdb()))
    assert parser.link_problem(100.0 + SILENCE_LIMIT_S) is None  # the record counts
    assert "no record" in parser.link_problem(100.0 + 2 * SILENCE_LIMIT_S + 1)


# ---- decoding ---------------------------------------------------------------------------


def test_basic_record_values_in_their_units():
    (frame,) = make_parser("ge-s5").feed(wire(phdb(sbp=12_850, dbp=7_925, mean=9_500)))
    assert frame.values == {
        Vital.HR: 72.0,
        Vital.SPO2: 98.0,
        Vital.RR: 14.0,
        Vital.SBP: 128.5,
        Vital.DBP: 79.25,
        Vital.MAP: 95.0,
    }
    assert frame.technical == {"sensor_off": (False, "")}


@pytest.mark.parametrize("special", [INVALID, NOT_UPDATED, -32763, -32001])
def test_special_values_give_no_sample(special):
    parser = make_parser("ge-s5")
    (frame,) = parser.feed(
        wire(phdb(hr=special, spo2=special, pr=special, rr=special, sbp=special))
    )
    assert frame.values == {}
    assert parser.stats.rejected == 0  # "no data" is not an artefact


def test_impossible_value_is_an_artefact_not_a_sample():
    parser = make_parser("ge-s5")
    (frame,) = parser.feed(
        wire(phdb(hr=-32000, pr=INVALID))
    )  # the lowest valid code, not a heart rate
    assert Vital.HR not in frame.values and parser.stats.implausible_values == 1


def test_pulse_rate_stands_in_when_ecg_has_no_hr():
    (frame,) = make_parser("ge-s5").feed(wire(phdb(hr=INVALID, pr=66)))
    assert frame.values[Vital.HR] == 66.0


def test_a_cuff_reading_is_taken_once_per_measurement_time():
    parser = make_parser("ge-s5")
    first = parser.feed(wire(phdb(nibp_time=T0 - 3)) + wire(phdb(nibp_time=T0 - 3)))
    assert [Vital.SBP in f.values for f in first] == [True, False]
    (again,) = parser.feed(wire(phdb(nibp_time=T0 + 1)))  # same numbers, new measurement
    assert again.values[Vital.SBP] == 120.0


def test_no_cuff_reading_while_measuring_or_when_already_old():
    parser = make_parser("ge-s5")
    (measuring,) = parser.feed(wire(phdb(nibp_label=3 | 1 << 5)))
    assert Vital.SBP not in measuring.values
    (old,) = make_parser("ge-s5").feed(wire(phdb(nibp_time=T0 - 600)))
    assert Vital.SBP not in old.values  # on the screen before we connected


def test_spo2_probe_off_is_a_sensor_alarm_and_no_value():
    (frame,) = make_parser("ge-s5").feed(wire(phdb(spo2_status=0b01)))  # exists, not active
    assert Vital.SPO2 not in frame.values
    assert frame.technical["sensor_off"][0] is True
    assert frame.values[Vital.HR] == 72.0  # ECG still counts


def test_other_classes_and_record_types_are_not_read_as_basic():
    parser = make_parser("ge-s5")
    assert parser.feed(wire(record((1, displayed(cls=1)), (4, aux())))) == []  # ext1 class
    assert parser.feed(wire(record((1, displayed()), maintype=4))) == []  # an alarm record
    assert parser.stats.rejected == 0


def test_a_record_whose_length_field_lies_is_rejected():
    rec = bytearray(phdb())
    struct.pack_into("<h", rec, 0, len(rec) + 10)
    parser = make_parser("ge-s5")
    assert parser.feed(wire(bytes(rec))) == [] and parser.stats.rejected_frames == 1


# ---- fuzz: no exception, no value the input did not carry ----------------------------------


def carried(value: float, data: bytes) -> bool:
    """Whether `value` is a 16-bit field of the (unescaped) input in some documented scale."""
    plain = data.replace(b"\x7d\x5e", b"\x7e").replace(b"\x7d\x5d", b"\x7d")
    candidates = {round(value), round(value * 100)}
    return any(-32768 <= c <= 32767 and struct.pack("<h", c) in plain for c in candidates)


@settings(max_examples=300, deadline=None)
@given(st.binary(max_size=1200))
def test_random_bytes_never_raise(data):
    parser = make_parser("ge-s5")
    for frame in parser.feed(data):
        assert all(carried(v, data) for v in frame.values.values())


@settings(max_examples=300, deadline=None)
@given(st.data())
def test_mutated_records_never_raise_or_invent(data):
    good = wire(phdb(hr=81, spo2=9_650, sbp=14_125, dbp=9_050, mean=10_800))
    raw = bytearray(good * 2)
    for _ in range(data.draw(st.integers(1, 6))):
        at = data.draw(st.integers(0, len(raw) - 1))
        op = data.draw(st.sampled_from(["flip", "drop", "insert"]))
        if op == "flip":
            raw[at] ^= 1 << data.draw(st.integers(0, 7))
        elif op == "drop":
            del raw[at]
        else:
            raw.insert(at, data.draw(st.integers(0, 255)))
    parser = make_parser("ge-s5")
    for frame in parser.feed(bytes(raw)):
        assert all(carried(v, bytes(raw)) for v in frame.values.values())


# ---- the emulated monitor ----------------------------------------------------------------


def test_emulated_monitor_is_silent_until_asked_then_sends_every_interval(resources):
    emulator = Emulator.demo(resources, "ge-s5", seed=3, nibp_interval_s=60)
    assert isinstance(emulator.side, GeS5Side)
    assert b"".join(emulator.next_second() for _ in range(20)) == b""  # not asked yet
    parser = make_parser("ge-s5")
    emulator.receive(parser.on_connect(0.0))
    frames = []
    for _ in range(300):
        frames += parser.feed(emulator.next_second())
    assert parser.stats.frames == 61 and parser.stats.rejected == 0  # at once, then every 5 s
    got = [(vital, value) for f in frames for vital, value in f.values.items()]
    sent = [(s.vital, s.value) for s in emulator.side.sent]
    assert got == sent  # exactly what went on the wire, in order
    assert sum(v is Vital.SBP for v, _ in got) == 5  # a cuff reading a minute, each once
    emulator.receive(frame_record(request_record(0)))
    assert b"".join(emulator.next_second() for _ in range(20)) == b""  # interval 0: stop


def test_emulated_probe_off_sends_no_spo2(resources):
    emulator = Emulator.demo(resources, "ge-s5", seed=3)
    parser = make_parser("ge-s5")
    emulator.receive(parser.on_connect(0.0))
    emulator.sensor_off = True
    frames = [f for _ in range(10) for f in parser.feed(emulator.next_second())]
    assert frames and all(Vital.SPO2 not in f.values for f in frames)
    assert all(f.technical["sensor_off"][0] for f in frames)
    assert all(s.vital is not Vital.SPO2 for s in emulator.side.sent)


def test_every_protocol_calls_a_silent_link_lost_before_the_no_data_alarm():
    """Cause before consequence: "source lost" must be raised before "no data" starts."""
    from ketamon.io.parsers import PARSERS
    from ketamon.resources_loading import load_clinical_resources

    no_data_s = load_clinical_resources().alarm_profile.technical.no_data_s
    limits = {name: make_parser(name).silence_limit_s for name in PARSERS}
    assert limits["ge-s5"] is not None and limits["intellivue"] is not None
    for name, limit_s in limits.items():
        assert limit_s is None or limit_s < no_data_s, name
    parser = make_parser("ge-s5")
    parser.on_connect(0.0)
    assert parser.link_problem(no_data_s - 1.0) is not None
