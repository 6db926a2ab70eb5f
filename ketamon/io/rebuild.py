"""Rebuilding a session from what was recorded: the samples, and the nurse's commands.

Every nurse and instructor command is recorded as its own event, `command.<name>`
with its arguments, before anything it causes (core/session.py). Rebuild re-issues
those records through the same Session methods as the GUI and `--actions`, and
feeds the recorded samples and equipment reports; automatic things (segment ends,
observation, alarms) are recomputed by the same core and alarm profile as live.
Effects (alarm.acknowledged, infusion.paused, ...) are never read back as commands.

Recordings made before command records existed (schema 1) are rebuilt by the
LEGACY path at the bottom: it infers commands from their effects, with that
method's known blind spot (an acknowledge that only cleared an ended alarm left no
`alarm.acknowledged`); a warning says so.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable

from ketamon.core.baseline import Baseline
from ketamon.core.dosing import Patient, Sex, WeightBasis, check_limits, make_plan
from ketamon.core.events import COMMAND_PREFIX, recorded_baseline
from ketamon.core.infusion import CommandError
from ketamon.core.manual_bp import ManualBp
from ketamon.core.protocol import Protocol
from ketamon.core.session import SESSION_RESUMED, VITALS_SOURCE, Session, SessionEvent
from ketamon.core.vitals import Sample, Vital

log = logging.getLogger(__name__)

# Inputs that are not commands but come from outside the session, as samples do.
# A reading rejected as artefact never became a sample: its record is the input.
INPUTS = {"technical.report", "technical.artefacts", "artefact.rejected", VITALS_SOURCE}


class RebuildError(Exception):
    """The recording cannot be turned back into a session (e.g. its protocol is gone)."""


def plan_from_prescription(prescription: dict, protocols: list[Protocol]):
    by_id = {p.id: p for p in protocols}
    protocol = by_id.get(prescription["protocol_id"])
    if protocol is None:
        raise RebuildError(
            f"protocol '{prescription['protocol_id']}' is not in resources/protocols"
        )
    for i, segment in enumerate(prescription["segments"]):
        protocol = protocol.with_segment(
            i, dose=segment["dose"], duration_min=segment["duration_min"]
        )
    patient = Patient(
        weight_kg=prescription["weight_kg"],
        patient_id=prescription.get("patient_id", ""),
        height_cm=prescription.get("height_cm"),
        sex=Sex(prescription["sex"]) if prescription.get("sex") else None,
        basis=WeightBasis(prescription.get("basis", "actual")),
    )
    # bag_volume_ml: absent in recordings made before the bag was asked.
    bag_volume_ml = prescription.get("bag_volume_ml")
    # type() rather than isinstance: True is not a volume; the chained test refuses nan and inf.
    if bag_volume_ml is not None and not (
        type(bag_volume_ml) in (int, float) and 0 < bag_volume_ml < float("inf")
    ):
        raise RebuildError(f"prescription: bag_volume_ml {bag_volume_ml!r} is not a volume in mL")
    return make_plan(
        protocol,
        patient,
        prescription["concentration_mg_per_ml"],
        bag_volume_ml,
    )


def is_command(event: SessionEvent) -> bool:
    return event.kind.startswith(COMMAND_PREFIX)


def has_command_records(stream: Iterable[Sample | SessionEvent]) -> bool:
    """Recorded by a ketamon that writes commands (every such session starts with one)."""
    return any(isinstance(item, SessionEvent) and is_command(item) for item in stream)


def apply_command(session: Session, event: SessionEvent, protocols: list[Protocol]) -> None:
    """Re-issue one recorded command (`command.<name>`) at its time, with its arguments.

    Raises CommandError when the session refuses it (as it was refused live).
    """
    t, a = event.t_s, event.data
    name = event.kind.removeprefix(COMMAND_PREFIX)
    if name == "setup":
        plan = plan_from_prescription(a["prescription"], protocols)
        acked = {(key, value) for key, value in a.get("acknowledged", [])}
        findings = check_limits(plan, session.library)
        session.configure(plan, [f for f in findings if (f.key, f.value) in acked], t)
    elif name == "enter_baseline":
        baseline = Baseline(a["sbp"], a["dbp"], a.get("hr"), None, a.get("source", "entered"))
        session.enter_baseline(t, baseline)
    elif name == "enter_bp":
        session.enter_bp(t, ManualBp.from_args(a, t))
    elif name == "start":
        session.start(
            t,
            review_acknowledged=bool(a.get("review_acknowledged")),
            # None: recorded before reasons were asked (such a start needed none).
            override_reason=a.get("override_reason"),
            checklist=tuple(a.get("checklist") or ()),
        )
    elif name == "pause":
        session.pause(t, a.get("reason", ""))
    elif name == "resume":
        session.resume(t)
    elif name == "stop":
        session.stop(t, a.get("reason", ""))
    elif name == "discharge":
        session.discharge(t, a.get("checklist", ""), a.get("early_reason", ""))
    elif name == "confirm_pump":
        session.confirm_pump(t)
    elif name == "moaas":
        session.record_sedation(t, a.get("score"))
    elif name == "acknowledge":
        session.acknowledge_alarms(t)
    elif name == "pause_audio":
        session.pause_audio(t)
    elif name == "annotate":
        session.annotate(t, a.get("text", ""), a.get("data"))
    elif name == "retract_note":
        session.retract_note(t, float(a.get("note_t_s", -1.0)))
    elif name == "score":
        session.record_score(t, a.get("scale"), a.get("value"), a.get("entered_wall_s"))
    elif name == "instructor":
        session.instructor(t, a.get("kind", ""), a.get("text", ""), a.get("data"))
    else:
        log.warning("at %.0f s: unknown recorded command %r left out", t, event.kind)


def replay(
    session: Session,
    stream: Iterable[Sample | SessionEvent],
    protocols: list[Protocol],
    until_s: float | None = None,
    baseline_from_events: bool = False,
) -> None:
    """Drive `session` (no source of its own) through recorded samples and commands, in order.

    Consecutive samples of one time form one batch, as a source delivers them.
    `baseline_from_events`: take the measured baseline from its recorded event
    (when the samples it was measured from are not part of the stream).
    A command refused live is recorded too, and is refused again here.
    """
    stream = list(stream)
    if not has_command_records(stream):
        _legacy_replay(session, stream, protocols, until_s, baseline_from_events)
        return
    # What arrives at one time before any command (samples, equipment reports) is
    # delivered together, where live a source's poll would deliver it.
    arriving: list[Sample | SessionEvent] = []
    # The samples a re-issued command made itself (a manual BP): recorded after it,
    # they are not delivered a second time.
    made: list[Sample] = []
    # Which device each vital's samples are from, as the recording said on each hand-over
    # (none for a simulator or an older recording: the session's default name).
    labels: dict[Vital, str] = {}

    def ingest(batch: list[Sample]) -> None:
        """One call per source, as each device's thread delivered its own batch live."""
        groups: dict[str | None, list[Sample]] = {}
        for sample in batch:
            groups.setdefault(labels.get(sample.vital), []).append(sample)
        for label, group in groups.items():
            session.ingest(group, label)

    def deliver() -> None:
        batch: list[Sample] = []
        for item in arriving:
            if isinstance(item, Sample):
                batch.append(item)
                continue
            d = item.data
            if item.kind == VITALS_SOURCE:
                if batch:
                    ingest(batch)
                    batch = []
                try:
                    labels.update({Vital(v): str(d["source"]) for v in d["vitals"]})
                except (KeyError, TypeError, ValueError) as exc:
                    raise _damaged(item, exc) from exc
                continue
            if item.kind == "artefact.rejected":
                try:  # delivered with its batch, and rejected again as live
                    values = d["values"].items()
                    batch += [Sample(item.t_s, Vital(k), float(v)) for k, v in values]
                except (KeyError, TypeError, ValueError, AttributeError) as exc:
                    raise _damaged(item, exc) from exc
                continue
            if batch:
                ingest(batch)
                batch = []
            try:
                if item.kind == "technical.artefacts":
                    session.report_artefacts(item.t_s, int(d["frames"]))
                else:
                    condition, present = d["condition"], bool(d["present"])
                    session.report_technical(item.t_s, condition, present, item.message)
            except (KeyError, TypeError, ValueError, AttributeError) as exc:
                raise _damaged(item, exc) from exc
        if batch:
            ingest(batch)
        arriving.clear()

    def flush() -> None:
        if arriving:
            session.advance_to(max(arriving[0].t_s, session.t_s), deliver)

    for item in stream:
        if until_s is not None and item.t_s > until_s:
            break
        if made and _made_by_command(item, made):
            continue
        is_input = isinstance(item, Sample) or item.kind in INPUTS
        if is_input:
            if arriving and item.t_s != arriving[0].t_s:
                flush()
            arriving.append(item)
            continue
        command = is_command(item)
        measured = baseline_from_events and item.kind == "baseline.measured"
        if not (command or measured or item.kind == SESSION_RESUMED):
            continue
        flush()
        session.advance_to(max(item.t_s, session.t_s))
        made.clear()
        if item.kind == COMMAND_PREFIX + "enter_bp":
            made += _entered_samples(item)
        try:
            if item.kind == SESSION_RESUMED:
                d = item.data
                down = float(d["down_from_s"]), float(d["down_to_s"])
                session.resume_after_downtime(*down, str(d.get("gap", "")))
            elif measured:
                _enter_measured_baseline(session, item)
            else:
                apply_command(session, item, protocols)
        except CommandError as exc:
            log.debug("%s at %.0f s refused again: %s", item.kind, item.t_s, exc)
        except (KeyError, TypeError, ValueError, AttributeError) as exc:
            raise _damaged(item, exc) from exc
    flush()
    if until_s is not None:
        session.advance_to(max(until_s, session.t_s))


