"""GE Datex-Ohmeda S/5 "Computer Interface" (also CARESCAPE B450/B650/B850): the host side.

Serial 19200 baud, 8 data bits, even parity, 1 stop bit, RTS/CTS. Records are
little-endian C structures ("Datex-Ohmeda Record Interface", DRI) carried in
frames: 0x7E, the record with 0x7E/0x7D escaped as 0x7D 0x5E / 0x7D 0x5D, an
8-bit sum of the unescaped record bytes (escaped like them), 0x7E.

The host asks once (on connect) for displayed values and auxiliary information
every `REQUEST_INTERVAL_S`; the monitor then streams physiological records. HR,
NIBP, SpO2 and RR are read from the basic class of the displayed values in
fixed point; any value <= -32001 is a special code (no data, not updated, out of
range...) and gives no sample. A cuff reading is taken once, when the NIBP
measurement time (auxiliary information) changes. The layout, its units and the
sources are in docs/protocols/ge-s5.md.
"""

from __future__ import annotations

import struct

from ketamon.core.vitals import Vital, is_plausible
from ketamon.io.parsers.base import Frame, ProtocolParser

FLAG = 0x7E
ESCAPE = 0x7D
ESCAPED = {0x5E: FLAG, 0x5D: ESCAPE}  # byte after ESCAPE -> the data byte it stands for

HEADER_BYTES = 40
MAX_RECORD_BYTES = 1490  # header + 1450 data bytes: the largest DRI record
MAX_SUBRECORDS = 8
END_OF_SUBRECORDS = 0xFF

MT_PHDB = 0  # r_maintype: physiological data and its requests
SR_REQUEST = 0  # subrecord type in a host's request
PH_DISPL = 1  # displayed values
PH_AUX_INFO = 4  # auxiliary information (NIBP measurement time)
CLASS_BASIC = 0  # cl_drilvl_subt bits 8-11

PHDB_SUBRECORD_BYTES = 278  # time u32, 270 bytes of class data, marker, reserved, cl_drilvl_subt
AUX_SUBRECORD_BYTES = 114
INVALID_LIMIT = -32001  # values at or below this are special codes, never measurements
DATA_INVALID = -32767
DRI_LEVEL_2005 = 9

# Offsets inside a displayed-values subrecord (4-byte time, then the basic class).
_BASIC = 4
ECG_STATUS, ECG_HR = _BASIC + 0, _BASIC + 6
NIBP_STATUS, NIBP_LABEL = _BASIC + 72, _BASIC + 76
NIBP_SYS, NIBP_DIA, NIBP_MEAN = _BASIC + 78, _BASIC + 80, _BASIC + 82
SPO2_STATUS, SPO2_VALUE, SPO2_PR = _BASIC + 118, _BASIC + 124, _BASIC + 126
CO2_STATUS, CO2_RR = _BASIC + 132, _BASIC + 142
CL_DRILVL_SUBT = 276

STATUS_EXISTS = 1 << 0  # group status bits: module present
STATUS_ACTIVE = 1 << 1  # measurement active
NIBP_MEASURING = 1 << 5  # NIBP label bit: cuff cycle in progress
NIBP_STALE_S = 60  # a reading older than this when first seen is history, not news

REQUEST_INTERVAL_S = 5  # tx_interval asked of the monitor
# No record for this long: the link is dead. One and a half intervals: one record missed
# plus slack, and below the default no-data time (10 s) so "source lost" comes first.
SILENCE_LIMIT_S = 1.5 * REQUEST_INTERVAL_S

_I16 = struct.Struct("<h")
_U16 = struct.Struct("<H")
_U32 = struct.Struct("<I")


def checksum(record: bytes) -> int:
    """The frame checksum: the sum of the (unescaped) record bytes, modulo 256."""
    return sum(record) & 0xFF


def escape(data: bytes) -> bytes:
    return data.replace(b"\x7d", b"\x7d\x5d").replace(b"\x7e", b"\x7d\x5e")


def frame_record(record: bytes) -> bytes:
    """A record as it goes on the wire: flag, escaped record and checksum, flag."""
    return b"\x7e" + escape(record + bytes([checksum(record)])) + b"\x7e"


def header(record_len: int, subrecords: list[tuple[int, int]], r_time: int = 0) -> bytes:
    """A DRI record header for a PHDB record; `subrecords` are (offset, type) pairs."""
    descriptors = list(subrecords)[:MAX_SUBRECORDS]
    if len(descriptors) < MAX_SUBRECORDS:
        descriptors.append((0, END_OF_SUBRECORDS))
    descriptors += [(0, 0)] * (MAX_SUBRECORDS - len(descriptors))
    out = struct.pack("<hBBHIBBHh", record_len, 0, DRI_LEVEL_2005, 0, r_time, 0, 0, 0, MT_PHDB)
    return out + b"".join(struct.pack("<hB", off, kind) for off, kind in descriptors)


