"""Masimo Rad-8 / Radical-7 / Radical-5 serial "ASCII 1" output (9600 8N1, one line a second).

    11/30/26 14:05:09 SN=0000012345 SPO2=097% BPM=072 PI=02.85% SPCO=--.-% SPMET=--.-%
    DESAT=-- PIDELTA=+-- ALARM=0000 EXC=000800

Fields are keyed by name, not position (models send different sets). A value
filled with '-' is invalid and gives no sample. The device's date and time are
ignored: samples are stamped on arrival. EXC bits for no sensor, sensor off and
no cable raise the sensor-off technical alarm.
"""

from __future__ import annotations

import re

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

_HEAD = re.compile(r"^\d\d/\d\d/\d\d \d\d:\d\d:\d\d(?: |$)")
_FIELD = re.compile(r"^([A-Z0-9]+)=(\S+)$")
_NUMBER = re.compile(r"^[+]?\d+(?:\.\d+)?%?$")
_HEX = re.compile(r"^[0-9A-Fa-f]{1,8}$")


class MasimoAsciiParser(LineParser):
    name = "masimo-ascii"
    label = "Masimo"
    description = "Masimo Rad-8 / Radical-7 / Radical-5 serial ASCII 1 (SpO2, pulse rate)"
    default_baud = 9600
    max_bytes_per_s = 400  # one ~160-byte line a second, with margin

    def parse_line(self, line: str) -> Frame | None:
        if not _HEAD.match(line):
            return None
        fields: dict[str, str] = {}
        for token in line[17:].split():
            match = _FIELD.match(token)
            if match is None:
                return None
            fields[match.group(1)] = match.group(2)
        if "SPO2" not in fields and "BPM" not in fields:
            return None
        frame = Frame()
        for key, vital in (("SPO2", Vital.SPO2), ("BPM", Vital.HR)):
            text = fields.get(key)
            if text is None or "-" in text:
                continue  # absent or invalid ('-' filled): no sample
            if not _NUMBER.match(text):
                return None
            self.accept(frame, vital, float(text.rstrip("%")))
        exc = fields.get("EXC")
        if exc is not None:
            if not _HEX.match(exc):
                return None
            bits = int(exc, 16)
            problems = [text for bit, text in EXC_SENSOR_PROBLEMS.items() if bits & bit]
            frame.technical["sensor_off"] = (bool(problems), ", ".join(problems))
            if problems:
                frame.values.clear()  # numbers next to "sensor off" are not measurements
        return frame
