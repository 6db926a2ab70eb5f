"""One bedside, both links down at once: the broker goes away, the HL7 engine starts late.

Nothing is lost: every alarm event and every sample reaches the central model, and
every HL7 message reaches the engine, in order; each outage was a technical alarm.
Real broker, real socket, real bedside process; the outages are a few seconds because
the alarm profile and the clinic's net config (`[retry]`) are scaled down with them:
'Broker away' after 1 s, 'HL7 NOT ACKNOWLEDGED' after 1 s, retries every 0.1-0.4 s
(the defaults: 10 s, 60 s, 0.5-5 s). One test for both outages.
"""

from __future__ import annotations

import threading
import time

from ketamon.io.net.outbox import Outbox
from ketamon.io.recording import Recording
from ketamon.resources import alarm_profiles_dir
from tests.io.net.conftest import free_port, quick_retries, start_bedside
from tests.io.net.mllp_server import MllpServer
from tests.io.net.test_mllp_e2e import assert_in_order_without_gaps
from tests.io.net.test_mqtt_e2e import central_for, printed_alarms, pump, received_alarms

BROKER_AWAY_S = 3.0  # three times the alarm's delay
ENGINE_DOWN_S = 4.0  # from the bedside's start
TECHNICAL_ALARM_AFTER_S = 1.0


def quick_profile(directory):
    """The default profile with both link alarms after TECHNICAL_ALARM_AFTER_S."""
    text = (alarm_profiles_dir() / "default.toml").read_text()
    for old in ("broker_away_s = 10", "hl7_unacknowledged_s = 60"):
        assert old in text
        text = text.replace(old, f"{old.split(' = ')[0]} = {TECHNICAL_ALARM_AFTER_S}")
    path = directory / "quick.toml"
    path.write_text(text)
    return path


def test_broker_away_and_engine_down_lose_nothing(broker, tmp_path):
    subscriber, model = central_for(broker)
    engine_port = free_port()
    engines: list[MllpServer] = []
    data_dir = tmp_path / "chair1"
    profile = quick_profile(tmp_path)
    bedside = start_bedside(
        "chair1",
        broker.url,
        data_dir,
        "--simulate",
        "--speed",
        "60",
        "--quit-after",
        str(ENGINE_DOWN_S + 6),  # room for the broker's return under load
        "--alarm-profile",
        str(profile),
        "--mqtt-config",
        str(quick_retries(tmp_path, 0.1, 0.4)),
        "--hl7-mllp",
        f"127.0.0.1:{engine_port}",
    )
    engine_up = threading.Timer(ENGINE_DOWN_S, lambda: engines.append(MllpServer(engine_port)))
    engine_up.start()
    try:
        assert pump(subscriber, model, lambda: "chair1" in model.beds, 15)
        broker.stop()
        time.sleep(BROKER_AWAY_S)  # the outage itself
        broker.start()
        printed = printed_alarms(bedside)
        conditions = {(c, e) for _, e, c in printed}
        assert ("Broker away", "start") in conditions and ("Broker away", "end") in conditions
        assert ("HL7 NOT ACKNOWLEDGED", "start") in conditions

        def complete():
            return len(model.beds["chair1"].alarm_events) >= len(printed)

        assert pump(subscriber, model, complete, 20)
        bed = model.beds["chair1"]
        assert received_alarms(model, "chair1") == printed
        assert bed.holes == 0
        recording = Recording(next(data_dir.glob("*.ketamon")))
        recorded = recording.samples()
        recording.close()
        received = sorted((t, v.value, x) for v, trend in bed.trends.items() for t, x in trend)
        assert received == sorted((round(s.t_s, 3), s.vital.value, s.value) for s in recorded)
        engine_up.join()
        assert engines and len(engines[0].accepted) > 5
        assert_in_order_without_gaps(engines[0].accepted)
        outbox = Outbox(data_dir / "outbox-hl7-clinic-chair1.sqlite")
        assert len(outbox) == 0  # everything the bedside made was acknowledged
        outbox.close()
    finally:
        engine_up.cancel()
        for engine in engines:
            engine.close()
        subscriber.close()
        bedside.kill()
