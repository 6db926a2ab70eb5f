"""IntelliVue Data Export: framing, checksum, messages and the host's link state, byte by byte.

Byte sequences are written out from the Philips "Data Export Interface Programming
Guide" (IntelliVue, protocol stack and message layouts); the association request,
extended poll request, MDS create result, keep-alive poll, release and abort are
the guide's own examples, as also published in VSCaptureMP (DataConstants).
"""

import math

import pytest

from ketamon.core.vitals import Vital
from ketamon.io.emulator_intellivue import IntelliVueSide
from ketamon.io.parsers import intellivue_export as export
from ketamon.io.parsers import intellivue_messages as msgs
from ketamon.io.parsers import make_parser
from ketamon.io.parsers.intellivue import IntelliVueParser, IntelliVueTiming, LinkState
from ketamon.io.parsers.intellivue_frames import Deframer, escape, fcs16, fcs_bytes, frame, unescape

# ---- framing and FCS (RFC 1662) -------------------------------------------------------


def test_fcs_is_the_ppp_crc():
    # RFC 1662's FCS-16 is the CRC catalogue's CRC-16/X-25: check value 0x906E for "123456789".
    assert fcs16(b"123456789") ^ 0xFFFF == 0x906E
    # Sent least significant byte first; the CRC over data and FCS is the "good FCS" 0xF0B8.
    assert fcs_bytes(b"123456789") == bytes([0x6E, 0x90])
    assert fcs16(b"123456789" + fcs_bytes(b"123456789")) == 0xF0B8


def test_escaping_of_the_three_special_bytes():
    assert escape(b"\xc0\xc1\x7d\x11") == b"\x7d\xe0\x7d\xe1\x7d\x5d\x11"
    assert unescape(b"\x7d\xe0\x7d\xe1\x7d\x5d\x11") == b"\xc0\xc1\x7d\x11"
    assert unescape(b"\x11\x7d") is None  # 0x7D just before EOF: an aborted frame


def test_a_frame_is_bof_header_data_fcs_eof():
    wire = frame(b"\x0d\x00")
    body = bytes([0x11, 0x01, 0x00, 0x02, 0x0D, 0x00])  # protocol 0x11, type 0x01, length 2
    assert wire == b"\xc0" + escape(body + fcs_bytes(body)) + b"\xc1"
    assert Deframer().push(wire) == [b"\x0d\x00"]


def test_stuffed_bytes_inside_a_frame_survive_and_reads_may_split_anywhere():
    payload = bytes(range(0xB8, 0xD0)) + b"\x7d\x7d\xc0"
    wire = b"noise" + frame(payload) + b"\x00" + frame(payload)
    for cut in range(len(wire)):
        deframer = Deframer()
        assert deframer.push(wire[:cut]) + deframer.push(wire[cut:]) == [payload, payload]
    assert wire.count(0xC0) == 2  # stuffing left only the real frame starts


def test_bad_frames_are_counted_and_the_next_good_one_is_kept():
    good = frame(b"\x0d\x00")
    corrupt = bytearray(good)
    corrupt[3] ^= 0x01
    aborted = good[:-1] + b"\x7d\xc1"
    deframer = Deframer()
    assert deframer.push(bytes(corrupt) + aborted + good[:4] + good) == [b"\x0d\x00"]
    assert deframer.stats.bad_frames == 3  # bad FCS, abort sequence, cut off by a new BOF


# ---- association and data export messages, from the guide's examples ------------------

GUIDE_ASSOCIATION_REQUEST = bytes.fromhex(
    "0dec0508130100160102800014020002c1dc3180a0808001010000a280a003000001a480308002010106"
    "0452010001308006025101000000003080020102060c2a8648ce14020100000001013080060c2a8648ce"
    "140201000000020100000000000061803080020101a0806080a180060c2a8648ce140201000000030100"
    "00be802880060c2a8648ce140201000000010102010281"
    "48"  # length of MDSEUserInfoStd
    "80000000 40000000 00000000 80000000 20000000"  # version, nomenclature, FUs, client, cold
    "0000 0000"  # option list: empty
    "0001 002c 0001 0028"  # one application profile: NOM_POLL_PROFILE_SUPPORT, 40 bytes
    "80000000 000009c4 000009c4 000003e8 ffffffff 60000000"  # rev 0, 312.5 ms, MTUs, bw, opts
    "0001 000c f001 0008 8c000000 0000 0000"  # NOM_ATTR_POLL_PROFILE_EXT: 1 s numerics
    "00000000000000000000000000000000"  # presentation trailer
)
GUIDE_EXT_POLL_REQUEST = bytes.fromhex(
    "e100 0002 0001 0020 0001 0007 001a 0021 0000 0000 00000000 f13b 000c"
    "0001 0001 0006 0000 0000 0000"  # poll 1, NOM_PART_OBJ/NOM_MOC_VMO_METRIC_NU, all attrs
)
GUIDE_MDS_CREATE_RESULT = bytes.fromhex(
    "e100 0002 0002 0014 0001 0001 000e 0021 0000 0000 000abd00 0d06 0000"
)
GUIDE_KEEP_ALIVE = bytes.fromhex(
    "e100 0002 0001 001c 0001 0007 0016 0021 0000 0000 00000000 0c16 0008 0001 0001 0021 080c"
)
GUIDE_RELEASE_REQUEST = bytes.fromhex("0918c1166180308002 0101a0806280800100 0000000000000000")
GUIDE_ABORT = bytes.fromhex(
    "192e110103c129a080a0803080020101060251010000000061803080020101a080648080010100"
    "000000000000000000"
)


