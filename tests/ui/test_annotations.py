from ketamon.ui.annotations import CadssDialog, NoteDialog
from tests.ui.helpers import click, type_into


def notes(window):
    return [(e.message, e.data) for e in window.model.session.events if e.kind == "annotation"]


def set_up(window, protocols):
    from ketamon.core.dosing import Patient, make_plan

    plan = make_plan(protocols["ketamine-loading"], Patient(70.0), 1.0)
    window.model.session.configure(plan, [], window.model.session.t_s)
    window.model.refresh()


def test_no_notes_before_a_patient_is_set_up(window, protocols):
    assert not window.dashboard.annotations.isEnabled()
    set_up(window, protocols)
    assert window.dashboard.annotations.isEnabled()


def test_one_tap_side_effect_is_stamped_listed_and_marked(qtbot, window, protocols):
    set_up(window, protocols)
    window.model.clock.fast_forward(125.0)
    click(qtbot, window.dashboard.annotations.buttons["Nausea/vomiting"])
    assert notes(window) == [("Nausea/vomiting", {"type": "side_effect"})]
    event = next(e for e in window.model.session.events if e.kind == "annotation")
    assert event.t_s == 125.0
    assert window.dashboard.alarm_log.rows()[0] == ["02:05", "Note: Nausea/vomiting", "", "note"]
    # one line through each plot (BP, HR, SpO2, RR and the predicted concentration)
    assert len(window.dashboard.trends.marks.annotation_lines) == 5


def test_cadss_score(qtbot, window, protocols):
    set_up(window, protocols)
    click(qtbot, window.dashboard.annotations.buttons["CADSS…"])
    dialog = window.actions.dialog
    assert isinstance(dialog, CadssDialog)
    dialog.score.setValue(7)
    click(qtbot, dialog.buttons.button(dialog.buttons.StandardButton.Ok))
    assert notes(window) == [("CADSS-6 7/24", {"type": "cadss6", "score": 7})]


def test_free_note_needs_text(qtbot, window, protocols):
    set_up(window, protocols)
    click(qtbot, window.dashboard.annotations.buttons["Note…"])
    dialog = window.actions.dialog
    assert isinstance(dialog, NoteDialog)
    ok = dialog.buttons.button(dialog.buttons.StandardButton.Ok)
    assert not ok.isEnabled()
    type_into(qtbot, dialog.text, "Patient asked for blanket")
    click(qtbot, ok)
    assert notes(window) == [("Patient asked for blanket", {"type": "note"})]


def test_a_one_tap_note_can_be_undone_and_its_record_stays(qtbot, window, protocols):
    set_up(window, protocols)
    window.model.clock.fast_forward(125.0)
    bar = window.dashboard.annotations
    assert not bar.undo_button.isEnabled()
    click(qtbot, bar.buttons["Headache"])
    assert "Headache" in bar.undo_button.text()
    window.model.clock.fast_forward(130.0)
    click(qtbot, bar.undo_button)
    events = window.model.session.events
    kinds = [e.kind for e in events]
    assert "annotation" in kinds  # the note's record is never deleted
    assert "command.retract_note" in kinds and "annotation.retracted" in kinds
    assert kinds.index("command.retract_note") < kinds.index("annotation.retracted")
    assert not bar.undo_button.isEnabled()
    assert window.dashboard.alarm_log.rows()[0][1:] == ["Undone: Headache", "", "undone"]
    bp_line = next(
        line
        for line in window.dashboard.trends.marks.annotation_lines
        if line in window.dashboard.trends.plots["bp"].items
    )
    assert bp_line.label.format.endswith("(undone)")


def test_the_undo_text_never_moves_the_columns(qtbot, qapp, window, protocols):
    """'Undo “Nausea/vomiting”' is wider than 'Undo note': it has a row of its own, so
    the trends, the infusion panel and the numerics stay where they were."""
    from ketamon.ui.theme import apply_theme, height_scale

    apply_theme(qapp, scale=height_scale(720))
    qapp.processEvents()  # the smaller theme's sizes reach the layouts before the resize
    window.resize(1280, 720)
    set_up(window, protocols)
    qtbot.wait(50)
    assert (window.width(), window.height()) == (1280, 720)
    d = window.dashboard
    before = [w.geometry() for w in (d.infusion, d.trends, d.numerics, d.annotations)]
    click(qtbot, d.annotations.buttons["Nausea/vomiting"])
    qtbot.wait(50)
    assert "Nausea/vomit" in d.annotations.undo_button.text()
    after = [w.geometry() for w in (d.infusion, d.trends, d.numerics, d.annotations)]
    assert after == before
