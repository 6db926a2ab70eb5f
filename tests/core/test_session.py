import pytest

from ketamon.core.baseline import Baseline
from ketamon.core.dosing import Patient, check_limits, make_plan
from ketamon.core.infusion import CommandError, Phase
from ketamon.core.session import LimitsNotCleared, Session
from ketamon.core.simulator import PatientProfile, SimulatedMonitor
from ketamon.core.vitals import NibpReading, Sample, Vital

MIN = 60.0


def simulated_session(library, plan, seed=1, profile=None):
    session = Session(library, simulated=True)
    session.configure(plan, [], 0.0)
    session.source = SimulatedMonitor(
        profile or PatientProfile(), seed, lambda t: session.infusion.delivered_mg(t)
    )
    return session


def test_ten_fold_slips_never_reach_a_running_infusion(library, loading_protocol):
    session = Session(library, simulated=True)
    for plan in (
        make_plan(loading_protocol, Patient(700.0), 1.0),
        make_plan(loading_protocol.with_segment(0, dose=5.0), Patient(70.0), 1.0),
    ):
        findings = check_limits(plan, library)
        with pytest.raises(LimitsNotCleared):
            session.configure(plan, findings, 0.0)  # even "acknowledged", a hard limit refuses
    assert session.infusion is None
    with pytest.raises(CommandError, match="Set up the patient"):
        session.start(1.0)


def test_soft_limit_needs_acknowledgement_which_is_kept(library, loading_protocol):
    session = Session(library, simulated=True)
    plan = make_plan(loading_protocol.with_segment(0, dose=0.8), Patient(70.0), 1.0)
    with pytest.raises(LimitsNotCleared, match="needs confirmation"):
        session.configure(plan, [], 0.0)
    session.configure(plan, check_limits(plan, library), 0.0)
    acks = [e for e in session.events if e.kind == "limit.acknowledged"]
    assert len(acks) == 1
    assert "0.8 mg/kg" in acks[0].message


def test_baseline_from_two_readings_five_minutes_apart(library, plan_70kg):
    session = simulated_session(library, plan_70kg)
    session.advance_to(4 * MIN)
    assert session.baseline is None  # only the reading at t=0
    assert session.nibp_due_s() == 5 * MIN
    session.advance_to(5 * MIN)
    readings = session.nibp_readings
    assert [r.t_s for r in readings] == [0.0, 5 * MIN]
    mean_sbp = (readings[0].sbp_mmhg + readings[1].sbp_mmhg) / 2
    assert session.baseline.sbp_mmhg == pytest.approx(mean_sbp)
    assert session.baseline.source == "measured"
    assert session.baseline.hr_bpm == pytest.approx(72, abs=6)


def test_start_needs_a_baseline(library, plan_70kg):
    session = Session(library, simulated=False)
    session.configure(plan_70kg, [], 0.0)
    with pytest.raises(CommandError, match="No baseline yet"):
        session.start(10.0)
    session.enter_baseline(20.0, Baseline(120, 80, 70, 98, "entered"))
    session.start(30.0)
    assert session.phase() is Phase.INFUSING


def test_high_resting_bp_is_flagged_for_review_before_start(library, plan_70kg):
    session = Session(library, simulated=False)
    session.configure(plan_70kg, [], 0.0)
    session.ingest(NibpReading(10.0, 150, 95, 113).samples())
    session.ingest(NibpReading(400.0, 146, 93, 111).samples())
    assert session.baseline.needs_review
    with pytest.raises(CommandError, match="needs a resting HR"):
        session.start(500.0)  # BP only, and no HR reading to take it from
    session.ingest([Sample(450.0, Vital.HR, 72.0), Sample(451.0, Vital.HR, 74.0)])
    with pytest.raises(CommandError, match="148/94 is above 140/90"):
        session.start(500.0)
    with pytest.raises(CommandError, match="give a reason"):
        session.start(500.0, review_acknowledged=True)  # reviewed, but no reason
    session.start(500.0, review_acknowledged=True, override_reason="reviewed")
    reviewed = [e for e in session.events if e.kind == "baseline.review_acknowledged"]
    assert reviewed[0].data["reason"] == "reviewed"
    assert session.baseline.hr_bpm == 73.0  # completed from the pre-start readings


