"""One bedside, both links down at once: the broker for 20 s, the HL7 engine for 30 s.

Nothing is lost: every alarm event and every sample reaches the central model, and
every HL7 message reaches the engine, in order; each outage was a technical alarm.
One test for both outages, so the suite pays for the 30 s only once.
"""

from __future__ import annotations

import threading
import time

from ketamon.io.net.outbox import Outbox
from ketamon.io.recording import Recording
from tests.io.net.conftest import free_port, start_bedside
from tests.io.net.mllp_server import MllpServer
from tests.io.net.test_mllp_e2e import assert_in_order_without_gaps, quick_hl7_alarm_profile
from tests.io.net.test_mqtt_e2e import central_for, printed_alarms, pump, received_alarms

BROKER_AWAY_S = 20.0
ENGINE_DOWN_S = 30.0


def test_broker_away_20_s_and_engine_down_30_s_lose_nothing(broker, tmp_path):
    subscriber, model = central_for(broker)
    engine_port = free_port()
    engines: list[MllpServer] = []
    data_dir = tmp_path / "chair1"
    profile = quick_hl7_alarm_profile(tmp_path, 10)
    started = time.monotonic()
    bedside = start_bedside(
        "chair1",
        broker.url,
        data_dir,
        "--simulate",
        "--speed",
        "60",
        "--quit-after",
        str(ENGINE_DOWN_S + 7),
        "--alarm-profile",
        str(profile),
        "--hl7-mllp",
        f"127.0.0.1:{engine_port}",
    )
    engine_up = threading.Timer(ENGINE_DOWN_S, lambda: engines.append(MllpServer(engine_port)))
    engine_up.start()
    try:
        assert pump(subscriber, model, lambda: "chair1" in model.beds, 15)
        broker.stop()
        time.sleep(max(0.0, BROKER_AWAY_S - (time.monotonic() - started)) + 1.0)
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
