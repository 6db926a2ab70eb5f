"""mqtts: TLS with the clinic's CA and a username/password from the config file only."""

from __future__ import annotations

import shutil
import subprocess
import time

import pytest

from ketamon.core.vitals import Sample, Vital
from ketamon.io.net.mqtt_messages import vitals_payload
from ketamon.io.net.mqtt_publisher import MqttPublisher
from ketamon.io.net.mqtt_subscriber import MqttSubscriber
from ketamon.io.net.net_config import load_net_config, parse_mqtt_url
from ketamon.io.net.outbox import Outbox
from tests.io.net.conftest import Broker

TLS_CONFIG = """\
listeners:
  default:
    type: tcp
    bind: 127.0.0.1:{{port}}
    ssl: true
    certfile: {cert}
    keyfile: {key}
plugins:
  amqtt.plugins.authentication.FileAuthPlugin:
    password_file: {passwd}
"""

pytestmark = pytest.mark.skipif(shutil.which("openssl") is None, reason="needs openssl")


def openssl(*args: str) -> str:
    return subprocess.run(["openssl", *args], check=True, capture_output=True, text=True).stdout


@pytest.fixture(scope="module")
def tls_broker(tmp_path_factory):
    """One TLS broker (key, certificate, password file) for the module's tests."""
    tmp_path = tmp_path_factory.mktemp("tls-broker")
    cert, key = tmp_path / "cert.pem", tmp_path / "key.pem"
    openssl(
        "req",
        "-x509",
        "-newkey",
        "rsa:2048",
        "-nodes",
        "-keyout",
        str(key),
        "-out",
        str(cert),
        "-days",
        "1",
        "-subj",
        "/CN=127.0.0.1",
        "-addext",
        "subjectAltName=IP:127.0.0.1",
    )
    passwd = tmp_path / "passwd"
    users = [f"{u}:{openssl('passwd', '-6', 'pw-' + u).strip()}" for u in ("chair1", "central")]
    passwd.write_text("\n".join(users) + "\n")
    broker = Broker(tmp_path, TLS_CONFIG.format(cert=cert, key=key, passwd=passwd))
    broker.start()
    yield broker, cert
    broker.stop()


def net_file(directory, user: str, password: str, cert):
    path = directory / f"{user}.toml"
    path.write_text(f'[mqtt]\nusername = "{user}"\npassword = "{password}"\nca_file = "{cert}"\n')
    path.chmod(0o600)
    return load_net_config(path)


def test_a_bed_publishes_over_tls_with_its_password_from_the_config_file(tls_broker, tmp_path):
    broker, cert = tls_broker
    url = f"mqtts://127.0.0.1:{broker.port}"
    central = MqttSubscriber(
        parse_mqtt_url(url, "clinic", "central"), net_file(tmp_path, "central", "pw-central", cert)
    )
    central.start()
    target = parse_mqtt_url(url, "clinic", "chair1")
    publisher = MqttPublisher(
        target, net_file(tmp_path, "chair1", "pw-chair1", cert), Outbox(tmp_path / "o.sqlite")
    )
    publisher.put("vitals", vitals_payload([Sample(1.0, Vital.HR, 71.0)], publisher.run, 1))
    publisher.start()
    try:
        deadline = time.monotonic() + 10
        received = []
        while not any(getattr(m, "samples", None) for m in received):
            assert time.monotonic() < deadline, "nothing arrived over TLS"
            received += central.drain()
            time.sleep(0.05)
        assert publisher.status().ok and central.status().ok
    finally:
        publisher.close(1.0)
        central.close()


def test_a_wrong_password_is_a_failing_link_not_a_crash(tls_broker, tmp_path):
    broker, cert = tls_broker
    target = parse_mqtt_url(f"mqtts://127.0.0.1:{broker.port}", "clinic", "chair1")
    publisher = MqttPublisher(
        target, net_file(tmp_path, "chair1", "wrong", cert), Outbox(tmp_path / "o.sqlite")
    )
    publisher.start()
    try:
        deadline = time.monotonic() + 5
        while "refused" not in publisher.status().detail:
            assert time.monotonic() < deadline, publisher.status().detail
            time.sleep(0.05)
        assert not publisher.status().ok
    finally:
        publisher.close(0)
