"""Technical (equipment and workflow) alarm conditions: names, labels, priorities.

A technical condition is a string: "no_data", "source_lost", ... or, for one of
several devices, "source_lost@ge-s5:/dev/ttyUSB1". Its priority comes from the
profile's `technical` table (CLINICAL.md §5); its label is what the banner shows.
The AlarmEngine keeps which are present. Times in session seconds.
"""

from __future__ import annotations

from ketamon.core.alarm_profile import Priority, TechnicalSettings
from ketamon.core.alarm_types import Finding
from ketamon.core.vitals import Vital

NO_DATA_VITALS = (Vital.HR, Vital.SPO2)
ARTEFACT_WINDOW_S = 60.0  # malformed frames are counted over the last minute

TECHNICAL_LABELS = {
    "no_data": "No HR/SpO2 data",
    "source_lost": "Data source lost",
    "sensor_off": "Sensor off",
    "nibp_overdue": "NIBP overdue",
    "artefact": "Malformed data",
    "recording_failed": "RECORDING FAILED",  # INOP: the session is not being saved
    "pump_change": "PUMP CHANGE NOT CONFIRMED",  # CLINICAL.md §8: the dose shown is unchecked
    "paused": "INFUSION PAUSED",  # CLINICAL.md §8: a paused channel reminds the nurse
    "broker_away": "Broker away",
    "hl7_unacknowledged": "HL7 NOT ACKNOWLEDGED",
    "sound_lost": "SOUND LOST",  # INOP: the audio device stopped; alarms are visual only
}
# A consequence is listed right after its cause while the cause is active: a pulled
# cable shows "Data source lost" first, then the "No HR/SpO2 data" it causes.
CAUSES = {
    "no_data": ("source_lost", "sensor_off"),
    "nibp_overdue": ("source_lost",),
}
# Conditions the session itself judges (set_condition), not a source.
SESSION_CONDITIONS = ("pump_change", "paused")
# Technical alarms that escalate like a medium physiological one: the nurse must act.
ESCALATING_TECHNICAL = frozenset({"pump_change"})
DEVICE_SEPARATOR = "@"  # "source_lost@ge-s5:/dev/ttyUSB1": one device's condition
# One of several devices: "No data from GE S/5 on ttyUSB1" (others: "Sensor off: <device>").
DEVICE_LABELS = {"no_data": "No data from "}
# Reported by the network links (MQTT publisher, MLLP sender): not about the patient, and
# shown whether or not physiological alarms are armed, since data is leaving the laptop.
NETWORK_CONDITIONS = ("broker_away", "hl7_unacknowledged")
# Shown whether or not physiological alarms are armed: the links, and the alarm sound
# itself (lost before the start, it must still be said once alarms can sound).
ALWAYS_SHOWN = (*NETWORK_CONDITIONS, "sound_lost")


def technical_base(condition: str) -> str:
    """The condition without its device ("source_lost@ge-s5:/dev/ttyUSB1" -> "source_lost")."""
    return condition.split(DEVICE_SEPARATOR, 1)[0]


def reported_priority(tech: TechnicalSettings, base: str) -> Priority | None:
    """The priority of a condition a source, the recorder or a link reports (None: not one)."""
    priorities = {
        "no_data": tech.no_data_priority,
        "source_lost": tech.source_lost_priority,
        "sensor_off": tech.sensor_off_priority,
        "artefact": tech.artefact_priority,
        "recording_failed": tech.recording_failed_priority,
        "broker_away": tech.broker_away_priority,
        "hl7_unacknowledged": tech.hl7_unacknowledged_priority,
        "sound_lost": tech.sound_lost_priority,
    }
    return priorities.get(base)


def session_condition_priority(tech: TechnicalSettings, condition: str) -> Priority:
    """The priority of a condition the session judges (one of SESSION_CONDITIONS)."""
    if condition == "pump_change":
        return tech.pump_change_priority
    if condition == "paused":
        return tech.paused_priority
    raise KeyError(condition)


def technical_finding(condition: str, priority: Priority, detail: str, latching: bool) -> Finding:
    """The finding a present technical condition is: its label names the device, if any."""
    base, _, device = condition.partition(DEVICE_SEPARATOR)
    if device and base in DEVICE_LABELS:
        label = DEVICE_LABELS[base] + device
    else:
        label = TECHNICAL_LABELS[base] + (f": {device}" if device else "")
    return Finding(
        priority,
        label,
        detail or label,
        frozenset(NO_DATA_VITALS) if condition == "no_data" else frozenset(),
        None,
        None,
        latching,
    )


class ArtefactCounter:
    """Malformed frames a source rejected, over the last ARTEFACT_WINDOW_S seconds."""

    def __init__(self) -> None:
        self._rejections: list[tuple[float, int]] = []  # (t_s, frames) in the window

    def add(self, t_s: float, frames: int) -> None:
        """`frames` malformed frames were rejected at `t_s`."""
        if frames > 0:
            self._rejections.append((t_s, frames))

    def per_min(self, t_s: float) -> float:
        """Malformed frames a minute over the window ending at `t_s` (forgets older ones)."""
        while self._rejections and t_s - self._rejections[0][0] > ARTEFACT_WINDOW_S:
            self._rejections.pop(0)
        return sum(n for _, n in self._rejections) * 60.0 / ARTEFACT_WINDOW_S
