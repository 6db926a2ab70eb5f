import pytest
from PySide6.QtWidgets import QCheckBox, QLabel

from ketamon.core.limits import LimitLevel
from ketamon.ui.setup_dialog import SetupDialog
from tests.ui.helpers import click, fill_setup, type_into


@pytest.fixture
def dialog(qtbot, protocols, library):
    ordered = sorted(protocols.values(), key=lambda p: not p.default)
    dlg = SetupDialog(ordered, library)
    qtbot.addWidget(dlg)
    dlg.show()
    return dlg


def table_text(dialog):
    t = dialog.table
    return [[t.item(r, c).text() for c in range(t.columnCount())] for r in range(t.rowCount())]


def visible_limit_texts(dialog):
    return [w.text() for w in dialog.findChildren(QLabel) if w.objectName() == "error"] + [
        w.text() for w in dialog.findChildren(QCheckBox) if w.objectName() == "softLimit"
    ]


def test_shows_computed_doses_before_confirming(qtbot, dialog):
    assert not dialog.confirm_button.isEnabled()
    fill_setup(qtbot, dialog, weight="70", concentration="1")
    assert table_text(dialog) == [["Loading", "40 min", "35.0 mg", "52.5", "52.5", "35.0"]]
    assert "Total 35.0 mg = 35.0 mL over 40 min" in dialog.total.text()
    assert dialog.confirm_button.isEnabled()
    click(qtbot, dialog.confirm_button)
    assert dialog.result() == dialog.DialogCode.Accepted
    assert dialog.plan.total_mg == pytest.approx(35.0)


def test_non_numeric_weight_gets_a_clear_message(qtbot, dialog):
    fill_setup(qtbot, dialog, weight="7o", concentration="1")
    assert dialog.error.text() == "Weight: '7o' is not a number (kg)."
    assert not dialog.confirm_button.isEnabled()
    type_into(qtbot, dialog.weight, "-5")
    assert "greater than 0" in dialog.error.text()


def test_ten_fold_weight_slip_blocks_confirm(qtbot, dialog):
    fill_setup(qtbot, dialog, weight="700", concentration="1")
    texts = visible_limit_texts(dialog)
    assert any("Weight 700 kg is above the hard limit of 250 kg" in t for t in texts)
    assert not dialog.confirm_button.isEnabled()


def test_ten_fold_dose_slip_blocks_confirm(qtbot, dialog):
    fill_setup(qtbot, dialog)
    dose_edit, _ = dialog.segment_fields[0]
    type_into(qtbot, dose_edit, "5")
    assert any("Loading dose 5 mg/kg" in t for t in visible_limit_texts(dialog))
    assert not dialog.confirm_button.isEnabled()


def test_soft_limit_needs_the_nurse_to_tick_it(qtbot, dialog):
    fill_setup(qtbot, dialog, weight="35", concentration="1")
    (check,) = [w for w in dialog.findChildren(QCheckBox) if w.objectName() == "softLimit"]
    assert "Weight 35 kg is below the soft limit of 40 kg" in check.text()
    assert not dialog.confirm_button.isEnabled()
    check.setChecked(True)
    assert dialog.confirm_button.isEnabled()
    click(qtbot, dialog.confirm_button)
    assert [f.level for f in dialog.acknowledged] == [LimitLevel.SOFT]


def test_maintenance_duration_is_chosen_up_to_six_hours(qtbot, dialog):
    dialog.protocol.setCurrentIndex(1)
    fill_setup(qtbot, dialog)
    _, duration = dialog.segment_fields[1]
    assert not duration.isReadOnly()
    type_into(qtbot, duration, "120")
    assert table_text(dialog)[1] == ["Maintenance", "120 min", "28.0 mg", "14.0", "14.0", "28.0"]
    type_into(qtbot, duration, "400")
    assert "above this protocol's 360 min" in dialog.error.text()
    assert not dialog.confirm_button.isEnabled()


def test_loading_duration_is_fixed_by_the_protocol(dialog):
    _, duration = dialog.segment_fields[0]
    assert duration.isReadOnly()


def test_bag_contents_give_the_concentration_and_show_vtbi_and_ml_per_h(qtbot, dialog):
    type_into(qtbot, dialog.weight, "70")
    type_into(qtbot, dialog.bag_contents, "50")
    type_into(qtbot, dialog.bag_volume, "100")
    assert table_text(dialog) == [["Loading", "40 min", "35.0 mg", "52.5", "105.0", "70.0"]]
    assert dialog.bag_note.text() == (
        "Bag 50 mg in 100 mL = 0.5 mg/mL: holds the plan, 30.0 mL left at the end"
    )
    assert dialog.confirm_button.isEnabled()
    click(qtbot, dialog.confirm_button)
    assert dialog.plan.bag_volume_ml == 100.0
    assert dialog.plan.concentration_mg_per_ml == 0.5


