"""IntelliVue Data Export messages: building and decoding the user data inside a frame.

Layouts and codes follow the Philips "Data Export Interface Programming Guide"
(IntelliVue); docs/protocols/intellivue.md lists every structure used here with
its source. All integers are big-endian. Decoders raise `Malformed` (a
ValueError) on anything that does not fit; callers count and drop such messages.
"""

from __future__ import annotations

import math
import struct
from datetime import datetime

# ---- session layer (association control): first byte of the user data ----------------
CN_SPDU = 0x0D  # association request
AC_SPDU = 0x0E  # association accepted
RF_SPDU = 0x0C  # association refused
FN_SPDU = 0x09  # release request
DN_SPDU = 0x0A  # release response
AB_SPDU = 0x19  # abort
SESSION_KINDS = {
    CN_SPDU: "request",
    AC_SPDU: "accepted",
    RF_SPDU: "refused",
    FN_SPDU: "release",
    DN_SPDU: "released",
    AB_SPDU: "abort",
}

# ---- data export: SPpdu, remote operations, commands ---------------------------------------
SESSION_ID_DATA_EXPORT = 0xE100
PRESENTATION_CONTEXT = 2
ROIV_APDU, RORS_APDU, ROER_APDU, RORLS_APDU = 1, 2, 3, 5
CMD_EVENT_REPORT, CMD_CONFIRMED_EVENT_REPORT, CMD_CONFIRMED_ACTION = 0, 1, 7
NOM_MOC_VMS_MDS = 0x0021
NOM_MOC_VMO_METRIC_NU = 0x0006
NOM_PART_OBJ = 1
NOM_NOTI_MDS_CREAT = 0x0D06
NOM_ACT_POLL_MDIB_DATA = 0x0C16
NOM_ACT_POLL_MDIB_DATA_EXT = 0xF13B
NOM_ATTR_GRP_SYS_PROD = 0x080C
NOM_ATTR_NU_CMPD_VAL_OBS = 0x094B
NOM_ATTR_NU_VAL_OBS = 0x0950
NOM_ATTR_TIME_ABS = 0x0987
NOM_ATTR_TIME_STAMP_ABS = 0x0990

# ---- measurement state (MeasurementState bits) --------------------------------------------
STATE_INVALID = 0x8000
STATE_QUESTIONABLE = 0x4000
STATE_UNAVAILABLE = 0x2000
STATE_CALIBRATION_ONGOING = 0x1000
STATE_TEST_DATA = 0x0800
STATE_DEMO_DATA = 0x0400
STATE_EARLY_INDICATION = 0x0040
STATE_MSMT_ONGOING = 0x0020
# A value with any of these bits set is not a finished measurement of this patient.
STATE_NOT_USABLE = (
    STATE_INVALID
    | STATE_QUESTIONABLE
    | STATE_UNAVAILABLE
    | STATE_CALIBRATION_ONGOING
    | STATE_TEST_DATA
    | STATE_DEMO_DATA
    | STATE_EARLY_INDICATION
    | STATE_MSMT_ONGOING
)

# ---- FLOAT-Type: 8-bit signed exponent, 24-bit signed mantissa, value = m * 10^e -----------
FLOAT_NAN = 0x7FFFFF
FLOAT_NRES = 0x800000  # "not at this resolution"
FLOAT_POS_INFINITY = 0x7FFFFE
FLOAT_NEG_INFINITY = 0x800002
FLOAT_RESERVED = 0x800001
FLOAT_SPECIALS = {
    FLOAT_NAN: math.nan,
    FLOAT_NRES: math.nan,
    FLOAT_POS_INFINITY: math.inf,
    FLOAT_NEG_INFINITY: -math.inf,
    FLOAT_RESERVED: math.nan,
}


class Malformed(ValueError):
    """User data that does not decode as the message it claims to be."""


