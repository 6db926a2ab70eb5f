"""Publishing one bed to an MQTT broker from its own thread, in order, nothing lost.

The session's thread queues vitals and alarm events in a bounded SQLite outbox
(`put_*`) and sets the latest state; the worker thread connects (backing off while
the broker is away), publishes the outbox oldest first with QoS 1 and deletes each
message when the broker's PUBACK arrives. After a reconnect, everything not yet
acknowledged is sent again from the oldest (the central drops repeats by seq).
"""

from __future__ import annotations

import logging
import ssl
import threading
import time
import uuid

import paho.mqtt.client as mqtt

from ketamon.io.net.link import LinkState, LinkStatus
from ketamon.io.net.mqtt_messages import (
    CLOSED,
    OFFLINE,
    ONLINE,
    heartbeat_payload,
    topic,
)
from ketamon.io.net.net_config import MqttTarget, NetConfig
from ketamon.io.net.outbox import Outbox

log = logging.getLogger(__name__)

HEARTBEAT_S = 2.0
KEEPALIVE_S = 5  # the broker notices a dead bedside within 1.5 x keepalive
WINDOW = 20  # QoS 1 messages in flight at once (in order on one connection)
LOOP_S = 0.05
# After a reconnection, wait this long before replaying the outbox: a broker without
# persistence (restarted) has forgotten the central's subscription until it reconnects
# (it retries every second), and a message published to nobody is lost to it.
REPLAY_SETTLE_S = 2.0


class MqttPublisher:
    """One bed's publisher; `start()`, then `put`/`set_state` from the session's thread."""

    def __init__(self, target: MqttTarget, config: NetConfig, outbox: Outbox):
        self.target = target
        self.outbox = outbox
        self.retry = config.retry
        self.run = uuid.uuid4().hex[:12]
        self.link = LinkState(False, "not connected to the broker yet")
        self._stop = threading.Event()
        self._state_lock = threading.Lock()
        self._state: bytes | None = None
        self._state_sent: bytes | None = None
        self._inflight: dict[int, int] = {}  # mid -> outbox seq
        self._sent_upto = 0
        self._connected = False
        self._ever_connected = False
        self._replay_after = 0.0
        self._next_try = 0.0
        client = mqtt.Client(
            mqtt.CallbackAPIVersion.VERSION2,
            client_id=f"ketamon-{target.site}-{target.bed}-{self.run}",
            protocol=mqtt.MQTTv311,
        )
        if config.username:
            client.username_pw_set(config.username, config.password)
        if target.tls:
            client.tls_set(ca_certs=config.ca_file, tls_version=ssl.PROTOCOL_TLS_CLIENT)
        client.will_set(self._topic("status"), OFFLINE, qos=1, retain=True)
        client.on_connect = self._on_connect
        client.on_disconnect = self._on_disconnect
        client.on_publish = self._on_publish
        self._client = client
        self._thread = threading.Thread(target=self._run, name=f"mqtt-{target.bed}", daemon=True)

    # ---- the session's thread -----------------------------------------------------------

    def start(self) -> None:
        self._thread.start()

    def put(self, leaf: str, payload: bytes) -> None:
        """Queue one message for `ketamon/<site>/<bed>/<leaf>` (QoS 1, in order)."""
        self.outbox.put(self._topic(leaf), payload)

    def set_state(self, payload: bytes) -> None:
        """The latest retained state; only the newest is sent (a stale one means nothing)."""
        with self._state_lock:
            self._state = payload

    def status(self) -> LinkStatus:
        return self.link.read(len(self.outbox))

    def close(self, drain_s: float = 5.0) -> None:
        """Send what is queued for up to `drain_s` (not while the broker is away),
        say goodbye ("closed"), stop. The rest stays on disk for the next start."""
        deadline = time.monotonic() + drain_s
        while len(self.outbox) and self.link.worth_waiting() and time.monotonic() < deadline:
            time.sleep(0.05)
        self._stop.set()
        self._thread.join(timeout=5.0)
        if len(self.outbox):
            log.warning("%d MQTT messages stay queued in %s", len(self.outbox), self.outbox.path)
        self.outbox.close()

    # ---- the worker thread ----------------------------------------------------------------

    def _run(self) -> None:
        attempt = 0
        next_heartbeat = 0.0
        while not self._stop.is_set():
            now = time.monotonic()
            if not self._connected and now >= self._next_try:
                try:
                    self._client.connect(self.target.host, self.target.port, KEEPALIVE_S)
                except (OSError, ValueError, mqtt.WebsocketConnectionError) as exc:
                    self.link.failing(f"broker {self.target.host}:{self.target.port} away ({exc})")
                    self._next_try = now + self.retry.delay_s(attempt)
                    attempt += 1
                    time.sleep(LOOP_S)
                    continue
                attempt = 0
                self._next_try = now + 5.0  # CONNACK must come before we try again
            if self._connected and now >= self._replay_after:
                self._pump()
            if self._connected:
                if now >= next_heartbeat:
                    self._client.publish(self._topic("heartbeat"), heartbeat_payload(time.time()))
                    next_heartbeat = now + HEARTBEAT_S
            rc = self._client.loop(timeout=LOOP_S)
            if rc != mqtt.MQTT_ERR_SUCCESS:
                if self._connected:
                    self._lost(f"broker connection lost ({mqtt.error_string(rc)})")
                time.sleep(LOOP_S)
        if self._connected:
            self._client.publish(self._topic("status"), CLOSED, qos=1, retain=True)
            self._client.loop(timeout=0.2)
            self._client.disconnect()

    def _pump(self) -> None:
        """Fill the in-flight window from the outbox, oldest first; then the state."""
        room = WINDOW - len(self._inflight)
        if room > 0:
            for row in self.outbox.oldest(self._sent_upto, room):
                info = self._client.publish(row.topic, row.payload, qos=1)
                if info.rc != mqtt.MQTT_ERR_SUCCESS:
                    self._lost(f"publish failed ({mqtt.error_string(info.rc)})")
                    return
                self._inflight[info.mid] = row.seq
                self._sent_upto = row.seq
        with self._state_lock:
            state = self._state
        if state is not None and state is not self._state_sent:
            self._client.publish(self._topic("state"), state, qos=1, retain=True)
            self._state_sent = state

    def _lost(self, detail: str) -> None:
        self._connected = False
        self._inflight.clear()
        self._sent_upto = 0  # resend everything unacknowledged, oldest first
        self._next_try = time.monotonic() + self.retry.delay_s(0)
        self.link.failing(detail)

    def _on_connect(self, client, userdata, flags, reason_code, properties) -> None:
        if reason_code.is_failure:
            self.link.failing(f"broker refused the connection ({reason_code})")
            return
        self._connected = True
        if self._ever_connected:
            self._replay_after = time.monotonic() + REPLAY_SETTLE_S
        self._ever_connected = True
        self._inflight.clear()
        self._sent_upto = 0
        self._state_sent = None
        client.publish(self._topic("status"), ONLINE, qos=1, retain=True)
        self.link.fine()
        log.info("connected to the MQTT broker %s:%d", self.target.host, self.target.port)

    def _on_disconnect(self, client, userdata, flags, reason_code, properties) -> None:
        if self._connected:
            self._lost(f"broker connection lost ({reason_code})")

    def _on_publish(self, client, userdata, mid, reason_code, properties) -> None:
        seq = self._inflight.pop(mid, None)
        if seq is not None:
            self.outbox.remove(seq)

    def _topic(self, leaf: str) -> str:
        return topic(self.target.site, self.target.bed, leaf)
