"""Masimo Rad-8 / Radical-7 / Radical-5 serial "ASCII 1" output (9600 8N1, one line a second).

    11/30/26 14:05:09 SN=0000012345 SPO2=097% BPM=072 PI=02.85% SPCO=--.-% SPMET=--.-%
    DESAT=-- PIDELTA=+-- ALARM=0000 EXC=000800

Fields are keyed by name, not position (models send different sets). A value
filled with '-' is invalid and gives no sample. The device's date and time are
ignored: samples are stamped on arrival. EXC bits for no sensor, sensor off and
no cable raise the sensor-off technical alarm.

Speed (issue 15, bench/parsers.py): a line is split once; each `KEY=value` token is
checked and decoded once, by a decoder chosen by its key, and remembered: a monitor
repeats the same few hundred tokens (its serial number, '--' fields, the SpO2 and pulse
values it shows), so most lines are a dict look-up per token. The checks are the line
grammar's (tests/io/test_masimo_grammar.py keeps the regular expressions as reference).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Final

from ketamon.core.vitals import Vital, is_plausible
from ketamon.io.parsers.base import Frame, LineParser

# Exception bits (Masimo Radical/Rad-8 serial EXC field).
EXC_NO_SENSOR = 0x000001
EXC_SENSOR_OFF = 0x000020
EXC_NO_CABLE = 0x001000
EXC_SENSOR_PROBLEMS = {
    EXC_NO_SENSOR: "no sensor",
    EXC_SENSOR_OFF: "sensor off",
    EXC_NO_CABLE: "no cable",
}

# Character sets of the line's grammar, checked with str methods.
_KEY_CHARS = "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789"
_HEX_CHARS = "0123456789ABCDEFabcdef"

# The head `dd/dd/dd dd:dd:dd` checked in one step: its bytes with every digit made a '9'.
_AS_NINES = bytes.maketrans(b"0123456789", b"9999999999")
_HEAD_SHAPE = b"99/99/99 99:99:99"
_HEAD_LENGTH = 17

# Distinct tokens remembered per parser. A monitor sends a few hundred; garbage could send
# any number, so past this the memory starts afresh (a line is then checked token by token).
MAX_KNOWN_TOKENS = 4096


class _Mark:
    """A decoded value that is not a number: named, so a debugger shows what it means."""

    def __init__(self, name: str) -> None:
        self.name = name

    def __repr__(self) -> str:
        return self.name


NO_SAMPLE: Final = _Mark("NO_SAMPLE")  # a '-' filled value: the device has no reading
MALFORMED: Final = _Mark("MALFORMED")  # breaks the grammar: the whole line is rejected

# What a decoded SPO2/BPM token holds: (vital, value, plausible), or one of the marks.
Reading = tuple[Vital, float, bool]


def _is_head(line: str) -> bool:
    """`dd/dd/dd dd:dd:dd`, then a space or the end (digits are ASCII: lines are)."""
    head, after = line[:_HEAD_LENGTH], line[_HEAD_LENGTH : _HEAD_LENGTH + 1]
    return head.encode().translate(_AS_NINES) == _HEAD_SHAPE and after in (" ", "")


def _is_number(text: str) -> bool:
    """`[+]digits[.digits][%]`."""
    if text.endswith("%"):
        text = text[:-1]
    if text.startswith("+"):
        text = text[1:]
    whole, dot, fraction = text.partition(".")
    return whole.isdigit() and (not dot or fraction.isdigit())


def _reading(vital: Vital) -> Callable[[str], Reading | _Mark]:
    """Decoder of a vital's value text: `097%` -> (vital, 97.0, plausible)."""

    def decode(text: str) -> Reading | _Mark:
        if "-" in text:
            return NO_SAMPLE
        if not _is_number(text):
            return MALFORMED
        value = float(text.rstrip("%"))
        return (vital, value, is_plausible(vital, value))

    return decode


def _exceptions(text: str) -> tuple[bool, str] | _Mark:
    """Decoder of the EXC hex bits: the sensor-off flag (present, detail)."""
    if not 1 <= len(text) <= 8 or text.strip(_HEX_CHARS):
        return MALFORMED
    bits = int(text, 16)
    problems = [detail for bit, detail in EXC_SENSOR_PROBLEMS.items() if bits & bit]
    return (bool(problems), ", ".join(problems))


# The keys whose values we use, and how each is decoded (any other key is only checked).
_DECODERS: dict[str, Callable[[str], object]] = {
    "SPO2": _reading(Vital.SPO2),
    "BPM": _reading(Vital.HR),
    "EXC": _exceptions,
}
_VITAL_KEYS = ("SPO2", "BPM")  # in the order their values are accepted


def decode_token(token: str) -> tuple[str, object] | None:
    """`KEY=value` -> (key, decoded value), or None when the token breaks the grammar.

    The value may hold '='. Values of SPO2/BPM/EXC are decoded (a reading, NO_SAMPLE,
    MALFORMED, or the EXC flag); any other key keeps its text.
    """
    key, sep, value = token.partition("=")
    if not sep or not key or not value or key.strip(_KEY_CHARS):
        return None
    decoder = _DECODERS.get(key)
    return (key, value if decoder is None else decoder(value))


class MasimoAsciiParser(LineParser):
    name = "masimo-ascii"
    label = "Masimo"
    description = "Masimo Rad-8 / Radical-7 / Radical-5 serial ASCII 1 (SpO2, pulse rate)"
    default_baud = 9600
    max_bytes_per_s = 400  # one ~160-byte line a second, with margin

    def __init__(self) -> None:
        super().__init__()
        self._known_tokens: dict[str, tuple[str, object]] = {}

    def parse_line(self, line: str) -> Frame | None:
        if not _is_head(line):
            return None
        tokens = line[_HEAD_LENGTH:].split()
        pairs = list(map(self._known_tokens.get, tokens))
        if None in pairs and not self._learn(tokens, pairs):
            return None
        fields = dict(pairs)  # a key sent twice: the last one counts
        if "SPO2" not in fields and "BPM" not in fields:
            return None
        values: dict[Vital, float] = {}
        for key in _VITAL_KEYS:
            reading = fields.get(key, NO_SAMPLE)
            if reading is NO_SAMPLE:
                continue  # absent or invalid ('-' filled): no sample
            if reading is MALFORMED:
                return None
            vital, value, plausible = reading
            if plausible:
                values[vital] = value
            else:
                self.stats.implausible_values += 1
        technical = {}
        sensor = fields.get("EXC")
        if sensor is not None:
            if sensor is MALFORMED:
                return None
            technical["sensor_off"] = sensor
            if sensor[0]:
                values.clear()  # numbers next to "sensor off" are not measurements
        return Frame(values, technical)

    def _learn(self, tokens: list[str], pairs: list[tuple[str, object] | None]) -> bool:
        """Decode the tokens not seen before into `pairs`; False if one breaks the grammar."""
        known = self._known_tokens
        for i, token in enumerate(tokens):
            if pairs[i] is None:
                pair = decode_token(token)
                if pair is None:
                    return False
                if len(known) >= MAX_KNOWN_TOKENS:
                    known.clear()
                known[token] = pairs[i] = pair
        return True
