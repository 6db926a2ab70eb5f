"""Starting the GUI: build the window, autostart, quit-after and screenshot."""

from __future__ import annotations

import logging
import sys
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from PySide6.QtCore import QTimer
from PySide6.QtWidgets import QApplication, QMessageBox

from ketamon.io.data_dir import data_dir_problem
from ketamon.io.rebuild import RebuildError
from ketamon.io.recorder import Recorder
from ketamon.io.recording import Recording, RecordingError, is_open_elsewhere
from ketamon.io.resume import ResumeHistory, rebuild_for_resume, unfinished_recordings
from ketamon.io.run_config import RunConfig, autostart
from ketamon.resources_loading import ClinicalResources
from ketamon.ui.first_frame import FirstFrame
from ketamon.ui.main_window import MainWindow
from ketamon.ui.session_model import SessionModel
from ketamon.ui.sources import Sources
from ketamon.ui.theme import apply_theme, height_scale

log = logging.getLogger(__name__)


def _application(height_px: int | None = None) -> QApplication:
    """The application, themed for a window `height_px` tall (None: the screen's height)."""
    app = _bare_application()
    apply_theme(app, scale=None if height_px is None else height_scale(height_px))
    return app


def _bare_application() -> QApplication:
    app = QApplication.instance() or QApplication(sys.argv[:1])
    app.setApplicationName("ketamon")
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
        return resume(sources, path, timeout_s=timeout_s)
    return None


def resume(
    sources: Sources,
    path: Path,
    wall_now_s: float | None = None,
    timeout_s: float | None = None,
) -> SessionModel:
    """The session of `path` rebuilt, recording on into the same file, with its history.

    `wall_now_s`: what time it is (default: the wall clock now). Raises ResumeRefused
    (the user has been told why) if it cannot be resumed.
    """
    history = ResumeHistory()
    models: list[SessionModel] = []

    def attach(session) -> None:
        # Before the downtime is applied: its record goes into the same file.
        models.append(sources.model_for(session, resume_path=path, history=history))

    try:
        _session, downtime_s = rebuild_for_resume(
            path, sources.resources, wall_now_s, before_downtime=attach, history=history
        )
    except RecordingError as exc:
        if models:  # the file was readable: the failure came after the recorder was attached
            raise
        if not _readable(path):
            return _refuse(
                f"The unfinished session {path.name} cannot be resumed: {exc}", timeout_s
            )
        message = f"The session {path.name} is already open in another ketamon ({exc})."
        return _refuse(message, timeout_s)
    except (RebuildError, ValueError, KeyError, TypeError) as exc:
        for model in models:
            model.close()
        return _refuse(f"The unfinished session {path.name} cannot be resumed: {exc}", timeout_s)
    log.info("resumed %s after %.0f s down", path.name, downtime_s)
    return models[0]


def _readable(path: Path) -> bool:
    try:
        Recording(path).close()
    except RecordingError:
        return False
    return True


def _refuse(message: str, timeout_s: float | None):
    log.error("cannot resume: %s", message)
    show_startup_error(message, timeout_s)
    raise ResumeRefused(message)


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


@dataclass(frozen=True)
class GuiOptions:
    """What the window does at start and end (the run itself is the RunConfig)."""

    replay: Path | None = None
    resume: bool = False
    autostart: bool = False
    quit_after_s: float | None = None
    screenshot: Path | None = None
    geometry: tuple[int, int] | None = None  # window (width, height) in pixels


def default_geometry(app: QApplication) -> tuple[int, int]:
    """1600x900, or the whole available screen when it is smaller (a 1366x768 laptop)."""
    screen = app.primaryScreen()
    if screen is None or app.platformName() == "offscreen":
        return 1600, 900
    available = screen.availableGeometry()
    return min(1600, available.width()), min(900, available.height())


def run_gui(config: RunConfig, resources: ClinicalResources, options: GuiOptions) -> int:
    # The window's size first, then the theme for it, once, before any widget exists: a
    # style sheet set later makes Qt re-polish every widget (a third of the window's cost).
    width, height = options.geometry or default_geometry(_bare_application())
    app = _application(height)
    sources = Sources(resources, config)
    data_dir = config.data_dir
    if options.replay:
        from ketamon.io.replay import ReplayData
        from ketamon.ui.replay_model import ReplayModel

        try:
            first = ReplayModel(
                ReplayData(Recording(options.replay), resources), speed=config.speed or 1.0
            )
        except (RecordingError, RebuildError) as exc:
            log.error("%s", exc)
            show_startup_error(str(exc), options.quit_after_s)
            return 2
    else:
        try:
            if options.resume:
                first = resumed_model(sources, lambda _p: True, options.quit_after_s)
            elif options.autostart:
                first = None  # a demo or an unattended check: never stop to ask
            else:
                first = resumed_model(sources, ask_resume)
        except ResumeRefused:
            return 2
        busy = _open_elsewhere(data_dir) if options.resume and data_dir else None
        if first is None and busy is not None:
            message = f"The session {busy.name} is already open in another ketamon."
            log.error("cannot resume: %s", message)
            show_startup_error(message, options.quit_after_s)
            return 2
    window = MainWindow(
        sources.new_model,
        resources.protocols,
        resources.library,
        sources.label(),
        sources,
        first_model=first,
    )
    window.resize(width, height)
    if data_dir is not None and (problem := data_dir_problem(data_dir)):
        log.error("%s", problem)
        window.show_storage_problem(problem)
    if options.autostart and first is None and window.model.session.simulated:
        autostart(window.model.session, config, resources)
        window.model.refresh()
    window.show()
    FirstFrame(window.windowHandle())  # logs the start's CPU time once it is on screen
    window.model.clock.start()  # replay: starts playing

    if options.quit_after_s is not None:

        def finish() -> None:
            if not window.model.read_only:
                window.model.clock.tick()  # the screenshot shows exactly "now"
            window.dashboard.trends.redraw()
            if options.screenshot:
                path = Path(options.screenshot)
                if not window.grab().save(str(path)):
                    log.error("could not save screenshot to %s", path)
            window.force_close = True
            if not window.model.read_only:
                window.model.close(resumable=False)  # a scripted end, not a crash
            window.close()
            app.quit()

        QTimer.singleShot(round(options.quit_after_s * 1000), finish)
    return app.exec()
