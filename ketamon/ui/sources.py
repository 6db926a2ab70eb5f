"""Which source feeds new sessions: the simulator or a monitor on a serial port."""

from __future__ import annotations

from pathlib import Path

from ketamon.core.scenario import Scenario
from ketamon.core.session import Session
from ketamon.core.simulation import scenario_session, simulated_session
from ketamon.io.device import PortSettings
from ketamon.io.net.bedside_links import NetPlan, start_links
from ketamon.io.session_recorder import SessionRecorder
from ketamon.resources_loading import ClinicalResources
from ketamon.ui.clock import SessionClock
from ketamon.ui.device_link import DeviceLink
from ketamon.ui.session_model import SessionModel


class Sources:
    """Makes a SessionModel for the chosen source; `port` None means the simulator."""

    def __init__(
        self,
        resources: ClinicalResources,
        port: PortSettings | None,
        seed: int = 1,
        speed: float = 1.0,
        data_dir: Path | None = None,
        scenario: Scenario | None = None,
        net: NetPlan | None = None,
    ):
        """`data_dir` None: sessions are not recorded (tests of widgets only)."""
        self.resources = resources
        self.port = port
        self.seed = seed
        self.speed = speed
        self.data_dir = data_dir
        self.scenario = scenario
        self.net = net or NetPlan()

    def new_model(self) -> SessionModel:
        r = self.resources
        if self.scenario is not None:
            session = scenario_session(r.library, self.scenario, r.alarm_profile)
        elif self.port is None:
            session = simulated_session(r.library, self.seed, alarm_profile=r.alarm_profile)
        else:
            session = Session(r.library, simulated=False, alarm_profile=r.alarm_profile)
        return self.model_for(session)

    def model_for(self, session: Session, resume_path: Path | None = None) -> SessionModel:
        """Wrap `session` (new, or rebuilt after a crash) with clock, device and recorder."""
        # A real monitor runs on live time only.
        speed = self.speed if session.simulated else 1.0
        model = SessionModel(session, SessionClock(session, speed=speed))
        if self.data_dir is not None:  # first: a refused resume must leave no device thread
            model.recorder = SessionRecorder(
                session, self.data_dir, self.recording_meta(), resume_path=resume_path
            )
            model.links = start_links(session, self.net, self.data_dir)  # MQTT / HL7
        if self.port is not None and not session.simulated:
            model.device = DeviceLink(self.port, model)
            model.device.start()
        return model

    def recording_meta(self) -> dict:
        r = self.resources
        if self.scenario is not None:
            sc = self.scenario
            source = {
                "kind": "simulator",
                "seed": sc.seed,
                "scenario": sc.id,
                "scenario_file": str(sc.path),
            }
        elif self.port is None:
            source = {"kind": "simulator", "seed": self.seed}
        else:
            p = self.port
            source = {
                "kind": "device",
                "port": p.port,
                "protocol": p.protocol,
                "baud": p.baud,
                "parity": p.parity,
            }
        return {"source": source, "alarm_profile": r.alarm_profile.name, "speed": self.speed}

    def label(self) -> str:
        if self.scenario is not None:
            return f"Source: training scenario '{self.scenario.name}'"
        if self.port is None:
            return f"Source: simulator (seed {self.seed})"
        return f"Device {self.port.port} ({self.port.protocol})"
