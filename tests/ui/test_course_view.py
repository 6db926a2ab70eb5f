"""The Course view and the setup's note on the previous session, as the nurse sees them."""

import pyqtgraph as pg
import pytest

from ketamon.cli import main
from ketamon.core.course import ScoreEntry, SessionFacts, build_course
from ketamon.core.scores import CourseSettings
from ketamon.io.course_store import last_session, load_course
from ketamon.io.recording import Recording
from ketamon.ui.course_view import CourseView
from ketamon.ui.setup_dialog import SetupDialog
from tests.ui.helpers import click, fill_setup, type_into

DAY_S = 86400.0


def facts(day: float, phq9: float, sbp_peak: float) -> SessionFacts:
    return SessionFacts(
        f"s{day}.ketamon", 1.8e9 + day * DAY_S, "Loading", 70.0, 35.0, 120.0, 80.0, 70.0,
        sbp_peak, 95.0, 88.0, 1, 6.0, None, ("Nausea/vomiting",),
        (ScoreEntry("phq9", phq9, 0.0),), 177.3, "Clements 1981", True,
    )  # fmt: skip


@pytest.fixture(scope="module")
def recorded(tmp_path_factory):
    """One headless session of patient P-UI: PHQ-9 16, nausea charted."""
    root = tmp_path_factory.mktemp("course-ui")
    actions = root / "actions.toml"
    actions.write_text(
        '[[action]]\nt_s = 0\ncommand = "score"\nscale = "phq9"\nvalue = 16\n\n'
        '[[action]]\nt_s = 900\ncommand = "annotate"\nkind = "side_effect"\n'
        'text = "Nausea/vomiting"\n'
    )
    data_dir = root / "data"
    argv = ["--headless", "--autostart", "--speed", "max", "--patient-id", "P-UI"]
    assert main([*argv, "--actions", str(actions), "--data-dir", str(data_dir)]) == 0
    return data_dir


def test_the_course_view_lists_sessions_and_marks_response_and_remission(qtbot):
    sessions = [facts(0, 20, 150), facts(3, 12, 145), facts(7, 8, 140), facts(10, 4, 138)]
    course = build_course("MRN 7", sessions, CourseSettings())
    view = CourseView(lambda: course, None, ("phq9",))
    qtbot.addWidget(view)
    view.show()
    t = view.table
    header = [t.horizontalHeaderItem(c).text() for c in range(t.columnCount())]
    rows = [[t.item(r, c).text() for c in range(t.columnCount())] for r in range(t.rowCount())]
    assert "PHQ-9 before" in header and "MOAA/S min" in header
    assert [r[header.index("PHQ-9 before")] for r in rows] == [
        "20", "12", "8  response", "4  remission",
    ]  # fmt: skip
    assert rows[1][header.index("Days since last")] == "3.0"
    assert rows[0][header.index("Delivered")] == "35.0 mg (0.50 mg/kg)"
    assert rows[0][header.index("Rise SBP/DBP")] == "+30/+15"
    assert rows[0][header.index("Predicted peak Cp (model)")] == "177 ng/mL"
    assert rows[0][header.index("MOAA/S min")] == "—"
    assert "response (drop of at least 50%) at session 3" in view.summary.text()
    assert "remission (below 5) at session 4" in view.summary.text()
    assert "not measured" in view.summary.text()
    items = view.score_plot.getPlotItem().items
    texts = [i.toPlainText() for i in items if isinstance(i, pg.TextItem)]
    assert sorted(texts) == ["remission", "response"]
    assert len(view.bp_plot.getPlotItem().listDataItems()) == 2  # SBP and DBP rises


def test_a_follow_up_score_added_in_the_view_appears_in_the_course(qtbot, recorded, resources):
    view = CourseView(lambda: load_course("P-UI", recorded, resources)[0], recorded, ("phq9",))
    qtbot.addWidget(view)
    view.show()
    assert view.table.rowCount() == 1
    click(qtbot, view.add_button)
    assert "Choose a session first" in view.error.text()
    view.table.selectRow(0)
    view.value.setValue(9)
    click(qtbot, view.add_button)
    assert view.error.text() == ""
    follow_ups = view.course.rows[0].facts.follow_ups("phq9")
    assert [s.value for s in follow_ups] == [9]
    assert view.course.rows[0].score == 16  # the score before stays
    (path,) = recorded.glob("*.ketamon")
    assert Recording(path).events()[-1].kind == "score.recorded"


def test_the_last_session_is_looked_up_without_freezing_the_dialog(qtbot, protocols, library):
    """A slow look-up (a full data folder) runs off the GUI thread; an answer for an ID
    typed over is dropped."""
    import threading

    release = threading.Event()
    asked = []

    def slow(pid):
        asked.append((pid, threading.current_thread() is threading.main_thread()))
        release.wait(10)
        return None

    ordered = sorted(protocols.values(), key=lambda p: not p.default)
    dialog = SetupDialog(ordered, library, previous=slow)
    qtbot.addWidget(dialog)
    dialog.show()
    type_into(qtbot, dialog.patient_id, "P-SLOW")
    dialog.patient_id.editingFinished.emit()  # returns at once: the dialog stays usable
    assert dialog.previous_note.text() == "Looking up the last session of P-SLOW…"
    type_into(qtbot, dialog.weight, "70")
    assert dialog.weight.text() == "70"
    type_into(qtbot, dialog.patient_id, "P-OTHER")
    dialog.patient_id.editingFinished.emit()
    release.set()
    qtbot.waitUntil(lambda: "No earlier session" in dialog.previous_note.text())
    assert asked[0] == ("P-SLOW", False)  # on the worker, not the GUI thread
    assert asked[-1][0] == "P-OTHER"


def test_setup_shows_the_patients_last_session_beside_the_new_prescription(
    qtbot, recorded, resources, protocols, library
):
    ordered = sorted(protocols.values(), key=lambda p: not p.default)

    def previous(pid):
        return last_session(recorded, pid, resources)

    dialog = SetupDialog(ordered, library, previous=previous, scales=("phq9", "madrs"))
    qtbot.addWidget(dialog)
    dialog.show()
    type_into(qtbot, dialog.patient_id, "P-UI")
    dialog.patient_id.editingFinished.emit()
    qtbot.waitUntil(lambda: dialog.previous_note.text().startswith("Last session ("))
    note = dialog.previous_note.text()
    assert "dose 35.0 mg (0.50 mg/kg)" in note
    assert "SBP +" in note and "HR " in note
    assert "side effects: Nausea/vomiting" in note
    type_into(qtbot, dialog.patient_id, "somebody new")
    dialog.patient_id.editingFinished.emit()
    qtbot.waitUntil(lambda: "No earlier session" in dialog.previous_note.text())
    fill_setup(qtbot, dialog)
    type_into(qtbot, dialog.score_fields["phq9"], "28")
    assert "PHQ-9 is a whole number from 0 to 27" in dialog.error.text()
    assert not dialog.confirm_button.isEnabled()
    type_into(qtbot, dialog.score_fields["phq9"], "14")
    type_into(qtbot, dialog.score_fields["madrs"], "30")
    click(qtbot, dialog.confirm_button)
    assert dialog.scores == [("phq9", 14.0), ("madrs", 30.0)]
