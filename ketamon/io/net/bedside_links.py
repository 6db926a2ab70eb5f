"""A bedside's links to the clinic: MQTT to the central station, HL7 v2 to the interface engine.

Hooks onto the session's published samples and events (the session's thread),
hands messages to the sender threads through their on-disk outboxes, and turns a
link's trouble into a technical alarm through the session: 'Broker away' after
`broker_away_s`, 'HL7 NOT ACKNOWLEDGED' after `hl7_unacknowledged_s` of NAK or
silence (alarm profile, [technical]). A link in trouble never stops monitoring.
"""

from __future__ import annotations

import logging
import time
import uuid
from pathlib import Path

from ketamon.core.alarm_types import AlarmEvent
from ketamon.core.events import alarm_event
from ketamon.core.session import Session
from ketamon.core.session_types import SessionEvent
from ketamon.core.vitals import Sample
from ketamon.io.net.hl7_feed import Hl7Context, Hl7Feed
from ketamon.io.net.link import LinkStatus
from ketamon.io.net.mllp_sender import MllpSender
from ketamon.io.net.mqtt_messages import alarm_payload, state_payload, vitals_payload
from ketamon.io.net.mqtt_publisher import MqttPublisher
from ketamon.io.net.net_config import NetPlan
from ketamon.io.net.outbox import Outbox

log = logging.getLogger(__name__)

STATE_EVERY_S = 1.0  # wall seconds between retained state updates


class BedsideLinks:
    """Start with `start_links`; call `poll(t_s)` from the session's loop; `close()` at exit."""

    def __init__(self, session: Session, plan: NetPlan, data_dir: Path):
        self.session = session
        self.plan = plan
        self._samples: list[Sample] = []
        self._alarms: list[AlarmEvent] = []
        self._vitals_seq = 0
        self._alarm_seq = 0
        self._state_due = 0.0
        # Unix time of session time 0 (HL7 times, the MQTT "clock"): set by the run once its
        # clock starts (`set_origin`), after a simulated autostart has moved session time on.
        self.origin_wall_s: float | None = None
        self._held: list[tuple[list[Sample] | None, AlarmEvent | None]] = []  # HL7 inputs till then
        # A resumed session may carry a link alarm from before the crash: clear it if the
        # link now works (conditions are reported to the session on change only).
        active = {alarm.id for alarm in session.snapshot().alarms}
        self._reported = {c: c in active for c in ("broker_away", "hl7_unacknowledged")}
        self.mqtt: MqttPublisher | None = None
        self.mllp: MllpSender | None = None
        self.hl7: Hl7Feed | None = None
        bound = plan.config.max_messages
        if plan.mqtt is not None:
            target = plan.mqtt
            outbox = Outbox(data_dir / f"outbox-mqtt-{target.site}-{target.bed}.sqlite", bound)
            self.mqtt = MqttPublisher(target, plan.config, outbox)
        if plan.hl7 is not None:
            outbox = Outbox(data_dir / f"outbox-hl7-{plan.site}-{plan.bed}.sqlite", bound)
            self.mllp = MllpSender(plan.hl7, outbox, plan.config.retry)
        session.on_samples.connect(self._on_samples)
        session.on_event.connect(self._on_event)

    def start(self) -> None:
        for sender in (self.mqtt, self.mllp):
            if sender is not None:
                sender.start()

    def set_origin(self, origin_wall_s: float) -> None:
        """Session time 0 was Unix time `origin_wall_s` (the run's clock has started): HL7
        messages held until now are made, with the same times the recording will give."""
        self.origin_wall_s = origin_wall_s
        if self.plan.hl7 is not None and self.hl7 is None:
            plan, run = self.plan, uuid.uuid4().hex[:8]
            context = Hl7Context(plan.site, plan.bed, self._patient_id, origin_wall_s, run)
            self.hl7 = Hl7Feed(context)
            held, self._held = self._held, []
            for samples, alarm in held:
                self._to_hl7(samples, alarm)

    def poll(self, t_s: float) -> None:
        """Hand what the session produced since the last poll to the senders; judge links.

        Nothing is sent before `set_origin`: the lines would carry no time of day."""
        if self.origin_wall_s is None:
            return
        if self.mqtt is not None:
            if self._samples:
                self._vitals_seq += 1
                self.mqtt.put(
                    "vitals", vitals_payload(self._samples, self.mqtt.run, self._vitals_seq)
                )
            for alarm in self._alarms:
                self._alarm_seq += 1
                payload = alarm_payload(alarm, self.mqtt.run, self._alarm_seq, self.origin_wall_s)
                self.mqtt.put("alarms", payload)
            now = time.monotonic()
            if now >= self._state_due:
                self._state_due = now + STATE_EVERY_S
                snapshot = self.session.snapshot()
                self.mqtt.set_state(state_payload(self.plan.mqtt.bed, snapshot, self._patient_id()))
        self._samples = []
        self._alarms = []
        tech = self.session.alarms.profile.technical if self.session.alarms else None
        if self.mqtt is not None and tech is not None:
            self._judge(t_s, "broker_away", self.mqtt.status(), tech.broker_away_s)
        if self.mllp is not None and tech is not None:
            self._judge(t_s, "hl7_unacknowledged", self.mllp.status(), tech.hl7_unacknowledged_s)

    def close(self, drain_s: float = 5.0) -> None:
        """Flush the last minute to HL7, send what is queued for up to `drain_s`, stop."""
        if self.origin_wall_s is None:  # stopped before its clock started: time it from now
            self.set_origin(time.time() - self.session.t_s)
        self.poll(self.session.t_s)
        if self.hl7 is not None and self.mllp is not None:
            for message in self.hl7.flush():
                self.mllp.put(message)
        for sender in (self.mqtt, self.mllp):
            if sender is not None:
                sender.close(drain_s)

    def _judge(self, t_s: float, condition: str, status: LinkStatus, after_s: float) -> None:
        since = status.failing_since_s
        present = since is not None and time.monotonic() - since >= after_s
        if self._reported.get(condition, False) != present:  # the session records changes
            self._reported[condition] = present
            detail = status.detail if present else "link working again"
            self.session.report_technical(t_s, condition, present, detail)

    def _patient_id(self) -> str | None:
        plan = self.session.plan
        if not self.plan.config.send_patient_id or plan is None:
            return None
        return plan.patient.patient_id or None

    def _on_samples(self, samples: list[Sample]) -> None:
        if self.mqtt is not None:
            self._samples.extend(samples)
        self._to_hl7(samples, None)

    def _on_event(self, event: SessionEvent) -> None:
        alarm = alarm_event(event)  # the one decoder of session records
        if alarm is None:
            return
        if self.mqtt is not None:
            self._alarms.append(alarm)
        self._to_hl7(None, alarm)

    def _to_hl7(self, samples: list[Sample] | None, alarm: AlarmEvent | None) -> None:
        """Samples or an alarm into HL7 messages, queued to send (held until the origin)."""
        if self.mllp is None:
            return
        if self.hl7 is None:
            self._held.append((samples, alarm))
            return
        messages = self.hl7.on_samples(samples) if samples is not None else []
        messages += self.hl7.on_alarm(alarm) if alarm is not None else []
        for message in messages:
            self.mllp.put(message)


def start_links(session: Session, plan: NetPlan, data_dir: Path) -> BedsideLinks | None:
    """The bedside's links, started; None when the plan sends nothing."""
    if not plan.any:
        return None
    links = BedsideLinks(session, plan, data_dir)
    links.start()
    return links
