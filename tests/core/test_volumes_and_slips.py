"""Volumes like a pump, limits per kg of actual weight and per dose unit, and the slip
table: every tenfold slip is caught by at least one drug-library limit (CLINICAL.md §8)."""

import math

import pytest

from ketamon.core.config import ConfigError
from ketamon.core.dosing import (
    Patient,
    Sex,
    WeightBasis,
    bag_empty_in_s,
    check_limits,
    concentration_from_bag,
    delivered_mg_after,
    make_plan,
    volume_infused_ml,
)
from ketamon.core.infusion import Infusion
from ketamon.core.limits import LimitLevel, load_drug_library
from ketamon.core.protocol import DoseBasis


def by_key(plan, library):
    return {f.key: f for f in check_limits(plan, library)}


# ---- volumes ------------------------------------------------------------------------


def test_bag_contents_give_the_concentration_and_vtbi_per_segment(maintenance_protocol):
    conc = concentration_from_bag(50.0, 100.0)  # 50 mg in 100 mL (CLINICAL.md §8)
    assert conc == 0.5
    plan = make_plan(
        maintenance_protocol.with_segment(1, duration_min=120), Patient(70.0), conc, 100.0
    )
    loading, maintenance = plan.segments
    assert loading.vtbi_ml == pytest.approx(70.0)  # 35 mg / 0.5 mg/mL
    assert maintenance.vtbi_ml == pytest.approx(56.0)  # 28 mg / 0.5 mg/mL
    assert loading.rate_ml_per_h == pytest.approx(105.0)
    assert plan.bag_contents_mg == pytest.approx(50.0)


def test_volume_infused_and_time_to_bag_empty(maintenance_protocol):
    plan = make_plan(
        maintenance_protocol.with_segment(1, duration_min=120), Patient(70.0), 1.0, 50.0
    )
    assert volume_infused_ml(plan, 0.0) == 0.0
    assert volume_infused_ml(plan, 20 * 60) == pytest.approx(17.5)  # half of the 35 mL loading
    assert volume_infused_ml(plan, 40 * 60 + 30 * 60) == pytest.approx(35.0 + 7.0)
    assert volume_infused_ml(plan, 10 * 3600) == pytest.approx(63.0)  # never past the plan
    # 50 mL bag: 35 mL loading, then 15 mL at 14 mL/h = 64.3 min into maintenance.
    empty_s = 40 * 60 + 15 / 14 * 3600
    assert bag_empty_in_s(plan, 0.0) == pytest.approx(empty_s)
    assert bag_empty_in_s(plan, 50 * 60) == pytest.approx(empty_s - 50 * 60)
    # A 100 mL bag outlasts the plan; no bag entered: unknown.
    assert bag_empty_in_s(make_plan(plan.protocol, Patient(70.0), 1.0, 100.0), 0.0) is None
    assert bag_empty_in_s(make_plan(plan.protocol, Patient(70.0), 1.0), 0.0) is None


def test_infusion_status_shows_volume_and_bag_and_pauses_deliver_nothing(loading_protocol):
    plan = make_plan(loading_protocol, Patient(70.0), 1.0, 50.0)
    infusion = Infusion(plan, 0.0)
    infusion.start(0.0)
    infusion.pause(600.0, "patient asked")
    status = infusion.status(900.0)
    assert status.volume_infused_ml == pytest.approx(52.5 / 6)  # 10 min at 52.5 mL/h
    assert status.bag_remaining_ml == pytest.approx(50.0 - 52.5 / 6)
    assert status.bag_empty_in_s is None  # 50 mL holds the 35 mL plan
    assert delivered_mg_after(plan, 600.0) == pytest.approx(status.delivered_mg)
    infusion.resume(900.0)
    done = infusion.status(900.0 + 1800.0)  # 10 + 30 min running: the loading is complete
    assert done.volume_infused_ml == pytest.approx(35.0)
    assert done.bag_remaining_ml == pytest.approx(15.0)


def test_bag_that_does_not_hold_the_dose_is_a_finding(maintenance_protocol, library):
    plan = make_plan(
        maintenance_protocol.with_segment(1, duration_min=120), Patient(70.0), 1.0, 50.0
    )
    finding = by_key(plan, library)["bag.volume_ml"]
    assert finding.level is LimitLevel.SOFT
    assert (finding.value, finding.limit) == (63.0, 50.0)
    assert "holds less than the planned 63.0 mg (63.0 mL)" in finding.message
    assert "runs out after 104 min" in finding.message
    big = make_plan(plan.protocol, Patient(70.0), 1.0, 100.0)
    assert "bag.volume_ml" not in by_key(big, library)


