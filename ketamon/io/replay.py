"""A recording prepared for replay: what the screen showed at any session time, fast.

Nothing is recomputed from samples: the infusion status is analytic in time
(rebuilt from the nurse's recorded commands), the latest values come from a
binary search in the recorded arrays, and the alarm state is read from the
recorded alarm events. Opening an 8-hour recording and seeking stay quick.
"""

from __future__ import annotations

import math
from dataclasses import replace

import numpy as np

from ketamon.core.alarms import Alarm
from ketamon.core.baseline import Baseline
from ketamon.core.events import BASELINE_KINDS, AlarmAction, alarm_events, recorded_baseline
from ketamon.core.infusion import Phase
from ketamon.core.nibp import is_stale, next_due_s
from ketamon.core.session import VITALS_SOURCE, SessionEvent, Snapshot
from ketamon.core.vitals import NibpReading, Sample, Vital
from ketamon.io.rebuild import INPUTS, replay
from ketamon.io.recording import Recording
from ketamon.io.run_config import rebuilt_session
from ketamon.resources_loading import ClinicalResources

CHANGES = (AlarmAction.CHANGE, AlarmAction.ESCALATED, AlarmAction.CONDITION_RETURNED)


class ReplayData:
    """Everything of one recording, indexed by time (session seconds)."""

    def __init__(self, recording: Recording, resources: ClinicalResources):
        self.meta = recording.meta
        self.path = recording.path
        self.events = recording.events()  # samples come as arrays below, never as objects
        self._event_times = np.array([e.t_s for e in self.events], dtype=float)
        self.series = {v: recording.series(v) for v in Vital}
        self.end_s = recording.duration_s()
        # A session driven by the commands alone: plan, infusion and profile, no samples.
        # Its alarm state is never read (the recorded alarm events are): with no silence
        # to judge it stays quiet, so rebuilding jumps from command to command.
        self.session = rebuilt_session(
            resources, simulated=bool(self.meta.get("simulated")), judge_silence=False
        )
        # Equipment reports are left out: this session has no samples to judge them with.
        commands = [e for e in self.events if e.kind not in INPUTS]
        # The discharge criteria need the samples: the recorded outcome stands instead.
        self.session.judge_discharge = False
        discharged = {e.t_s for e in self.events if e.kind == "infusion.discharged"}
        commands = [e for e in commands if e.kind != "command.discharge" or e.t_s in discharged]
        replay(self.session, commands, resources.protocols, self.end_s, baseline_from_events=True)
        setup = next((e for e in self.events if e.kind == "setup.confirmed"), None)
        self.setup_s = setup.t_s if setup else math.inf
        self.readings = self._readings()
        self._reading_times = np.array([r.t_s for r in self.readings], dtype=float)

    # ---- samples --------------------------------------------------------------------

    def arrays_until(self, t_s: float) -> dict[Vital, tuple[np.ndarray, np.ndarray]]:
        out = {}
        for vital, series in self.series.items():
            n = int(np.searchsorted(series.t_s, t_s, side="right"))
            out[vital] = (series.t_s[:n], series.values[:n])
        return out

    def samples_between(self, t0_s: float, t1_s: float) -> list[Sample]:
        """Samples with t0 < t <= t1, in time order."""
        out = []
        for vital, series in self.series.items():
            a = int(np.searchsorted(series.t_s, t0_s, side="right"))
            b = int(np.searchsorted(series.t_s, t1_s, side="right"))
            out += [
                Sample(float(t), vital, float(v))
                for t, v in zip(series.t_s[a:b], series.values[a:b], strict=True)
            ]
        out.sort(key=lambda s: s.t_s)
        return out

    def events_between(self, t0_s: float, t1_s: float) -> list[SessionEvent]:
        a = int(np.searchsorted(self._event_times, t0_s, side="right"))
        b = int(np.searchsorted(self._event_times, t1_s, side="right"))
        return self.events[a:b]

    # ---- state at t ----------------------------------------------------------------

    def snapshot_at(self, t_s: float) -> Snapshot:
        infusion = self.session.infusion
        status = infusion.status(t_s) if infusion is not None and t_s >= self.setup_s else None
        phase = status.phase if status else Phase.SETUP
        latest = {}
        for vital, series in self.series.items():
            i = int(np.searchsorted(series.t_s, t_s, side="right")) - 1
            if i >= 0:
                latest[vital] = Sample(float(series.t_s[i]), vital, float(series.values[i]))
        k = int(np.searchsorted(self._reading_times, t_s, side="right")) - 1
        last_reading = self.readings[k].t_s if k >= 0 else None
        due = stale = None
        if infusion is not None and status is not None:
            program = self.session.plan.protocol.nibp
            due = next_due_s(program, phase, infusion.phase_start_s(t_s), last_reading)
            stale = last_reading is not None and is_stale(program, phase, last_reading, t_s)
        alarms, armed, pause_left = self._alarm_state(t_s)
        profile = self.session.alarms.profile.name if self.session.alarms else None
        return Snapshot(
            t_s=t_s,
            phase=phase,
            status=status,
            latest=latest,
            baseline=self._baseline_at(t_s),
            sources=self._sources_at(t_s, latest),
            nibp_due_s=due,
            nibp_stale=bool(stale),
            alarms=tuple(sorted(alarms, key=lambda a: (-a.priority, a.started_s))),
            alarms_armed=armed,
            alarm_profile=profile,
            audio_priority=None,  # replay is silent
            audio_pause_left_s=pause_left,
            no_data_s=self.session.alarms.profile.technical.no_data_s if profile else None,
            audio_pause_s=self.session.alarms.profile.audio_pause_s if profile else None,
            predicted_cp_ng_per_ml=self.session.predicted_cp_at(t_s) if status else None,
            pk_model=cp.model.name if (cp := self.session.concentration) else None,
        )

    def _sources_at(self, t_s: float, latest: dict[Vital, Sample]) -> dict[Vital, str]:
        """Where each shown value came from at `t_s`, as the tiles named it live: the device
        that took the vital over last (recorded), else the session's default name."""
        named: dict[Vital, str] = {}
        for e in self.events:
            if e.t_s > t_s:
                break
            if e.kind == VITALS_SOURCE:
                named.update({Vital(v): str(e.data["source"]) for v in e.data["vitals"]})
        default = self.session.default_source
        return {vital: named.get(vital, default) for vital in latest}

    def _baseline_at(self, t_s: float) -> Baseline | None:
        found = None
        for e in self.events:
            if e.t_s > t_s:
                break
            if e.kind in BASELINE_KINDS:
                found = recorded_baseline(e)
        return found

    def _alarm_state(self, t_s: float) -> tuple[list[Alarm], bool, float | None]:
        """Replays the recorded alarm events up to t (the engine's own record of itself)."""
        alarms: dict[str, Alarm] = {}
        armed = False
        paused_until: float | None = None
        for a in alarm_events(self.events):
            if a.t_s > t_s:
                break
            action = a.action
            if action is AlarmAction.ARMED:
                armed = True
            elif action is AlarmAction.DISARMED:
                armed, alarms = False, {}
            elif action is AlarmAction.AUDIO_PAUSED:
                profile = self.session.alarms.profile if self.session.alarms else None
                paused_until = a.t_s + (profile.audio_pause_s if profile else 120.0)
            elif action is AlarmAction.AUDIO_RESUMED:
                paused_until = None
            elif action is AlarmAction.START and a.priority is not None and a.kind is not None:
                alarms[a.alarm_id] = Alarm(
                    id=a.alarm_id,
                    kind=a.kind,
                    priority=a.priority,
                    label=a.condition,
                    message=a.detail or a.condition,
                    vitals=frozenset(Vital(v) for v in a.vitals),
                    value=a.value,
                    limit=a.limit,
                    started_s=a.t_s,
                    priority_since_s=a.t_s,
                )
            elif a.alarm_id in alarms:
                alarm = alarms[a.alarm_id]
                if action in CHANGES and a.priority is not None:
                    alarms[alarm.id] = replace(
                        alarm,
                        priority=a.priority,
                        label=a.condition,
                        present=True,
                        acknowledged=alarm.acknowledged and a.priority <= alarm.priority,
                        message=a.detail or alarm.message,
                    )
                elif action is AlarmAction.ACKNOWLEDGED:
                    alarms[alarm.id] = replace(alarm, acknowledged=True)
                elif action is AlarmAction.CONDITION_ENDED:
                    alarms[alarm.id] = replace(alarm, present=False)
                elif action is AlarmAction.END:
                    del alarms[alarm.id]
        left = None if paused_until is None or paused_until <= t_s else paused_until - t_s
        return list(alarms.values()), armed, left

    def _readings(self) -> list[NibpReading]:
        sbp, dbp = self.series[Vital.SBP], self.series[Vital.DBP]
        mean = dict(zip(self.series[Vital.MAP].t_s, self.series[Vital.MAP].values, strict=True))
        dbp_at = dict(zip(dbp.t_s, dbp.values, strict=True))
        return [
            NibpReading(float(t), float(s), float(dbp_at[t]), float(mean.get(t, math.nan)))
            for t, s in zip(sbp.t_s, sbp.values, strict=True)
            if t in dbp_at
        ]
