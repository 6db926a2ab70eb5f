"""Which source feeds new sessions: the simulator or a monitor on a serial port."""

from __future__ import annotations

from ketamon.core.session import Session
from ketamon.core.simulation import simulated_session
from ketamon.io.device import PortSettings
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
    ):
        self.resources = resources
        self.port = port
        self.seed = seed
        self.speed = speed

    def new_model(self) -> SessionModel:
        r = self.resources
        if self.port is None:
            session = simulated_session(r.library, self.seed, alarm_profile=r.alarm_profile)
            model = SessionModel(session, SessionClock(session, speed=self.speed))
            return model
        # A real monitor: live time only, never simulated.
        session = Session(r.library, simulated=False, alarm_profile=r.alarm_profile)
        model = SessionModel(session, SessionClock(session, speed=1.0))
        model.device = DeviceLink(self.port, model)
        model.device.start()
        return model

    def label(self) -> str:
        if self.port is None:
            return f"Source: simulator (seed {self.seed})"
        return f"Device {self.port.port} ({self.port.protocol})"
