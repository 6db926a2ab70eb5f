"""The GUI bedside publishes through the same links as headless (--mqtt --bed)."""

from __future__ import annotations

import time

from ketamon.core.central import CentralModel
from ketamon.core.simulation import autostart_demo
from ketamon.io.net.mqtt_subscriber import MqttSubscriber
from ketamon.io.net.net_config import NetConfig, NetPlan, parse_mqtt_url
from ketamon.io.run_config import RunConfig
from ketamon.ui.sources import Sources
from tests.io.net.conftest import Broker


def test_a_gui_session_reaches_the_central_and_closes_cleanly(qtbot, tmp_path, resources):
    broker = Broker(tmp_path)
    broker.start()
    target = parse_mqtt_url(broker.url, "clinic", "chair5")
    central = MqttSubscriber(target, NetConfig(), client_id="gui-test-central")
    central.start()
    model = None
    try:
        config = RunConfig(seed=2, data_dir=tmp_path, net=NetPlan(mqtt=target))
        sources = Sources(resources, config)
        model = sources.new_model()
        assert model.links is not None
        autostart_demo(model.session, resources.protocols[0], 70.0)
        model.clock.start()  # as the window does once shown: the links' time origin
        seen = CentralModel()

        def arrived() -> bool:
            model.clock.tick()
            for message in central.drain():
                seen.apply(message, time.monotonic())
            bed = seen.beds.get("chair5")
            return bed is not None and bed.state is not None and bed.alarm_events != []

        qtbot.waitUntil(arrived, timeout=10_000)
        assert seen.beds["chair5"].state.phase.startswith("Loading")
        assert seen.beds["chair5"].alarm_events[0].event == "armed"
    finally:
        if model is not None:
            model.close(resumable=False)
            assert model.links is None
        central.close()
        broker.stop()
