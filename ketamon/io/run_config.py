"""One typed run configuration, and the one session factory built from it.

The GUI (ui/sources.py), `--headless`, review and the benches all make their
sessions here, so a simulator, a training scenario or a monitor on a serial port
gives the same session and the same recording metadata whichever front end asked.
`cli.py` turns command-line arguments into a RunConfig; nothing below it sees them.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from enum import StrEnum
from pathlib import Path
from typing import TYPE_CHECKING

from ketamon.core.artefact import ArtefactRules
from ketamon.core.baseline import Baseline
from ketamon.core.config import ConfigError
from ketamon.core.protocol import Protocol, load_protocol
from ketamon.core.session import Session
from ketamon.core.simulation import autostart_demo, demo_plan, scenario_session, simulated_session
from ketamon.core.simulator import PatientProfile
from ketamon.resources_loading import ClinicalResources

if TYPE_CHECKING:
    from ketamon.core.scenario import Scenario
    from ketamon.io.device import PortSettings
    from ketamon.io.net.net_config import NetPlan

# The serial port code, the protocol parsers and the network settings are imported where
# a monitor or a link is used: the simulator's first frame needs none (bench/startup.py).


class SourceKind(StrEnum):
    """Where the vital signs come from."""

    SIMULATOR = "simulator"
    SCENARIO = "scenario"
    DEVICES = "devices"


@dataclass(frozen=True)
class RunConfig:
    """What to run: the source, protocol, patient, speed and where recordings go.

    `speed`: session seconds per wall second, None = as fast as possible (headless).
    `weight_kg`: the demo patient's weight (a scenario brings its own).
    `patient`: a simulated patient profile instead of the one `seed` picks.
    `protocol_id`: None = the clinic's first protocol; `protocol_file`: a protocol TOML
    outside resources/protocols instead (`--infusion-protocol ID|FILE`). `data_dir` None:
    not recorded.
    `devices`: the monitors, in priority order (each vital from the first that supplies
    it, core/source_choice.py); `port` is the one-device form, the same as `devices=(port,)`.
    """

    source: SourceKind = SourceKind.SIMULATOR
    seed: int = 1
    scenario: Scenario | None = None
    port: PortSettings | None = None
    devices: tuple[PortSettings, ...] = ()
    protocol_id: str | None = None
    protocol_file: Path | None = None
    weight_kg: float = 70.0
    patient: PatientProfile | None = None
    speed: float | None = 1.0
    data_dir: Path | None = None
    # A device run's entered resting baseline (SBP, DBP mmHg, HR bpm or None): the
    # session starts and arms at once instead of waiting for the baseline readings.
    baseline: tuple[float, float, float | None] | None = None
    # Links the session to the patient's treatment course (setup, --patient-id).
    patient_id: str = "DEMO"
    # Where the bed's data goes beyond the laptop (--mqtt, --hl7-mllp): nowhere by default.
    net: NetPlan | None = None  # MQTT / HL7 targets (None: this bedside sends nothing)

    def __post_init__(self) -> None:
        # One list of devices whichever form was used; `port` stays the first of them.
        devices = tuple(self.devices)
        if self.port is not None and not devices:
            devices = (self.port,)
        elif self.port is not None and devices[0] != self.port:
            raise ValueError("give either port or devices")
        object.__setattr__(self, "devices", devices)
        object.__setattr__(self, "port", devices[0] if devices else None)
        if (self.source is SourceKind.SCENARIO) != (self.scenario is not None):
            raise ValueError("a scenario run needs its scenario, and only it has one")
        if (self.source is SourceKind.DEVICES) != bool(self.devices):
            raise ValueError("a device run needs its port settings, and only it has them")
        if self.protocol_id is not None and self.protocol_file is not None:
            raise ValueError("a protocol by id or from a file, not both")
        ports = [d.port for d in self.devices]
        if len(set(ports)) != len(ports):
            raise ValueError("a port is listed twice")

    @property
    def simulated(self) -> bool:
        return self.source is not SourceKind.DEVICES

    @property
    def patient_weight_kg(self) -> float:
        return self.scenario.patient.weight_kg if self.scenario is not None else self.weight_kg

    def with_port(self, port: PortSettings | None) -> RunConfig:
        """The same run on another source: a monitor port, or None for the simulator."""
        return self.with_devices(() if port is None else (port,))

    def with_devices(self, devices: tuple[PortSettings, ...] | list[PortSettings]) -> RunConfig:
        """The same run on these monitors, in priority order (none: the simulator)."""
        devices = tuple(devices)
        if not devices:
            return replace(self, source=SourceKind.SIMULATOR, port=None, devices=(), scenario=None)
        return replace(self, source=SourceKind.DEVICES, port=None, devices=devices, scenario=None)


def with_chosen_protocol(config: RunConfig, resources: ClinicalResources) -> ClinicalResources:
    """`resources` with the run's protocol first (the default the setup dialog and autostart
    offer); a protocol file joins the list. Raises ConfigError naming the id or file."""
    if config.protocol_file is not None:
        chosen = load_protocol(config.protocol_file)
        if any(p.id == chosen.id for p in resources.protocols):
            raise ConfigError(
                str(config.protocol_file), "id", f"'{chosen.id}' is already a bundled protocol"
            )
    elif config.protocol_id is not None:
        found = [p for p in resources.protocols if p.id == config.protocol_id]
        if not found:
            ids = ", ".join(p.id for p in resources.protocols)
            raise ConfigError(
                "--infusion-protocol", "", f"no protocol '{config.protocol_id}' (one of {ids})"
            )
        chosen = found[0]
    else:
        return resources
    others = [p for p in resources.protocols if p.id != chosen.id]
    return replace(resources, protocols=[chosen, *others])


def protocol_for(config: RunConfig, resources: ClinicalResources) -> Protocol:
    if config.protocol_id is None:
        return resources.protocols[0]
    for protocol in resources.protocols:
        if protocol.id == config.protocol_id:
            return protocol
    raise ValueError(f"no protocol '{config.protocol_id}' in resources/protocols")


def make_session(config: RunConfig, resources: ClinicalResources) -> Session:
    """A new session fed by the configured source (a device session is fed by its thread)."""
    r = resources
    if config.source is SourceKind.SCENARIO:
        assert config.scenario is not None
        return scenario_session(r.library, config.scenario, r.alarm_profile, r.course)
    if config.source is SourceKind.SIMULATOR:
        return simulated_session(
            r.library,
            config.seed,
            profile=config.patient,
            alarm_profile=r.alarm_profile,
            course=r.course,
        )
    session = Session(r.library, simulated=False, alarm_profile=r.alarm_profile, course=r.course)
    session.nibp_supplied = supplies_nibp(config.devices)
    return session


def supplies_nibp(devices: tuple[PortSettings, ...]) -> bool:
    """Some device measures the cuff by itself (else a due NIBP is the nurse's to enter)."""
    from ketamon.io.parsers import make_parser

    return any(make_parser(d.protocol).supplies_nibp for d in devices)


def rebuilt_session(
    resources: ClinicalResources,
    simulated: bool,
    judge_silence: bool = True,
    artefact_rules: ArtefactRules | None = None,
    meta: dict | None = None,
) -> Session:
    """A session with no source of its own, driven by a rebuild (review, replay, resume).

    `artefact_rules`: None, the rules a live session uses (so a rebuild judges as live).
    `meta`: the recording's; its samples are named by its device, if it had one.
    """
    session = Session(
        resources.library,
        simulated=simulated,
        alarm_profile=resources.alarm_profile,
        timed_technical_alarms=judge_silence,
        artefact_rules=artefact_rules,
        course=resources.course,
    )
    name = recorded_device_name(meta or {})
    if name is not None:
        session.default_source = name
    return session


def recorded_device_name(meta: dict) -> str | None:
    """The one device a recording's samples came from ("GE S/5 on ttyUSB1"); None for a
    simulator, an older recording, or several devices (whose samples it does not tell apart)."""
    source = meta.get("source")
    if not isinstance(source, dict) or source.get("kind") != "device":
        return None
    devices = source.get("devices")
    if isinstance(devices, list) and len(devices) != 1:
        return None
    name = source.get("name")
    return name if isinstance(name, str) and name else None


def autostart(session: Session, config: RunConfig, resources: ClinicalResources) -> None:
    """Demos and checks: set up the DEMO patient; a simulator also takes its baseline and starts.

    A real monitor's baseline takes real time: the caller starts once it is in.
    """
    protocol = protocol_for(config, resources)
    if session.simulated:
        autostart_demo(session, protocol, config.patient_weight_kg, config.patient_id)
        return
    plan = demo_plan(protocol, config.patient_weight_kg, config.patient_id)
    session.configure(plan, [], session.t_s)
    if config.baseline is not None:
        sbp, dbp, hr = config.baseline
        session.enter_baseline(session.t_s, Baseline(sbp, dbp, hr, None, "entered"))


def recording_meta(config: RunConfig, resources: ClinicalResources, **extra) -> dict:
    """What a recording says about where its data came from."""
    if config.scenario is not None:
        sc = config.scenario
        source = {
            "kind": "simulator",
            "seed": sc.seed,
            "scenario": sc.id,
            "scenario_file": str(sc.path),
        }
    elif config.port is None:
        source = {"kind": "simulator", "seed": config.seed}
    else:
        from ketamon.io.device import device_name

        devices = [
            {
                "name": device_name(p),
                "port": p.port,
                "protocol": p.protocol,
                "baud": p.baud,
                "parity": p.parity,
            }
            for p in config.devices
        ]
        # The first device's fields at the top level too (readers of one-device recordings).
        source = {"kind": "device"} | devices[0] | {"devices": devices}
    meta = {"source": source, "alarm_profile": resources.alarm_profile.name}
    if config.speed is not None:
        meta["speed"] = config.speed
    return meta | extra


def source_label(config: RunConfig) -> str:
    if config.scenario is not None:
        return f"Source: training scenario '{config.scenario.name}'"
    if config.port is None:
        return f"Source: simulator (seed {config.seed})"
    shown = ", ".join(f"{p.port} ({p.protocol})" for p in config.devices)
    return ("Device " if len(config.devices) == 1 else "Devices ") + shown
