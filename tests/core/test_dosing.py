import math

import pytest

from ketamon.core.dosing import (
    InputError,
    Patient,
    Sex,
    WeightBasis,
    adjusted_body_weight_kg,
    check_limits,
    ideal_body_weight_kg,
    make_plan,
    parse_positive,
)
from ketamon.core.limits import LimitLevel


def test_70kg_loading_example_from_clinical_section_1(plan_70kg):
    seg = plan_70kg.segments[0]
    assert seg.dose_mg == pytest.approx(35.0)
    assert seg.rate_mg_per_h == pytest.approx(52.5)
    assert seg.rate_ml_per_h == pytest.approx(52.5)  # 1 mg/mL
    assert plan_70kg.total_mg == pytest.approx(35.0)
    assert plan_70kg.infusion_s == 40 * 60
    assert plan_70kg.observation_s == 60 * 60


def test_pump_rate_in_ml_per_h_follows_concentration(loading_protocol):
    # 50 mg in 100 mL: 0.5 mg/mL, so 52.5 mg/h needs 105 mL/h.
    plan = make_plan(loading_protocol, Patient(70.0), 0.5)
    assert plan.segments[0].rate_ml_per_h == pytest.approx(105.0)
    assert plan.total_ml == pytest.approx(70.0)


def test_maintenance_six_hours_at_70kg(maintenance_protocol):
    protocol = maintenance_protocol.with_segment(1, duration_min=360)
    plan = make_plan(protocol, Patient(70.0), 1.0)
    loading, maintenance = plan.segments
    assert maintenance.rate_mg_per_h == pytest.approx(14.0)
    assert maintenance.dose_mg == pytest.approx(84.0)  # CLINICAL.md §1: at most 84 mg
    assert plan.total_mg == pytest.approx(35.0 + 84.0)
    assert plan.infusion_s == (40 + 360) * 60


def test_ideal_and_adjusted_body_weight():
    assert ideal_body_weight_kg(152.4, Sex.MALE) == pytest.approx(50.0)
    assert ideal_body_weight_kg(170.0, Sex.FEMALE) == pytest.approx(45.5 + 0.91 * 17.6)
    ibw = ideal_body_weight_kg(180.0, Sex.MALE)
    assert adjusted_body_weight_kg(120.0, ibw) == pytest.approx(ibw + 0.4 * (120.0 - ibw))


def test_dosing_weight_basis_changes_the_dose(loading_protocol):
    patient = Patient(120.0, height_cm=180.0, sex=Sex.MALE, basis=WeightBasis.ADJUSTED)
    plan = make_plan(loading_protocol, patient, 1.0)
    ibw = ideal_body_weight_kg(180.0, Sex.MALE)
    assert plan.dosing_weight_kg == pytest.approx(ibw + 0.4 * (120 - ibw))
    assert plan.total_mg == pytest.approx(0.5 * plan.dosing_weight_kg)
    assert plan.total_mg < 0.5 * 120.0


def test_ideal_weight_without_height_is_refused_clearly(loading_protocol):
    with pytest.raises(InputError, match="needs height and sex"):
        make_plan(loading_protocol, Patient(80.0, basis=WeightBasis.IDEAL), 1.0)


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("", "is required"),
        ("abc", "is not a number"),
        ("7O", "is not a number"),
        ("0", "greater than 0"),
        ("-70", "greater than 0"),
        ("nan", "is not a number"),
        ("inf", "is not a number"),
    ],
)
def test_bad_typed_input_gets_a_clear_message(text, message):
    with pytest.raises(InputError, match=message) as err:
        parse_positive(text, "Weight", "kg")
    assert "Weight" in str(err.value)


def test_typed_input_accepts_decimal_comma():
    assert parse_positive(" 70,5 ", "Weight", "kg") == 70.5


def _levels(plan, library):
    return {f.key: f.level for f in check_limits(plan, library)}


def test_ten_fold_weight_slip_is_a_hard_limit(loading_protocol, library):
    plan = make_plan(loading_protocol, Patient(700.0), 1.0)
    findings = check_limits(plan, library)
    assert findings[0].level is LimitLevel.HARD
    assert "Weight 700 kg" in findings[0].message
    assert "250" in findings[0].message


def test_ten_fold_dose_slip_is_a_hard_limit(loading_protocol, library):
    plan = make_plan(loading_protocol.with_segment(0, dose=5.0), Patient(70.0), 1.0)
    levels = _levels(plan, library)
    assert levels["segment0.dose"] is LimitLevel.HARD
    assert levels["segment0.mg_per_kg_per_h"] is LimitLevel.HARD  # 7.5 mg/kg/h
    assert levels["total.mg_per_kg_actual"] is LimitLevel.HARD  # 5 mg/kg in the session


def test_soft_limits(loading_protocol, maintenance_protocol, library):
    assert _levels(make_plan(loading_protocol, Patient(35.0), 1.0), library) == {
        "weight_kg": LimitLevel.SOFT
    }
    plan = make_plan(loading_protocol.with_segment(0, dose=0.8), Patient(70.0), 1.0)
    assert _levels(plan, library) == {"segment0.dose": LimitLevel.SOFT}
    plan = make_plan(loading_protocol.with_segment(0, duration_min=25), Patient(70.0), 1.0)
    assert _levels(plan, library) == {"segment0.duration_min": LimitLevel.SOFT}
    plan = make_plan(maintenance_protocol.with_segment(1, dose=0.35), Patient(70.0), 1.0)
    assert _levels(plan, library) == {"segment1.dose": LimitLevel.SOFT}


def test_hard_limits_on_concentration_and_maintenance(maintenance_protocol, library):
    plan = make_plan(maintenance_protocol, Patient(70.0), 50.0)
    assert _levels(plan, library) == {"concentration_mg_per_ml": LimitLevel.HARD}
    plan = make_plan(maintenance_protocol.with_segment(1, duration_min=7 * 60), Patient(70), 1.0)
    assert _levels(plan, library) == {
        "segment1.duration_min": LimitLevel.HARD,
        "total.mg_per_kg_actual": LimitLevel.SOFT,  # 0.5 + 1.4 mg/kg
    }


def test_default_prescription_at_70kg_is_within_every_limit(plan_70kg, library):
    assert check_limits(plan_70kg, library) == []


def test_limit_messages_name_the_limit(loading_protocol, library):
    plan = make_plan(loading_protocol.with_segment(0, dose=5.0), Patient(70.0), 1.0)
    by_key = {f.key: f for f in check_limits(plan, library)}
    finding = by_key["segment0.dose"]
    assert finding.message == (
        "Loading dose 5 mg/kg is above the hard limit of 1 mg/kg: cannot be used"
    )
    assert (finding.value, finding.limit) == (5.0, 1.0)
    assert not math.isnan(finding.value)
