"""How fast the clinic links drain a backlog: MQTT through a local broker, HL7 over MLLP.

    python bench/network.py

Queues N messages while nothing listens (the outage case), then starts the far end
and times how long the sender takes to deliver them all, in order. Needs the test
extra (amqtt). Goal: a 20-min outage of one bed (~1200 vitals batches at 1 Hz plus
alarms) drains in under 30 s; HL7 (one message a minute) in under a second.
"""

from __future__ import annotations

import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from ketamon.core.vitals import Sample, Vital  # noqa: E402
from ketamon.io.net.mllp_sender import MllpSender  # noqa: E402
from ketamon.io.net.mqtt_messages import vitals_payload  # noqa: E402
from ketamon.io.net.mqtt_publisher import MqttPublisher  # noqa: E402
from ketamon.io.net.net_config import HostPort, NetConfig, parse_mqtt_url  # noqa: E402
from ketamon.io.net.outbox import Outbox  # noqa: E402
from tests.io.net.conftest import Broker  # noqa: E402
from tests.io.net.mllp_server import MllpServer  # noqa: E402

N_MQTT = 1200
N_HL7 = 300


def bench_outbox(directory: Path) -> None:
    box = Outbox(directory / "bench.sqlite")
    payload = vitals_payload([Sample(1.0, Vital.HR, 70.0), Sample(1.0, Vital.SPO2, 97.0)], "r", 1)
    t0 = time.perf_counter()
    for _ in range(5000):
        box.put("t", payload)
    put_us = (time.perf_counter() - t0) / 5000 * 1e6
    sys.stdout.write(f"outbox put: {put_us:.0f} us per message\n")
    box.close()


def bench_mqtt(directory: Path) -> None:
    broker = Broker(directory)
    target = parse_mqtt_url(broker.url, "bench", "chair1")
    publisher = MqttPublisher(target, NetConfig(), Outbox(directory / "mqtt.sqlite"))
    for n in range(N_MQTT):
        sample = [Sample(float(n), Vital.HR, 70.0), Sample(float(n), Vital.SPO2, 97.0)]
        publisher.put("vitals", vitals_payload(sample, publisher.run, n + 1))
    publisher.start()
    broker.start()
    t0 = time.perf_counter()
    while len(publisher.outbox):
        time.sleep(0.01)
    elapsed = time.perf_counter() - t0
    sys.stdout.write(
        f"MQTT: {N_MQTT} messages queued during an outage delivered {elapsed:.1f} s after the "
        f"broker came back (its reconnect back-off included)\n"
    )
    publisher.close(0)
    broker.stop()


def bench_mllp(directory: Path) -> None:
    message = "MSH|^~\\&|KETAMON|b|||20260101000000+0000||ORU^R01^ORU_R01|{}|P|2.6\rOBX|1|NM|x||1\r"
    engine = MllpServer()
    sender = MllpSender(HostPort("127.0.0.1", engine.port), Outbox(directory / "hl7.sqlite"))
    for n in range(N_HL7):
        sender.put(message.format(f"r-{n + 1}"))
    t0 = time.perf_counter()
    sender.start()
    while len(sender.outbox):
        time.sleep(0.005)
    elapsed = time.perf_counter() - t0
    assert len(engine.accepted) == N_HL7
    sys.stdout.write(
        f"MLLP: {N_HL7} messages, each waiting for its ACK: {elapsed:.2f} s, "
        f"{elapsed / N_HL7 * 1000:.2f} ms per message\n"
    )
    sender.close(0)
    engine.close()


if __name__ == "__main__":
    with tempfile.TemporaryDirectory() as tmp:
        bench_outbox(Path(tmp))
        bench_mqtt(Path(tmp))
        bench_mllp(Path(tmp))