def test_the_host_messages_are_the_guides_byte_for_byte():
    assert msgs.association_request() == GUIDE_ASSOCIATION_REQUEST
    assert export.ext_poll_request(1, 1) == GUIDE_EXT_POLL_REQUEST
    assert export.event_report_result(1, now_ticks=0x000ABD00) == GUIDE_MDS_CREATE_RESULT
    assert export.keep_alive_request(1, 1) == GUIDE_KEEP_ALIVE
    assert msgs.release_request() == GUIDE_RELEASE_REQUEST
    assert msgs.abort() == GUIDE_ABORT


def test_session_messages_are_recognised_and_checked_by_their_length_indicator():
    assert msgs.session_kind(GUIDE_ASSOCIATION_REQUEST) == "request"
    assert msgs.session_kind(msgs.association_accept()) == "accepted"
    assert msgs.session_kind(msgs.association_refuse()) == "refused"
    assert msgs.session_kind(GUIDE_ABORT) == "abort"
    assert msgs.session_kind(GUIDE_RELEASE_REQUEST) == "release"
    assert msgs.session_kind(GUIDE_ABORT[:-1]) is None  # LI says one byte more
    assert msgs.session_kind(b"\xe1\x00") is None


# An extended poll result written out field by field from the guide's layouts
# (SPpdu, ROapdus, RORSapdu, ActionResult, ExtPollMdibDataReply, SingleContextPoll,
# ObservationPoll, AVA, NuObsValue, NuObsValueCmp, AbsoluteTime).
POLL_RESULT = bytes.fromhex(
    "e100 0002"  # SPpdu: session id, presentation context 2
    "0002 007c"  # ROapdus: RORS_APDU, 124 bytes
    "0005 0007 0076"  # RORSapdu: invoke 5, CMD_CONFIRMED_ACTION, 118 bytes
    "0021 0000 0000 f13b 006c"  # ActionResult: MDS, NOM_ACT_POLL_MDIB_DATA_EXT, 108 bytes
    "0005 0000 00001f40"  # poll number 5, sequence 0, relative time 1 s (8000 x 125 us)
    "2026120108000000"  # absolute time 2026-12-01 08:00:00.00 (BCD)
    "0001 0006 0000"  # polled NOM_PART_OBJ / NOM_MOC_VMO_METRIC_NU, all attributes
    "0001 0052"  # poll info list: 1 context, 82 bytes
    "0000 0002 004c"  # context 0: 2 objects, 76 bytes
    "0001 0001 000e"  # object 1, 1 attribute, 14 bytes
    "0950 000a 4182 0000 0aa0 00000048"  # NU_VAL_OBS: ECG HR, state 0, bpm, 72
    "0004 0002 0032"  # object 4, 2 attributes, 50 bytes
    "094b 0022 0003 001e"  # NU_CMPD_VAL_OBS: 3 values, 30 bytes
    "4a05 0000 0f20 00000078"  # NIBP sys 120 mmHg
    "4a06 0000 0f20 00000050"  # NIBP dia 80 mmHg
    "4a07 0000 0f20 0000005d"  # NIBP mean 93 mmHg
    "0990 0008 2026120107553000"  # TIME_STAMP_ABS: measured 07:55:30.00
)


def test_a_poll_result_decodes_to_its_objects():
    message = export.decode_export(POLL_RESULT)
    assert (message.ro_type, message.invoke_id, message.poll_number) == (2, 5, 5)
    hr, nibp = message.objects
    assert hr.handle == 1 and hr.values == [export.NuObs(0x4182, 0, 0x0AA0, 72.0)]
    assert [v.value for v in nibp.values] == [120.0, 80.0, 93.0]
    assert msgs.decode_abs_time(nibp.abs_time).isoformat() == "2026-12-01T07:55:30"


