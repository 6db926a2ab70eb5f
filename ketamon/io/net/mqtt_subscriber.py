"""The central station's side of MQTT: subscribe to a site's beds, decode, hand over.

paho's network thread receives; `drain()` from the central's own thread returns the
decoded messages in arrival order. The session is persistent (clean_session False,
a fixed client id per site and machine), so the broker keeps QoS 1 messages for the central
while it restarts. Read-only: the central never publishes to a bed's topics.
"""

from __future__ import annotations

import logging
import queue
import socket
import ssl

import paho.mqtt.client as mqtt

from ketamon.core.central_types import BedMessage
from ketamon.io.net.link import LinkState, LinkStatus
from ketamon.io.net.mqtt_messages import MessageError, decode, site_filter
from ketamon.io.net.net_config import MqttTarget, NetConfig

log = logging.getLogger(__name__)


class MqttSubscriber:
    """`start()`, then `drain()` regularly; `close()` at exit."""

    def __init__(self, target: MqttTarget, config: NetConfig, client_id: str | None = None):
        self.target = target
        self.link = LinkState(False, "not connected to the broker yet")
        self.rejected = 0
        self._inbox: queue.Queue[BedMessage] = queue.Queue()
        client = mqtt.Client(
            mqtt.CallbackAPIVersion.VERSION2,
            # Persistent per machine: two central stations of a site must not share an id
            # (the broker would throw one off whenever the other connects).
            client_id=client_id or f"ketamon-central-{target.site}-{socket.gethostname()}",
            clean_session=False,
            protocol=mqtt.MQTTv311,
        )
        if config.username:
            client.username_pw_set(config.username, config.password)
        if target.tls:
            client.tls_set(ca_certs=config.ca_file, tls_version=ssl.PROTOCOL_TLS_CLIENT)
        client.reconnect_delay_set(min_delay=1, max_delay=1)  # see REPLAY_SETTLE_S
        client.on_connect = self._on_connect
        client.on_disconnect = self._on_disconnect
        client.on_message = self._on_message
        self._client = client

    def start(self) -> None:
        self._client.connect_async(self.target.host, self.target.port, keepalive=5)
        self._client.loop_start()  # paho's thread; it reconnects by itself

    def drain(self) -> list[BedMessage]:
        messages = []
        while True:
            try:
                messages.append(self._inbox.get_nowait())
            except queue.Empty:
                return messages

    def status(self) -> LinkStatus:
        return self.link.read(self._inbox.qsize())

    def close(self) -> None:
        self._client.disconnect()
        self._client.loop_stop()

    def _on_connect(self, client, userdata, flags, reason_code, properties) -> None:
        if reason_code.is_failure:
            self.link.failing(f"broker refused the connection ({reason_code})")
            return
        client.subscribe(site_filter(self.target.site), qos=1)
        self.link.fine()
        log.info("central: subscribed to %s", site_filter(self.target.site))

    def _on_disconnect(self, client, userdata, flags, reason_code, properties) -> None:
        self.link.failing(f"broker connection lost ({reason_code})")

    def _on_message(self, client, userdata, message) -> None:
        try:
            decoded = decode(message.topic, message.payload)
        except MessageError as exc:
            self.rejected += 1
            log.warning("central: %s", exc)
            return
        if decoded is not None:
            self._inbox.put(decoded)
