"""`ketamon course`: headless sessions with scores make a patient's course (the real commands)."""

import json
import os
import stat

import pytest

from ketamon.cli import main
from ketamon.io.recording import Recording
from ketamon.io.replay import ReplayData
from ketamon.io.summary import review_recording


def run_session(data_dir, tmp_path, patient_id, phq9, capsys):
    actions = tmp_path / f"actions-{phq9}.toml"
    actions.write_text(f'[[action]]\nt_s = 0\ncommand = "score"\nscale = "phq9"\nvalue = {phq9}\n')
    argv = ["--headless", "--autostart", "--speed", "max", "--patient-id", patient_id]
    assert main([*argv, "--actions", str(actions), "--data-dir", str(data_dir)]) == 0
    capsys.readouterr()


def course_json(data_dir, patient_id, capsys):
    assert main(["course", patient_id, "--json", "--data-dir", str(data_dir)]) == 0
    return json.loads(capsys.readouterr().out)


def test_three_then_four_sessions_mark_response_then_remission(tmp_path, capsys):
    data_dir = tmp_path / "data"
    for score in (20, 12, 8):
        run_session(data_dir, tmp_path, "MRN 0042", score, capsys)
    run_session(data_dir, tmp_path, "someone else", 3, capsys)

    course = course_json(data_dir, "MRN 0042", capsys)
    sessions = course["sessions"]
    assert [s["score"] for s in sessions] == [20, 12, 8]
    assert [s["number"] for s in sessions] == [1, 2, 3]
    started = [s["started_wall_s"] for s in sessions]
    assert started == sorted(started)
    assert [s["response"] for s in sessions] == [False, False, True]
    assert course["response_at_session"] == 3
    assert course["remission_at_session"] is None
    assert sessions[0]["days_since_previous"] is None
    assert sessions[1]["days_since_previous"] >= 0
    first = sessions[0]
    assert first["delivered_mg"] == pytest.approx(35.0)
    assert first["delivered_mg_per_kg"] == pytest.approx(0.5)
    assert first["predicted_peak_ng_per_ml"] == pytest.approx(177.0, rel=0.01)
    assert first["rise_over_baseline"]["sbp"] == pytest.approx(
        first["peak"]["sbp"] - first["baseline"]["sbp"], abs=0.1
    )
    # The patient ID is in no file name; the recordings stay private.
    for path in data_dir.iterdir():
        assert "0042" not in path.name
        assert stat.S_IMODE(path.stat().st_mode) == 0o600

    run_session(data_dir, tmp_path, "MRN 0042", 4, capsys)
    course = course_json(data_dir, "MRN 0042", capsys)
    assert [s["score"] for s in course["sessions"]] == [20, 12, 8, 4]
    assert [s["remission"] for s in course["sessions"]] == [False, False, False, True]
    assert course["remission_at_session"] == 4


def test_a_follow_up_score_is_appended_never_rewriting(tmp_path, capsys, qapp):
    # qapp: the PDF needs a Qt application; the test session keeps one QApplication.
    data_dir = tmp_path / "data"
    run_session(data_dir, tmp_path, "P7", 18, capsys)
    (path,) = data_dir.glob("*.ketamon")
    before = Recording(path)
    old_events = before.events()
    assert main(["course", "add-score", str(path), "--scale", "phq9", "--value", "8"]) == 0
    after = Recording(path)
    assert after.events()[: len(old_events)] == old_events
    added = after.events()[len(old_events) :]
    assert [e.kind for e in added] == ["command.score", "score.recorded"]
    assert added[0].data["value"] == 8 and added[0].data["entered_wall_s"] > 0
    assert stat.S_IMODE(os.stat(path).st_mode) == 0o600
    course = course_json(data_dir, "P7", capsys)
    assert course["sessions"][0]["score"] == 18  # the score before stays the session's
    assert course["sessions"][0]["follow_up_scores"][0]["value"] == 8
    report = tmp_path / "course.pdf"
    argv = ["course", "P7", "--report", str(report), "--data-dir", str(data_dir)]
    assert main(argv) == 0
    assert report.read_bytes().startswith(b"%PDF")
    assert stat.S_IMODE(report.stat().st_mode) == 0o600
    assert "0 to 27" not in capsys.readouterr().err
    assert main(["course", "add-score", str(path), "--scale", "phq9", "--value", "28"]) == 2
    assert len(Recording(path).events()) == len(after.events())


def test_predicted_concentration_is_equal_live_in_replay_and_in_the_report(
    tmp_path, capsys, resources
):
    data_dir = tmp_path / "data"
    run_session(data_dir, tmp_path, "P9", 10, capsys)
    (path,) = data_dir.glob("*.ketamon")
    report = review_recording(path, resources)["predicted_concentration"]
    assert report["label"] == "predicted plasma concentration (model, not measured)"
    assert report["end_of_loading_ng_per_ml"] == pytest.approx(177.0, rel=0.01)
    replay = ReplayData(Recording(path), resources)
    snap = replay.snapshot_at(report["end_of_loading_t_s"])
    assert snap.predicted_cp_ng_per_ml == pytest.approx(
        report["end_of_loading_ng_per_ml"], abs=0.01
    )
    # Live: the same run again, asked at the same session time.
    from ketamon.io.run_config import RunConfig, autostart, make_session

    live = make_session(RunConfig(speed=None), resources)
    autostart(live, RunConfig(), resources)
    live.advance_to(report["end_of_loading_t_s"])
    assert live.snapshot().predicted_cp_ng_per_ml == pytest.approx(
        snap.predicted_cp_ng_per_ml, rel=1e-9
    )


def test_no_session_for_an_unknown_patient(tmp_path, capsys):
    assert main(["course", "nobody", "--data-dir", str(tmp_path)]) == 1
