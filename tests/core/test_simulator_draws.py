"""The simulator's per-second draws in one call give the samples four calls gave.

A reference monitor with the code before issue 15 (four rng.normal calls, the drug
effect read for each vital) and the current one, fed the same dose, must produce the
same samples, bit for bit, through artefacts, a probe off, a pulled cable and a
scenario's offsets and fixed values.
"""

import math

from ketamon.core.simulator import SimulatedMonitor, strong_bp_responder, typical_patient
from ketamon.core.vitals import Sample, Vital


class FourDrawsMonitor(SimulatedMonitor):
    """The reference: _continuous as it was."""

    def _continuous(self, t_s: float) -> list[Sample]:
        if not self.connected:
            return []
        rng = self._rng_cont
        p = self.profile
        self._hr_drift += -self._hr_drift / 300.0 + rng.normal(0.0, 2.5 * math.sqrt(2 / 300.0))
        hr = self._value(Vital.HR, p.hr_bpm) + self._hr_drift + rng.normal(0.0, 1.0)
        self._spo2_walk = min(1.0, max(-1.0, self._spo2_walk + rng.normal(0.0, 0.05)))
        spo2 = min(100.0, round(self._value(Vital.SPO2, p.spo2_pct) + self._spo2_walk))
        self._rr_drift += -self._rr_drift / 60.0 + rng.normal(0.0, 1.2 * math.sqrt(2 / 60.0))
        rr = round(self._value(Vital.RR, p.rr_per_min) + self._rr_drift)
        if self.artefact and rng.random() < 0.3:
            hr += rng.uniform(-40, 60)
            spo2 = max(70.0, spo2 - rng.uniform(5, 20))
        samples = [Sample(t_s, Vital.RR, max(0.0, rr))]
        if not self.probe_off:
            samples[:0] = [Sample(t_s, Vital.HR, round(hr)), Sample(t_s, Vital.SPO2, spo2)]
        return samples


def _delivered_mg(t_s: float) -> float:
    """A loading dose over 40 min from 60 s, then a pause and a lower rate."""
    if t_s < 60.0:
        return 0.0
    if t_s < 2460.0:
        return 35.0 * (t_s - 60.0) / 2400.0
    if t_s < 3000.0:
        return 35.0
    return 35.0 + 14.0 * (t_s - 3000.0) / 3600.0


def _run(cls, profile, seed):
    monitor = cls(profile, seed, _delivered_mg)
    out = []
    for second in range(1, 4 * 3600):
        t = float(second)
        minute = second // 60
        monitor.artefact = minute % 7 == 3
        monitor.probe_off = minute % 11 == 5
        monitor.connected = minute % 13 != 8
        offset = {Vital.HR: 12.5} if minute % 5 == 1 else {}
        fixed = {Vital.SPO2: 88.0} if minute % 9 == 2 else {}
        monitor.overrides.offset, monitor.overrides.fixed = offset, fixed
        if second % 300 == 0:
            monitor.request_nibp(t + 40.0)
        out += monitor.poll(t)
    return out


def test_one_call_gives_the_samples_four_calls_gave():
    for profile, seed in ((typical_patient(3), 3), (strong_bp_responder(), 11)):
        assert _run(SimulatedMonitor, profile, seed) == _run(FourDrawsMonitor, profile, seed)
