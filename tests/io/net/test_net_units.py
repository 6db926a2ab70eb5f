"""Outbox bound and file mode, URL and config validation, MQTT payload round trips."""

from __future__ import annotations

import stat
import time

import pytest

from ketamon.core.alarm_profile import Priority
from ketamon.core.central_types import AlarmRecord, BedOffline, VitalsBatch
from ketamon.core.config import ConfigError
from ketamon.core.events import alarm_event, clock_text
from ketamon.core.session_types import SessionEvent
from ketamon.core.vitals import Sample, Vital
from ketamon.io.net.link import Backoff
from ketamon.io.net.mqtt_messages import alarm_payload, decode, vitals_payload
from ketamon.io.net.net_config import load_net_config, parse_host_port, parse_mqtt_url
from ketamon.io.net.outbox import Outbox


def test_the_outbox_is_private_ordered_survives_reopening_and_keeps_its_bound(tmp_path):
    path = tmp_path / "q.sqlite"
    box = Outbox(path, max_rows=3)
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    for n in range(5):
        box.put("t", f"m{n}".encode())
    assert len(box) == 3 and box.dropped == 2  # the oldest go first
    assert [q.payload for q in box.oldest(0, 10)] == [b"m2", b"m3", b"m4"]
    first = box.oldest(0, 1)[0]
    box.remove(first.seq)
    box.close()
    again = Outbox(path, max_rows=3)
    assert [q.payload for q in again.oldest(0, 10)] == [b"m3", b"m4"]
    assert again.put("t", b"m5") > first.seq  # sequence numbers never go back
    again.close()


def test_urls_and_addresses_are_checked():
    target = parse_mqtt_url("mqtts://broker.clinic", "site1", "chair-2")
    assert (target.host, target.port, target.tls) == ("broker.clinic", 8883, True)
    assert parse_mqtt_url("mqtt://10.0.0.5", "s", "b").port == 1883
    with pytest.raises(ValueError, match="not in the URL"):
        parse_mqtt_url("mqtt://u:secret@host", "s", "b")
    with pytest.raises(ValueError, match="mqtt://"):
        parse_mqtt_url("http://host", "s", "b")
    with pytest.raises(ValueError, match="bed name"):
        parse_mqtt_url("mqtt://host", "s", "chair/+")
    assert parse_host_port("mirth.local:6661").port == 6661
    with pytest.raises(ValueError, match="1-65535"):
        parse_host_port("mirth.local:70000")


def test_the_net_config_refuses_a_readable_password_and_unknown_fields(tmp_path):
    path = tmp_path / "net.toml"
    path.write_text(
        '[mqtt]\nusername = "bed3"\npassword = "pw"\n[privacy]\nsend_patient_id = true\n'
    )
    path.chmod(0o644)
    with pytest.raises(ConfigError, match="chmod 600"):
        load_net_config(path)
    path.chmod(0o600)
    config = load_net_config(path)
    assert config.username == "bed3" and config.send_patient_id
    path.write_text("[queue]\nmax_mesages = 5\n")
    with pytest.raises(ConfigError, match="line 2: queue.max_mesages: unknown field"):
        load_net_config(path)
    path.write_text("[queue]\nmax_messages = 5\n")
    with pytest.raises(ConfigError, match="at least 100"):
        load_net_config(path)


def test_the_retry_back_off_doubles_up_to_its_cap_and_is_checked(tmp_path):
    assert [Backoff().delay_s(n) for n in range(6)] == [0.5, 1.0, 2.0, 4.0, 5.0, 5.0]
    path = tmp_path / "net.toml"
    assert load_net_config(None).retry == Backoff(0.5, 5.0)
    path.write_text("[retry]\nfirst_s = 0.1\nmax_s = 0.3\n")
    retry = load_net_config(path).retry
    assert [retry.delay_s(n) for n in range(4)] == [0.1, 0.2, 0.3, 0.3]
    path.write_text("[retry]\nfirst_s = 2\nmax_s = 1\n")
    with pytest.raises(ConfigError, match="line 3: retry.max_s: .*at least 2"):
        load_net_config(path)
    path.write_text("[retry]\nfirst_s = nan\n")
    with pytest.raises(ConfigError, match="retry.first_s"):
        load_net_config(path)