def test_bag_and_concentration_must_agree(qtbot, dialog):
    fill_setup(qtbot, dialog, concentration="0.1", bag_volume_ml="50")
    type_into(qtbot, dialog.bag_contents, "50")
    assert dialog.error.text() == (
        "Bag 50 mg in 50 mL is 1 mg/mL, but the concentration entered is 0.1 mg/mL: "
        "correct one of them."
    )
    assert not dialog.confirm_button.isEnabled()


def test_bag_volume_is_required(qtbot, dialog):
    fill_setup(qtbot, dialog, bag_volume_ml="")
    assert dialog.error.text() == "Bag volume is required (mL)."
    type_into(qtbot, dialog.bag_volume, "inf")
    assert dialog.error.text() == "Bag volume: 'inf' is not a number (mL)."
    assert not dialog.confirm_button.isEnabled()


def test_a_bag_too_small_for_the_plan_needs_acknowledgement(qtbot, dialog):
    dialog.protocol.setCurrentIndex(1)
    fill_setup(qtbot, dialog, bag_volume_ml="50")
    _, duration = dialog.segment_fields[1]
    type_into(qtbot, duration, "120")
    assert "runs out after 104 min of infusion" in dialog.bag_note.text()
    assert dialog.bag_volume.property("limit") == "soft"
    assert "holds less than the planned 63.0 mg" in dialog.bag_volume.toolTip()


# The slip table in the dialog (CLINICAL.md §8): the intended entry is 70 kg, a bag of
# 50 mg in 50 mL, the loading + maintenance protocol. Each slip outlines the entry beyond
# its limit, states value and limit, and is refused (hard) or must be ticked (soft).
SLIPS = [
    # (name, field, typed text, level, text of the finding)
    (
        "concentration x10",
        "bag_contents",
        "500",
        "soft",
        "Concentration 10 mg/mL is above the soft limit of 2 mg/mL",
    ),
    (
        "concentration /10",
        "bag_contents",
        "5",
        "hard",
        "Loading pump rate 525 mL/h is above the hard limit of 400 mL/h",
    ),
    ("weight x10", "weight", "700", "hard", "Weight 700 kg is above the hard limit of 250 kg"),
    (
        "loading dose x10",
        "loading_dose",
        "5",
        "hard",
        "Loading dose 5 mg/kg is above the hard limit of 1 mg/kg",
    ),
    (
        "maintenance dose x10",
        "maintenance_dose",
        "2",
        "hard",
        "Maintenance dose 2 mg/kg/h is above the hard limit of 0.5 mg/kg/h",
    ),
    (
        "mg/kg typed as mg/kg/h",
        "maintenance_dose",
        "1.2",
        "hard",
        "Maintenance dose 1.2 mg/kg/h is above the hard limit of 0.5 mg/kg/h",
    ),
]


def slip_field(dialog, name):
    if name == "loading_dose":
        return dialog.segment_fields[0][0]
    if name == "maintenance_dose":
        return dialog.segment_fields[1][0]
    return getattr(dialog, name)


@pytest.mark.parametrize(
    ("name", "field", "text", "level", "message"), SLIPS, ids=[s[0] for s in SLIPS]
)
def test_every_tenfold_slip_is_caught_in_the_dialog(
    qtbot, dialog, name, field, text, level, message
):
    dialog.protocol.setCurrentIndex(1)
    type_into(qtbot, dialog.weight, "70")
    type_into(qtbot, dialog.bag_contents, "50")
    type_into(qtbot, dialog.bag_volume, "50")
    assert dialog.confirm_button.isEnabled()  # the intended prescription passes
    edit = slip_field(dialog, field)
    type_into(qtbot, edit, text)
    assert edit.property("limit") == level
    assert message in edit.toolTip()
    assert any(message in t for t in visible_limit_texts(dialog))
    assert not dialog.confirm_button.isEnabled()
    checks = [w for w in dialog.findChildren(QCheckBox) if w.objectName() == "softLimit"]
    for check in checks:
        check.setChecked(True)
    # Hard findings refuse whatever is ticked; soft ones pass once every one is ticked.
    assert dialog.confirm_button.isEnabled() is (level == "soft" and not dialog.hard_findings())
    type_into(qtbot, edit, {"weight": "70", "bag_contents": "50"}.get(field, "0.5"))
    if field == "maintenance_dose":
        type_into(qtbot, edit, "0.2")
    assert not edit.property("limit")  # corrected: the outline goes
    assert dialog.confirm_button.isEnabled()


def test_ideal_weight_dose_is_checked_on_actual_weight_in_the_dialog(qtbot, dialog):
    # 45 kg, 190 cm man dosed on ideal weight (84.2 kg): 42.1 mg is 0.94 mg/kg of him.
    fill_setup(qtbot, dialog, weight="45")
    type_into(qtbot, dialog.height, "190")
    dialog.sex.setCurrentText("male")
    dialog.basis.setCurrentText("ideal")
    dose_edit, _ = dialog.segment_fields[0]
    assert dose_edit.property("limit") == "soft"
    message = "Loading dose on actual weight (45 kg) 0.9357 mg/kg is above the soft limit of 0.75"
    assert message in dose_edit.toolTip()
    assert not dialog.confirm_button.isEnabled()
