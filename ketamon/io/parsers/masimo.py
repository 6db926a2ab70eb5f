"""Masimo Rad-8 / Radical-7 / Radical-5 serial "ASCII 1" output (9600 8N1, one line a second).

    11/30/26 14:05:09 SN=0000012345 SPO2=097% BPM=072 PI=02.85% SPCO=--.-% SPMET=--.-%
    DESAT=-- PIDELTA=+-- ALARM=0000 EXC=000800

Fields are keyed by name, not position (models send different sets). A value
filled with '-' is invalid and gives no sample. The device's date and time are
ignored: samples are stamped on arrival. EXC bits for no sensor, sensor off and
no cable raise the sensor-off technical alarm.
"""

from __future__ import annotations

from ketamon.core.vitals import Vital
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

# Character sets of the line's grammar, checked with str methods: a regex per token
# made parsing cost twice what it needs to (bench/parsers.py; tests keep the regex
# grammar as the reference).
_KEY_CHARS = "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789"
_HEX_CHARS = "0123456789ABCDEFabcdef"


_AS_NINES = str.maketrans("0123456789", "9999999999")
_HEAD_SHAPE = "99/99/99 99:99:99"


def _is_head(line: str) -> bool:
    """`dd/dd/dd dd:dd:dd`, then a space or the end (the line is ASCII)."""
    return line[:17].translate(_AS_NINES) == _HEAD_SHAPE and (len(line) == 17 or line[17] == " ")


def _is_number(text: str) -> bool:
    """`[+]digits[.digits][%]`."""
    if text.endswith("%"):
        text = text[:-1]
    if text.startswith("+"):
        text = text[1:]
    whole, dot, fraction = text.partition(".")
    return whole.isdigit() and (not dot or fraction.isdigit())


class MasimoAsciiParser(LineParser):
    name = "masimo-ascii"
    label = "Masimo"
    description = "Masimo Rad-8 / Radical-7 / Radical-5 serial ASCII 1 (SpO2, pulse rate)"
    default_baud = 9600
    max_bytes_per_s = 400  # one ~160-byte line a second, with margin

    def parse_line(self, line: str) -> Frame | None:
        if not _is_head(line):
            return None
        fields: dict[str, str] = {}
        for token in line[17:].split():
            key, sep, value = token.partition("=")  # KEY=value; the value may hold '='
            if not sep or not key or not value or key.strip(_KEY_CHARS):
                return None
            fields[key] = value
        if "SPO2" not in fields and "BPM" not in fields:
            return None
        frame = Frame()
        for key, vital in (("SPO2", Vital.SPO2), ("BPM", Vital.HR)):
            text = fields.get(key)
            if text is None or "-" in text:
                continue  # absent or invalid ('-' filled): no sample
            if not _is_number(text):
                return None
            self.accept(frame, vital, float(text.rstrip("%")))
        exc = fields.get("EXC")
        if exc is not None:
            if not 1 <= len(exc) <= 8 or exc.strip(_HEX_CHARS):
                return None
            bits = int(exc, 16)
            problems = [text for bit, text in EXC_SENSOR_PROBLEMS.items() if bits & bit]
            frame.technical["sensor_off"] = (bool(problems), ", ".join(problems))
            if problems:
                frame.values.clear()  # numbers next to "sensor off" are not measurements
        return frame
