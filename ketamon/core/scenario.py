"""Training scenarios: a virtual patient and timed events, from TOML (CLINICAL.md §7).

An event starts at a time after the infusion starts (`at_min`) or at a protocol
mark (`at_phase` = start, end_of_infusion, discharge_ready, plus `offset_min`);
it changes a vital (`change` added, or `value` fixed) with a linear `ramp_min`,
or switches an equipment fault on (probe_off, cuff_failure, cable_unplugged,
artefact), for `duration_min` (or to the end). `expected_alarms` lists the alarm
ids the scenario must raise, exactly: tests run every bundled scenario.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from ketamon.core.config import ConfigError, Fields, load_toml
from ketamon.core.session import Session
from ketamon.core.simulator import PatientProfile, SimulatedMonitor
from ketamon.core.vitals import Sample, Vital

EQUIPMENT = ("probe_off", "cuff_failure", "cable_unplugged", "artefact")
PHASE_MARKS = ("start", "end_of_infusion", "discharge_ready")
EVENT_VITALS = {v.value: v for v in (Vital.HR, Vital.SPO2, Vital.RR, Vital.SBP, Vital.DBP)}


@dataclass(frozen=True)
class ScenarioEvent:
    """One scripted change; times in minutes."""

    name: str
    at_phase: str  # a PHASE_MARKS entry ('start' for at_min)
    offset_min: float
    vital: Vital | None = None
    change: float | None = None
    value: float | None = None
    equipment: str | None = None
    ramp_min: float = 0.0
    duration_min: float | None = None


@dataclass(frozen=True)
class Scenario:
    """A named training case: who the patient is, what happens, which alarms must follow."""

    id: str
    name: str
    description: str
    seed: int
    patient: PatientProfile
    events: tuple[ScenarioEvent, ...]
    expected_alarms: frozenset[str]
    path: Path | None = None


def load_scenario(path: Path) -> Scenario:
    data, text = load_toml(path)
    top = Fields(data, str(path), text)
    p = top.table("patient", default={})
    defaults = PatientProfile()
    patient = PatientProfile(
        weight_kg=p.number("weight_kg", defaults.weight_kg, low=30, high=250),
        age_y=p.number("age_y", defaults.age_y, low=18, high=100),
        hr_bpm=p.number("hr_bpm", defaults.hr_bpm, low=30, high=150),
        sbp_mmhg=p.number("sbp_mmhg", defaults.sbp_mmhg, low=70, high=220),
        dbp_mmhg=p.number("dbp_mmhg", defaults.dbp_mmhg, low=40, high=130),
        spo2_pct=p.number("spo2_pct", defaults.spo2_pct, low=70, high=100),
        rr_per_min=p.number("rr_per_min", defaults.rr_per_min, low=4, high=40),
        response_scale=p.number("response_scale", 1.0, low=0, high=10),
    )
    p.finish()
    events = tuple(_event(f) for f in top.tables("events")) if top.has("events") else ()
    expected = top.raw("expected_alarms", [])
    if not isinstance(expected, list) or not all(isinstance(a, str) for a in expected):
        raise top.error("expected_alarms", "must be a list of alarm ids (texts)")
    scenario = Scenario(
        id=top.text("id"),
        name=top.text("name"),
        description=top.text("description", ""),
        seed=int(top.number("seed", 1, low=0, high=2**32 - 1, integer=True)),
        patient=patient,
        events=events,
        expected_alarms=frozenset(expected),
        path=path,
    )
    top.finish()
    return scenario


def _event(f: Fields) -> ScenarioEvent:
    has_time, has_phase = f.has("at_min"), f.has("at_phase")
    if has_time == has_phase:
        raise f.error("at_min", "give exactly one of at_min or at_phase")
    if has_time:
        at_phase, offset = "start", f.number("at_min", low=0, high=24 * 60)
    else:
        at_phase = f.text("at_phase", choices=PHASE_MARKS)
        offset = f.number("offset_min", 0.0, low=0, high=24 * 60)
    kinds = [k for k in ("change", "value", "equipment") if f.has(k)]
    if len(kinds) != 1:
        raise f.error("change", "give exactly one of change, value or equipment")
    vital = None
    if kinds[0] in ("change", "value"):
        vital = EVENT_VITALS[f.text("vital", choices=tuple(EVENT_VITALS))]
    duration = f.number("duration_min", None, positive=True)
    event = ScenarioEvent(
        name=f.text("name"),
        at_phase=at_phase,
        offset_min=offset,
        vital=vital,
        change=f.number("change", None) if kinds[0] == "change" else None,
        value=f.number("value", None) if kinds[0] == "value" else None,
        equipment=f.text("equipment", choices=EQUIPMENT) if kinds[0] == "equipment" else None,
        ramp_min=f.number("ramp_min", 0.0, low=0, high=120),
        duration_min=duration,
    )
    f.finish()
    return event


def load_scenarios(directory: Path) -> dict[str, Scenario]:
    scenarios = {}
    for path in sorted(directory.glob("*.toml")):
        scenario = load_scenario(path)
        if scenario.id in scenarios:
            raise ConfigError(str(path), "id", f"'{scenario.id}' is used by another scenario")
        scenarios[scenario.id] = scenario
    return scenarios


def find_scenario(name_or_path: str, directory: Path) -> Scenario:
    """A bundled scenario by id, or a scenario file by path."""
    path = Path(name_or_path)
    if path.suffix == ".toml" or path.exists():
        return load_scenario(path)
    scenarios = load_scenarios(directory)
    if name_or_path not in scenarios:
        known = ", ".join(sorted(scenarios))
        raise ConfigError(name_or_path, "", f"no such scenario (bundled: {known})")
    return scenarios[name_or_path]


@dataclass
class InstructorInput:
    """What the instructor sets live: offsets per vital, and faults switched on by hand."""

    offsets: dict[Vital, float] = field(default_factory=dict)
    equipment: set[str] = field(default_factory=set)


class ScriptedMonitor:
    """The simulated monitor with a scenario (and the instructor) acting on it.

    Before each poll, the scenario's events and the instructor's input are turned
    into the monitor's overrides and faults, so a change reaches the next sample.
    """

    def __init__(self, monitor: SimulatedMonitor, scenario: Scenario, session: Session):
        self.monitor = monitor
        self.scenario = scenario
        self.session = session
        self.instructor = InstructorInput()

    def request_nibp(self, t_s: float) -> None:
        self.monitor.request_nibp(t_s)

    def instruct(self, kind: str, data: dict) -> None:
        """An instructor command's effect: an offset (data "vital", "offset" in the vital's
        unit; 0 clears it) or a fault switched on or off (data "fault", "on")."""
        if kind == "override":
            vital = Vital(data["vital"])
            offset = float(data["offset"])
            if offset:
                self.instructor.offsets[vital] = offset
            else:
                self.instructor.offsets.pop(vital, None)
        elif kind == "fault":
            if data["on"]:
                self.instructor.equipment.add(str(data["fault"]))
            else:
                self.instructor.equipment.discard(str(data["fault"]))

    def technical_state(self) -> dict[str, bool]:
        return self.monitor.technical_state()

    def poll(self, t_s: float) -> list[Sample]:
        self.apply(t_s)
        return self.monitor.poll(t_s)

    def event_start_s(self, event: ScenarioEvent) -> float | None:
        """Session time the event starts, once its protocol mark is known."""
        infusion = self.session.infusion
        if infusion is None:
            return None
        mark = {
            "start": infusion.started_s(),
            "end_of_infusion": infusion.infusion_end_s(),
            "discharge_ready": infusion.observation_end_s(),
        }[event.at_phase]
        return None if mark is None else mark + event.offset_min * 60.0

    def level(self, event: ScenarioEvent, t_s: float) -> float:
        """How much of the event acts at t: 0 before, ramping to 1, 0 after its duration."""
        start = self.event_start_s(event)
        if start is None or t_s < start:
            return 0.0
        if event.duration_min is not None and t_s >= start + event.duration_min * 60.0:
            return 0.0
        if event.ramp_min <= 0:
            return 1.0
        return min(1.0, (t_s - start) / (event.ramp_min * 60.0))

    def apply(self, t_s: float) -> None:
        offsets = dict(self.instructor.offsets)
        fixed: dict[Vital, float] = {}
        equipment = set(self.instructor.equipment)
        for event in self.scenario.events:
            level = self.level(event, t_s)
            if level <= 0:
                continue
            if event.equipment:
                equipment.add(event.equipment)
            elif event.change is not None:
                offsets[event.vital] = offsets.get(event.vital, 0.0) + event.change * level
            elif event.value is not None:
                fixed[event.vital] = event.value
        self.monitor.overrides.offset = offsets
        self.monitor.overrides.fixed = fixed
        self.monitor.connected = "cable_unplugged" not in equipment
        self.monitor.probe_off = "probe_off" in equipment
        self.monitor.cuff_failure = "cuff_failure" in equipment
        self.monitor.artefact = "artefact" in equipment

    def schedule(self, t_s: float) -> list[tuple[ScenarioEvent, float | None, str]]:
        """Each event with its start time and state (pending, active, done): the countdown."""
        out = []
        for event in self.scenario.events:
            start = self.event_start_s(event)
            if start is None or t_s < start:
                state = "pending"
            elif self.level(event, t_s) > 0 or (event.duration_min is None):
                state = "active"
            else:
                state = "done"
            out.append((event, start, state))
        return out
