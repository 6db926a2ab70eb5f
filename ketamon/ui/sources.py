"""Which source feeds new sessions (the simulator, a scenario or a monitor on a serial port).

Sessions are made by the one factory (io/run_config.py) from the run's RunConfig;
this adds what only the GUI has: the wall clock, the device thread and the recorder.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from ketamon.io.run_config import (
    RunConfig,
    make_session,
    recording_meta,
    source_label,
    supplies_nibp,
)
from ketamon.io.session_recorder import SessionRecorder
from ketamon.ui.clock import SessionClock
from ketamon.ui.session_model import SessionModel

if TYPE_CHECKING:
    from ketamon.core.session import Session
    from ketamon.io.device import PortSettings
    from ketamon.io.resume import ResumeHistory
    from ketamon.resources_loading import ClinicalResources


class Sources:
    """Makes a SessionModel for the configured source."""

    def __init__(self, resources: ClinicalResources, config: RunConfig):
        """`config.data_dir` None: sessions are not recorded (tests of widgets only)."""
        self.resources = resources
        self.config = config

    @property
    def data_dir(self) -> Path | None:
        return self.config.data_dir

    @property
    def port(self) -> PortSettings | None:
        return self.config.port

    def use_port(self, port: PortSettings | None) -> None:
        """New sessions read this monitor (None: the simulator)."""
        self.config = self.config.with_port(port)

    def use_devices(self, devices: list[PortSettings]) -> None:
        """New sessions read these monitors, in priority order (none: the simulator)."""
        self.config = self.config.with_devices(devices)

    def new_model(self) -> SessionModel:
        return self.model_for(make_session(self.config, self.resources))

    def model_for(
        self,
        session: Session,
        resume_path: Path | None = None,
        history: ResumeHistory | None = None,
    ) -> SessionModel:
        """Wrap `session` (new, or rebuilt after a crash, with what it showed before) with
        clock, device and recorder."""
        # A real monitor runs on live time only.
        speed = (self.config.speed or 1.0) if session.simulated else 1.0
        arrays = history.arrays() if history is not None else None
        model = SessionModel(session, SessionClock(session, speed=speed), history_arrays=arrays)
        if self.data_dir is not None:  # first: a refused resume must leave no device thread
            meta = recording_meta(self.config, self.resources)
            model.recorder = SessionRecorder(session, self.data_dir, meta, resume_path=resume_path)
            net = self.config.net
            if net is not None and net.any:  # MQTT / HL7: the network stack only when used
                from ketamon.io.net.bedside_links import start_links

                model.links = start_links(session, net, self.data_dir)
        if self.config.devices and not session.simulated:
            from ketamon.ui.device_link import DeviceLinks

            session.nibp_supplied = supplies_nibp(self.config.devices)  # a resumed one too
            model.device = DeviceLinks(self.config.devices, model)
            model.device.start()
        return model

    def label(self) -> str:
        return source_label(self.config)
