"""An interface engine's MLLP listener for tests: records each message, answers an ACK."""

from __future__ import annotations

import socket
import threading
from collections.abc import Callable

from ketamon.io.net.mllp_sender import MllpReader, ack_for, frame


class MllpServer:
    """Listens on 127.0.0.1:`port` (0: a free one); `policy(message)` gives the ACK code."""

    def __init__(self, port: int = 0, policy: Callable[[str], str] = lambda m: "AA"):
        self.policy = policy
        self.received: list[str] = []
        self.accepted: list[str] = []  # the messages answered AA, in order
        self._listener = socket.create_server(("127.0.0.1", port))
        self._listener.settimeout(0.1)
        self.port = self._listener.getsockname()[1]
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._serve, daemon=True)
        self._thread.start()

    def close(self) -> None:
        self._stop.set()
        self._thread.join(timeout=5)
        self._listener.close()

    def _serve(self) -> None:
        while not self._stop.is_set():
            try:
                conn, _ = self._listener.accept()
            except TimeoutError:
                continue
            with conn:
                conn.settimeout(0.1)
                reader = MllpReader()
                while not self._stop.is_set():
                    try:
                        data = conn.recv(65536)
                    except TimeoutError:
                        continue
                    except OSError:
                        break
                    if not data:
                        break
                    for message in reader.feed(data):
                        self.received.append(message)
                        code = self.policy(message)
                        if code == "AA":
                            self.accepted.append(message)
                        if code != "silent":
                            conn.sendall(frame(ack_for(message, code)))
