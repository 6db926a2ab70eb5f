"""Terminology for what leaves the laptop: MDC (ISO/IEEE 11073-10101), LOINC, UCUM.

One table, used by the HL7 v2 feed and the FHIR export, so both say the same.
Sources: ISO/IEEE 11073-10101 nomenclature as used in the IHE PCD Technical
Framework (DEC profile) and the Rosetta Terminology Mapping; LOINC vital-signs
codes as required by the FHIR R4 vital-signs profiles; UCUM units as in FHIR R4.
"""

from __future__ import annotations

from dataclasses import dataclass

from ketamon.core.vitals import Vital


@dataclass(frozen=True)
class Code:
    """One observation code: MDC number and reference id, LOINC code and name, UCUM unit."""

    mdc: str
    mdc_ref: str
    loinc: str
    loinc_name: str
    ucum: str


CODES: dict[Vital, Code] = {
    Vital.HR: Code("147842", "MDC_ECG_HEART_RATE", "8867-4", "Heart rate", "/min"),
    Vital.SPO2: Code(
        "150456",
        "MDC_PULS_OXIM_SAT_O2",
        "59408-5",
        "Oxygen saturation in Arterial blood by Pulse oximetry",
        "%",
    ),
    Vital.RR: Code("151562", "MDC_RESP_RATE", "9279-1", "Respiratory rate", "/min"),
    Vital.SBP: Code(
        "150021", "MDC_PRESS_BLD_NONINV_SYS", "8480-6", "Systolic blood pressure", "mm[Hg]"
    ),
    Vital.DBP: Code(
        "150022", "MDC_PRESS_BLD_NONINV_DIA", "8462-4", "Diastolic blood pressure", "mm[Hg]"
    ),
    Vital.MAP: Code(
        "150023", "MDC_PRESS_BLD_NONINV_MEAN", "8478-0", "Mean blood pressure", "mm[Hg]"
    ),
}

BP_PANEL = ("85354-9", "Blood pressure panel with all children optional")
VITALS_PANEL = (
    "85353-1",
    "Vital signs, weight, height, head circumference, oxygen saturation and BMI panel",
)
# Alarms (IHE PCD Alert Communication Management: event, phase, priority, type).
MDC_EVT_ALARM = ("196616", "MDC_EVT_ALARM")
MDC_ATTR_EVENT_PHASE = ("68481", "MDC_ATTR_EVENT_PHASE")
MDC_ATTR_ALARM_PRIORITY = ("68484", "MDC_ATTR_ALARM_PRIORITY")
MDC_ATTR_ALERT_TYPE = ("68485", "MDC_ATTR_ALERT_TYPE")
ALARM_PRIORITY_CODES = {"high": "PH", "medium": "PM", "low": "PL"}