def test_pump_rate_limits_in_ml_per_h(loading_protocol, library):
    # 0.25 mg/mL is a hard concentration stop already; 0.2 mg/mL at 100 kg: 262.5 mL/h soft.
    plan = make_plan(loading_protocol, Patient(100.0), 0.3)
    assert by_key(plan, library)["segment0.rate_ml_per_h"].level is LimitLevel.SOFT
    plan = make_plan(loading_protocol, Patient(70.0), 0.1)
    finding = by_key(plan, library)["segment0.rate_ml_per_h"]
    assert finding.level is LimitLevel.HARD
    assert finding.message == (
        "Loading pump rate 525 mL/h is above the hard limit of 400 mL/h: cannot be used"
    )


# ---- limits on actual weight, per unit, cumulative ------------------------------------


def test_ideal_weight_dose_is_checked_per_kg_of_actual_weight(loading_protocol, library):
    # The case: 45 kg, 190 cm man dosed on ideal weight (84.2 kg) gets 42 mg.
    patient = Patient(45.0, height_cm=190.0, sex=Sex.MALE, basis=WeightBasis.IDEAL)
    plan = make_plan(loading_protocol, patient, 1.0, 50.0)
    findings = by_key(plan, library)
    assert "segment0.dose" not in findings  # 0.5 mg/kg of ideal weight is fine
    actual = findings["segment0.mg_per_kg_actual"]
    assert actual.level is LimitLevel.SOFT
    assert actual.value == pytest.approx(0.936, abs=1e-3)
    assert "Loading dose on actual weight (45 kg) 0.9357 mg/kg" in actual.message
    assert "total.mg_per_kg_actual" not in findings  # 0.94 mg/kg is under the 1.0 total


def test_loading_written_in_mg_per_kg_per_h_is_checked_as_a_dose_too(loading_protocol, library):
    # The case: 0.74 mg/kg/h x 120 min loading (1.48 mg/kg) must not pass.
    protocol = loading_protocol.with_segment(
        0, basis=DoseBasis.MG_PER_KG_PER_H, dose=0.74, duration_min=120
    )
    findings = by_key(make_plan(protocol, Patient(70.0), 1.0), library)
    assert "segment0.dose" not in findings  # 0.74 mg/kg/h is within the loading rate limits
    assert findings["segment0.mg_per_kg"].level is LimitLevel.HARD
    assert findings["segment0.mg_per_kg"].value == pytest.approx(1.48)


def test_segment_in_a_unit_the_library_does_not_know_is_refused(maintenance_protocol, library):
    protocol = maintenance_protocol.with_segment(1, basis=DoseBasis.MG, dose=20.0)
    finding = by_key(make_plan(protocol, Patient(70.0), 1.0), library)["segment1.dose"]
    assert finding.level is LimitLevel.HARD
    assert "no drug-library limits for mg" in finding.message


def test_cumulative_dose_per_session(maintenance_protocol, library):
    six_hours = maintenance_protocol.with_segment(1, duration_min=360)
    findings = by_key(make_plan(six_hours, Patient(70.0), 1.0, 250.0), library)
    assert findings["total.mg_per_kg_actual"].level is LimitLevel.SOFT  # 1.7 mg/kg (§8)
    assert findings["total.mg_per_kg_actual"].value == pytest.approx(1.7)
    heavy = by_key(make_plan(six_hours, Patient(150.0), 1.0, 500.0), library)
    assert heavy["total.mg"].level is LimitLevel.SOFT  # 255 mg
    assert heavy["total.mg"].value == pytest.approx(255.0)
    near_hard = maintenance_protocol.with_segment(1, dose=0.5, duration_min=360)
    findings = by_key(make_plan(near_hard, Patient(70.0), 1.0, 500.0), library)
    assert findings["total.mg_per_kg_actual"].level is LimitLevel.HARD  # 3.5 mg/kg


# ---- the slip table -------------------------------------------------------------------