def decode_float(raw: int) -> float:
    """A FLOAT-Type (u32) as a Python float; NaN, NRes and reserved become NaN, +/-INF inf."""
    mantissa = raw & 0xFFFFFF
    special = FLOAT_SPECIALS.get(mantissa)
    if special is not None:
        return special
    exponent = raw >> 24
    if exponent >= 0x80:
        exponent -= 0x100
    if mantissa >= 0x800000:
        mantissa -= 0x1000000
    # Division by an exact power of ten gives the nearest float to the decimal value.
    return float(mantissa * 10**exponent) if exponent >= 0 else mantissa / 10**-exponent


def encode_float(value: float, decimals: int = 0) -> int:
    """`value` rounded to `decimals` places as a FLOAT-Type (the emulator's side)."""
    if math.isnan(value):
        return FLOAT_NAN
    exponent = -decimals
    mantissa = round(value * 10**decimals)
    while exponent < 0 and mantissa and mantissa % 10 == 0:
        mantissa //= 10
        exponent += 1
    if not -0x7FFFFD <= mantissa <= 0x7FFFFD:
        raise ValueError(f"{value} does not fit a FLOAT-Type at {decimals} decimals")
    return ((exponent & 0xFF) << 24) | (mantissa & 0xFFFFFF)


# ---- AbsoluteTime: century, year, month, day, hour, minute, second, 1/100 s, all BCD ----------
ABS_TIME_INVALID = b"\xff" * 8


