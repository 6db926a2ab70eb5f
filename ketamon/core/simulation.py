"""A session wired to a simulated monitor: the one recipe GUI, headless and tests share."""

from __future__ import annotations

from ketamon.core.limits import DrugLibrary
from ketamon.core.session import Session
from ketamon.core.simulator import PatientProfile, SimulatedMonitor


def simulated_session(
    library: DrugLibrary, seed: int, profile: PatientProfile | None = None
) -> Session:
    """A Session flagged simulated whose source is a virtual patient given the real dose."""
    session = Session(library, simulated=True)

    def delivered_mg(t_s: float) -> float:
        return session.infusion.delivered_mg(t_s) if session.infusion else 0.0

    session.source = SimulatedMonitor(profile or PatientProfile(), seed, delivered_mg)
    return session
