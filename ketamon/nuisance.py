"""Nuisance-alarm rate of uneventful simulated sessions (loading plus 60 min observation).

Shared by the test suite and bench/nuisance.py: each seed is a typical patient
run headless at maximum speed; a session counts if it raised any physiological alarm.
"""

from __future__ import annotations

from dataclasses import dataclass

from ketamon.core.alarm_profile import AlarmKind
from ketamon.core.events import AlarmAction, alarm_event
from ketamon.core.session import SessionEvent
from ketamon.headless import run_session
from ketamon.io.run_config import RunConfig, autostart, make_session
from ketamon.resources_loading import ClinicalResources


@dataclass(frozen=True)
class NuisanceResult:
    sessions: int
    with_alarm: int
    alarms: list[SessionEvent]

    @property
    def rate(self) -> float:
        return self.with_alarm / self.sessions


def nuisance_rate(resources: ClinicalResources, seeds: range, weight_kg: float = 70.0):
    with_alarm = 0
    alarms: list[SessionEvent] = []
    for seed in seeds:
        config = RunConfig(seed=seed, weight_kg=weight_kg, speed=None)
        session = make_session(config, resources)
        autostart(session, config, resources)
        run_session(session, speed=None, quit_after_s=None)
        physiological = [
            e
            for e in session.events
            if (a := alarm_event(e)) is not None
            and a.action is AlarmAction.START
            and a.kind is AlarmKind.PHYSIOLOGICAL
        ]
        alarms += physiological
        with_alarm += bool(physiological)
    return NuisanceResult(len(seeds), with_alarm, alarms)