def request_record(interval_s: int) -> bytes:
    """The host's request: displayed values and auxiliary info every `interval_s` (0 stops)."""
    # phdb_req: record type u8, tx_interval i16 (s), phdb_class_bf u32 (0 = basic class), reserved
    displayed = struct.pack("<BhIh", PH_DISPL, interval_s, 0, 0)
    aux = struct.pack("<BhIh", PH_AUX_INFO, interval_s, 0, 0)
    body = displayed + aux
    subs = [(0, SR_REQUEST), (len(displayed), SR_REQUEST)]
    return header(HEADER_BYTES + len(body), subs) + body


def parse_request(record: bytes) -> int | None:
    """The displayed-values interval (s) a host's request asks for; None if not one."""
    if len(record) < HEADER_BYTES or _I16.unpack_from(record, 14)[0] != MT_PHDB:
        return None
    for off, kind in _descriptors(record):
        start = HEADER_BYTES + off
        if kind == SR_REQUEST and start + 9 <= len(record) and record[start] == PH_DISPL:
            return _I16.unpack_from(record, start + 1)[0]
    return None


def _descriptors(record: bytes) -> list[tuple[int, int]]:
    out = []
    for i in range(MAX_SUBRECORDS):
        off, kind = struct.unpack_from("<hB", record, 16 + 3 * i)
        if kind == END_OF_SUBRECORDS:
            break
        out.append((off, kind))
    return out


class FrameSplitter:
    """Bytes -> checked, unescaped records. Counts what it throws away in `stats`."""

    def __init__(self, stats) -> None:
        self.stats = stats
        self._body = bytearray()
        self._inside = False

    def feed(self, data: bytes) -> list[bytes]:
        records: list[bytes] = []
        for part in _split_keep_flags(data):
            if part is None:  # a flag
                if self._inside and self._body:
                    record = self._close()
                    if record is not None:
                        records.append(record)
                # A flag after a complete frame opens the next (back-to-back frames share
                # no flag on some monitors; an empty pair of flags is just idle line).
                self._inside = True
                self._body.clear()
                continue
            if not self._inside:
                self.stats.discarded_bytes += len(part)  # between frames: noise
                continue
            self._body.extend(part)
            if len(self._body) > 2 * (MAX_RECORD_BYTES + 1):
                self._reject(len(self._body))
                self._inside = False
        return records

    def _close(self) -> bytes | None:
        raw = bytes(self._body)
        self._body.clear()
        unescaped = _unescape(raw)
        if unescaped is None or len(unescaped) < 2 or len(unescaped) > MAX_RECORD_BYTES + 1:
            self._reject(len(raw))
            return None
        record, check = unescaped[:-1], unescaped[-1]
        if checksum(record) != check:
            self._reject(len(raw))
            return None
        return record

    def _reject(self, n_bytes: int) -> None:
        self.stats.rejected_frames += 1
        self.stats.discarded_bytes += n_bytes
        self._body.clear()


def _split_keep_flags(data: bytes):
    """Yield the runs of bytes between flags, and None for each flag."""
    start = 0
    while True:
        at = data.find(b"\x7e", start)
        if at < 0:
            if start < len(data):
                yield data[start:]
            return
        if at > start:
            yield data[start:at]
        yield None
        start = at + 1


def _unescape(raw: bytes) -> bytes | None:
    if b"\x7d" not in raw:
        return raw
    out = bytearray()
    i, n = 0, len(raw)
    while i < n:
        b = raw[i]
        if b == ESCAPE:
            if i + 1 >= n or raw[i + 1] not in ESCAPED:
                return None  # a lone or unknown escape: corrupted
            out.append(ESCAPED[raw[i + 1]])
            i += 2
        else:
            out.append(b)
            i += 1
    return bytes(out)