@pytest.mark.parametrize(
    ("baseline", "finding"),
    [
        (Baseline(120, 80, 130, 98, "entered"), "resting HR 130 outside 50-110 bpm"),
        (Baseline(120, 80, 45, 98, "entered"), "resting HR 45 outside 50-110 bpm"),
        (Baseline(120, 80, 70, 85, "entered"), "SpO2 85% below 94%"),
        (Baseline(200, 120, 130, 85, "entered"), "resting BP 200/120 is above 140/90"),
    ],
)
def test_pre_start_checks_cover_hr_and_spo2_and_need_a_reason(
    library, plan_70kg, baseline, finding
):
    session = Session(library, simulated=False)
    session.configure(plan_70kg, [], 0.0)
    session.enter_baseline(10.0, baseline)
    with pytest.raises(CommandError, match=finding):
        session.start(20.0)
    checklist = plan_70kg.protocol.pretreatment.checklist[:2]
    session.start(
        30.0, review_acknowledged=True, override_reason="anaesthetist", checklist=checklist
    )
    (record,) = [e for e in session.events if e.kind == "pretreatment.checklist"]
    assert record.message == "2/5" and record.data["items"][checklist[0]] is True


def test_nibp_schedule_follows_the_phase(library, plan_70kg):
    session = simulated_session(library, plan_70kg)
    session.advance_to(6 * MIN)
    session.start(6 * MIN)
    session.advance_to(7 * MIN)
    times = [r.t_s for r in session.nibp_readings]
    assert times[-1] == 6 * MIN  # a reading when the infusion starts
    session.advance_to(6 * MIN + 40 * MIN + 31 * MIN)
    after = [r.t_s - 6 * MIN for r in session.nibp_readings if r.t_s > 6 * MIN]
    # every 10 min while infusing, then every 15 min from the end of loading
    assert after == [10 * MIN, 20 * MIN, 30 * MIN, 40 * MIN, 55 * MIN, 70 * MIN]


def _scripted_run(library, plan, tick_s):
    session = simulated_session(library, plan, seed=11)
    events = []
    session.on_event.connect(events.append)
    t = 0.0

    def run_until(t_end):
        nonlocal t
        while t < t_end:
            t = min(t_end, t + tick_s)
            session.advance_to(t)

    run_until(6 * MIN)
    session.start(6 * MIN)
    run_until(20 * MIN)
    session.pause(20 * MIN, "patient to bathroom")
    run_until(25 * MIN)
    session.resume(25 * MIN)
    run_until(130 * MIN)
    snap = session.snapshot()
    return events, session.nibp_readings, snap


@pytest.mark.parametrize("speed", [1, 10, 60, 1000])
def test_session_time_at_1x_to_1000x_gives_the_same_session(library, plan_70kg, speed):
    """A GUI tick of 100 ms wall time covers `speed` x 0.1 s of session time."""
    reference = _scripted_run(library, plan_70kg, tick_s=0.1)
    events, readings, snap = _scripted_run(library, plan_70kg, tick_s=0.1 * speed)
    assert [(e.t_s, e.kind) for e in events] == [(e.t_s, e.kind) for e in reference[0]]
    assert readings == reference[1]
    assert snap.latest == reference[2].latest
    assert snap.status.delivered_mg == pytest.approx(35.0)
    assert snap.phase is Phase.DISCHARGE_READY  # 40 + 5 paused + 60 min after 6 min


def test_snapshot_marks_stale_nibp(library, plan_70kg):
    session = Session(library, simulated=False)
    session.configure(plan_70kg, [], 0.0)
    session.ingest(NibpReading(0.0, 120, 80, 93).samples())
    session.advance_to(6 * MIN)
    assert not session.snapshot().nibp_stale  # 5 min interval + 2 min grace
    session.advance_to(8 * MIN)
    assert session.snapshot().nibp_stale
    assert session.snapshot().latest[Vital.SBP].value == 120


