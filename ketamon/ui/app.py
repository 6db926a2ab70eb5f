"""Starting the GUI: build the window, autostart, quit-after and screenshot."""

from __future__ import annotations

import logging
import sys
from argparse import Namespace
from collections.abc import Callable
from pathlib import Path

from PySide6.QtCore import QTimer
from PySide6.QtWidgets import QApplication, QMessageBox

from ketamon.core.simulation import autostart_demo
from ketamon.io.data_dir import data_dir_problem
from ketamon.io.device import port_settings
from ketamon.io.rebuild import RebuildError
from ketamon.io.recording import Recorder, Recording, RecordingError, is_open_elsewhere
from ketamon.io.replay import ReplayData
from ketamon.io.resume import rebuild_for_resume, unfinished_recordings
from ketamon.paths import default_data_dir
from ketamon.resources_loading import ClinicalResources
from ketamon.ui.main_window import MainWindow
from ketamon.ui.replay_model import ReplayModel
from ketamon.ui.session_model import SessionModel
from ketamon.ui.sources import Sources
from ketamon.ui.theme import apply_theme

log = logging.getLogger(__name__)


def _application() -> QApplication:
    app = QApplication.instance() or QApplication(sys.argv[:1])
    app.setApplicationName("ketamon")
    apply_theme(app)
    return app


def show_startup_error(text: str, timeout_s: float | None = None) -> None:
    """A broken resource file: say so in a window; never run unarmed silently.

    `timeout_s` (the run's --quit-after): the window closes by itself after that long.
    """
    _application()
    box = QMessageBox(QMessageBox.Icon.Critical, "ketamon cannot start", text)
    if timeout_s is not None:
        QTimer.singleShot(round(timeout_s * 1000), box.accept)
    box.exec()


class ResumeRefused(Exception):
    """The unfinished session cannot be resumed; the user has been told why."""


def resumed_model(
    sources: Sources, ask: Callable[[Path], bool], timeout_s: float | None = None
) -> SessionModel | None:
    """Offer the newest unfinished session; a refused one is closed as interrupted."""
    for path in unfinished_recordings(sources.data_dir):
        if not ask(path):
            try:
                Recorder(path, {}, resume=True).close("interrupted")
            except RecordingError as exc:  # another ketamon took it meanwhile
                log.warning("%s", exc)
            continue
        try:
            session, downtime_s = rebuild_for_resume(path, sources.resources)
        except (RecordingError, RebuildError, ValueError, KeyError, TypeError) as exc:
            log.error("cannot resume %s: %s", path.name, exc)
            show_startup_error(
                f"The unfinished session {path.name} cannot be resumed: {exc}", timeout_s
            )
            raise ResumeRefused(str(exc)) from exc
        log.info("resumed %s after %.0f s down", path.name, downtime_s)
        try:
            model = sources.model_for(session, resume_path=path)
        except RecordingError as exc:
            message = f"The session {path.name} is already open in another ketamon ({exc})."
            log.error("cannot resume: %s", message)
            show_startup_error(message, timeout_s)
            raise ResumeRefused(message) from exc
        session.log(
            session.t_s,
            "session.resumed",
            f"resumed after {downtime_s:.0f} s down",
            {"downtime_s": round(downtime_s, 1)},
        )
        return model
    return None


def _open_elsewhere(directory: Path) -> Path | None:
    """A recording in `directory` that another ketamon holds open now, if any."""
    if not directory.is_dir():
        return None
    return next((p for p in sorted(directory.glob("*.ketamon")) if is_open_elsewhere(p)), None)


def ask_resume(path: Path) -> bool:
    answer = QMessageBox.question(
        None,
        "Resume the unfinished session?",
        f"ketamon stopped during a session ({path.name}). Resume it now? The infusion timer "
        "and dose continue from the time that has passed.",
    )
    return answer == QMessageBox.StandardButton.Yes


def run_gui(args: Namespace, resources: ClinicalResources) -> int:
    app = _application()
    data_dir = Path(args.data_dir) if args.data_dir else default_data_dir()
    sources = Sources(
        resources,
        port_settings(args),
        seed=args.seed,
        speed=args.speed,
        data_dir=data_dir,
        scenario=args.scenario,
        net=getattr(args, "net", None),
    )
    if args.replay:
        try:
            first = ReplayModel(
                ReplayData(Recording(Path(args.replay)), resources), speed=args.speed
            )
        except (RecordingError, RebuildError) as exc:
            log.error("%s", exc)
            show_startup_error(str(exc), args.quit_after)
            return 2
    else:
        try:
            if args.resume:
                first = resumed_model(sources, lambda _p: True, args.quit_after)
            elif args.autostart:
                first = None  # a demo or an unattended check: never stop to ask
            else:
                first = resumed_model(sources, ask_resume)
        except ResumeRefused:
            return 2
        if args.resume and first is None and (busy := _open_elsewhere(data_dir)):
            message = f"The session {busy.name} is already open in another ketamon."
            log.error("cannot resume: %s", message)
            show_startup_error(message, args.quit_after)
            return 2
    window = MainWindow(
        sources.new_model,
        resources.protocols,
        resources.library,
        sources.label(),
        sources,
        first_model=first,
    )
    window.resize(1600, 900)
    if problem := data_dir_problem(data_dir):
        log.error("%s", problem)
        window.show_storage_problem(problem)
    if args.autostart and first is None and window.model.session.simulated:
        weight_kg = args.scenario.patient.weight_kg if args.scenario else args.weight
        autostart_demo(window.model.session, resources.protocols[0], weight_kg)
        window.model.refresh()
    window.show()
    window.model.clock.start()  # replay: starts playing

    if args.quit_after is not None:

        def finish() -> None:
            if not getattr(window.model, "is_replay", False):
                window.model.clock.tick()  # the screenshot shows exactly "now"
            window.dashboard.trends.redraw()
            if args.screenshot:
                path = Path(args.screenshot)
                if not window.grab().save(str(path)):
                    log.error("could not save screenshot to %s", path)
            window.force_close = True
            if not getattr(window.model, "is_replay", False):
                window.model.close(resumable=False)  # a scripted end, not a crash
            window.close()
            app.quit()

        QTimer.singleShot(round(args.quit_after * 1000), finish)
    return app.exec()
