"""HL7 v2 over MLLP to an interface engine, from its own thread: one message at a time.

MLLP frames a message as <VT> message <FS><CR> (HL7 v2 Implementation Guide,
Appendix C, Minimal Lower Layer Protocol). The sender sends the oldest queued
message and waits for its ACK; only MSA-1 'AA' for that message's control ID
removes it from the outbox. A NAK (AE/AR), a wrong or missing ACK, or an engine
that is down: the message stays first in line and is retried with back-off; the
link reports 'failing since' so the session can raise 'HL7 NOT ACKNOWLEDGED'.
"""

from __future__ import annotations

import logging
import socket
import threading
import time

from ketamon.io.net.link import Backoff, LinkState, LinkStatus
from ketamon.io.net.net_config import HostPort
from ketamon.io.net.outbox import Outbox

log = logging.getLogger(__name__)

START_BLOCK = b"\x0b"
END_BLOCK = b"\x1c\r"
ACK_TIMEOUT_S = 10.0
CONNECT_TIMEOUT_S = 5.0
MAX_FRAME_BYTES = 1_000_000
TOPIC = "hl7"


def frame(message: str) -> bytes:
    return START_BLOCK + message.encode("utf-8") + END_BLOCK


class MllpReader:
    """Cuts a byte stream into MLLP-framed messages (bytes outside a frame are dropped)."""

    def __init__(self) -> None:
        self._buffer = b""

    def feed(self, data: bytes) -> list[str]:
        self._buffer += data
        messages = []
        while True:
            start = self._buffer.find(START_BLOCK)
            if start < 0:
                self._buffer = b""
                return messages
            end = self._buffer.find(END_BLOCK, start)
            if end < 0:
                self._buffer = self._buffer[start:]
                if len(self._buffer) > MAX_FRAME_BYTES:
                    self._buffer = b""
                return messages
            messages.append(self._buffer[start + 1 : end].decode("utf-8", errors="replace"))
            self._buffer = self._buffer[end + len(END_BLOCK) :]


def control_id(message: str) -> str:
    """MSH-10 of a message."""
    msh = message.split("\r", 1)[0].split("|")
    return msh[9] if len(msh) > 9 else ""


def ack_code(ack: str, expected_control_id: str) -> str:
    """MSA-1 of an ACK for `expected_control_id` ('AA', 'AE', 'AR'), or 'none'."""
    for segment in ack.split("\r"):
        fields = segment.split("|")
        if fields[0] == "MSA" and len(fields) > 2:
            return fields[1] if fields[2] == expected_control_id else "wrong"
    return "none"


def ack_for(message: str, code: str = "AA", text: str = "") -> str:
    """An ACK an engine would send for `message` (tests, the emulated engine)."""
    msh = message.split("\r", 1)[0].split("|")
    sender, facility = (msh[2], msh[3]) if len(msh) > 3 else ("", "")
    return (
        f"MSH|^~\\&|ENGINE|CLINIC|{sender}|{facility}|||ACK^R01^ACK|A{control_id(message)}|P|2.6\r"
        f"MSA|{code}|{control_id(message)}|{text}\r"
    )


class MllpSender:
    """`start()`; `put(message)` from the session's thread; `close()` at exit."""

    def __init__(self, target: HostPort, outbox: Outbox, retry: Backoff | None = None):
        """`retry`: how soon to send again after a NAK or while the engine is away."""
        self.target = target
        self.outbox = outbox
        self.retry = retry or Backoff()
        self.link = LinkState(True)
        self._stop = threading.Event()
        self._sock: socket.socket | None = None
        self._reader = MllpReader()
        self._thread = threading.Thread(target=self._run, name="mllp", daemon=True)
        self.sent = 0

    def start(self) -> None:
        self._thread.start()

    def put(self, message: str) -> None:
        self.outbox.put(TOPIC, message.encode("utf-8"))

    def status(self) -> LinkStatus:
        return self.link.read(len(self.outbox))

    def close(self, drain_s: float = 5.0) -> None:
        """Send what is queued for up to `drain_s` (not while the engine fails),
        then stop; the rest stays on disk for the next start."""
        deadline = time.monotonic() + drain_s
        while len(self.outbox) and self.link.worth_waiting() and time.monotonic() < deadline:
            time.sleep(0.05)
        self._stop.set()
        self._thread.join(timeout=ACK_TIMEOUT_S + 1)
        if len(self.outbox):
            log.warning("%d HL7 messages stay queued in %s", len(self.outbox), self.outbox.path)
        self.outbox.close()

    def _run(self) -> None:
        attempt = 0
        while not self._stop.is_set():
            rows = self.outbox.oldest(0, 1)
            if not rows:
                self._stop.wait(0.05)
                continue
            message = rows[0].payload.decode("utf-8")
            problem = self._send(message)
            if problem is None:
                self.outbox.remove(rows[0].seq)
                self.sent += 1
                self.link.fine()
                attempt = 0
                continue
            self.link.failing(problem)
            log.warning("HL7 to %s:%d: %s", self.target.host, self.target.port, problem)
            self._stop.wait(self.retry.delay_s(attempt))
            attempt += 1
        self._disconnect()

    def _send(self, message: str) -> str | None:
        """Send one message and wait for its ACK: None when AA, else what went wrong."""
        wanted = control_id(message)
        try:
            if self._sock is None:
                self._sock = socket.create_connection(
                    (self.target.host, self.target.port), timeout=CONNECT_TIMEOUT_S
                )
                self._sock.settimeout(ACK_TIMEOUT_S)
                self._reader = MllpReader()
            self._sock.sendall(frame(message))
            while True:
                data = self._sock.recv(65536)
                if not data:
                    raise ConnectionError("the engine closed the connection")
                for ack in self._reader.feed(data):
                    code = ack_code(ack, wanted)
                    if code == "AA":
                        return None
                    if code in ("AE", "AR", "CE", "CR"):
                        return f"message {wanted} not accepted (NAK {code})"
        except TimeoutError:
            self._disconnect()
            return f"no ACK for message {wanted} within {ACK_TIMEOUT_S:g} s"
        except OSError as exc:
            self._disconnect()
            return f"interface engine {self.target.host}:{self.target.port} away ({exc})"

    def _disconnect(self) -> None:
        if self._sock is not None:
            try:
                self._sock.close()
            except OSError:
                pass
            self._sock = None
