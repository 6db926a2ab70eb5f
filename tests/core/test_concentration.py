"""The predicted concentration follows the doses delivered, against the exact solution
of the Clements model (CLINICAL.md §6); no Qt."""

import math

import pytest

from ketamon.core.baseline import Baseline
from ketamon.core.dosing import Patient, make_plan
from ketamon.core.pk import CLEMENTS_1981, PkModel
from ketamon.io.run_config import rebuilt_session


def exact_cp_ng_per_ml(model: PkModel, weight_kg: float, pieces, t_min: float) -> float:
    """Closed-form 2-compartment Cp: the unit-impulse response (1/V1)(A e^-at + B e^-bt)
    integrated over each constant-rate piece (start_min, end_min, mg/min) up to t."""
    k10, k12, k21 = model.k10, model.k12, model.k21
    s, p = k10 + k12 + k21, k10 * k21
    alpha = (s + math.sqrt(s * s - 4 * p)) / 2
    beta = (s - math.sqrt(s * s - 4 * p)) / 2
    coef = {alpha: (alpha - k21) / (alpha - beta), beta: (k21 - beta) / (alpha - beta)}
    v1_l = model.v1_l_per_kg * weight_kg
    total = 0.0
    for a, b, rate in pieces:
        if a >= t_min:
            continue
        b = min(b, t_min)
        for lam, c in coef.items():
            total += rate * c / lam * (math.exp(-lam * (t_min - b)) - math.exp(-lam * (t_min - a)))
    return total / v1_l * 1000.0


def loading_session(resources, weight_kg=70.0):
    protocol = next(p for p in resources.protocols if len(p.segments) == 1)
    session = rebuilt_session(resources, simulated=False)
    plan = make_plan(protocol, Patient(weight_kg, patient_id="P"), 1.0)
    session.configure(plan, [], 0.0)
    session.enter_baseline(0.0, Baseline(120, 80, 70, None, "entered"))
    return session


def test_end_of_loading_for_70_kg_is_177_ng_per_ml(resources):
    session = loading_session(resources)
    session.start(60.0)
    session.advance_to(60.0 + 2400.0)
    cp = session.snapshot().predicted_cp_ng_per_ml
    exact = exact_cp_ng_per_ml(CLEMENTS_1981, 70.0, [(1.0, 41.0, 35.0 / 40.0)], 41.0)
    assert cp == pytest.approx(177.0, rel=0.01)
    assert cp == pytest.approx(exact, rel=1e-9)
    assert session.snapshot().pk_model == "Clements 1981"
    # Afterwards it falls; the peak stays where the pump stopped.
    session.advance_to(60.0 + 3000.0)
    assert session.snapshot().predicted_cp_ng_per_ml < cp
    assert session.concentration.peak_ng_per_ml == pytest.approx(cp)
    assert session.concentration.peak_t_s == pytest.approx(2460.0)


def test_a_ten_minute_pause_lowers_it_as_the_model_says(resources):
    session = loading_session(resources)
    session.start(60.0)
    session.advance_to(60.0 + 1200.5)  # a step boundary not on a whole second
    session.pause(session.t_s, "nausea")
    paused_at = session.snapshot().predicted_cp_ng_per_ml
    session.advance_to(session.t_s + 600.0)
    after_pause = session.snapshot().predicted_cp_ng_per_ml
    session.resume(session.t_s)
    session.advance_to(session.t_s + 1199.5)  # the remaining 20 min run to the end
    rate = 35.0 / 40.0
    p0, p1 = 60.0 / 60, 1260.5 / 60
    pieces = [(p0, p1, rate), (p1 + 10.0, p1 + 10.0 + (2400 - 1200.5) / 60, rate)]
    assert after_pause < paused_at
    assert paused_at == pytest.approx(exact_cp_ng_per_ml(CLEMENTS_1981, 70, pieces, p1), rel=1e-9)
    assert after_pause == pytest.approx(
        exact_cp_ng_per_ml(CLEMENTS_1981, 70, pieces, p1 + 10.0), rel=1e-9
    )
    end = session.snapshot().predicted_cp_ng_per_ml
    end_min = session.t_s / 60
    assert end == pytest.approx(exact_cp_ng_per_ml(CLEMENTS_1981, 70, pieces, end_min), rel=1e-9)
    assert session.infusion.status(session.t_s).delivered_mg == pytest.approx(35.0)
    assert end < 177.0  # the same dose, spread out: a lower end-of-infusion level
    # Any time can be asked again exactly (replay, report): same number as live.
    assert session.predicted_cp_at(p1 * 60 + 600.0) == pytest.approx(after_pause, rel=1e-12)


def test_a_stop_delivers_nothing_more_and_domino_is_an_option(resources):
    from dataclasses import replace

    session = loading_session(resources)
    session.start(0.0)
    session.advance_to(600.0)
    session.stop(600.0, "hypertension")
    session.advance_to(1800.0)
    exact = exact_cp_ng_per_ml(CLEMENTS_1981, 70, [(0.0, 10.0, 35.0 / 40.0)], 30.0)
    assert session.snapshot().predicted_cp_ng_per_ml == pytest.approx(exact, rel=1e-9)
    domino = rebuilt_session(
        replace(resources, course=replace(resources.course, pk_model="domino")), False
    )
    protocol = next(p for p in resources.protocols if len(p.segments) == 1)
    domino.configure(make_plan(protocol, Patient(70.0, patient_id="P"), 1.0), [], 0.0)
    domino.enter_baseline(0.0, Baseline(120, 80, 70, None, "entered"))
    domino.start(0.0)
    domino.advance_to(2400.0)
    assert domino.snapshot().pk_model == "Domino 1982"
    assert domino.snapshot().predicted_cp_ng_per_ml == pytest.approx(240.0, rel=0.1)
