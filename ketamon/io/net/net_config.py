"""Where a bedside sends its data: MQTT broker URL, HL7 engine address, the clinic's net config.

Credentials never come from the command line (other users can read a process's
arguments): they live in a TOML file given by `--mqtt-config FILE`:

    [mqtt]
    username = "bed-3"
    password = "..."
    ca_file = "/etc/ketamon/clinic-ca.pem"   # mqtts: the broker's CA (default: system CAs)

    [privacy]
    send_patient_id = false   # true: the patient ID goes in the MQTT state and HL7 PID

    [queue]
    max_messages = 200000     # per outbox file, oldest dropped past this

    [retry]
    first_s = 0.5             # broker or HL7 engine away: try again after this long,
    max_s = 5.0               # doubling, at most this long apart
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit

from ketamon.core.config import ConfigError, Fields, check_number, load_toml
from ketamon.io.net.link import Backoff  # threading and time only: light
from ketamon.io.net.outbox import DEFAULT_MAX_ROWS


@dataclass(frozen=True)
class NetConfig:
    """The clinic's file: broker credentials, what may leave the laptop, queue bound,
    how soon to try again while the broker or the HL7 engine is away."""

    username: str | None = None
    password: str | None = None
    ca_file: str | None = None
    send_patient_id: bool = False
    max_messages: int = DEFAULT_MAX_ROWS
    retry: Backoff = Backoff()


@dataclass(frozen=True)
class MqttTarget:
    """A broker and this bed's place on it."""

    host: str
    port: int
    tls: bool
    site: str
    bed: str


@dataclass(frozen=True)
class HostPort:
    host: str
    port: int


@dataclass(frozen=True)
class NetPlan:
    """Where this bedside sends data (None: not at all) and the clinic's net config."""

    mqtt: MqttTarget | None = None
    hl7: HostPort | None = None
    config: NetConfig = NetConfig()
    bed: str = "bed"
    site: str = "clinic"

    @property
    def any(self) -> bool:
        return self.mqtt is not None or self.hl7 is not None


def parse_mqtt_url(url: str, site: str, bed: str) -> MqttTarget:
    """`mqtt://host[:1883]` or `mqtts://host[:8883]`; ValueError with the reason."""
    from ketamon.io.net.mqtt_messages import check_name

    parts = urlsplit(url)
    if parts.scheme not in ("mqtt", "mqtts"):
        raise ValueError(f"MQTT URL {url!r}: use mqtt://host:port or mqtts://host:port")
    if parts.username or parts.password:
        raise ValueError("put the MQTT username and password in --mqtt-config, not in the URL")
    if not parts.hostname:
        raise ValueError(f"MQTT URL {url!r} has no host")
    tls = parts.scheme == "mqtts"
    try:
        port = parts.port or (8883 if tls else 1883)
    except ValueError:
        raise ValueError(f"MQTT URL {url!r}: the port must be 1-65535") from None
    return MqttTarget(parts.hostname, port, tls, check_name("site", site), check_name("bed", bed))


def parse_host_port(text: str) -> HostPort:
    """`HOST:PORT` of an MLLP listener; ValueError with the reason."""
    host, sep, port_text = text.rpartition(":")
    if not sep or not host:
        raise ValueError(f"{text!r}: use HOST:PORT, e.g. mirth.clinic.local:6661")
    try:
        port = check_number(port_text, "argument", "port", 1, 65535, integer=True)
    except ConfigError as exc:
        raise ValueError(f"{text!r}: the port must be 1-65535 ({exc.reason})") from None
    return HostPort(host.strip("[]"), int(port))


def load_net_config(path: Path | None) -> NetConfig:
    """Read the clinic's network file; ConfigError names file, line, field and reason."""
    if path is None:
        return NetConfig()
    data, text = load_toml(path)
    if os.name == "posix" and path.stat().st_mode & 0o077 and "mqtt" in data:
        raise ConfigError(
            str(path), "", "holds a password: make it readable by you only (chmod 600)"
        )
    top = Fields(data, str(path), text)
    mqtt = top.table("mqtt", default={})
    username = mqtt.text("username", None)
    password = mqtt.text("password", None)
    ca_file = mqtt.text("ca_file", None)
    mqtt.finish()
    privacy = top.table("privacy", default={})
    send_patient_id = privacy.boolean("send_patient_id", False)
    privacy.finish()
    queue = top.table("queue", default={})
    max_messages = queue.number("max_messages", float(DEFAULT_MAX_ROWS), low=100, high=10_000_000)
    queue.finish()
    retry = top.table("retry", default={})
    first_s = retry.number("first_s", Backoff.first_s, low=0.05, high=60.0)
    max_s = retry.number("max_s", Backoff.max_s, low=first_s, high=600.0)
    retry.finish()
    top.finish()
    if ca_file is not None and not Path(ca_file).is_file():
        raise ConfigError(str(path), "mqtt.ca_file", f"{ca_file}: no such file")
    backoff = Backoff(first_s, max_s)
    return NetConfig(username, password, ca_file, send_patient_id, int(max_messages), backoff)


class UsageError(ValueError):
    """Network flags that do not go together or do not parse (a usage error at the CLI)."""


def make_net_plan(
    mqtt_url: str | None, hl7: str | None, bed: str | None, site: str, config_path: Path | None
) -> NetPlan:
    """The targets of `--mqtt`, `--hl7-mllp`, `--bed`, `--site`, `--mqtt-config`.

    UsageError for the flags; ConfigError (file, line, field, reason) for the file.
    """
    if not (mqtt_url or hl7):
        if bed or config_path:
            raise UsageError("--bed/--mqtt-config need --mqtt or --hl7-mllp")
        return NetPlan()
    if not bed:
        raise UsageError("--mqtt and --hl7-mllp need --bed NAME (how the clinic knows this chair)")
    # The message formats only when the bed sends: a bed that does not starts without them.
    from ketamon.io.net.mqtt_messages import check_name

    try:
        bed, site = check_name("bed", bed), check_name("site", site)
        mqtt = parse_mqtt_url(mqtt_url, site, bed) if mqtt_url else None
        engine = parse_host_port(hl7) if hl7 else None
    except ValueError as exc:
        raise UsageError(str(exc)) from None
    return NetPlan(mqtt, engine, load_net_config(config_path), bed, site)