class GeS5Parser(ProtocolParser):
    name = "ge-s5"
    label = "GE S/5"
    supplies_nibp = True
    silence_limit_s = SILENCE_LIMIT_S
    description = (
        "GE Datex-Ohmeda S/5, CARESCAPE B450/B650/B850 Computer Interface (HR, NIBP, SpO2, RR)"
    )
    default_baud = 19200
    default_parity = "E"
    rtscts = True
    max_bytes_per_s = 400  # one ~700-byte record every 5 s, with a wide margin

    def __init__(self) -> None:
        super().__init__()
        self._splitter = FrameSplitter(self.stats)
        self._nibp_time: int | None = None  # latest NIBP measurement time the monitor gave
        self._taken_nibp_time: int | None = None  # the measurement already turned into samples
        self._last_record_s: float | None = None
        self._connected_s = 0.0
        self._records_since_check = 0

    # ---- link ---------------------------------------------------------------------------

    def on_connect(self, now_s: float) -> bytes:
        self._connected_s = now_s
        self._last_record_s = None
        self._records_since_check = 0
        self._splitter = FrameSplitter(self.stats)
        return frame_record(request_record(REQUEST_INTERVAL_S))

    def link_problem(self, now_s: float) -> str | None:
        if self._records_since_check:
            self._last_record_s = now_s
            self._records_since_check = 0
        since = self._last_record_s if self._last_record_s is not None else self._connected_s
        if now_s - since > self.silence_limit_s:
            silent_s = now_s - since
            return f"no record from the monitor for {silent_s:.0f} s"
        return None

    # ---- data ---------------------------------------------------------------------------

    def feed(self, data: bytes) -> list[Frame]:
        frames = []
        for record in self._splitter.feed(data):
            frame = self._decode(record)
            if frame is None:
                self.stats.rejected_frames += 1
                self.stats.discarded_bytes += len(record)
                continue
            self.stats.frames += 1
            self._records_since_check += 1
            if frame.values or frame.technical:
                frames.append(frame)
        return frames

    def _decode(self, record: bytes) -> Frame | None:
        if len(record) < HEADER_BYTES or _I16.unpack_from(record, 0)[0] != len(record):
            return None
        if _I16.unpack_from(record, 14)[0] != MT_PHDB:
            return Frame()  # alarms, waveforms: well formed, not ours
        displayed: list[bytes] = []
        for off, kind in _descriptors(record):
            start = HEADER_BYTES + off
            if off < 0:
                return None
            if kind == PH_AUX_INFO:
                if start + AUX_SUBRECORD_BYTES > len(record):
                    return None
                self._nibp_time = _U32.unpack_from(record, start)[0]
            elif kind == PH_DISPL:
                if start + PHDB_SUBRECORD_BYTES > len(record):
                    return None
                displayed.append(record[start : start + PHDB_SUBRECORD_BYTES])
        frame = Frame()
        for sub in displayed:
            if (_U16.unpack_from(sub, CL_DRILVL_SUBT)[0] >> 8) & 0x0F == CLASS_BASIC:
                self._basic(sub, frame)
        return frame

    def _basic(self, sub: bytes, frame: Frame) -> None:
        ecg = _U32.unpack_from(sub, ECG_STATUS)[0]
        spo2_status = _U32.unpack_from(sub, SPO2_STATUS)[0]
        spo2_present = spo2_status & STATUS_EXISTS
        if ecg & STATUS_EXISTS:
            self._take(frame, Vital.HR, _I16.unpack_from(sub, ECG_HR)[0], 1.0)
        if spo2_present:
            spo2 = _I16.unpack_from(sub, SPO2_VALUE)[0]
            off = not spo2_status & STATUS_ACTIVE or spo2 == DATA_INVALID
            frame.technical["sensor_off"] = (bool(off), "SpO2: no signal" if off else "")
            if not off:
                self._take(frame, Vital.SPO2, spo2, 100.0)
                if Vital.HR not in frame.values:  # pulse rate when ECG gives none
                    self._take(frame, Vital.HR, _I16.unpack_from(sub, SPO2_PR)[0], 1.0)
        if _U32.unpack_from(sub, CO2_STATUS)[0] & STATUS_EXISTS:
            self._take(frame, Vital.RR, _I16.unpack_from(sub, CO2_RR)[0], 1.0)
        self._nibp(sub, frame)

    def _nibp(self, sub: bytes, frame: Frame) -> None:
        status = _U32.unpack_from(sub, NIBP_STATUS)[0]
        label = _U16.unpack_from(sub, NIBP_LABEL)[0]
        if not status & STATUS_EXISTS or label & NIBP_MEASURING:
            return
        if self._nibp_time is None or self._nibp_time == self._taken_nibp_time:
            return  # no measurement time yet, or this reading was taken already
        if _U32.unpack_from(sub, 0)[0] - self._nibp_time > NIBP_STALE_S:
            # Already on the screen when we connected: its arrival time would be wrong.
            self._taken_nibp_time = self._nibp_time
            return
        raw = [_I16.unpack_from(sub, off)[0] for off in (NIBP_SYS, NIBP_DIA, NIBP_MEAN)]
        if raw[0] <= INVALID_LIMIT or raw[1] <= INVALID_LIMIT:
            return
        values = {Vital.SBP: raw[0] / 100.0, Vital.DBP: raw[1] / 100.0}
        if raw[2] > INVALID_LIMIT:
            values[Vital.MAP] = raw[2] / 100.0
        self._taken_nibp_time = self._nibp_time
        if all(is_plausible(v, x) for v, x in values.items()):
            frame.values.update(values)
        else:
            self.stats.implausible_values += 1  # one artefact: the reading as a whole

    def _take(self, frame: Frame, vital: Vital, raw: int, divisor: float) -> None:
        if raw <= INVALID_LIMIT:
            return  # no data / not updated / out of range / not calibrated
        value = raw / divisor if divisor != 1.0 else float(raw)
        if is_plausible(vital, value):
            frame.values[vital] = value
        else:
            self.stats.implausible_values += 1