# The intended prescription: 70 kg, 50 mg in 50 mL (1 mg/mL), loading 0.5 mg/kg over 40 min
# then 0.2 mg/kg/h for 60 min. Each row is one slip and a limit that must catch it.
SLIPS = [
    ("concentration x10", dict(conc=10.0), "concentration_mg_per_ml", LimitLevel.SOFT),
    ("concentration /10", dict(conc=0.1), "segment0.rate_ml_per_h", LimitLevel.HARD),
    ("weight x10", dict(weight=700.0), "weight_kg", LimitLevel.HARD),
    ("weight /10", dict(weight=7.0), "weight_kg", LimitLevel.HARD),
    ("loading dose x10", dict(loading=5.0), "segment0.dose", LimitLevel.HARD),
    ("maintenance dose x10", dict(maintenance=2.0), "segment1.dose", LimitLevel.HARD),
    # mg/kg vs mg/kg/h: the 6-hour maintenance total (1.2 mg/kg) typed as a rate
    ("mg/kg typed as mg/kg/h", dict(maintenance=1.2), "segment1.dose", LimitLevel.HARD),
    # a clinic's loading in mg/kg/h run twice as long as meant (the 0.74 x 120 min)
    (
        "mg/kg/h loading for 120 min",
        dict(loading_per_h=0.74),
        "segment0.mg_per_kg",
        LimitLevel.HARD,
    ),
]


def slip_plan(
    maintenance_protocol, conc=1.0, weight=70.0, loading=0.5, maintenance=0.2, loading_per_h=None
):
    protocol = maintenance_protocol.with_segment(0, dose=loading).with_segment(1, dose=maintenance)
    if loading_per_h is not None:
        protocol = protocol.with_segment(
            0, basis=DoseBasis.MG_PER_KG_PER_H, dose=loading_per_h, duration_min=120
        )
    return make_plan(protocol, Patient(weight), conc, 50.0)


def test_the_intended_prescription_passes(maintenance_protocol, library):
    assert check_limits(slip_plan(maintenance_protocol), library) == []


@pytest.mark.parametrize(("name", "slip", "key", "level"), SLIPS, ids=[s[0] for s in SLIPS])
def test_every_tenfold_slip_is_caught(maintenance_protocol, library, name, slip, key, level):
    findings = by_key(slip_plan(maintenance_protocol, **slip), library)
    assert key in findings, f"{name}: nothing caught it ({sorted(findings)})"
    assert findings[key].level is level
    assert not math.isnan(findings[key].limit)


# ---- the library file -----------------------------------------------------------------


LIB = """drug = "k"
[weight_kg]
hard_max = 250
[concentration_mg_per_ml]
hard_max = 10
[rate_ml_per_h]
soft_max = 200
hard_max = 400
[cumulative.mg_per_kg]
hard_max = 2
[roles.loading.mg_per_kg]
hard_max = 1
[roles.loading.mg]
hard_max = 100
"""


def test_library_limits_keyed_by_unit_load(tmp_path):
    path = tmp_path / "lib.toml"
    path.write_text(LIB)
    library = load_drug_library(path)
    assert set(library.role_dose["loading"]) == {DoseBasis.MG_PER_KG, DoseBasis.MG}
    assert library.rate_ml_per_h.hard_max == 400
    assert library.cumulative_mg_per_kg.hard_max == 2
    assert library.cumulative_mg.hard_max is None


@pytest.mark.parametrize(
    ("old", "new", "message"),
    [
        ("hard_max = 400", "hard_max = inf", "rate_ml_per_h.hard_max: must be a finite number"),
        ("hard_max = 400", "hard_max = nan", "rate_ml_per_h.hard_max: must be a finite number"),
        ("hard_max = 400", "hard_max = -4", "rate_ml_per_h.hard_max: must be at least 0"),
        ("soft_max = 200", "soft_max = 500", "rate_ml_per_h.soft_max: lies outside the hard"),
        ("[roles.loading.mg]", "[roles.loading.mg_per_min]", "roles.loading.mg_per_min: unknown"),
        ("hard_max = 2\n", "hard_max = 2\nsoft_maximum = 1\n", "cumulative.mg_per_kg.soft_max"),
    ],
)
def test_bad_library_numbers_are_refused_with_file_and_field(tmp_path, old, new, message):
    path = tmp_path / "lib.toml"
    path.write_text(LIB.replace(old, new, 1))
    with pytest.raises(ConfigError, match=message.replace("(", r"\(")) as err:
        load_drug_library(path)
    assert "lib.toml" in str(err.value)


def test_a_value_that_is_not_a_number_never_passes_a_limit(loading_protocol, library):
    plan = make_plan(loading_protocol.with_segment(0, dose=math.nan), Patient(70.0), 1.0)
    finding = by_key(plan, library)["segment0.dose"]
    assert finding.level is LimitLevel.HARD
    assert finding.message == "Loading dose nan is not a number: cannot be used"