def _made_by_command(item: Sample | SessionEvent, made: list[Sample]) -> bool:
    """`item` is one of `made` (a sample, or the artefact rejection of some): forget it."""
    if isinstance(item, Sample):
        parts = [item]
    elif item.kind == "artefact.rejected" and isinstance(item.data.get("values"), dict):
        try:
            parts = [Sample(item.t_s, Vital(k), float(v)) for k, v in item.data["values"].items()]
        except (TypeError, ValueError):
            return False
    else:
        return False
    if not all(part in made for part in parts):
        return False
    for part in parts:
        made.remove(part)
    return True


def _entered_samples(event: SessionEvent) -> list[Sample]:
    """The samples an `enter_bp` record made (none if its arguments are damaged)."""
    try:
        return ManualBp.from_args(event.data, event.t_s).samples()
    except (KeyError, TypeError, ValueError):
        return []


def _damaged(item: SessionEvent, exc: Exception) -> RebuildError:
    """A damaged or foreign recording: a record lacks or mistypes a field."""
    return RebuildError(
        f"at {item.t_s:.0f} s, {item.kind}: the recorded command is damaged "
        f"({type(exc).__name__}: {exc})"
    )


def _enter_measured_baseline(session: Session, event: SessionEvent) -> None:
    # Straight to the state, not through the nurse's command: nobody typed it.
    session.baseline = recorded_baseline(event)


