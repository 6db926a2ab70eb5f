"""The infusion's phase, remembered per time and command, is the phase worked out anew.

Asked several times a step, the phase is kept for the last time asked until a command
changes the runs, the stop or the discharge. Random command sequences, each asked at
the command's own time before and after it: the kept answer never goes stale.
"""

from hypothesis import given, settings
from hypothesis import strategies as st

from ketamon.core.dosing import Patient, make_plan
from ketamon.core.infusion import CommandError, Infusion

COMMANDS = ("start", "pause", "resume", "stop", "discharge", "early_discharge")


@settings(max_examples=80, deadline=None)
@given(
    steps=st.lists(st.tuples(st.floats(0.0, 3000.0), st.sampled_from(COMMANDS)), max_size=8),
    two_segments=st.booleans(),
)
def test_the_kept_phase_is_the_phase(protocols, steps, two_segments):
    protocol = protocols["ketamine-loading-maintenance" if two_segments else "ketamine-loading"]
    infusion = Infusion(make_plan(protocol, Patient(70.0), 1.0), 0.0)
    t = 0.0
    for after_s, name in steps:
        t += after_s
        infusion.advance_to(t)
        assert infusion.phase(t) is infusion._phase_at(t)  # remembered now
        try:
            if name == "start":
                infusion.start(t)
            elif name == "pause":
                infusion.pause(t, "check")
            elif name == "resume":
                infusion.resume(t)
            elif name == "stop":
                infusion.stop(t, "check")
            else:
                infusion.discharge(t, "", early=name == "early_discharge")
        except CommandError:
            pass
        for when in (t, t + 0.5, t):  # the same time again, after the command
            assert infusion.phase(when) is infusion._phase_at(when)
