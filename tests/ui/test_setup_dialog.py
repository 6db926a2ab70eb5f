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
    assert table_text(dialog) == [["Loading", "40 min", "35.0 mg", "52.5", "52.5"]]
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
    assert table_text(dialog)[1] == ["Maintenance", "120 min", "28.0 mg", "14.0", "14.0"]
    type_into(qtbot, duration, "400")
    assert "above this protocol's 360 min" in dialog.error.text()
    assert not dialog.confirm_button.isEnabled()


def test_loading_duration_is_fixed_by_the_protocol(dialog):
    _, duration = dialog.segment_fields[0]
    assert duration.isReadOnly()
