"""A seeded, deterministic virtual patient and simulated monitor (CLINICAL.md §6, §7).

The monitor produces HR, SpO2 and RR once a second of session time and an NIBP
reading whenever one is requested, all as `Sample`s. Values depend only on the
seed, the session times and the dose actually delivered, never on how often or
how fast the caller polls, so a session at 1000x equals one at 1x.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

from ketamon.core.pk import CLEMENTS_1981, PkModel, PkState
from ketamon.core.vitals import NibpReading, Sample, Vital, estimated_map

# CLINICAL.md §7: BioGears ketamine Emax model, Δ% = Emax·Ce / (EC50 + Ce), Ce in µg/mL.
EMAX = {Vital.HR: 0.25, Vital.SBP: 0.4, Vital.DBP: 0.1, Vital.RR: -0.1}
EC50_UG_PER_ML = {Vital.HR: 0.75, Vital.SBP: 0.75, Vital.DBP: 0.75, Vital.RR: 0.5}
# Design choice (not in CLINICAL.md): effect-site equilibration, ~1.4 min half-time,
# so the response follows plasma closely and peaks at the end of loading.
KE0_PER_MIN = 0.5
# CLINICAL.md §7: the noise of the continuous vitals (SDs of their per-second draws).
HR_DRIFT_SD = 2.5 * math.sqrt(2 / 300.0)  # OU drift, tau 5 min, ~2.5 bpm
RR_DRIFT_SD = 1.2 * math.sqrt(2 / 60.0)  # over a minute, ~1.2 /min
SPO2_WALK_SD = 0.05


@dataclass(frozen=True)
class PatientProfile:
    """A virtual patient: weight (kg), age (years), resting vitals and response strength.

    `response_scale` multiplies the Emax effects (1 typical; 2-3 a hypertensive
    responder, CLINICAL.md §7).
    """

    weight_kg: float = 70.0
    age_y: float = 40.0
    hr_bpm: float = 72.0
    sbp_mmhg: float = 122.0
    dbp_mmhg: float = 76.0
    spo2_pct: float = 98.0
    rr_per_min: float = 14.0
    response_scale: float = 1.0


def typical_patient(seed: int, weight_kg: float = 70.0) -> PatientProfile:
    """A seeded adult with resting vitals below the 140/90 review threshold and a typical
    response (scale ~1, CLINICAL.md §7): the population of an uneventful session."""
    rng = np.random.default_rng(np.random.SeedSequence([seed, 1]))
    age_y = float(np.clip(rng.normal(42, 12), 18, 75))
    hr_bpm = float(np.clip(rng.normal(72, 8), 55, 95))
    sbp_mmhg = float(np.clip(rng.normal(121, 8), 100, 135))
    # A resting pulse pressure of at least ~28% of SBP (DBP/SBP <= 0.72), as in healthy
    # adults: drawn independently, 100/86 could come out, which the artefact rules refuse.
    dbp_mmhg = float(np.clip(rng.normal(76, 5), 62, min(86, 0.72 * sbp_mmhg)))
    return PatientProfile(
        weight_kg=weight_kg,
        age_y=age_y,
        hr_bpm=hr_bpm,
        sbp_mmhg=sbp_mmhg,
        dbp_mmhg=dbp_mmhg,
        spo2_pct=float(np.clip(rng.normal(98, 0.7), 96, 99.5)),
        rr_per_min=float(np.clip(rng.normal(14, 1.5), 11, 18)),
        response_scale=float(np.clip(rng.lognormal(0.0, 0.25), 0.6, 1.6)),
    )


def strong_bp_responder(weight_kg: float = 70.0) -> PatientProfile:
    """A normotensive patient whose BP rises ~40 mmHg by the end of loading.

    Response 4.5x the BioGears effect: beyond the 2-3x of a typical hypertensive
    responder (CLINICAL.md §7), the tail the esketamine label reports (8-19% with an
    SBP rise >= 40 mmHg, CLINICAL.md §3).
    """
    return PatientProfile(weight_kg=weight_kg, sbp_mmhg=118.0, dbp_mmhg=75.0, response_scale=4.5)


@dataclass
class Overrides:
    """Offsets and fixed values a scenario or instructor applies on top of physiology."""

    offset: dict[Vital, float]
    fixed: dict[Vital, float]

    @classmethod
    def none(cls) -> Overrides:
        return cls({}, {})


class SimulatedMonitor:
    """Virtual patient plus monitor: call `poll(t_s)` for every sample up to `t_s`.

    `delivered_mg(t_s)` tells the cumulative dose actually given (from the infusion
    state machine); the PK model sees exactly that, pauses included.
    """

    SAMPLE_PERIOD_S = 1.0

    def __init__(
        self,
        profile: PatientProfile,
        seed: int,
        delivered_mg: Callable[[float], float],
        start_t_s: float = 0.0,
        pk_model: PkModel = CLEMENTS_1981,
    ):
        self.profile = profile
        self.seed = seed
        self._delivered_mg = delivered_mg
        streams = np.random.SeedSequence(seed).spawn(2)
        self._rng_cont = np.random.default_rng(streams[0])
        self._rng_nibp = np.random.default_rng(streams[1])
        self._pk = PkState(pk_model, profile.weight_kg, KE0_PER_MIN)
        self._t = start_t_s
        # Integer tick counter: deriving ticks from a float clock skips samples.
        self._next_tick = math.floor(start_t_s / self.SAMPLE_PERIOD_S) + 1
        self._last_delivered = delivered_mg(start_t_s)
        self._hr_drift = 0.0
        self._spo2_walk = 0.0
        self._rr_drift = 0.0
        self._pending_nibp: list[float] = []
        self.overrides = Overrides.none()
        self.connected = True  # False: the cable is out, nothing arrives
        self.probe_off = False  # SpO2 probe off: no SpO2 or pulse, the monitor says so
        self.cuff_failure = False  # NIBP requests give no reading
        self.artefact = False  # motion: brief wild HR and SpO2 values

    @property
    def t_s(self) -> float:
        return self._t

    @property
    def cp_ng_per_ml(self) -> float:
        return self._pk.cp_ng_per_ml

    def request_nibp(self, t_s: float) -> None:
        """Schedule a cuff reading completing at `t_s` (the monitor's interval program)."""
        if t_s not in self._pending_nibp:
            self._pending_nibp.append(t_s)
            self._pending_nibp.sort()

    def poll(self, t_s: float) -> list[Sample]:
        """All samples with time in (last poll, t_s], in time order."""
        out: list[Sample] = []
        while True:
            tick_t = self._next_tick * self.SAMPLE_PERIOD_S
            due_nibp = self._pending_nibp[0] if self._pending_nibp else math.inf
            step_to = min(tick_t, due_nibp)
            if step_to > t_s:
                break
            self._advance_pk(step_to)
            if due_nibp <= step_to:
                self._pending_nibp.pop(0)
                reading = self._nibp(step_to)
                if reading is not None:
                    out.extend(reading.samples())
            if tick_t <= step_to:
                self._next_tick += 1
                out.extend(self._continuous(step_to))
        # Physiology advances only to sample times, so results never depend on
        # when or how often the caller polls.
        return out

    # ---- physiology -----------------------------------------------------------------

    def _advance_pk(self, t_s: float) -> None:
        dt_s = t_s - self._t
        if dt_s <= 0:
            return
        delivered = self._delivered_mg(t_s)
        rate_mg_per_min = (delivered - self._last_delivered) / (dt_s / 60.0)
        self._pk.step(max(0.0, rate_mg_per_min), dt_s / 60.0)
        self._last_delivered = delivered
        self._t = t_s

    def effect_fraction(self, vital: Vital) -> float:
        """Drug effect on `vital` now, as a fraction of its resting value."""
        return self._effect(vital, self._pk.ce_ug_per_ml)

    def _effect(self, vital: Vital, ce_ug_per_ml: float) -> float:
        emax = EMAX.get(vital)
        if emax is None:
            return 0.0
        ce = ce_ug_per_ml
        return self.profile.response_scale * emax * ce / (EC50_UG_PER_ML[vital] + ce)

    def _value(self, vital: Vital, resting: float, ce_ug_per_ml: float | None = None) -> float:
        """`vital` now: resting plus the drug's effect at effect-site `ce_ug_per_ml` (None:
        the model's now), or what a scenario fixes or adds."""
        if vital in self.overrides.fixed:
            return self.overrides.fixed[vital]
        ce = self._pk.ce_ug_per_ml if ce_ug_per_ml is None else ce_ug_per_ml
        return resting * (1.0 + self._effect(vital, ce)) + self.overrides.offset.get(vital, 0)

    def technical_state(self) -> dict[str, bool]:
        """Equipment conditions a monitor reports (for the session's technical alarms)."""
        return {"source_lost": not self.connected, "sensor_off": self.probe_off and self.connected}

    def _continuous(self, t_s: float) -> list[Sample]:
        if not self.connected:
            return []
        rng = self._rng_cont
        p = self.profile
        ce = self._pk.ce_ug_per_ml
        if self.overrides.fixed or self.overrides.offset:
            hr_now = self._value(Vital.HR, p.hr_bpm, ce)
            spo2_now = self._value(Vital.SPO2, p.spo2_pct, ce)
            rr_now = self._value(Vital.RR, p.rr_per_min, ce)
        else:  # _value with nothing fixed or added (its + 0 kept: the same floats)
            hr_now = p.hr_bpm * (1.0 + self._effect(Vital.HR, ce)) + 0
            spo2_now = p.spo2_pct * (1.0 + self._effect(Vital.SPO2, ce)) + 0
            rr_now = p.rr_per_min * (1.0 + self._effect(Vital.RR, ce)) + 0
        # The second's four normal draws in one call: the same stream, in the same order,
        # as four rng.normal(0, sd) calls, each of which is 0.0 + sd * z.
        z_drift, z_hr, z_spo2, z_rr = rng.standard_normal(4).tolist()
        # CLINICAL.md §7: HR SD 1-3 bpm plus slow drift (Ornstein-Uhlenbeck, tau 5 min).
        self._hr_drift += -self._hr_drift / 300.0 + (0.0 + HR_DRIFT_SD * z_drift)
        hr = hr_now + self._hr_drift + (0.0 + 1.0 * z_hr)
        # SpO2 integer, +-1 (CLINICAL.md §7): a slow bounded walk.
        self._spo2_walk = min(1.0, max(-1.0, self._spo2_walk + (0.0 + SPO2_WALK_SD * z_spo2)))
        spo2 = min(100.0, round(spo2_now + self._spo2_walk))
        # RR +-1-2 /min (CLINICAL.md §7), drifting over a minute as a monitor's RR does.
        self._rr_drift += -self._rr_drift / 60.0 + (0.0 + RR_DRIFT_SD * z_rr)
        rr = round(rr_now + self._rr_drift)
        if self.artefact and rng.random() < 0.3:
            # Motion artefact: a second of nonsense, as a moving finger gives.
            hr += rng.uniform(-40, 60)
            spo2 = max(70.0, spo2 - rng.uniform(5, 20))
        samples = [Sample(t_s, Vital.RR, max(0.0, rr))]
        if not self.probe_off:
            samples[:0] = [Sample(t_s, Vital.HR, round(hr)), Sample(t_s, Vital.SPO2, spo2)]
        return samples

    def _nibp(self, t_s: float) -> NibpReading | None:
        if not self.connected or self.cuff_failure:
            return None
        rng = self._rng_nibp
        p = self.profile
        # CLINICAL.md §7: SBP SD 4-6, DBP 3-4 mmHg per reading, ~10% outliers > 10 mmHg.
        sbp_err = rng.normal(0.0, 5.0)
        dbp_err = rng.normal(0.0, 3.5)
        if rng.random() < 0.10:
            outlier = rng.uniform(10.0, 18.0) * rng.choice((-1.0, 1.0))
            sbp_err += outlier
            dbp_err += outlier * 0.5
        sbp = round(self._value(Vital.SBP, p.sbp_mmhg) + sbp_err)
        dbp = round(self._value(Vital.DBP, p.dbp_mmhg) + dbp_err)
        return NibpReading(t_s, sbp, dbp, round(estimated_map(sbp, dbp)))
