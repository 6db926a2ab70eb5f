"""The window records sessions; quitting mid-infusion leaves them resumable."""

from ketamon.core.simulation import autostart_demo
from ketamon.io.recording import Recording
from ketamon.io.resume import unfinished_recordings
from ketamon.io.run_config import RunConfig
from ketamon.ui.main_window import MainWindow
from ketamon.ui.sources import Sources


def test_quitting_mid_infusion_leaves_a_resumable_recording(qtbot, resources, tmp_path):
    sources = Sources(resources, RunConfig(data_dir=tmp_path))
    win = MainWindow(sources.new_model, resources.protocols, resources.library, "sim", sources)
    qtbot.addWidget(win)
    autostart_demo(win.model.session, resources.protocols[0], 70.0)
    win.model.clock.start()
    win.model.clock.fast_forward(win.model.session.t_s + 60)
    win.force_close = True  # the nurse said yes to "Quit anyway?"
    win.close()
    (path,) = tmp_path.glob("*.ketamon")
    assert Recording(path).meta["status"] == "open"
    assert unfinished_recordings(tmp_path) == [path]
    kinds = [e.kind for e in Recording(path).events() if not e.kind.startswith("command.")]
    assert kinds[:4] == [
        "setup.confirmed",
        "baseline.measured",
        "pretreatment.checklist",
        "infusion.started",
    ]


def test_discharge_closes_the_recording(qtbot, resources, tmp_path):
    sources = Sources(resources, RunConfig(data_dir=tmp_path))
    win = MainWindow(sources.new_model, resources.protocols, resources.library, "sim", sources)
    win.force_close = True
    qtbot.addWidget(win)
    session = win.model.session
    autostart_demo(session, resources.protocols[0], 70.0)
    win.model.clock.fast_forward(session.t_s + 101 * 60)
    session.discharge(session.t_s, "alert; escort present", early_reason="test of the recorder")
    (path,) = tmp_path.glob("*.ketamon")
    assert Recording(path).meta["status"] == "closed"
    assert unfinished_recordings(tmp_path) == []
    win.model.close()
