"""What the session asks of a polled source: samples and equipment state always; the cuff
only of a source that declares it (CuffControl)."""

from ketamon.core.session_types import CuffControl
from ketamon.core.simulation import autostart_demo, simulated_session


class CuffSpy:
    """The simulator, with every cuff request the session makes noted."""

    def __init__(self, monitor):
        self.monitor = monitor
        self.requested_s: list[float] = []

    def poll(self, t_s):
        return self.monitor.poll(t_s)

    def technical_state(self):
        return self.monitor.technical_state()

    def request_nibp(self, t_s):
        self.requested_s.append(t_s)
        self.monitor.request_nibp(t_s)


class NoCuff:
    """A source whose cuff runs on its own program (an emulator's fixed interval)."""

    def __init__(self, monitor):
        self.monitor = monitor
        self.technical = {}

    def poll(self, t_s):
        return self.monitor.poll(t_s)

    def technical_state(self):
        return self.technical


def test_the_session_starts_the_cuff_of_a_source_that_has_one(resources):
    session = simulated_session(resources.library, 3)
    spy = CuffSpy(session.source)
    session.source = spy
    assert isinstance(spy, CuffControl)
    autostart_demo(session, resources.protocols[0], 70.0)
    session.advance_to(session.t_s + 1800)
    assert len(spy.requested_s) >= 5  # the baseline readings and the infusion's program
    assert spy.requested_s == sorted(spy.requested_s)


def test_a_source_without_a_cuff_is_never_asked_and_its_equipment_state_is_judged(resources):
    session = simulated_session(resources.library, 3)
    source = NoCuff(session.source)
    session.source = source
    assert not isinstance(source, CuffControl)
    session.advance_to(60)  # no AttributeError: nothing asks for request_nibp
    source.technical = {"sensor_off": True}
    session.advance_to(70)
    (report,) = [e for e in session.events if e.kind == "technical.report"]
    assert report.data == {"condition": "sensor_off", "present": True}
    assert 60.0 < report.t_s <= 70.0