# ---- LEGACY: recordings without command records (schema 1) -------------------------------

LEGACY_COMMANDS = {
    "setup.confirmed",
    "baseline.entered",
    "infusion.started",
    "infusion.paused",
    "infusion.resumed",
    "infusion.stopped_early",
    "infusion.discharged",
    "alarm.acknowledged",
    "alarm.audio_paused",
    "annotation",
    "technical.report",
}


def _legacy_replay(
    session: Session,
    stream: list[Sample | SessionEvent],
    protocols: list[Protocol],
    until_s: float | None,
    baseline_from_events: bool,
) -> None:
    """LEGACY inference of commands from their effects (recordings before command records)."""
    log.warning(
        "this recording has no command records (older ketamon): nurse commands are inferred "
        "from their effects; an acknowledge of an ended alarm may be missing"
    )
    wanted = LEGACY_COMMANDS | ({"baseline.measured"} if baseline_from_events else set())
    batch: list[Sample] = []
    last_ack_t: float | None = None

    def flush() -> None:
        if batch:
            session.advance_to(max(batch[0].t_s, session.t_s))
            session.ingest(list(batch))
            batch.clear()

    for item in stream:
        if until_s is not None and item.t_s > until_s:
            break
        if isinstance(item, Sample):
            if batch and item.t_s != batch[0].t_s:
                flush()
            batch.append(item)
            continue
        if item.kind not in wanted:
            continue
        flush()
        if item.kind == "alarm.acknowledged":
            if item.t_s == last_ack_t:
                continue  # one press acknowledges several alarms: one command
            last_ack_t = item.t_s
        session.advance_to(max(item.t_s, session.t_s))
        try:
            _legacy_apply(session, item, protocols)
        except CommandError as exc:
            raise RebuildError(f"at {item.t_s:.0f} s, {item.kind}: {exc}") from exc
        except (KeyError, TypeError, ValueError, AttributeError) as exc:
            # A damaged or foreign recording: its command data lacks or mistypes a field.
            raise RebuildError(
                f"at {item.t_s:.0f} s, {item.kind}: the recorded command is damaged "
                f"({type(exc).__name__}: {exc})"
            ) from exc
    flush()
    if until_s is not None:
        session.advance_to(max(until_s, session.t_s))


def _legacy_apply(session: Session, event: SessionEvent, protocols: list[Protocol]) -> None:
    t, kind, data = event.t_s, event.kind, event.data
    if kind == "setup.confirmed":
        plan = plan_from_prescription(data["prescription"], protocols)
        session.configure(plan, check_limits(plan, session.library), t)
    elif kind == "baseline.measured":
        _enter_measured_baseline(session, event)
    elif kind == "baseline.entered":
        session.enter_baseline(t, Baseline(data["sbp"], data["dbp"], data.get("hr"), None))
    elif kind == "infusion.started":
        session.start(t, review_acknowledged=True, override_reason=None)
    elif kind == "infusion.paused":
        session.pause(t, event.message)
    elif kind == "infusion.resumed":
        session.resume(t)
    elif kind == "infusion.stopped_early":
        session.stop(t, event.message)
    elif kind == "infusion.discharged":
        session.discharge(t, event.message)
    elif kind == "alarm.acknowledged":
        session.acknowledge_alarms(t)
    elif kind == "alarm.audio_paused":
        session.pause_audio(t)
    elif kind == "annotation":
        session.annotate(t, event.message, data)
    elif kind == "technical.report":
        session.report_technical(t, data["condition"], data["present"], event.message)
