"""Render the README's screenshots at 1366x768 (a 15.6-inch laptop), offscreen.

    QT_QPA_PLATFORM=offscreen PYTHONPATH=. python docs/screenshots/make_screenshots.py [OUT]

Each state is reached by moving the simulated session's clock (no waiting), then the
window or dialog is grabbed and saved as PNG. Digit heights are measured with
bench/digit_height.py on the saved loading/alarm screenshots.
"""

from __future__ import annotations

import sys
import tempfile
from pathlib import Path

from PySide6.QtCore import Qt
from PySide6.QtGui import QImage
from PySide6.QtWidgets import QApplication

from ketamon.cli import run_config
from ketamon.cli_args import build_parser
from ketamon.io.recording import Recording
from ketamon.io.replay import ReplayData
from ketamon.io.run_config import autostart
from ketamon.resources_loading import load_clinical_resources
from ketamon.ui.app import _application
from ketamon.ui.main_window import MainWindow
from ketamon.ui.replay_model import ReplayModel
from ketamon.ui.sources import Sources
from ketamon.ui.theme import apply_theme, height_scale

WIDTH, HEIGHT = 1366, 768
HERE = Path(__file__).parent


def save(widget, path: Path) -> None:
    """A 256-colour PNG: the screens are flat colours, so this keeps the files small."""
    image = (
        widget.grab()
        .toImage()
        .convertToFormat(QImage.Format.Format_Indexed8, Qt.ImageConversionFlag.ThresholdDither)
    )
    image.save(str(path))


def settle(app: QApplication, window: MainWindow) -> None:
    for _ in range(5):
        app.processEvents()
    window.dashboard.trends.redraw()
    app.processEvents()


def window_for(argv: list[str], data_dir: Path):
    """A main window as `ketamon ARGV` opens it, at the screenshot size."""
    args = build_parser().parse_args([*argv, "--data-dir", str(data_dir)])
    resources = load_clinical_resources(None)
    config = run_config(args)
    sources = Sources(resources, config)
    window = MainWindow(
        sources.new_model, resources.protocols, resources.library, sources.label(), sources
    )
    window.force_close = True
    window.resize(WIDTH, HEIGHT)
    window.show()
    window.model.clock.start()
    return window, sources, config, resources


def main() -> int:
    out = Path(sys.argv[1]) if len(sys.argv) > 1 else HERE
    app = _application()
    apply_theme(app, scale=height_scale(HEIGHT))
    data_dir = Path(tempfile.mkdtemp(prefix="ketamon-shots-"))

    # Setup dialog, filled in, at a weight past the soft limit.
    window, _s, _c, _r = window_for(["--simulate"], data_dir)
    window.actions.request_setup()
    dialog = window.actions.dialog
    dialog.patient_id.setText("MRN 0042")
    names = [dialog.protocol.itemText(i) for i in range(dialog.protocol.count())]
    maintenance = next((i for i, n in enumerate(names) if "maintenance" in n.lower()), 0)
    dialog.protocol.setCurrentIndex(maintenance)
    dialog.weight.setText("158")
    dialog.concentration.setText("1")
    dialog.bag_volume.setText("200")
    dialog.resize(900, 740)
    dialog.show()
    app.processEvents()
    save(dialog, out / "setup.png")
    dialog.reject()
    window.close()

    # Loading, 18 min in; observation; then the recording in replay.
    window, _s, config, resources = window_for(["--simulate", "--seed", "3"], data_dir)
    autostart(window.model.session, config, resources)
    clock = window.model.clock
    clock.fast_forward(window.model.session.t_s + 18 * 60)
    window.model.session.annotate(clock.now_s(), "Dissociation")
    settle(app, window)
    save(window, out / "loading.png")
    clock.fast_forward(window.model.session.t_s + 40 * 60)
    settle(app, window)
    save(window, out / "observation.png")
    recording = window.model.recorder.path
    window.model.close(resumable=False)
    window.close()

    window, _s, _c, _r = window_for(["--simulate"], data_dir)
    window.load(ReplayModel(ReplayData(Recording(recording), resources)))
    window.model.seek(window.model.clock.start_s + 35 * 60)
    settle(app, window)
    save(window, out / "replay.png")
    window.close()

    # Several alarms at once, the instructor panel and the debrief of a scenario.
    scenario = str(HERE / "multi_alarm.toml")
    window, _s, config, resources = window_for(["--scenario", scenario], data_dir)
    autostart(window.model.session, config, resources)
    clock = window.model.clock
    clock.fast_forward(window.model.session.t_s + 24 * 60)
    settle(app, window)
    save(window, out / "alarms.png")
    window.actions.request_acknowledge()
    clock.fast_forward(window.model.session.t_s + 60)
    instructor = window.instructor
    instructor.fault_buttons["probe_off"].setChecked(True)
    clock.fast_forward(window.model.session.t_s + 20)
    settle(app, window)
    instructor.resize(760, 760)
    app.processEvents()
    save(instructor, out / "instructor.png")
    instructor.open_debrief()
    debrief = instructor.debrief
    debrief.resize(1100, 700)
    app.processEvents()
    save(debrief, out / "debrief.png")
    debrief.close()
    window.close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
