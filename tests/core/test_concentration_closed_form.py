"""The predicted concentration solved when read, and the replay curve evaluated per piece
in closed form, equal stepping the model every second as live did before issue 15.

Random infusions (pauses, resumes, an early stop, both PK models) against a reference
that steps PkState through every rate change and every second, reading it each step.
"""

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from ketamon.core.concentration import PredictedConcentration, concentration_curve
from ketamon.core.dosing import Patient, make_plan
from ketamon.core.infusion import CommandError, Infusion
from ketamon.core.pk import CLEMENTS_1981, DOMINO_1982, PkState

WEIGHT_KG = 70.0


class SteppedReference:
    """Cp stepped every session step and read each time (the old per-second way)."""

    def __init__(self, model, start_t_s: float):
        self.state = PkState(model, WEIGHT_KG)
        self.t_s = start_t_s
        self.peak, self.marks = 0.0, []

    def advance_to(self, infusion: Infusion, t_s: float) -> None:
        cuts = [self.t_s, *infusion.rate_changes_s(self.t_s, t_s), t_s]
        for a, b in zip(cuts, cuts[1:], strict=False):
            self.state.step(infusion.rate_mg_per_h((a + b) / 2.0) / 60.0, (b - a) / 60.0)
            self.t_s = b
            cp = max(0.0, self.state.cp_ng_per_ml)
            self.peak = max(self.peak, cp)
            if b < t_s:
                self.marks.append((b, cp))

    @property
    def cp(self) -> float:
        return max(0.0, self.state.cp_ng_per_ml)


# (minutes after the last command, command): run to the end when the list runs out.
command = st.tuples(
    st.floats(0.5, 25.0),
    st.sampled_from(("pause", "resume", "stop", "read", "read")),
)


def _drive(protocol, commands, model, step_s: float):
    """Run an infusion with `commands`, one tracker read every step, one only at the end."""
    plan = make_plan(protocol, Patient(WEIGHT_KG), 1.0)
    infusion = Infusion(plan, 0.0)
    lazy_read = PredictedConcentration(model, WEIGHT_KG, 0.0)
    lazy_end = PredictedConcentration(model, WEIGHT_KG, 0.0)
    stepped = SteppedReference(model, 0.0)
    infusion.start(3.0)
    t = 3.0
    reads = []

    def advance(until: float) -> None:
        nonlocal t
        while t < until:
            t = min(until, t + step_s)
            infusion.advance_to(t)
            for tracker in (lazy_read, lazy_end, stepped):
                tracker.advance_to(infusion, t)
            reads.append((lazy_read.cp_ng_per_ml, stepped.cp))

    for after_min, name in commands:
        advance(t + after_min * 60.0)
        try:
            if name == "pause":
                infusion.pause(t, "test")
            elif name == "resume":
                infusion.resume(t)
            elif name == "stop":
                infusion.stop(t, "test")
        except CommandError:  # refused as a nurse's would be (not running, not paused)
            pass
    advance(t + 30 * 60.0)
    return infusion, lazy_read, lazy_end, stepped, reads


@settings(max_examples=15, deadline=None)
@given(
    commands=st.lists(command, max_size=5),
    domino=st.booleans(),
    two_segments=st.booleans(),
)
def test_solved_when_read_equals_stepping_every_second(protocols, commands, domino, two_segments):
    protocol = protocols["ketamine-loading-maintenance" if two_segments else "ketamine-loading"]
    model = DOMINO_1982 if domino else CLEMENTS_1981
    infusion, lazy_read, lazy_end, stepped, reads = _drive(protocol, commands, model, 1.0)
    for lazy_cp, stepped_cp in reads:
        assert lazy_cp == pytest.approx(stepped_cp, rel=1e-9, abs=1e-9)
    for tracker in (lazy_read, lazy_end):
        assert tracker.cp_ng_per_ml == pytest.approx(stepped.cp, rel=1e-9, abs=1e-9)
        # The peak at every second (the reference's grid here: whole-second steps).
        assert tracker.peak_ng_per_ml == pytest.approx(stepped.peak, rel=1e-9, abs=1e-9)
        # Every rate change the reference marked, with its value (stepping also missed
        # the ones that fell on a step's end; solved in one go, those are marked too).
        marks = dict(tracker.marks)
        for t, ref in stepped.marks:
            assert marks[t] == pytest.approx(ref, rel=1e-9, abs=1e-9)
    # The replay curve: every 10 s from setup, as a tracker read at each of those times.
    until_s = stepped.t_s
    times, values = concentration_curve(infusion, model, WEIGHT_KG, 0.0, until_s, 10.0)
    reference = SteppedReference(model, 0.0)
    assert times[0] == 0.0 and values[0] == 0.0 and times[-1] == until_s
    for t, cp in zip(times[1:], values[1:], strict=True):
        reference.advance_to(infusion, t)
        assert cp == pytest.approx(reference.cp, rel=1e-9, abs=1e-9)


@settings(max_examples=40, deadline=None)
@given(
    amounts=st.lists(st.floats(0.0, 50.0), min_size=3, max_size=3),
    rate_mg_per_min=st.floats(0.0, 2.0),
    domino=st.booleans(),
)
def test_cp_ahead_equals_stepping_second_by_second(amounts, rate_mg_per_min, domino):
    """The closed form for many times at once (the peak search inside a piece, the replay
    curve) against stepping: from any state, e.g. a loaded peripheral compartment that
    refills the central one (a rise and fall inside one constant-rate piece)."""
    model = DOMINO_1982 if domino else CLEMENTS_1981
    state = PkState(model, WEIGHT_KG)
    state.amounts_mg = np.array(amounts[: len(state.amounts_mg)])
    ahead = state.cp_ahead(rate_mg_per_min, np.arange(1, 601) / 60.0)
    for expected in ahead:
        state.step(rate_mg_per_min, 1 / 60.0)
        assert expected == pytest.approx(state.cp_ng_per_ml, rel=1e-9, abs=1e-9)
