"""Values the session publishes: its events, its snapshots, and what a polled source is."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Protocol as TypingProtocol
from typing import runtime_checkable

from ketamon.core.alarm_profile import Priority
from ketamon.core.alarms import Alarm
from ketamon.core.baseline import Baseline
from ketamon.core.infusion import InfusionStatus, Phase
from ketamon.core.vitals import NibpReading, Sample, Vital
from ketamon.core.workflow import PumpHandoff


class PolledSource(TypingProtocol):
    """A source the session pulls from every step (the simulator, an emulator's patient)."""

    def poll(self, t_s: float) -> list[Sample]:
        """The samples measured up to session time `t_s` (s) since the last poll."""
        ...

    def technical_state(self) -> dict[str, bool]:
        """Equipment conditions now ("source_lost", "sensor_off", ...): present or not."""
        ...


@runtime_checkable
class CuffControl(TypingProtocol):
    """A polled source whose cuff the session can start (the simulator's NIBP program)."""

    def request_nibp(self, t_s: float) -> None:
        """Start a cuff measurement at session time `t_s` (s)."""
        ...


@runtime_checkable
class InstructorControl(TypingProtocol):
    """A source an instructor acts on (the training simulator): an `instructor` command's
    `kind` ("override", "fault") and `data` take effect through `instruct`."""

    def instruct(self, kind: str, data: dict) -> None: ...


@dataclass(frozen=True)
class SessionEvent:
    """Anything that happened, at session time `t_s`: `kind` like 'infusion.started'."""

    t_s: float
    kind: str
    message: str = ""
    data: dict = field(default_factory=dict)


@dataclass(frozen=True)
class Snapshot:
    """What the dashboard shows at `t_s`: infusion status, latest vitals, baseline, NIBP timing."""

    t_s: float
    phase: Phase
    status: InfusionStatus | None
    latest: dict[Vital, Sample]
    baseline: Baseline | None
    nibp_due_s: float | None
    nibp_stale: bool
    alarms: tuple[Alarm, ...] = ()  # copies, most urgent first
    alarms_armed: bool = False
    alarm_profile: str | None = None  # None: this session has no alarm engine
    audio_priority: Priority | None = None
    audio_pause_left_s: float | None = None
    # The profile's numbers widgets show (None: no alarm engine, nothing judged):
    no_data_s: float | None = None  # continuous data older than this is 'no data'
    audio_pause_s: float | None = None  # how long 'Pause audio' silences
    pump_handoff: PumpHandoff | None = None  # a pump change waiting for the nurse (§8)
    repeat_bp_due_s: float | None = None  # a BP alarm wants a repeat reading by then
    paused_since_s: float | None = None  # the infusion is paused since then
    moaas: int | None = None  # the latest MOAA/S sedation score (§10)
    # Pre-start cuff readings after a typed baseline, shown beside it (§11).
    readings_after_baseline: tuple[NibpReading, ...] = ()
    sources: dict[Vital, str] = field(default_factory=dict)  # where each latest value came from
    nibp_prompt: str | None = None  # "BP due now: take and enter" when no source measures it
    # The model's predicted plasma concentration (ng/mL; not measured) and the model's name:
    predicted_cp_ng_per_ml: float | None = None
    pk_model: str | None = None
