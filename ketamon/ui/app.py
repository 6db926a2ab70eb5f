"""Starting the GUI: load resources, build the window, autostart, quit-after and screenshot."""

from __future__ import annotations

import logging
import sys
from argparse import Namespace
from pathlib import Path

from PySide6.QtCore import QTimer
from PySide6.QtWidgets import QApplication, QMessageBox

from ketamon.core.config import ConfigError
from ketamon.core.dosing import Patient, make_plan
from ketamon.core.limits import DrugLibrary, load_drug_library
from ketamon.core.protocol import Protocol, load_protocols
from ketamon.core.simulation import simulated_session
from ketamon.resources import drug_library_path, protocols_dir
from ketamon.ui.clock import SessionClock
from ketamon.ui.main_window import MainWindow
from ketamon.ui.session_model import SessionModel
from ketamon.ui.theme import apply_theme

log = logging.getLogger(__name__)

AUTOSTART_CONCENTRATION_MG_PER_ML = 1.0  # 50 mg in 50 mL (CLINICAL.md §1)


def load_clinical_resources() -> tuple[list[Protocol], DrugLibrary]:
    return load_protocols(protocols_dir()), load_drug_library(drug_library_path())


def autostart(model: SessionModel, protocol: Protocol, weight_kg: float) -> None:
    """Set up the default protocol, fast-forward the simulated baseline, start the infusion."""
    session = model.session
    plan = make_plan(protocol, Patient(weight_kg, patient_id="DEMO"), 1.0)
    session.configure(plan, [], session.t_s)
    nibp = protocol.nibp
    model.clock.fast_forward(
        session.t_s + nibp.baseline_interval_min * 60.0 * (nibp.baseline_readings - 1)
    )
    session.start(session.t_s)
    model.refresh()


def run_gui(args: Namespace) -> int:
    app = QApplication.instance() or QApplication(sys.argv[:1])
    app.setApplicationName("ketamon")
    apply_theme(app)
    try:
        protocols, library = load_clinical_resources()
    except ConfigError as exc:
        log.error("%s", exc)
        QMessageBox.critical(None, "ketamon cannot start", str(exc))
        return 2

    def new_model() -> SessionModel:
        session = simulated_session(library, args.seed)
        clock = SessionClock(session, speed=args.speed)
        return SessionModel(session, clock)

    window = MainWindow(new_model, protocols, library, f"Source: simulator (seed {args.seed})")
    window.resize(1600, 900)
    if args.autostart:
        autostart(window.model, protocols[0], args.weight)
    window.show()
    window.model.clock.start()

    if args.quit_after is not None:

        def finish() -> None:
            window.model.clock._on_tick()
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