def test_the_emulator_builds_the_same_poll_result():
    objects = [
        export.numeric_object(1, [(0x4182, 0, 0x0AA0, 72)], None),
        export.numeric_object(
            4,
            [(0x4A05, 0, 0x0F20, 120), (0x4A06, 0, 0x0F20, 80), (0x4A07, 0, 0x0F20, 93)],
            bytes.fromhex("2026120107553000"),
        ),
    ]
    built = export.poll_result(5, 5, 8000, bytes.fromhex("2026120108000000"), objects)
    assert built == POLL_RESULT


@pytest.mark.parametrize("cut", [1, 8, 40, len(POLL_RESULT) - 1])
def test_a_truncated_or_padded_poll_result_is_malformed(cut):
    with pytest.raises(msgs.Malformed):
        export.decode_export(POLL_RESULT[:cut])
    with pytest.raises(msgs.Malformed):
        export.decode_export(POLL_RESULT + b"\x00")


# ---- FLOAT-Type -------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("raw", "value"),
    [
        (0x00000048, 72.0),
        (0xFF0002D9, 72.9),  # exponent -1, mantissa 729
        (0xFE000BC5, 30.13),
        (0x00FFFFFF, -1.0),  # negative mantissa (two's complement, 24 bits)
        (0x02000003, 300.0),
        (0xFD7FFFFD, 8388.605),  # the largest ordinary mantissa
    ],
)
def test_float_type_values(raw, value):
    assert msgs.decode_float(raw) == value


def test_float_type_special_values():
    assert math.isnan(msgs.decode_float(0x007FFFFF))  # NaN
    assert math.isnan(msgs.decode_float(0x00800000))  # NRes
    assert msgs.decode_float(0x007FFFFE) == math.inf
    assert msgs.decode_float(0x00800002) == -math.inf
    assert math.isnan(msgs.decode_float(0x00800001))  # reserved


def test_float_type_encoding_round_trips():
    for value, decimals in [(72, 0), (72.9, 1), (-3.25, 2), (0, 0), (98.0, 0)]:
        assert msgs.decode_float(msgs.encode_float(value, decimals)) == value


# ---- the host: values by nomenclature, states, NIBP once --------------------------------


def polled(parser, objects, now_s=0.0):
    """Feed `parser` one poll result carrying `objects`; return the values it took."""
    data = frame(export.poll_result(1, 1, 0, bytes(8), objects))
    frames = parser.feed(data)
    return {k: v for f in frames for k, v in f.values.items()}


def nu(handle, physio_id, value, unit, state=0, when=None):
    return export.numeric_object(handle, [(physio_id, state, unit, value)], when)


def nibp(sys, dia, mean, when, state=0, unit=0x0F20):
    parts = [(0x4A05, state, unit, sys), (0x4A06, state, unit, dia), (0x4A07, state, unit, mean)]
    return export.numeric_object(7, parts, when)


def test_values_by_nomenclature():
    parser = IntelliVueParser()
    values = polled(
        parser,
        [
            nu(1, 0x4182, 80, 0x0AA0),
            nu(2, 0x4BB8, 97, 0x0220),
            nu(3, 0x500A, 16, 0x0AE0),
            nu(9, 0x4BB0, 55, 0x0220),  # an unrelated numeric: ignored
        ],
    )
    assert values == {Vital.HR: 80.0, Vital.SPO2: 97.0, Vital.RR: 16.0}
    assert parser.stats.rejected == 0


def test_heart_rate_prefers_ecg_and_falls_back_to_the_pulse():
    parser = IntelliVueParser()
    pulse = nu(2, 0x4822, 77, 0x0AA0)
    assert polled(parser, [pulse, nu(1, 0x4182, 80, 0x0AA0)]) == {Vital.HR: 80.0}
    ecg_invalid = nu(1, 0x4182, 80, 0x0AA0, state=msgs.STATE_INVALID)
    assert polled(parser, [ecg_invalid, pulse]) == {Vital.HR: 77.0}


@pytest.mark.parametrize(
    "state",
    [
        msgs.STATE_INVALID,
        msgs.STATE_QUESTIONABLE,
        msgs.STATE_UNAVAILABLE,
        msgs.STATE_CALIBRATION_ONGOING,
        msgs.STATE_TEST_DATA,
        msgs.STATE_DEMO_DATA,
        msgs.STATE_MSMT_ONGOING,
    ],
)
def test_a_value_the_monitor_does_not_vouch_for_is_not_taken(state):
    parser = IntelliVueParser()
    assert polled(parser, [nu(1, 0x4182, 80, 0x0AA0, state=state)]) == {}
    assert parser.stats.rejected == 0  # a state, not an artefact


def test_special_and_implausible_values_are_not_taken():
    parser = IntelliVueParser()
    for raw in (msgs.FLOAT_NAN, msgs.FLOAT_NRES, msgs.FLOAT_POS_INFINITY, 0x00000190):
        assert polled(parser, [nu(1, 0x4182, raw, 0x0AA0)]) == {}
    assert parser.stats.implausible_values == 1  # only HR 400
    assert polled(parser, [nu(1, 0x4182, 80, 0x0220)]) == {}  # HR in percent: wrong unit
    assert parser.stats.implausible_values == 2


