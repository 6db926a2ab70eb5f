"""IntelliVue MIB/RS232 framing: BOF/EOF, 0x7D byte stuffing and the PPP frame check sequence.

On the wire (Data Export Interface Programming Guide, "Protocol Stack" for the
serial MIB port)::

    0xC0 | protocol_id 0x11 | msg_type 0x01 | length (u16 BE) | user data | FCS (2) | 0xC1

Between BOF and EOF, every 0xC0, 0xC1 and 0x7D is sent as 0x7D followed by the
byte XOR 0x20; 0x7D 0xC1 aborts the frame. The FCS is the 16-bit CRC of RFC 1662
(PPP, appendix C.2: reflected polynomial 0x8408, initial 0xFFFF, complemented)
over header and user data, sent least significant byte first. Run over data and
its FCS, the CRC gives the constant 0xF0B8 ("good FCS").
"""

from __future__ import annotations

import re
from dataclasses import dataclass

BOF = 0xC0
EOF = 0xC1
ESC = 0x7D
ESC_XOR = 0x20
PROTOCOL_ID_DATA_EXPORT = 0x11
MSG_TYPE_DATA_EXPORT = 0x01
FCS_INITIAL = 0xFFFF
FCS_GOOD = 0xF0B8
HEADER_BYTES = 4
MAX_FRAME_BYTES = 8192  # the association offers a 1000-byte MTU; anything far past it is garbage


def _fcs_table() -> tuple[int, ...]:
    table = []
    for byte in range(256):
        value = byte
        for _ in range(8):
            value = (value >> 1) ^ 0x8408 if value & 1 else value >> 1
        table.append(value)
    return tuple(table)


FCS_TABLE = _fcs_table()


def fcs16(data: bytes, fcs: int = FCS_INITIAL) -> int:
    """The RFC 1662 running CRC over `data` (not yet complemented)."""
    table = FCS_TABLE
    for byte in data:
        fcs = (fcs >> 8) ^ table[(fcs ^ byte) & 0xFF]
    return fcs


def fcs_bytes(data: bytes) -> bytes:
    """The two FCS bytes to append after `data`: complemented, least significant first."""
    fcs = fcs16(data) ^ 0xFFFF
    return bytes((fcs & 0xFF, fcs >> 8))


_SPECIAL = re.compile(rb"[\xc0\xc1\x7d]")
_ESCAPED = re.compile(rb"\x7d(.)", re.DOTALL)


def escape(data: bytes) -> bytes:
    """Byte stuffing: 0xC0, 0xC1 and 0x7D become 0x7D, byte ^ 0x20."""
    return _SPECIAL.sub(lambda m: bytes((ESC, m.group(0)[0] ^ ESC_XOR)), data)


def unescape(data: bytes) -> bytes | None:
    """The stuffed bytes restored; None when the data ends inside an escape (an abort)."""
    trailing = len(data) - len(data.rstrip(b"\x7d"))
    if trailing % 2:
        return None  # 0x7D right before EOF: the sender aborted the frame
    return _ESCAPED.sub(lambda m: bytes((m.group(1)[0] ^ ESC_XOR,)), data)


def frame(user_data: bytes) -> bytes:
    """One complete frame carrying `user_data` (a session or data-export message)."""
    header = bytes(
        (PROTOCOL_ID_DATA_EXPORT, MSG_TYPE_DATA_EXPORT, len(user_data) >> 8, len(user_data) & 0xFF)
    )
    body = header + user_data
    return bytes((BOF,)) + escape(body + fcs_bytes(body)) + bytes((EOF,))


@dataclass
class DeframeStats:
    """What the deframer threw away since it was made."""

    bad_frames: int = 0
    discarded_bytes: int = 0


class Deframer:
    """Splits a byte stream into checked frames; `push(bytes)` returns their user data."""

    def __init__(self) -> None:
        self._buffer = bytearray()
        self.stats = DeframeStats()

    def reset(self) -> None:
        self._buffer.clear()

    def push(self, data: bytes) -> list[bytes]:
        buf = self._buffer
        buf.extend(data)
        out: list[bytes] = []
        while True:
            start = buf.find(BOF)
            if start < 0:
                self._discard(len(buf))
                return out
            if start:
                self._discard(start)
            end = buf.find(EOF, 1)
            restart = buf.find(BOF, 1)
            if 0 <= restart and (end < 0 or restart < end):
                # A new frame began before this one ended: the first was cut off.
                self._reject(restart)
                continue
            if end < 0:
                if len(buf) > 2 * MAX_FRAME_BYTES:
                    self._reject(len(buf))
                return out
            raw = bytes(buf[1:end])
            del buf[: end + 1]
            user_data = self._check(raw)
            if user_data is None:
                self.stats.bad_frames += 1
                self.stats.discarded_bytes += len(raw) + 2
            else:
                out.append(user_data)

    def _discard(self, count: int) -> None:
        self.stats.discarded_bytes += count
        del self._buffer[:count]

    def _reject(self, count: int) -> None:
        self.stats.bad_frames += 1
        self._discard(count)

    @staticmethod
    def _check(raw: bytes) -> bytes | None:
        """User data of a stuffed frame body if header, length and FCS agree; else None."""
        if len(raw) > 2 * MAX_FRAME_BYTES:
            return None
        body = unescape(raw)
        if body is None or len(body) < HEADER_BYTES + 2:
            return None
        if fcs16(body) != FCS_GOOD:
            return None
        if body[0] != PROTOCOL_ID_DATA_EXPORT or body[1] != MSG_TYPE_DATA_EXPORT:
            return None
        length = (body[2] << 8) | body[3]
        if length != len(body) - HEADER_BYTES - 2:
            return None
        return body[HEADER_BYTES:-2]
