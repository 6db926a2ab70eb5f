"""Predicted plasma concentration from the doses actually delivered (CLINICAL.md §6).

The infusion's delivered rate is piecewise constant: it changes only where the pump
starts, pauses, resumes or stops and where one dose segment gives way to the next.
The compartment model (core/pk.py) is solved in closed form over each constant
piece, so the value does not depend on how often it is asked and is the same live,
rebuilt (replay, review) and in the report. It is a model, not a measurement: every
view labels it so.
"""

from __future__ import annotations

import math

import numpy as np

from ketamon.core.infusion import Infusion
from ketamon.core.pk import CLEMENTS_1981, DOMINO_1982, PkModel, PkState

PK_MODELS: dict[str, PkModel] = {"clements": CLEMENTS_1981, "domino": DOMINO_1982}
PEAK_GRID_S = 1.0  # the peak is looked for at every second inside a constant-rate piece


def pk_model(model_id: str) -> PkModel:
    """The model of an id in resources/course.toml ('clements' or 'domino')."""
    try:
        return PK_MODELS[model_id]
    except KeyError:
        raise ValueError(f"unknown PK model {model_id!r} (one of {', '.join(PK_MODELS)})") from None


class PredictedConcentration:
    """Cp (ng/mL) of one patient of `weight_kg` from `start_t_s` (session s) on.

    `advance_to` only notes how far the infusion has gone (the session calls it every
    step); the model is solved when a value is read, one closed-form step per
    constant-rate piece. `marks` keeps the value at every time the delivered rate
    changed (a handful per session), so the end of loading or a pause can be read
    back exactly. The peak is the highest value at those changes, at every whole
    second inside each piece and at every time a value was read.
    """

    def __init__(self, model: PkModel, weight_kg: float, start_t_s: float):
        self.model = model
        self._state = PkState(model, weight_kg)
        self._solved_s = start_t_s  # the state holds the amounts at this time
        self._infusion: Infusion | None = None
        self._until_s = start_t_s  # followed up to here (solved when read)
        self._peak_ng_per_ml = 0.0
        self._peak_t_s: float | None = None
        self._marks: list[tuple[float, float]] = []

    @property
    def t_s(self) -> float:
        """How far the infusion has been followed (session s)."""
        return self._until_s

    @property
    def cp_ng_per_ml(self) -> float:
        self._solve()
        return max(0.0, self._state.cp_ng_per_ml)

    @property
    def peak_ng_per_ml(self) -> float:
        self._solve()
        return self._peak_ng_per_ml

    @property
    def peak_t_s(self) -> float | None:
        self._solve()
        return self._peak_t_s

    @property
    def marks(self) -> list[tuple[float, float]]:
        """(t_s, Cp) at each rate change passed so far."""
        self._solve()
        return list(self._marks)

    def advance_to(self, infusion: Infusion, t_s: float) -> None:
        """Follow `infusion`'s delivered rates up to `t_s` (solved when next read)."""
        if t_s > self._until_s:
            self._infusion, self._until_s = infusion, t_s

    def value_at_mark(self, t_s: float, tolerance_s: float = 1e-6) -> float | None:
        """The value at a rate change at `t_s`, if one was passed there."""
        for mark_t, cp in self.marks:
            if abs(mark_t - t_s) <= tolerance_s:
                return cp
        return None

    def _solve(self) -> None:
        """Step the model to `_until_s`, one exact step per constant-rate piece."""
        infusion, until_s = self._infusion, self._until_s
        if infusion is None or until_s <= self._solved_s:
            return
        cuts = [self._solved_s, *infusion.rate_changes_s(self._solved_s, until_s), until_s]
        for a, b in zip(cuts, cuts[1:], strict=False):
            rate_mg_per_min = infusion.rate_mg_per_h((a + b) / 2.0) / 60.0
            self._peak_inside(rate_mg_per_min, a, b)
            self._state.step(rate_mg_per_min, (b - a) / 60.0)
            self._solved_s = b
            cp = max(0.0, self._state.cp_ng_per_ml)
            if cp > self._peak_ng_per_ml:
                self._peak_ng_per_ml, self._peak_t_s = cp, b
            if b < until_s:
                self._marks.append((b, cp))

    def _peak_inside(self, rate_mg_per_min: float, a: float, b: float) -> None:
        """A higher value strictly inside (a, b), looked for every PEAK_GRID_S seconds.

        Mostly the peak sits where the rate drops (a cut); a piece can still rise and
        fall inside (the peripheral compartment flowing back after a pause).
        """
        n = math.ceil((b - a) / PEAK_GRID_S) - 1
        if n < 1:
            return
        offsets_s = np.arange(1, n + 1, dtype=float) * PEAK_GRID_S
        values = self._state.cp_ahead(rate_mg_per_min, offsets_s / 60.0)
        i = int(np.argmax(values))
        if values[i] > self._peak_ng_per_ml:
            self._peak_ng_per_ml, self._peak_t_s = float(values[i]), a + float(offsets_s[i])


def curve_times(from_s: float, until_s: float, step_s: float) -> list[float]:
    """`from_s`, then every `step_s` up to `until_s` (the last one clipped to it)."""
    times = [from_s]
    t = from_s
    while t < until_s:
        t = min(until_s, t + step_s)
        times.append(t)
    return times


def concentration_curve(
    infusion: Infusion,
    model: PkModel,
    weight_kg: float,
    from_s: float,
    until_s: float,
    step_s: float = 10.0,
) -> tuple[list[float], list[float]]:
    """Cp (ng/mL) every `step_s` from `from_s` (setup) to `until_s`, both ends included:
    what the live trend drew, for a replay's seek or a resumed session's past.

    Evaluated in closed form for all the times of each constant-rate piece at once.
    """
    times = curve_times(from_s, until_s, step_s)
    at = np.asarray(times, dtype=float)
    values = np.zeros(len(times))
    state = PkState(model, weight_kg)
    cuts = [from_s, *infusion.rate_changes_s(from_s, until_s), until_s]
    for a, b in zip(cuts, cuts[1:], strict=False):
        if b <= a:
            continue
        rate_mg_per_min = infusion.rate_mg_per_h((a + b) / 2.0) / 60.0
        first = int(np.searchsorted(at, a, side="right"))
        last = int(np.searchsorted(at, b, side="right"))
        if last > first:
            values[first:last] = state.cp_ahead(rate_mg_per_min, (at[first:last] - a) / 60.0)
        state.step(rate_mg_per_min, (b - a) / 60.0)
    values[0] = 0.0
    return times, np.maximum(values, 0.0).tolist()
