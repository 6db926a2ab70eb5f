"""HL7 ORU^R01 building: parseable by an HL7 library, coded MDC + LOINC, UCUM units."""

from __future__ import annotations

import hl7

from ketamon.core.events import alarm_event
from ketamon.core.session_types import SessionEvent
from ketamon.core.vitals import Sample, Vital
from ketamon.io.net.hl7_feed import Hl7Context, Hl7Feed
from ketamon.io.net.hl7_messages import escape
from ketamon.io.net.mllp_sender import MllpReader, ack_code, ack_for, control_id, frame


def feed(patient_id=None) -> Hl7Feed:
    return Hl7Feed(Hl7Context("clinic", "chair1", lambda: patient_id, 1_800_000_000.0, "r1"))


def obx_codes(message: str) -> list[tuple[str, str, str, str]]:
    """(MDC code, LOINC code, value, unit) of each OBX."""
    parsed = hl7.parse(message)
    rows = []
    for obx in parsed.segments("OBX"):
        code = obx[3][0]
        loinc = str(code[3]) if len(code) > 3 else ""
        unit = str(obx[6][0][0]) if str(obx[6]) else ""
        rows.append((str(code[0]), loinc, str(obx[5]), unit))
    return rows


def test_a_cuff_reading_is_one_oru_with_sbp_dbp_map_coded_mdc_and_loinc():
    f = feed()
    messages = f.on_samples(
        [
            Sample(300.0, Vital.SBP, 142.0),
            Sample(300.0, Vital.DBP, 88.0),
            Sample(300.0, Vital.MAP, 106.0),
        ]
    )
    assert len(messages) == 1
    parsed = hl7.parse(messages[0])
    assert str(parsed.segment("MSH")[9]) == "ORU^R01^ORU_R01"
    assert str(parsed.segment("MSH")[12]) == "2.6"
    assert str(parsed.segment("OBR")[4][0][0]) == "85354-9"
    assert obx_codes(messages[0]) == [
        ("150021", "8480-6", "142", "mm[Hg]"),
        ("150022", "8462-4", "88", "mm[Hg]"),
        ("150023", "8478-0", "106", "mm[Hg]"),
    ]
    assert str(parsed.segment("PID")[3]) == ""  # no patient ID unless the clinic allows it
    assert str(parsed.segment("PV1")[3][0][2]) == "chair1"


def test_half_a_cuff_reading_sends_nothing():
    assert feed().on_samples([Sample(300.0, Vital.SBP, 142.0)]) == []


def test_one_message_per_minute_of_vitals_with_the_minutes_median():
    f = feed()
    out = []
    for t in range(0, 125):
        out += f.on_samples([Sample(float(t), Vital.HR, 70.0 + (t % 60 == 5) * 50)])
        out += f.on_samples([Sample(float(t), Vital.SPO2, 97.0)])
    assert len(out) == 2  # minutes 0 and 1; minute 2 is still open
    assert obx_codes(out[0]) == [
        ("147842", "8867-4", "70", "/min"),
        ("150456", "59408-5", "97", "%"),
    ]
    assert len(f.flush()) == 1


def test_alarm_start_and_end_each_make_one_message_with_priority():
    f = feed(patient_id="P-17")
    data = {
        "alarm_id": "bp_high",
        "priority": "high",
        "kind": "physiological",
        "value": 185.0,
        "limit": 180.0,
        "detail": "",
        "vitals": ["sbp"],
    }

    def alarm(t_s, action):
        return alarm_event(SessionEvent(t_s, f"alarm.{action}", "BP very high", data))

    start = f.on_alarm(alarm(600.0, "start"))
    end = f.on_alarm(alarm(900.0, "end"))
    assert f.on_alarm(alarm(700.0, "acknowledged")) == []
    parsed = hl7.parse(start[0])
    assert str(parsed.segment("OBR")[4][0][0]) == "196616"
    codes = obx_codes(start[0])
    assert ("68481", "", "start", "") in codes
    assert ("68484", "", "PH", "") in codes
    assert ("150021", "8480-6", "185", "mm[Hg]") in codes
    assert ("68481", "", "end", "") in obx_codes(end[0])
    assert str(parsed.segment("PID")[3][0][0]) == "P-17"
    assert control_id(start[0]) != control_id(end[0])


def test_free_text_cannot_break_the_message():
    assert escape("a|b^c~d\\e&f") == "a\\F\\b\\S\\c\\R\\d\\E\\e\\T\\f"


def test_mllp_framing_and_acks_round_trip():
    message = feed().on_samples([Sample(1.0, Vital.SBP, 120.0), Sample(1.0, Vital.DBP, 80.0)])[0]
    reader = MllpReader()
    data = frame(message) + frame(message)
    assert reader.feed(data[:10]) == []
    assert reader.feed(data[10:]) == [message.rstrip("\r") + "\r"] * 2
    assert ack_code(ack_for(message), control_id(message)) == "AA"
    assert ack_code(ack_for(message, "AE"), control_id(message)) == "AE"
    assert ack_code(ack_for(message), "other") == "wrong"
