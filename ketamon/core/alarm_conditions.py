"""The alarm engine's technical and session conditions (AlarmEngine's condition half).

Equipment conditions a source reports (source lost, sensor off, artefacts,
recording failed, network links), the silence the engine judges itself (no data,
NIBP overdue) and the reminders the session judges (pump change, paused): each is
kept as a finding that the engine's resolve turns into an alarm (core/alarms.py).
`TechnicalConditions` is a base of `AlarmEngine`; names, labels and priorities are in
alarm_technical.py. Times in session seconds.
"""

from __future__ import annotations

from ketamon.core.alarm_profile import Priority
from ketamon.core.alarm_technical import (
    ALWAYS_SHOWN,
    NO_DATA_VITALS,
    SESSION_CONDITIONS,
    reported_priority,
    session_condition_priority,
    technical_base,
    technical_finding,
)
from ketamon.core.alarm_types import AlarmEvent


class TechnicalConditions:
    """Technical and session conditions: set, judged in time, kept as findings."""

    def count_artefacts(self, t_s: float, frames: int) -> list[AlarmEvent]:
        """A source rejected `frames` malformed frames at `t_s`.

        Judged here against the profile's `artefact_per_min` over the last minute, and
        again at every tick, so the condition ends when the rate falls.
        """
        self._counting_artefacts = True
        self._artefacts.add(t_s, frames)
        return self._judge_artefacts(t_s)

    def _judge_artefacts(self, t_s: float) -> list[AlarmEvent]:
        per_min = self._artefacts.per_min(t_s)
        if not self.armed or not self._counting_artefacts:
            return []
        tech = self.profile.technical
        detail = f"{per_min:.0f} malformed frames a minute"
        self._set_technical(
            "artefact", tech.artefact_priority, per_min > tech.artefact_per_min, detail
        )
        return self._resolve(t_s)

    def restart_silence_clock(self, t_s: float) -> None:
        """Listening starts again at `t_s` (after the app was down): silence counts from now."""
        for vital in NO_DATA_VITALS:
            self._last_seen_s[vital] = max(self._last_seen_s.get(vital, t_s), t_s)

    def _judge_silence_before_start(self, t_s: float) -> None:
        """From connection to start: a vital the source has sent that then stops is 'no data'
        (one it never sent is judged from the start on: not every monitor has SpO2)."""
        tech = self.profile.technical
        silent = [
            f"{vital.label} {t_s - self._last_seen_s[vital]:.0f} s"
            for vital in NO_DATA_VITALS
            if vital in self._last_seen_s and t_s - self._last_seen_s[vital] >= tech.no_data_s
        ]
        self._set_technical(
            "no_data", tech.no_data_priority, bool(silent), "No data: " + ", ".join(silent)
        )

    def _judge_silence(self, t_s: float, nibp_due_s: float | None) -> None:
        tech = self.profile.technical
        silent = []
        armed_s = self._armed_s
        for vital in NO_DATA_VITALS:
            seen = max(self._last_seen_s.get(vital, armed_s), armed_s)
            if t_s - seen >= tech.no_data_s:
                silent.append(f"{vital.label} {t_s - seen:.0f} s")
        technical = self._technical
        if silent or "no_data" in technical:  # else: absent, and stays so
            detail = "No data: " + ", ".join(silent) if silent else ""
            self._set_technical("no_data", tech.no_data_priority, bool(silent), detail)
        overdue = nibp_due_s is not None and t_s - nibp_due_s >= tech.nibp_overdue_s
        if overdue or "nibp_overdue" in technical:
            detail = "" if not overdue else f"NIBP overdue by {(t_s - nibp_due_s) / 60:.0f} min"
            self._set_technical("nibp_overdue", tech.nibp_overdue_priority, overdue, detail)

    def report_technical(
        self, t_s: float, condition: str, present: bool, detail: str = ""
    ) -> list[AlarmEvent]:
        """A source says: `source_lost`, `sensor_off`, `artefact` or the recorder says
        `recording_failed` is present or gone; the alarm sound `sound_lost` (its audio
        device stopped); a network link: `broker_away` or
        `hl7_unacknowledged`. With several devices each device's condition is its own
        alarm: `source_lost@<device>` (technical_base), and the session reports a device
        that delivered nothing for `no_data_s` as `no_data@<device>`."""
        base = technical_base(condition)
        priority = reported_priority(self.profile.technical, base)
        if priority is None or condition == "no_data":  # plain no_data: judged here
            raise ValueError(f"unknown technical condition {condition!r}")
        if not self.armed and not self.watch_equipment and base not in ALWAYS_SHOWN:
            return []
        self._set_technical(condition, priority, present, detail)
        return self._resolve(t_s)

    def set_condition(
        self, t_s: float, condition: str, present: bool, detail: str = ""
    ) -> list[AlarmEvent]:
        """A condition the session judges: `pump_change` (unconfirmed) or `paused` (reminder)."""
        if condition not in SESSION_CONDITIONS:
            raise ValueError(f"unknown session condition {condition!r}")
        if not self.armed:
            return []
        priority = session_condition_priority(self.profile.technical, condition)
        if not present and condition not in self._technical:
            return []
        self._set_technical(condition, priority, present, detail)
        return self._resolve(t_s)

    def _set_technical(self, condition: str, priority: Priority, present: bool, detail: str):
        """Record whether a technical condition is present (alarmed at the next _resolve)."""
        if not present:
            if self._technical.pop(condition, None) is not None:
                self._changed = True
            return
        held = self._technical.get(condition)
        if held is not None and detail and held.priority is priority and held.message == detail:
            return  # as it stands (a reminder judged every step)
        latching = self.profile.technical.latching
        finding = technical_finding(condition, priority, detail, latching)
        if self._technical.get(condition) != finding:
            self._technical[condition] = finding
            self._changed = True
