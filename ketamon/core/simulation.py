"""A session wired to a simulated monitor: the one recipe GUI, headless and tests share."""

from __future__ import annotations

from ketamon.core.alarm_profile import AlarmProfile
from ketamon.core.dosing import DosePlan, Patient, make_plan
from ketamon.core.limits import DrugLibrary
from ketamon.core.protocol import Protocol
from ketamon.core.scenario import Scenario, ScriptedMonitor
from ketamon.core.scores import CourseSettings
from ketamon.core.session import Session
from ketamon.core.simulator import PatientProfile, SimulatedMonitor, typical_patient


def simulated_session(
    library: DrugLibrary,
    seed: int,
    profile: PatientProfile | None = None,
    alarm_profile: AlarmProfile | None = None,
    course: CourseSettings | None = None,
) -> Session:
    """A Session flagged simulated whose source is a virtual patient given the real dose.

    Without `profile`, the seed also picks the patient (`typical_patient`).
    """
    session = Session(library, simulated=True, alarm_profile=alarm_profile, course=course)

    def delivered_mg(t_s: float) -> float:
        return session.infusion.delivered_mg(t_s) if session.infusion else 0.0

    patient = profile if profile is not None else typical_patient(seed)
    session.source = SimulatedMonitor(patient, seed, delivered_mg)
    return session


def demo_plan(protocol: Protocol, weight_kg: float, patient_id: str = "DEMO") -> DosePlan:
    """`protocol` for a patient of `weight_kg` at 1 mg/ml (demos, checks, CSV review)."""
    return make_plan(protocol, Patient(weight_kg, patient_id=patient_id), 1.0)


MAX_EXTRA_BASELINE_READINGS = 4


def autostart_demo(
    session: Session, protocol: Protocol, weight_kg: float, patient_id: str = "DEMO"
) -> None:
    """Set up `protocol` for a DEMO patient, run the baseline readings at once, and start.

    For demos, checks and training: the simulated cuff takes its baseline readings
    (5 min apart) in no wall time, then the infusion starts at that session time.
    """
    session.configure(demo_plan(protocol, weight_kg, patient_id), [], session.t_s)
    nibp = protocol.nibp
    span_s = nibp.baseline_interval_min * 60.0 * (nibp.baseline_readings - 1)
    session.advance_to(session.t_s + span_s)
    for _ in range(MAX_EXTRA_BASELINE_READINGS):
        if session.baseline is not None:
            break
        # A reading was rejected as an artefact: the cuff takes another, as a nurse would.
        session.advance_to(session.t_s + nibp.baseline_interval_min * 60.0)
    # Nobody reviewed this demo baseline: the record says so in the override reason.
    session.start(
        session.t_s, review_acknowledged=True, override_reason="demo autostart (not reviewed)"
    )


def scenario_session(
    library: DrugLibrary,
    scenario: Scenario,
    alarm_profile: AlarmProfile | None = None,
    course: CourseSettings | None = None,
) -> Session:
    """A simulated session whose patient and events come from a training scenario."""
    session = simulated_session(library, scenario.seed, scenario.patient, alarm_profile, course)
    session.source = ScriptedMonitor(session.source, scenario, session)
    return session