def test_baseline_rules_are_the_protocols(library, loading_protocol):
    """A clinic that reviews above 150/95 and wants readings 10 min apart sets it in TOML."""
    from dataclasses import replace

    nibp = replace(
        loading_protocol.nibp,
        baseline_min_span_min=10.0,
        baseline_review_sbp_mmhg=150.0,
        baseline_review_dbp_mmhg=95.0,
    )
    protocol = replace(loading_protocol, nibp=nibp)
    session = Session(library, simulated=False)
    session.configure(make_plan(protocol, Patient(70.0), 1.0), [], 0.0)
    session.ingest(NibpReading(10.0, 150, 95, 113).samples())
    session.ingest(NibpReading(400.0, 146, 93, 111).samples())
    assert session.baseline is None  # 6.5 min apart: not yet a baseline
    session.ingest(NibpReading(700.0, 146, 93, 111).samples())
    assert session.baseline is not None and session.baseline.n_readings == 3
    assert not session.baseline.needs_review  # 147/94 is under this clinic's 150/95
    session.enter_baseline(710.0, Baseline(152, 90, 70, None, "entered"))
    assert "above 150/95" in session.baseline.review_message()


def test_the_bundled_protocols_state_the_baseline_rules(loading_protocol):
    assert loading_protocol.nibp.baseline_min_span_min == 5.0
    nibp = loading_protocol.nibp
    assert (nibp.baseline_review_sbp_mmhg, nibp.baseline_review_dbp_mmhg) == (140.0, 90.0)


def test_equipment_alarms_from_connection_physiological_from_start(resources):
    """A real device and the simulator alike: a source's equipment alarms count from the
    moment it is connected (issue 13); physiological ones wait for the infusion."""
    device = Session(resources.library, simulated=False, alarm_profile=resources.alarm_profile)
    simulated = Session(resources.library, simulated=True, alarm_profile=resources.alarm_profile)
    for session in (device, simulated):
        session.report_technical(1.0, "source_lost", True, "ge-s5 on /dev/ttyUSB1: read failed")
        session.ingest([Sample(2.0, Vital.SBP, 200.0), Sample(2.0, Vital.DBP, 120.0)])
    for session in (device, simulated):
        assert [e.data["alarm_id"] for e in session.events if e.kind == "alarm.start"] == [
            "source_lost"
        ]  # and no BP alarm: physiological alarms wait for the infusion


def started_device_session(resources, plan):
    session = Session(resources.library, simulated=False, alarm_profile=resources.alarm_profile)
    session.configure(plan, [], 0.0)
    session.enter_baseline(1.0, Baseline(120, 75, 70, 98, "entered"))
    session.start(10.0)
    return session


def alarm_starts(session, alarm_id):
    return [
        (e.t_s, e.data["priority"])
        for e in session.events
        if e.kind == "alarm.start" and e.data["alarm_id"] == alarm_id
    ]


def test_moaas_of_2_or_less_is_a_medium_alarm_and_3_a_sedation_event(resources, plan_70kg):
    session = started_device_session(resources, plan_70kg)
    session.record_sedation(100.0, 3)
    assert alarm_starts(session, "sedation") == []
    assert [e.data["sedation"] for e in session.events if e.kind == "sedation.moaas"] == [True]
    session.record_sedation(200.0, 2)
    assert alarm_starts(session, "sedation") == [(200.0, "medium")]
    session.record_sedation(300.0, 5)
    assert not [a for a in session.snapshot().alarms if a.id == "sedation"]
    with pytest.raises(CommandError, match="0-5"):
        session.record_sedation(310.0, 6)


def test_a_long_pause_reminds_with_a_low_alarm(resources, plan_70kg):
    session = started_device_session(resources, plan_70kg)
    session.pause(100.0, "nausea")
    session.advance_to(399.0)
    assert session.snapshot().paused_since_s == 100.0
    assert alarm_starts(session, "paused") == []
    session.advance_to(400.0)
    assert alarm_starts(session, "paused") == [(400.0, "low")]
    session.resume(450.0)
    assert not [a for a in session.snapshot().alarms if a.id == "paused"]


def test_no_data_is_judged_from_connection_before_the_infusion(resources, plan_70kg):
    """Issue 13: technical alarms from the moment a source is connected, the simulator too."""
    from ketamon.core.simulation import simulated_session

    session = simulated_session(resources.library, 3, alarm_profile=resources.alarm_profile)
    session.configure(plan_70kg, [], 0.0)
    session.advance_to(60.0)
    assert alarm_starts(session, "no_data") == []
    session.source.connected = False  # the cable is pulled during the baseline
    session.advance_to(90.0)
    assert alarm_starts(session, "no_data") == [(70.0, "medium")]  # last sample at 60 s, +10 s
    assert session.phase() is Phase.BASELINE
