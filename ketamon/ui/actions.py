"""Turns the nurse's button presses into confirmed session commands, stamped with session time."""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import TYPE_CHECKING

from PySide6.QtCore import QObject, Signal
from PySide6.QtWidgets import QMessageBox, QWidget

from ketamon.core.infusion import CommandError, Phase
from ketamon.core.limits import DrugLibrary
from ketamon.core.protocol import Protocol
from ketamon.core.scores import PHQ9
from ketamon.core.workflow import pretreatment_findings
from ketamon.ui.annotations import ScoreDialog
from ketamon.ui.bp_dialog import BpDialog
from ketamon.ui.dialogs import BaselineDialog, ConfirmDialog
from ketamon.ui.session_model import SessionModel
from ketamon.ui.workflow import DischargeDialog, MoaasDialog

if TYPE_CHECKING:
    from ketamon.ui.previous_lookup import PreviousLookup
    from ketamon.ui.setup_dialog import SetupDialog

log = logging.getLogger(__name__)

PAUSE_REASONS = ["Patient request", "Nausea / vomiting", "BP rise", "Line or pump problem"]
STOP_REASONS = ["Patient request", "Adverse effect", "BP rise", "Prescriber decision"]


class NurseActions(QObject):
    """Opens the right dialog for each request and applies it to the current session.

    Dialogs open without blocking (the session clock keeps running); the open one is
    `self.dialog`, so tests and keyboard users reach it the same way.
    """

    session_needed = Signal()  # a new patient after discharge needs a fresh session

    def __init__(
        self,
        model_getter: Callable[[], SessionModel],
        protocols: list[Protocol],
        library: DrugLibrary,
        window: QWidget,
        previous: PreviousLookup | None = None,
        scales: tuple[str, ...] = (PHQ9,),
    ):
        super().__init__(window)
        self._model = model_getter
        self._protocols = protocols
        self._library = library
        self._window = window
        self._previous = previous
        self._scales = scales
        self.dialog = None

    # ---- requests -------------------------------------------------------------------

    def request_setup(self) -> None:
        from ketamon.ui.setup_dialog import SetupDialog  # built when asked for, not at start

        dialog = SetupDialog(
            self._protocols, self._library, self._window, self._previous, self._scales
        )
        dialog.accepted.connect(lambda: self._on_setup_accepted(dialog))
        self._show(dialog)

    def request_baseline(self) -> None:
        dialog = BaselineDialog(self._window)
        dialog.accepted.connect(
            lambda: self._apply(
                lambda m: m.session.enter_baseline(m.clock.now_s(), dialog.baseline)
            )
        )
        self._show(dialog)

    def request_bp(self) -> None:
        """A manually measured BP, applied as a reading taken when the nurse says."""
        model = self._model()
        if model.read_only:
            self.show_error("This is a replay of a recorded session: it cannot be changed.")
            return
        dialog = BpDialog(model.clock.now_s, self._window)
        dialog.accepted.connect(
            lambda: self._apply(lambda m: m.session.enter_bp(m.clock.now_s(), dialog.reading))
        )
        self._show(dialog)

    def request_start(self) -> None:
        model = self._model()
        plan = model.session.plan
        if plan is None:
            return
        first = plan.segments[0]
        message = (
            f"Start {plan.protocol.name} ({first.name}). Set the pump as below, "
            "check it against the pump's screen, then start the pump together with this timer."
        )
        pump = [
            ("Rate", f"{first.rate_ml_per_h:.1f} mL/h"),
            ("VTBI", f"{first.vtbi_ml:.1f} mL"),
            ("Duration", f"{first.duration_s / 60:g} min"),
            ("Dose", f"{first.dose_mg:.1f} mg ({first.rate_mg_per_h:.1f} mg/h)"),
        ]
        baseline = model.session.baseline
        rules = plan.protocol.pretreatment
        findings = pretreatment_findings(baseline, rules) if baseline is not None else []
        checklist = list(rules.checklist)
        if findings:
            # CLINICAL.md §11: outside the pre-treatment range, a reviewed override with a reason.
            checklist.append("Reviewed: " + "; ".join(findings))
            message += "\n\nOutside the pre-treatment range: give the reason to start anyway."

        def start(m: SessionModel, d: ConfirmDialog) -> None:
            m.session.start(
                m.clock.now_s(),
                review_acknowledged=bool(findings),
                override_reason=d.reason_text() if findings else "",
                checklist=tuple(c.text() for c in d.checks if c.isChecked()),
            )

        self._confirm(
            "Start infusion",
            message,
            "Start infusion",
            start,
            reasons=["Prescriber reviewed and approved"] if findings else None,
            checklist=checklist,
            pump=pump,
        )

    def request_pause(self) -> None:
        self._confirm(
            "Pause infusion",
            "Pause the pump now. The timer and dose stop until you resume.",
            "Pause infusion",
            lambda m, d: m.session.pause(m.clock.now_s(), d.reason_text()),
            reasons=PAUSE_REASONS,
        )

    def request_resume(self) -> None:
        model = self._model()
        status = model.session.snapshot().status
        plan = model.session.plan
        rate_text = ""
        if status is not None and status.segment_index is not None and plan is not None:
            seg = plan.segments[status.segment_index]
            rate_text = f" at {seg.rate_ml_per_h:.1f} mL/h ({seg.rate_mg_per_h:.1f} mg/h)"
        self._confirm(
            "Resume infusion",
            f"Restart the pump{rate_text} now.",
            "Resume infusion",
            lambda m, _d: m.session.resume(m.clock.now_s()),
        )

    def request_stop(self) -> None:
        self._confirm(
            "Stop infusion",
            "Stop the infusion for good. Observation starts now.",
            "Stop infusion",
            lambda m, d: m.session.stop(m.clock.now_s(), d.reason_text()),
            reasons=STOP_REASONS,
        )

    def request_discharge(self) -> None:
        """The protocol's criteria, live, with the checklist; early discharge needs a reason."""
        dialog = DischargeDialog(self._model(), self._window)
        dialog.accepted.connect(
            lambda: self._apply(
                lambda m: m.session.discharge(
                    m.clock.now_s(), dialog.checklist_text(), dialog.early_reason_text()
                )
            )
        )
        self._show(dialog)

    def request_confirm_pump(self) -> None:
        """Immediate, no dialog: the prompt itself stated the setting."""
        self._apply(lambda m: m.session.confirm_pump(m.clock.now_s()))

    def request_moaas(self) -> None:
        dialog = MoaasDialog(self._window)
        dialog.accepted.connect(
            lambda: self._apply(
                lambda m: m.session.record_sedation(m.clock.now_s(), dialog.score())
            )
        )
        self._show(dialog)

    def _confirm(
        self,
        title: str,
        message: str,
        confirm_text: str,
        command: Callable[[SessionModel, ConfirmDialog], None],
        reasons: list[str] | None = None,
        checklist: list[str] | None = None,
        pump: list[tuple[str, str]] | None = None,
    ) -> None:
        """Ask; on confirmation apply `command(model, dialog)` at the session time of the click."""
        dialog = ConfirmDialog(
            title,
            message,
            confirm_text,
            reasons=reasons,
            checklist=checklist,
            parent=self._window,
            pump=pump,
        )
        dialog.accepted.connect(lambda: self._apply(lambda m: command(m, dialog)))
        self._show(dialog)

    def request_annotation(self, text: str, data: dict) -> None:
        self._apply(lambda m: m.session.annotate(m.clock.now_s(), text, data))

    def request_retract_note(self, note_t_s: float) -> None:
        """Undo a one-tap note at once (recorded as its own command; the note stays on file)."""
        self._apply(lambda m: m.session.retract_note(m.clock.now_s(), note_t_s))

    def request_dialog_annotation(self, dialog) -> None:
        """CADSS or free note: the dialog's answer is stamped when the nurse confirms it."""
        dialog.setParent(self._window, dialog.windowFlags())
        dialog.accepted.connect(lambda: self.request_annotation(*dialog.annotation()))
        self._show(dialog)

    def request_acknowledge(self) -> None:
        """Immediate, no dialog: at the bedside acknowledging must be one press."""
        self._apply(lambda m: m.session.acknowledge_alarms(m.clock.now_s()))

    def request_pause_audio(self) -> None:
        self._apply(lambda m: m.session.pause_audio(m.clock.now_s()))

    # ---- internals ------------------------------------------------------------------

    def _on_setup_accepted(self, dialog: SetupDialog) -> None:
        # A new patient gets a new session: its own recording, no baseline readings or
        # events of the one before (after discharge, or a setup redone during baseline).
        if self._model().session.phase() is not Phase.SETUP:
            self.session_needed.emit()

        def setup(m: SessionModel) -> None:
            now = m.clock.now_s()
            m.session.configure(dialog.plan, dialog.acknowledged, now)
            for scale, value in dialog.scores:  # asked before the infusion (CLINICAL.md §11)
                m.session.record_score(now, scale, value)

        self._apply(setup)

    def request_score_dialog(self) -> None:
        """A score entered during the session, stamped when the nurse confirms it."""
        dialog = ScoreDialog(self._scales, self._window)
        dialog.accepted.connect(
            lambda: self._apply(lambda m: m.session.record_score(m.clock.now_s(), *dialog.score()))
        )
        self._show(dialog)

    def _apply(self, command: Callable[[SessionModel], None]) -> None:
        model = self._model()
        if model.read_only:
            self.show_error("This is a replay of a recorded session: it cannot be changed.")
            return
        try:
            command(model)
        except CommandError as exc:
            log.warning("command refused: %s", exc)
            self.show_error(str(exc))
        model.refresh()

    def show_error(self, text: str) -> None:
        box = QMessageBox(QMessageBox.Icon.Warning, "ketamon", text, parent=self._window)
        box.setObjectName("errorBox")
        self._show(box)

    def open_dialog(self, dialog) -> None:
        """Open a dialog the same way as every other (one at a time, reachable as `dialog`)."""
        self._show(dialog)

    def _show(self, dialog) -> None:
        if self.dialog is not None:
            self.dialog.close()
        self.dialog = dialog
        dialog.finished.connect(lambda *_: self._forget(dialog))
        dialog.open()

    def _forget(self, dialog) -> None:
        if self.dialog is dialog:
            self.dialog = None
        dialog.deleteLater()
