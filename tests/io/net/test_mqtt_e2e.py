"""Bedsides publish through a real broker to the central model: in order, nothing lost."""

from __future__ import annotations

import json
import time

from ketamon.core.central import CentralModel
from ketamon.io.net.mqtt_subscriber import MqttSubscriber
from ketamon.io.net.net_config import NetConfig, parse_mqtt_url
from tests.io.net.conftest import start_bedside


def central_for(broker, client_id="central-test"):
    target = parse_mqtt_url(broker.url, "clinic", "central")
    subscriber = MqttSubscriber(target, NetConfig(), client_id=client_id)
    subscriber.start()
    model = CentralModel()
    return subscriber, model


def pump(subscriber, model, until, timeout_s: float) -> bool:
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        for message in subscriber.drain():
            model.apply(message, time.monotonic())
        model.tick(time.monotonic())
        if until():
            return True
        time.sleep(0.05)
    return False


def printed_alarms(process) -> list[tuple]:
    out, err = process.communicate(timeout=120)
    assert process.returncode == 0, err.decode()
    return [
        (round(e["t_s"], 3), e["event"], e["condition"])
        for e in map(json.loads, out.decode().splitlines())
    ]


def received_alarms(model, bed) -> list[tuple]:
    return [(r.t_s, r.event, r.condition) for r in model.beds[bed].alarm_events]


def wait_connected(subscriber):
    deadline = time.monotonic() + 10
    while not subscriber.status().ok:
        assert time.monotonic() < deadline, "central never connected"
        time.sleep(0.05)


def test_three_bedsides_at_max_speed_reach_the_central_in_order(broker, tmp_path):
    subscriber, model = central_for(broker)
    wait_connected(subscriber)
    beds = {"chair1": "tachycardia", "chair2": "desaturation", "chair3": "vasovagal"}
    processes = {
        bed: start_bedside(bed, broker.url, tmp_path / bed, "--speed", "max", "--scenario", name)
        for bed, name in beds.items()
    }
    try:
        printed = {bed: printed_alarms(p) for bed, p in processes.items()}
        assert all(len(events) > 3 for events in printed.values())

        def complete():
            return all(
                bed in model.beds
                and len(model.beds[bed].alarm_events) >= len(printed[bed])
                and model.beds[bed].closed  # a clean exit says goodbye: no OFFLINE alarm
                for bed in beds
            )

        assert pump(subscriber, model, complete, 20)
        for bed in beds:
            assert received_alarms(model, bed) == printed[bed]
            assert model.beds[bed].holes == 0
            assert model.beds[bed].state is not None
            assert model.beds[bed].state.patient_id is None  # not allowed by default
            assert not model.beds[bed].offline
    finally:
        subscriber.close()
        for p in processes.values():
            p.kill()


def test_a_killed_bedside_is_offline_within_6_s(broker, tmp_path):
    subscriber, model = central_for(broker)
    wait_connected(subscriber)
    bedside = start_bedside("chair2", broker.url, tmp_path / "b", "--quit-after", "60")
    try:
        assert pump(subscriber, model, lambda: "chair2" in model.beds, 15)
        assert not model.beds["chair2"].offline
        bedside.kill()
        killed = time.monotonic()
        assert pump(subscriber, model, lambda: model.beds["chair2"].offline, 6.0)
        assert time.monotonic() - killed <= 6.0
        assert model.beds["chair2"].highest_alarm().label == "OFFLINE"
    finally:
        subscriber.close()
        bedside.kill()