def test_payloads_round_trip_to_typed_messages():
    event = SessionEvent(
        61.5,
        "alarm.start",
        "HR very high",
        {
            "alarm_id": "hr_high",
            "priority": "high",
            "kind": "physiological",
            "value": 125.0,
            "limit": 120.0,
        },
    )
    origin_wall_s = 1_796_133_787.0  # session time 0 at 2026-12-01 14:03:07 UTC
    payload = alarm_payload(alarm_event(event), "r", 7, origin_wall_s)
    record = decode("ketamon/s/b1/alarms", payload)
    assert isinstance(record, AlarmRecord)
    assert (record.seq, record.t_s, record.event, record.priority) == (
        7,
        61.5,
        "start",
        Priority.HIGH,
    )
    # The time of day rides along, as in the headless line; the central keeps it.
    assert record.data["clock"] == clock_text(origin_wall_s + 61.5)
    without = decode("ketamon/s/b1/alarms", alarm_payload(alarm_event(event), "r", 8))
    assert "clock" not in without.data and without.t_s == 61.5
    batch = decode("ketamon/s/b1/vitals", vitals_payload([Sample(1.0, Vital.HR, 70.0)], "r", 1))
    assert isinstance(batch, VitalsBatch) and batch.samples == ((1.0, Vital.HR, 70.0),)
    assert isinstance(decode("ketamon/s/b1/status", b"offline"), BedOffline)
    assert decode("other/topic", b"x") is None


@pytest.mark.parametrize("allowed", [False, True])
def test_the_patient_id_leaves_only_when_the_clinic_allows_it(allowed, tmp_path, resources):
    import json

    from ketamon.core.simulation import autostart_demo, simulated_session
    from ketamon.io.net.bedside_links import BedsideLinks
    from ketamon.io.net.mqtt_messages import state_payload
    from ketamon.io.net.net_config import NetConfig, NetPlan

    session = simulated_session(resources.library, 1, alarm_profile=resources.alarm_profile)
    autostart_demo(session, resources.protocols[0], 70.0)
    target = parse_mqtt_url("mqtt://127.0.0.1:1", "clinic", "chair1")
    links = BedsideLinks(
        session, NetPlan(target, None, NetConfig(send_patient_id=allowed)), tmp_path
    )
    state = json.loads(state_payload("chair1", session.snapshot(), links._patient_id()))
    assert state.get("patient_id") == ("DEMO" if allowed else None)
    assert ("DEMO" in json.dumps(state)) is allowed
    links.mqtt.outbox.close()


def test_a_resumed_link_alarm_ends_when_the_link_works(tmp_path, resources):
    from ketamon.core.simulation import autostart_demo, simulated_session
    from ketamon.io.net.bedside_links import BedsideLinks
    from ketamon.io.net.net_config import NetConfig, NetPlan

    session = simulated_session(resources.library, 1, alarm_profile=resources.alarm_profile)
    autostart_demo(session, resources.protocols[0], 70.0)
    session.report_technical(session.t_s, "broker_away", True, "before the crash")
    target = parse_mqtt_url("mqtt://127.0.0.1:1", "clinic", "chair1")
    links = BedsideLinks(session, NetPlan(target, None, NetConfig()), tmp_path)
    links.set_origin(1_000_000.0)  # the run's clock started
    links.mqtt.link.fine()  # connected again
    links.poll(session.t_s)
    assert "broker_away" not in {a.id for a in session.snapshot().alarms}
    links.mqtt.outbox.close()


def test_links_time_their_messages_from_the_runs_clock_not_from_when_they_were_built(
    tmp_path, resources
):
    """A simulated autostart moves session time on in no wall time: MQTT and HL7 times
    of day come from the origin the run sets (the recording's), so they match its lines."""
    import json

    from ketamon.core.simulation import autostart_demo, simulated_session
    from ketamon.core.vitals import NibpReading
    from ketamon.io.net.bedside_links import BedsideLinks
    from ketamon.io.net.net_config import NetConfig, NetPlan, parse_host_port

    session = simulated_session(resources.library, 1, alarm_profile=resources.alarm_profile)
    target = parse_mqtt_url("mqtt://127.0.0.1:1", "clinic", "chair1")
    plan = NetPlan(target, parse_host_port("127.0.0.1:1"), NetConfig(), "chair1", "clinic")
    links = BedsideLinks(session, plan, tmp_path)  # built before the autostart, as in a run
    autostart_demo(session, resources.protocols[0], 70.0)
    session.ingest(NibpReading(session.t_s, 205, 120, 148).samples())  # BP very high
    session.advance_to(session.t_s + 70)
    links.poll(session.t_s)
    assert len(links.mqtt.outbox) == 0 and links.hl7 is None  # nothing goes out untimed
    origin_s = 1_700_000_000.0
    links.set_origin(origin_s)
    links.poll(session.t_s)
    queued = links.mqtt.outbox.oldest(limit=1000)
    alarms = [json.loads(q.payload) for q in queued if q.topic.endswith("/alarms")]
    assert alarms and all(a["clock"] == clock_text(origin_s + a["t_s"]) for a in alarms)
    hl7 = [q.payload.decode() for q in links.mllp.outbox.oldest(limit=1000)]
    assert hl7, "the held HL7 messages were made once the origin was known"
    start = next(a for a in alarms if a["event"] == "start")
    stamp = time.strftime("%Y%m%d%H%M%S", time.localtime(origin_s + start["t_s"]))
    assert any(stamp[:12] in message for message in hl7)
    links.mqtt.outbox.close()
    links.mllp.outbox.close()
