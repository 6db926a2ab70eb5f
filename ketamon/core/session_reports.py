"""What sources and the app report to a session besides samples (Session's input half).

Equipment conditions a source reports (source lost, sensor off), malformed-frame
counts, a device's silence, the time the app was not running, and the cuff readings
that complete the measured baseline. Each input is recorded as it is judged, so a
rebuild applies the same. `SourceReports` is a base of `Session` (core/session.py).
Times in session seconds.
"""

from __future__ import annotations

from ketamon.core.alarm_technical import DEVICE_SEPARATOR
from ketamon.core.baseline import measured_baseline
from ketamon.core.infusion import Phase
from ketamon.core.protocol import NibpProgram
from ketamon.core.session_types import SessionEvent

SESSION_RESUMED = "session.resumed"  # the app was not running for a while (a crash)


class SourceReports:
    """Equipment reports, downtime and completed cuff readings: Session's inputs."""

    def resume_after_downtime(self, from_s: float, to_s: float, gap_text: str = "") -> None:
        """The app was not running from `from_s` to `to_s` (session s) and now runs again.

        The pump ran on: the timer and dose advance. Nobody watched: no samples are
        taken for that time (the trends show a gap) and its silence raises no alarm.
        Recorded at `from_s`, so a rebuild meets it before the gap.
        """
        self.advance_to(max(from_s, self._t))
        down_s = max(0.0, to_s - from_s)
        self._event(
            SessionEvent(
                self._t,
                SESSION_RESUMED,
                f"resumed after {down_s:.0f} s: check the pump",
                {"down_from_s": self._t, "down_to_s": to_s, "gap": gap_text},
            )
        )
        source, self.source = self.source, None
        judge, self.judge_silence = self.judge_silence, False
        try:
            self.advance_to(to_s)
        finally:
            self.source, self.judge_silence = source, judge
        if source is not None:
            source.poll(to_s)  # what the patient did meanwhile was never seen
        if self.alarms is not None:
            self.alarms.restart_silence_clock(to_s)
        self.device_silence.restart(to_s)

    def report_technical(self, t_s: float, condition: str, present: bool, detail: str = "") -> None:
        """A source reports an equipment condition (source_lost, sensor_off, artefact).

        A device thread's report may carry a time just before the last clock tick: it is
        judged now, never moving time backwards.
        """
        t_s = max(t_s, self._t)
        self.advance_to(t_s)
        if self._technical_state.get(condition) != present:
            # Recorded on change only (a monitor repeats its state every frame), so a
            # rebuilt session sees the same equipment history.
            self._technical_state[condition] = present
            data = {"condition": condition, "present": present}
            if DEVICE_SEPARATOR in condition:  # one of several devices: name it
                data["device"] = condition.partition(DEVICE_SEPARATOR)[2]
            self._event(SessionEvent(t_s, "technical.report", detail, data))
        if self.alarms is not None:
            self._alarm_events(self.alarms.report_technical(t_s, condition, present, detail))

    def device_heard(self, t_s: float, device: str) -> None:
        """One of several devices delivered a frame (or connected) at `t_s`: its silence
        counts from here. A store per frame; each step compares it with `no_data_s`."""
        self.device_silence.heard(t_s, device)

    def report_artefacts(self, t_s: float, frames: int) -> None:
        """A source rejected `frames` malformed frames; the alarm engine judges the rate."""
        t_s = max(t_s, self._t)
        self.advance_to(t_s)
        if frames > 0:
            # An input like a sample: recorded, so a rebuild judges the same counts.
            self._event(SessionEvent(t_s, "technical.artefacts", "", {"frames": frames}))
        if self.alarms is not None:
            self._alarm_events(self.alarms.count_artefacts(t_s, frames))

    def _poll_technical(self, t_s: float) -> None:
        if self.source is None:
            return
        for condition, present in self.source.technical_state().items():
            if self._technical_state.get(condition, False) != present:
                self.report_technical(t_s, condition, present, condition.replace("_", " "))

    def _judge_device_silence(self, t_s: float) -> None:
        """A connected device silent for `no_data_s`: `no_data@<device>`, reported (and so
        recorded) on change like any equipment condition, so a rebuild applies the same.
        A lost device is 'source lost' alone: one alarm for one pulled cable."""
        if self.alarms is None:
            return
        limit_s = self.alarms.profile.technical.no_data_s
        changes = self.device_silence.changes(t_s, limit_s, self._technical_state)
        for condition, quiet, detail in changes:
            self.report_technical(t_s, condition, quiet, detail)

    def _complete_nibp_readings(self) -> None:
        for reading in self.nibp.complete():
            if self.phase(reading.t_s) is Phase.BASELINE:
                self._update_measured_baseline()

    def _update_measured_baseline(self) -> None:
        if self.baseline is not None and self.baseline.source == "entered":
            return
        pre_start = [r for r in self.nibp.readings if self.phase(r.t_s) is Phase.BASELINE]
        program = self.plan.protocol.nibp if self.plan else NibpProgram()
        baseline = measured_baseline(
            pre_start,
            self._baseline_hr,
            self._baseline_spo2,
            program.baseline_readings,
            program.baseline_min_span_min * 60.0,
        )
        if baseline is not None:
            baseline = self._with_clinic_rules(baseline)
            self.baseline = baseline
            self._event(
                SessionEvent(
                    pre_start[-1].t_s,
                    "baseline.measured",
                    f"{baseline.sbp_mmhg:.0f}/{baseline.dbp_mmhg:.0f}",
                    {
                        "sbp": round(baseline.sbp_mmhg, 1),
                        "dbp": round(baseline.dbp_mmhg, 1),
                        "hr": None if baseline.hr_bpm is None else round(baseline.hr_bpm, 1),
                        "spo2": None if baseline.spo2_pct is None else round(baseline.spo2_pct, 1),
                        "n": baseline.n_readings,
                    },
                )
            )
