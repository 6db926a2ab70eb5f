"""The ketamon text protocol (docs/ketamon-protocol.md): every dashboard vital, checksummed.

$KTM1,HR=72,SPO2=98,RR=14*17
$KTM1,NIBP=128/80/96*5B
$KTM1,SENSOR=OFF*2B
"""

from __future__ import annotations

import re

from ketamon.core.vitals import Vital, is_plausible
from ketamon.io.parsers.base import Frame, LineParser

_LINE = re.compile(r"^\$KTM1,([ -~]*)\*([0-9A-F]{2})$")
_VALUE = re.compile(r"^\d{1,3}(?:\.\d{1,2})?$")
SIMPLE = {"HR": Vital.HR, "SPO2": Vital.SPO2, "RR": Vital.RR}


def checksum(body: str) -> str:
    """XOR of every byte between '$' and '*', as two upper-case hex digits (as NMEA 0183)."""
    value = 0
    for byte in body.encode("ascii"):
        value ^= byte
    return f"{value:02X}"


def format_frame(fields: list[tuple[str, str]]) -> bytes:
    """One protocol line for `fields` [(key, value)], with checksum and CR LF."""
    body = "KTM1," + ",".join(f"{k}={v}" for k, v in fields)
    return f"${body}*{checksum(body)}\r\n".encode("ascii")


class KetamonTextParser(LineParser):
    name = "ketamon-text"
    label = "ketamon text"
    supplies_nibp = True
    description = "ketamon text protocol (HR, SpO2, RR, NIBP; checksummed)"
    default_baud = 115200
    max_bytes_per_s = 2000  # up to a few lines a second

    def parse_line(self, line: str) -> Frame | None:
        match = _LINE.match(line)
        if match is None:
            return None
        body = "KTM1," + match.group(1)
        if checksum(body) != match.group(2):
            return None
        frame = Frame()
        for token in match.group(1).split(","):
            key, sep, value = token.partition("=")
            if not sep:
                return None
            if key in SIMPLE:
                if not _VALUE.match(value):
                    return None
                self.accept(frame, SIMPLE[key], float(value))
            elif key == "NIBP":
                parts = value.split("/")
                if len(parts) != 3 or not all(_VALUE.match(p) for p in parts):
                    return None
                sbp, dbp, map_ = (float(p) for p in parts)
                reading = {Vital.SBP: sbp, Vital.DBP: dbp, Vital.MAP: map_}
                if sbp <= dbp or not all(is_plausible(v, x) for v, x in reading.items()):
                    self.stats.implausible_values += 1  # half a reading is no reading
                else:
                    frame.values.update(reading)
            elif key == "SENSOR":
                if value not in ("OK", "OFF"):
                    return None
                frame.technical["sensor_off"] = (value == "OFF", "sensor off")
            # Unknown keys are ignored: later protocol versions may add fields.
        return frame