def encode_abs_time(when: datetime) -> bytes:
    def bcd(n: int) -> int:
        return (n // 10) << 4 | n % 10

    parts = (
        when.year // 100,
        when.year % 100,
        when.month,
        when.day,
        when.hour,
        when.minute,
        when.second,
        when.microsecond // 10000,
    )
    return bytes(bcd(p) for p in parts)


def decode_abs_time(raw: bytes) -> datetime | None:
    """The time an AbsoluteTime names, or None when it is invalid (all 0xFF) or not BCD."""
    digits = []
    for byte in raw:
        high, low = byte >> 4, byte & 0x0F
        if high > 9 or low > 9:
            return None
        digits.append(high * 10 + low)
    if len(digits) != 8:
        return None
    century, year, month, day, hour, minute, second, hundredths = digits
    try:
        return datetime(century * 100 + year, month, day, hour, minute, second, hundredths * 10000)
    except ValueError:
        return None


# ---- association control messages -----------------------------------------------------------
# Fixed session and presentation-layer bytes (ASN.1 BER of the ACSE/presentation PDUs) from the
# Programming Guide's association request and response; only the user data in them varies.
_ASSOC_SESSION_DATA = bytes.fromhex("0508130100160102800014020002")
_AARQ_PRESENTATION = bytes.fromhex(
    "3180a08080010100 00a280a003000001 a480308002010106 0452010001308006"
    "0251010000000030 80020102060c2a86 48ce140201000000 01013080060c2a86"
    "48ce140201000000 0201000000000000 61803080020101a0 806080a180060c2a"
    "8648ce1402010000 0003010000be8028 80060c2a8648ce14 0201000000010102"
    "010281"
)
_AARE_PRESENTATION = bytes.fromhex(
    "3180a08080010100 00a280a003000001 a580308080010081 0251010000308080"
    "0100810c2a8648ce 1402010000000201 0000000061803080 020101a0806180a1"
    "80060c2a8648ce14 0201000000030100 00a203020100a305 a103020100be8028"
    "8002010281"
)
_PRESENTATION_TRAILER = bytes(16)
_RELEASE_PRESENTATION = bytes.fromhex("c116618030800201 01a0806280800100 0000000000000000")
_RELEASE_RESPONSE_PRESENTATION = bytes.fromhex("c116618030800201 01a0806380800100 0000000000000000")
_ABORT_BODY = bytes.fromhex(
    "110103"
    "c129a080a0803080 0201010602510100 0000006180308002 0101a08064808001"
    "01000000000000"
    "00000000"
)
_REFUSE_BODY = bytes.fromhex("320100")

PROTOCOL_VERSION_1 = 0x80000000
NOMENCLATURE_VERSION_1 = 0x40000000
SYST_CLIENT = 0x80000000
SYST_SERVER = 0x00800000
COLD_START = 0x20000000
NOM_POLL_PROFILE_SUPPORT = 0x0001
NOM_ATTR_POLL_PROFILE_EXT = 0xF001
POLL_PROFILE_REV_0 = 0x80000000
P_OPT_DYN_CREATE_OBJECTS = 0x40000000
P_OPT_DYN_DELETE_OBJECTS = 0x20000000
POLL_EXT_PERIOD_NU_1SEC = 0x80000000
POLL_EXT_PERIOD_RTSA = 0x08000000
POLL_EXT_ENUM = 0x04000000
TICKS_PER_S = 8000  # RelativeTime counts 1/8 ms


def length_indicator(n: int) -> bytes:
    """The session layer's LI: one byte below 255, else 0xFF and a u16."""
    return bytes((n,)) if n < 255 else b"\xff" + struct.pack(">H", n)


def mdse_user_info(system_type: int, min_poll_period_s: float = 0.3125) -> bytes:
    """MDSEUserInfoStd offering the extended poll profile (1 s numerics) over a 1000-byte MTU."""
    poll_ext = struct.pack(
        ">IHH", POLL_EXT_PERIOD_NU_1SEC | POLL_EXT_PERIOD_RTSA | POLL_EXT_ENUM, 0, 0
    )
    optional = struct.pack(">HHHH", 1, len(poll_ext) + 4, NOM_ATTR_POLL_PROFILE_EXT, len(poll_ext))
    support = (
        struct.pack(
            ">IIIIII",
            POLL_PROFILE_REV_0,
            round(min_poll_period_s * TICKS_PER_S),
            2500,  # max_mtu_rx
            1000,  # max_mtu_tx (the serial MIB port's limit)
            0xFFFFFFFF,  # max_bw_tx: no limit
            P_OPT_DYN_CREATE_OBJECTS | P_OPT_DYN_DELETE_OBJECTS,
        )
        + optional
        + poll_ext
    )
    profiles = struct.pack(">HHHH", 1, len(support) + 4, NOM_POLL_PROFILE_SUPPORT, len(support))
    head = struct.pack(
        ">IIIII", PROTOCOL_VERSION_1, NOMENCLATURE_VERSION_1, 0, system_type, COLD_START
    )
    return head + struct.pack(">HH", 0, 0) + profiles + support


def _association(spdu: int, presentation: bytes, user_info: bytes) -> bytes:
    user = bytes((len(user_info),)) + user_info  # ASN.1 short-form length (< 128)
    body = presentation + user + _PRESENTATION_TRAILER
    pres = b"\xc1" + length_indicator(len(body)) + body
    rest = _ASSOC_SESSION_DATA + pres
    return bytes((spdu,)) + length_indicator(len(rest)) + rest


def association_request() -> bytes:
    """The host's association request (user data of the first frame it sends)."""
    return _association(CN_SPDU, _AARQ_PRESENTATION, mdse_user_info(SYST_CLIENT))


def association_accept() -> bytes:
    """The monitor's association result (accepted)."""
    return _association(AC_SPDU, _AARE_PRESENTATION, mdse_user_info(SYST_SERVER))


def association_refuse() -> bytes:
    return bytes((RF_SPDU,)) + length_indicator(len(_REFUSE_BODY)) + _REFUSE_BODY


def release_request() -> bytes:
    return bytes((FN_SPDU,)) + length_indicator(len(_RELEASE_PRESENTATION)) + _RELEASE_PRESENTATION


def release_response() -> bytes:
    body = _RELEASE_RESPONSE_PRESENTATION
    return bytes((DN_SPDU,)) + length_indicator(len(body)) + body


def abort() -> bytes:
    return bytes((AB_SPDU,)) + length_indicator(len(_ABORT_BODY)) + _ABORT_BODY


def session_kind(user_data: bytes) -> str | None:
    """'request', 'accepted', ... for a well-formed session message; None if it is not one."""
    kind = SESSION_KINDS.get(user_data[0]) if user_data else None
    if kind is None or len(user_data) < 2:
        return None
    if user_data[1] == 0xFF:
        if len(user_data) < 4:
            return None
        length, start = struct.unpack_from(">H", user_data, 2)[0], 4
    else:
        length, start = user_data[1], 2
    return kind if length == len(user_data) - start else None