def test_each_cuff_reading_is_taken_once_by_its_measurement_time():
    parser = IntelliVueParser()
    t1 = bytes.fromhex("2026120108000000")
    t2 = bytes.fromhex("2026120108050000")
    first = polled(parser, [nibp(120, 80, 93, t1)])
    assert first == {Vital.SBP: 120.0, Vital.DBP: 80.0, Vital.MAP: 93.0}
    assert polled(parser, [nibp(120, 80, 93, t1)]) == {}  # repeated by the next poll
    assert polled(parser, [nibp(120, 80, 93, t2)])[Vital.SBP] == 120.0  # same numbers, new cuff
    assert polled(parser, [nibp(150, 95, 113, t2, state=msgs.STATE_MSMT_ONGOING)]) == {}


def test_a_cuff_reading_without_a_valid_time_is_taken_when_it_changes():
    parser = IntelliVueParser()
    assert polled(parser, [nibp(120, 80, 93, None)])[Vital.SBP] == 120.0
    assert polled(parser, [nibp(120, 80, 93, msgs.ABS_TIME_INVALID)]) == {}
    assert polled(parser, [nibp(130, 80, 97, None)])[Vital.SBP] == 130.0


def test_kilopascal_pressures_are_converted():
    parser = IntelliVueParser()
    kpa = 0xFF0000A0  # 16.0 kPa
    values = polled(parser, [nibp(kpa, 0xFF00006A, 0xFF000080, None, unit=0x0F03)])
    assert values[Vital.SBP] == pytest.approx(120.0, abs=0.1)


# ---- the host's link: association, MDS create event, polls, problems ---------------------


def associate(parser, side, now_s=0.0):
    """Run the handshake between `parser` and an emulated `side`; returns (time, host messages)."""
    out = parser.on_connect(now_s)
    host = Deframer()
    sent = host.push(out)
    for _ in range(5):
        parser.feed(side.receive(out, now_s))
        now_s += 0.1
        out = parser.outgoing(now_s)
        sent += host.push(out)
        assert parser.link_problem(now_s) is None
    return now_s, sent


def test_the_host_associates_answers_the_mds_create_event_and_polls():
    parser = make_parser("intellivue")
    assert (parser.default_baud, parser.default_parity, parser.rtscts) == (115200, "N", False)
    side = IntelliVueSide()
    now_s, sent = associate(parser, side)
    assert parser.state is LinkState.POLLING and side.associated
    assert sent[0] == GUIDE_ASSOCIATION_REQUEST
    mds_result = export.decode_export(sent[1])
    assert (mds_result.ro_type, mds_result.event_type) == (msgs.RORS_APDU, msgs.NOM_NOTI_MDS_CREAT)
    polls = [export.decode_export(m).action_type for m in sent[2:]]
    assert polls == [msgs.NOM_ACT_POLL_MDIB_DATA_EXT, msgs.NOM_ACT_POLL_MDIB_DATA]
    assert parser.on_close(now_s) == frame(GUIDE_RELEASE_REQUEST)  # release on exit


def test_a_refused_association_is_a_link_problem():
    parser = IntelliVueParser()
    parser.feed(IntelliVueSide(refuse_association=True).receive(parser.on_connect(0.0), 0.0))
    assert "refused" in parser.link_problem(0.1)
    assert parser.on_close(0.1) == b""  # nothing to release


def test_an_abort_is_a_link_problem_and_a_new_connect_clears_it():
    parser = IntelliVueParser()
    side = IntelliVueSide()
    associate(parser, side)
    parser.feed(side.abort())
    assert "aborted" in parser.link_problem(1.0)
    parser.on_connect(2.0)
    assert parser.link_problem(2.1) is None and parser.state is LinkState.ASSOCIATING


def test_silence_after_a_poll_is_a_link_problem_after_the_timeout():
    parser = IntelliVueParser(IntelliVueTiming(answer_timeout_s=2.0))
    side = IntelliVueSide()
    now_s, _ = associate(parser, side)
    side.drop_link()
    parser.outgoing(now_s + 1.0)  # a poll goes out, no answer comes back
    assert parser.link_problem(now_s + 2.5) is None
    assert "no answer" in parser.link_problem(now_s + 3.1)


def test_no_answer_to_the_association_request_is_a_link_problem():
    parser = IntelliVueParser(IntelliVueTiming(answer_timeout_s=1.0))
    parser.on_connect(0.0)
    assert parser.link_problem(0.9) is None
    assert "association request" in parser.link_problem(1.1)
