"""Predicted plasma concentration of ketamine: mammillary compartment models (CLINICAL.md §6).

Stepped exactly for piecewise-constant infusion with the matrix exponential of
the rate matrix, so the result does not depend on the step size.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np


@dataclass(frozen=True)
class PkModel:
    """Compartment model: central volume V1 in L/kg and rate constants per minute."""

    name: str
    v1_l_per_kg: float
    k10: float
    k12: float
    k21: float
    k13: float = 0.0
    k31: float = 0.0

    def rate_matrix(self, ke0_per_min: float | None = None) -> np.ndarray:
        """d(amounts)/dt = A @ amounts, per minute: central, peripheral(s)[, effect site].

        The effect site (ke0) is a massless compartment scaled by V1, dAe/dt =
        ke0 (A1 - Ae), so Ce = Ae / V1 is stepped exactly along with the rest.
        """
        a = np.array(
            [
                [-(self.k10 + self.k12 + self.k13), self.k21, self.k31],
                [self.k12, -self.k21, 0.0],
                [self.k13, 0.0, -self.k31],
            ]
        )
        if self.k13 == 0:
            a = a[:2, :2]
        if ke0_per_min is None:
            return a
        n = a.shape[0]
        out = np.zeros((n + 1, n + 1))
        out[:n, :n] = a
        out[n, 0] = ke0_per_min
        out[n, n] = -ke0_per_min
        return out


# CLINICAL.md §6: Clements 1981 (volunteers, 2-compartment) fits depression data best.
CLEMENTS_1981 = PkModel("Clements 1981", 1.7522, k10=0.0109, k12=0.0186, k21=0.0137)
# CLINICAL.md §6: Domino 1982 (adult surgical, 3-compartment).
DOMINO_1982 = PkModel(
    "Domino 1982", 0.063, k10=0.4381, k12=0.5921, k21=0.2470, k13=0.5900, k31=0.0146
)


class PkState:
    """Drug amounts (mg) in each compartment of one patient, advanced exactly in time."""

    def __init__(self, model: PkModel, weight_kg: float, ke0_per_min: float | None = None):
        self.model = model
        self.v1_l = model.v1_l_per_kg * weight_kg
        self._has_effect_site = ke0_per_min is not None
        self._a = model.rate_matrix(ke0_per_min)
        self._eigvals, self._vecs = np.linalg.eig(self._a)
        self._vecs_inv = np.linalg.inv(self._vecs)
        self.amounts_mg = np.zeros(self._a.shape[0])
        self._cache: dict[float, tuple[np.ndarray, np.ndarray]] = {}

    def _propagators(self, dt_min: float) -> tuple[np.ndarray, np.ndarray]:
        """(exp(A dt), A^-1 (exp(A dt) - I) e1) for a step of dt minutes."""
        cached = self._cache.get(dt_min)
        if cached is None:
            exp_diag = np.exp(self._eigvals * dt_min)
            expm = (self._vecs * exp_diag) @ self._vecs_inv
            # Integral of exp(A s) over [0, dt], applied to a unit input into the central one.
            integral_diag = (exp_diag - 1.0) / self._eigvals
            integral = (self._vecs * integral_diag) @ self._vecs_inv
            e1 = np.zeros(len(self.amounts_mg))
            e1[0] = 1.0
            cached = (np.real(expm), np.real(integral @ e1))
            if len(self._cache) < 64:
                self._cache[dt_min] = cached
        return cached

    def step(self, rate_mg_per_min: float, dt_min: float) -> None:
        """Advance `dt_min` minutes with a constant infusion into the central compartment."""
        if dt_min <= 0:
            return
        expm, input_response = self._propagators(dt_min)
        # ndarray.dot: the same BLAS matrix-vector product as `@` (row-major, no
        # transpose: one kernel, the same sums), with less overhead; stepped every second.
        self.amounts_mg = expm.dot(self.amounts_mg) + input_response * rate_mg_per_min

    def cp_ahead(self, rate_mg_per_min: float, dt_min: np.ndarray) -> np.ndarray:
        """Cp (ng/mL) `dt_min` minutes ahead (an array) at a constant rate, the state left
        as it is: the closed form `step` evaluates, for many times at once.

        amounts(dt) = V exp(L dt) V^-1 a0 + V ((exp(L dt) - 1) / L) V^-1 e1 rate; only
        the central compartment's row of V is needed.
        """
        exp = np.exp(np.outer(np.asarray(dt_min, dtype=float), self._eigvals))
        row = self._vecs[0]
        free = exp @ (row * (self._vecs_inv @ self.amounts_mg))
        driven = ((exp - 1.0) / self._eigvals) @ (row * self._vecs_inv[:, 0])
        return np.real(free + driven * rate_mg_per_min) / self.v1_l * 1000.0

    @property
    def cp_ng_per_ml(self) -> float:
        """Predicted plasma concentration; mg/L equals µg/mL, so x1000 gives ng/mL."""
        return float(self.amounts_mg[0] / self.v1_l * 1000.0)

    @property
    def ce_ug_per_ml(self) -> float:
        """Effect-site concentration (µg/mL); needs a ke0 at construction."""
        if not self._has_effect_site:
            raise ValueError("this PkState has no effect site (no ke0 given)")
        return float(self.amounts_mg[-1] / self.v1_l)
