"""Several devices: a connected device that delivers nothing has its own 'no data' alarm.

Fed as DeviceFeed feeds a session (io/device_feed.py): every frame a device delivers
is heard (device_heard), and its values go through the shared SourceChoice.
"""

from ketamon.core.alarm_profile import AlarmKind, Priority
from ketamon.core.baseline import Baseline
from ketamon.core.events import alarm_events
from ketamon.core.session import Session
from ketamon.core.source_choice import SourceChoice
from ketamon.core.vitals import Sample, Vital

MASIMO, GE = "Masimo on ttyUSB0", "GE S/5 on ttyUSB1"


class TwoMonitors:
    """A Masimo (first: HR, SpO2 every second) and a GE S/5 (HR, SpO2 every 5 s)."""

    def __init__(self, session: Session):
        self.session = session
        self.choice = SourceChoice([MASIMO, GE])
        self.silent: dict[str, range] = {MASIMO: range(0), GE: range(0)}

    def deliver(self, device: str, t_s: float, hr: float, spo2: float) -> None:
        self.session.device_heard(t_s, device)
        values = {Vital.HR: hr, Vital.SPO2: spo2}
        taken = [Sample(t_s, v, x) for v, x in values.items() if self.choice.accept(device, v, t_s)]
        if taken:
            self.session.ingest(taken, device)

    def run_until(self, end_s: int) -> None:
        for t in range(int(self.session.t_s) + 1, end_s + 1):
            if t not in self.silent[MASIMO]:
                self.deliver(MASIMO, t, 70.0, 98.0)
            if t % 5 == 0 and t not in self.silent[GE]:
                self.deliver(GE, t, 72.0, 97.0)
            self.session.advance_to(float(t))


def armed_monitors(resources, plan) -> TwoMonitors:
    session = Session(resources.library, simulated=False, alarm_profile=resources.alarm_profile)
    session.configure(plan, [], 0.0)
    session.enter_baseline(0.0, Baseline(120, 80, 70, None, "entered"))
    session.start(0.0)
    assert session.alarms.armed
    return TwoMonitors(session)


def changes(session: Session) -> list[tuple[float, str, str]]:
    return [
        (a.t_s, a.action, a.alarm_id)
        for a in alarm_events(session.events)
        if a.kind is AlarmKind.TECHNICAL
    ]


def test_a_quiet_device_has_its_own_no_data_alarm_naming_it(resources, plan_70kg):
    monitors = armed_monitors(resources, plan_70kg)
    session = monitors.session
    assert resources.alarm_profile.technical.no_data_s == 10.0
    monitors.silent[GE] = range(21, 50)  # last frame at 20 s, next at 50 s
    monitors.run_until(60)
    # The Masimo supplies HR and SpO2 throughout: no vital lacks data, only the GE is quiet.
    assert changes(session) == [
        (30.0, "start", f"no_data@{GE}"),
        (50.0, "end", f"no_data@{GE}"),
    ]
    (start,) = [a for a in alarm_events(session.events) if a.action == "start"]
    assert start.condition == "No data from GE S/5 on ttyUSB1"
    assert start.detail == "no frame for 10 s"
    assert start.priority is resources.alarm_profile.technical.no_data_priority
    assert start.priority is Priority.MEDIUM
    assert start.vitals == ()  # the device is quiet; no vital is shown stale by it
    # Recorded on change, naming the device, as every equipment report is (rebuild applies it).
    reports = [(e.t_s, e.data) for e in session.events if e.kind == "technical.report"]
    assert reports == [
        (30.0, {"condition": f"no_data@{GE}", "present": True, "device": GE}),
        (50.0, {"condition": f"no_data@{GE}", "present": False, "device": GE}),
    ]


def test_both_quiet_each_device_and_the_vitals_have_their_alarms(resources, plan_70kg):
    monitors = armed_monitors(resources, plan_70kg)
    monitors.silent = {MASIMO: range(21, 41), GE: range(21, 100)}
    monitors.run_until(45)
    assert changes(monitors.session) == [
        (30.0, "start", f"no_data@{MASIMO}"),
        (30.0, "start", f"no_data@{GE}"),
        (30.0, "start", "no_data"),  # HR/SpO2: judged from the samples, as with one device
        (41.0, "end", f"no_data@{MASIMO}"),
        (41.0, "end", "no_data"),
    ]


def test_a_lost_device_is_source_lost_alone_and_quiet_from_connection_before_start(
    resources, plan_70kg
):
    session = Session(resources.library, simulated=False, alarm_profile=resources.alarm_profile)
    session.configure(plan_70kg, [], 0.0)  # not started: alarms are not armed
    monitors = TwoMonitors(session)
    session.device_heard(0.0, GE)  # connected at 0 s, then never a frame
    monitors.silent[GE] = range(0, 100)
    monitors.run_until(12)
    session.report_technical(12.5, f"source_lost@{GE}", True, "read failed")  # cable pulled
    monitors.run_until(30)
    session.report_technical(30.0, f"source_lost@{GE}", False, "port open")
    session.device_heard(30.0, GE)  # reconnected: silence counts from here
    monitors.run_until(45)
    assert changes(session) == [
        (10.0, "start", f"no_data@{GE}"),  # shown from connection, as source lost is
        (12.5, "start", f"source_lost@{GE}"),
        (13.0, "end", f"no_data@{GE}"),  # one pulled cable, one alarm
        (30.0, "end", f"source_lost@{GE}"),
        (40.0, "start", f"no_data@{GE}"),
    ]
    assert not session.alarms.armed


def test_a_long_advance_judges_a_quiet_device_at_its_own_second(resources, plan_70kg):
    """Time moved on in one call (a GUI tick after a stall): judged step by step, not skipped."""
    session = Session(resources.library, simulated=False, alarm_profile=resources.alarm_profile)
    session.configure(plan_70kg, [], 0.0)  # not armed: the engine alone has nothing to tick
    session.device_heard(0.0, GE)
    session.advance_to(25.0)
    assert changes(session) == [(10.0, "start", f"no_data@{GE}")]
