"""Rebuilding a session from what was recorded: the samples, and the nurse's commands.

Automatic things (segment ends, observation, alarms) are not copied: they are
recomputed by the same core and alarm profile as live, from the recorded
samples and commands at their recorded times. Review, resume and replay all
use this.
"""

from __future__ import annotations

from collections.abc import Iterable

from ketamon.core.baseline import Baseline
from ketamon.core.dosing import Patient, Sex, WeightBasis, check_limits, make_plan
from ketamon.core.infusion import CommandError
from ketamon.core.protocol import Protocol
from ketamon.core.session import Session, SessionEvent
from ketamon.core.vitals import Sample

COMMANDS = {
    "setup.confirmed",
    "baseline.entered",
    "baseline.review_acknowledged",
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


def apply_command(session: Session, event: SessionEvent, protocols: list[Protocol]) -> None:
    """Re-issue one recorded nurse command at its time."""
    t, kind, data = event.t_s, event.kind, event.data
    if kind == "setup.confirmed":
        plan = plan_from_prescription(data["prescription"], protocols)
        # Soft limits were acknowledged then (their events follow in the recording).
        session.configure(plan, check_limits(plan, session.library), t)
    elif kind in ("baseline.entered", "baseline.measured"):
        # baseline.measured is only passed when the samples it came from are not replayed.
        source = "entered" if kind == "baseline.entered" else "measured"
        session.enter_baseline(t, Baseline(data["sbp"], data["dbp"], data.get("hr"), None, source))
    elif kind == "infusion.started":
        session.start(t, review_acknowledged=True)
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
    """
    wanted = COMMANDS | ({"baseline.measured"} if baseline_from_events else set())
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
            apply_command(session, item, protocols)
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
