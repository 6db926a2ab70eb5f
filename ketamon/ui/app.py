"""Starting the GUI: build the window, autostart, quit-after and screenshot."""

from __future__ import annotations

import logging
import sys
from argparse import Namespace
from pathlib import Path

from PySide6.QtCore import QTimer
from PySide6.QtWidgets import QApplication, QMessageBox

from ketamon.core.simulation import autostart_demo
from ketamon.io.device import port_settings
from ketamon.resources_loading import ClinicalResources
from ketamon.ui.main_window import MainWindow
from ketamon.ui.sources import Sources
from ketamon.ui.theme import apply_theme

log = logging.getLogger(__name__)


def _application() -> QApplication:
    app = QApplication.instance() or QApplication(sys.argv[:1])
    app.setApplicationName("ketamon")
    apply_theme(app)
    return app


def show_startup_error(text: str) -> None:
    """A broken resource file: say so in a window; never run unarmed silently."""
    _application()
    QMessageBox.critical(None, "ketamon cannot start", text)


def run_gui(args: Namespace, resources: ClinicalResources) -> int:
    app = _application()
    sources = Sources(resources, port_settings(args), seed=args.seed, speed=args.speed)
    window = MainWindow(
        sources.new_model, resources.protocols, resources.library, sources.label(), sources
    )
    window.resize(1600, 900)
    if args.autostart and window.model.session.simulated:
        autostart_demo(window.model.session, resources.protocols[0], args.weight)
        window.model.refresh()
    window.show()
    window.model.clock.start()

    if args.quit_after is not None:

        def finish() -> None:
            window.model.clock.tick()
            window.dashboard.trends.redraw()
            if args.screenshot:
                path = Path(args.screenshot)
                if not window.grab().save(str(path)):
                    log.error("could not save screenshot to %s", path)
            window.force_close = True
            window.close()
            app.quit()

        QTimer.singleShot(round(args.quit_after * 1000), finish)
    return app.exec()
