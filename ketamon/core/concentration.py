"""Predicted plasma concentration from the doses actually delivered (CLINICAL.md §6).

The infusion's delivered rate is piecewise constant: it changes only where the pump
starts, pauses, resumes or stops and where one dose segment gives way to the next.
`PredictedConcentration` follows the infusion in time and steps the compartment
model (core/pk.py) exactly over each constant piece, so the value does not depend
on how often it is asked and is the same live, rebuilt (replay, review) and in
the report. It is a model, not a measurement: every view labels it so.
"""

from __future__ import annotations

from ketamon.core.infusion import Infusion
from ketamon.core.pk import CLEMENTS_1981, DOMINO_1982, PkModel, PkState

PK_MODELS: dict[str, PkModel] = {"clements": CLEMENTS_1981, "domino": DOMINO_1982}


def pk_model(model_id: str) -> PkModel:
    """The model of an id in resources/course.toml ('clements' or 'domino')."""
    try:
        return PK_MODELS[model_id]
    except KeyError:
        raise ValueError(f"unknown PK model {model_id!r} (one of {', '.join(PK_MODELS)})") from None


class PredictedConcentration:
    """Cp (ng/mL) of one patient of `weight_kg` from `start_t_s` (session s) on.

    `marks` keeps the value at every time the delivered rate changed (a handful per
    session), so the end of loading or a pause can be read back exactly.
    """

    def __init__(self, model: PkModel, weight_kg: float, start_t_s: float):
        self.model = model
        self._state = PkState(model, weight_kg)
        self.t_s = start_t_s
        self.peak_ng_per_ml = 0.0
        self.peak_t_s: float | None = None
        self.marks: list[tuple[float, float]] = []

    @property
    def cp_ng_per_ml(self) -> float:
        return max(0.0, self._state.cp_ng_per_ml)

    def advance_to(self, infusion: Infusion, t_s: float) -> None:
        """Step to `t_s` with the rates `infusion` delivered, split where they changed."""
        if t_s <= self.t_s:
            return
        cuts = [self.t_s, *infusion.rate_changes_s(self.t_s, t_s), t_s]
        for a, b in zip(cuts, cuts[1:], strict=False):
            rate_mg_per_min = infusion.rate_mg_per_h((a + b) / 2.0) / 60.0
            self._state.step(rate_mg_per_min, (b - a) / 60.0)
            self.t_s = b
            cp = self.cp_ng_per_ml
            if cp > self.peak_ng_per_ml:
                self.peak_ng_per_ml, self.peak_t_s = cp, b
            if b < t_s:
                self.marks.append((b, cp))
        # A peak sits where the rate drops, i.e. at a cut, so checking at cuts and ends finds it.

    def value_at_mark(self, t_s: float, tolerance_s: float = 1e-6) -> float | None:
        """The value at a rate change at `t_s`, if one was passed there."""
        for mark_t, cp in self.marks:
            if abs(mark_t - t_s) <= tolerance_s:
                return cp
        return None


def concentration_curve(
    infusion: Infusion,
    model: PkModel,
    weight_kg: float,
    from_s: float,
    until_s: float,
    step_s: float = 10.0,
) -> tuple[list[float], list[float]]:
    """Cp (ng/mL) every `step_s` from `from_s` (setup) to `until_s`, both ends included:
    what the live trend drew, for a replay's seek or a resumed session's past."""
    tracker = PredictedConcentration(model, weight_kg, from_s)
    times, values = [from_s], [0.0]
    t = from_s
    while t < until_s:
        t = min(until_s, t + step_s)
        tracker.advance_to(infusion, t)
        times.append(t)
        values.append(tracker.cp_ng_per_ml)
    return times, values
