import pytest

from ketamon.core.dosing import Patient, make_plan
from ketamon.core.infusion import CommandError, EventKind, Infusion, Phase

MIN = 60.0


@pytest.fixture
def infusion(plan_70kg):
    return Infusion(plan_70kg, setup_t_s=0.0)


def kinds(events):
    return [(e.t_s, e.kind) for e in events]


def test_before_start_is_baseline(infusion):
    status = infusion.status(100.0)
    assert status.phase is Phase.BASELINE
    assert status.delivered_mg == 0
    assert status.rate_mg_per_h == 0
    assert status.total_remaining_s == 100 * MIN


def test_uninterrupted_loading_then_observation_then_ready(infusion):
    infusion.start(10 * MIN)
    mid = infusion.status(30 * MIN)
    assert mid.phase is Phase.INFUSING
    assert mid.phase_label == "Loading"
    assert mid.phase_elapsed_s == 20 * MIN
    assert mid.phase_remaining_s == 20 * MIN
    assert mid.rate_mg_per_h == pytest.approx(52.5)
    assert mid.rate_ml_per_h == pytest.approx(52.5)
    assert mid.delivered_mg == pytest.approx(17.5)
    assert mid.planned_mg == pytest.approx(35.0)
    assert mid.total_remaining_s == 80 * MIN

    obs = infusion.status(55 * MIN)
    assert obs.phase is Phase.OBSERVATION
    assert obs.delivered_mg == pytest.approx(35.0)
    assert obs.rate_mg_per_h == 0
    assert obs.phase_remaining_s == 55 * MIN
    assert infusion.status(110 * MIN).phase is Phase.DISCHARGE_READY


def test_automatic_transitions_are_stamped_at_their_exact_time_even_with_coarse_ticks(infusion):
    infusion.start(10 * MIN)
    events = infusion.advance_to(200 * MIN)  # one huge tick
    assert kinds(events) == [
        (50 * MIN, EventKind.INFUSION_COMPLETE),
        (50 * MIN, EventKind.OBSERVATION_STARTED),
        (110 * MIN, EventKind.DISCHARGE_READY),
    ]
    assert infusion.advance_to(201 * MIN) == []  # never twice


def test_pause_delivers_nothing_and_pushes_the_end_back(infusion):
    infusion.start(0.0)
    infusion.pause(10 * MIN, "line occluded")
    paused = infusion.status(15 * MIN)
    assert paused.phase is Phase.PAUSED
    assert paused.phase_label == "Loading PAUSED"
    assert paused.rate_mg_per_h == 0
    assert paused.delivered_mg == pytest.approx(8.75)
    assert paused.phase_remaining_s == 30 * MIN
    infusion.resume(20 * MIN)
    assert infusion.status(30 * MIN).delivered_mg == pytest.approx(17.5)
    events = infusion.advance_to(60 * MIN)
    assert (50 * MIN, EventKind.INFUSION_COMPLETE) in kinds(events)
    assert infusion.status(49.99 * MIN).phase is Phase.INFUSING
    assert infusion.delivered_mg(60 * MIN) == pytest.approx(35.0)
    reasons = [e.detail for e in infusion.events if e.kind is EventKind.PAUSED]
    assert reasons == ["line occluded"]


def test_stop_early_with_reason_starts_observation(infusion):
    infusion.start(0.0)
    infusion.stop(20 * MIN, "patient request")
    status = infusion.status(21 * MIN)
    assert status.phase is Phase.OBSERVATION
    assert status.delivered_mg == pytest.approx(17.5)
    assert status.phase_remaining_s == 59 * MIN
    stop = next(e for e in infusion.events if e.kind is EventKind.STOPPED)
    assert stop.detail == "patient request"
    assert stop.data["delivered_mg"] == pytest.approx(17.5)
    assert EventKind.INFUSION_COMPLETE not in [e.kind for e in infusion.events]


def test_stop_while_paused(infusion):
    infusion.start(0.0)
    infusion.pause(5 * MIN, "nausea")
    infusion.stop(9 * MIN, "vomiting")
    assert infusion.status(10 * MIN).phase is Phase.OBSERVATION
    assert infusion.delivered_mg(100 * MIN) == pytest.approx(35.0 * 5 / 40)
    assert infusion.observation_end_s() == 69 * MIN


def test_discharge_only_after_observation(infusion):
    infusion.start(0.0)
    with pytest.raises(CommandError, match="observation time is complete"):
        infusion.discharge(50 * MIN)
    infusion.discharge(100 * MIN, "alert; escort present")
    assert infusion.status(101 * MIN).phase is Phase.DISCHARGED


@pytest.mark.parametrize(
    ("action", "message"),
    [
        (lambda i: i.pause(1.0, "x"), "Only a running infusion"),
        (lambda i: i.resume(1.0), "Only a paused infusion"),
        (lambda i: i.stop(1.0, "x"), "Only a running or paused"),
    ],
)
def test_commands_that_do_not_apply_are_refused(infusion, action, message):
    with pytest.raises(CommandError, match=message):
        action(infusion)


def test_reasons_are_required(infusion):
    infusion.start(0.0)
    with pytest.raises(CommandError, match="reason is required"):
        infusion.pause(MIN, "  ")
    with pytest.raises(CommandError, match="reason is required"):
        infusion.stop(MIN, "")


def test_double_start_and_time_going_backwards_are_refused(infusion):
    infusion.start(10.0)
    with pytest.raises(CommandError):
        infusion.start(20.0)
    infusion.advance_to(100.0)
    with pytest.raises(ValueError, match="backwards"):
        infusion.advance_to(50.0)


def test_loading_then_maintenance_segments(maintenance_protocol):
    protocol = maintenance_protocol.with_segment(1, duration_min=120)
    infusion = Infusion(make_plan(protocol, Patient(70.0), 1.0), 0.0)
    infusion.start(0.0)
    events = infusion.advance_to(600 * MIN)
    assert kinds(events)[:2] == [
        (40 * MIN, EventKind.SEGMENT_STARTED),
        (160 * MIN, EventKind.INFUSION_COMPLETE),
    ]
    status = infusion.status(100 * MIN)
    assert status.phase_label == "Maintenance"
    assert status.rate_mg_per_h == pytest.approx(14.0)
    assert status.phase_remaining_s == 60 * MIN
    assert status.delivered_mg == pytest.approx(35.0 + 14.0)
    assert infusion.delivered_mg(300 * MIN) == pytest.approx(35.0 + 28.0)
