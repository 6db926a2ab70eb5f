"""The infusion state machine, driven by explicit session times (seconds).

Nurse commands (start, pause, resume, stop, discharge) and automatic transitions
(segment ends, observation starts, observation complete) are all events with
their exact time, whatever the tick rate: `advance_to(t_s)` emits each automatic
transition at the moment it happened, not at the moment it was noticed.
Its phases, events and status values are in infusion_types.py (imported from here
by most modules, as the infusion's vocabulary).
"""

from __future__ import annotations

import math
from bisect import bisect_left, bisect_right

from ketamon.core.dosing import DosePlan, bag_empty_in_s, delivered_mg_after, volume_infused_ml
from ketamon.core.infusion_types import (
    CommandError,
    EventKind,
    InfusionEvent,
    InfusionStatus,
    Phase,
)


class Infusion:
    """State of one infusion from setup to discharge. Times are session seconds.

    Running time is the time the pump actually runs: pauses deliver nothing and
    push every later transition back by their length.
    """

    def __init__(self, plan: DosePlan, setup_t_s: float):
        self.plan = plan
        self._setup_t = setup_t_s
        # Wall-time intervals during which the pump runs; the last may be open.
        self._runs: list[list[float]] = []
        self._stop_t: float | None = None
        self._discharged_t: float | None = None
        self._t = setup_t_s
        self._bounds_s = _cumulative([s.duration_s for s in plan.segments])
        # The plan is frozen: its totals are computed once (phase() runs every step).
        self._infusion_s = plan.infusion_s
        self._observation_s = plan.observation_s
        # Segment starts and the infusion end follow from the runs alone: cached until a
        # command changes them (see _timeline).
        self._timeline_key: tuple | None = None
        self._timeline: tuple[list[float | None], float | None] = ([], None)
        # advance_to's fast path: no transition before _quiet_until_s while _state_key holds.
        self._quiet_until_s = -math.inf
        self._quiet_key: tuple | None = None
        self._rate_changes_key: tuple | None = None  # rate_changes_s's cache
        self._rate_changes: list[float] = []
        self._emitted: set[tuple[EventKind, int]] = set()
        # Bumped by every command that changes the runs, the stop or the discharge: the
        # phase at a time is a function of those alone, and is asked several times a step.
        self._version = 0
        self._phase_memo: tuple[float, int, Phase] | None = None
        self.events: list[InfusionEvent] = [
            InfusionEvent(setup_t_s, EventKind.SETUP, plan.protocol.name)
        ]

    # ---- commands -----------------------------------------------------------------

    def start(self, t_s: float) -> list[InfusionEvent]:
        out = self.advance_to(t_s)
        if self._runs:
            raise CommandError("The infusion has already started.")
        self._runs.append([t_s, math.inf])
        self._version += 1
        out += self._emit(InfusionEvent(t_s, EventKind.STARTED, self.plan.protocol.name))
        out += self.advance_to(t_s)
        return out

    def pause(self, t_s: float, reason: str) -> list[InfusionEvent]:
        out = self.advance_to(t_s)
        if self.phase(t_s) is not Phase.INFUSING:
            raise CommandError("Only a running infusion can be paused.")
        _require_reason(reason, "pause")
        self._runs[-1][1] = t_s
        self._version += 1
        out += self._emit(InfusionEvent(t_s, EventKind.PAUSED, reason.strip()))
        return out

    def resume(self, t_s: float) -> list[InfusionEvent]:
        out = self.advance_to(t_s)
        if self.phase(t_s) is not Phase.PAUSED:
            raise CommandError("Only a paused infusion can be resumed.")
        self._runs.append([t_s, math.inf])
        self._version += 1
        out += self._emit(InfusionEvent(t_s, EventKind.RESUMED))
        return out

    def stop(self, t_s: float, reason: str) -> list[InfusionEvent]:
        """End the infusion early; observation starts now."""
        out = self.advance_to(t_s)
        if self.phase(t_s) not in (Phase.INFUSING, Phase.PAUSED):
            raise CommandError("Only a running or paused infusion can be stopped.")
        _require_reason(reason, "stop")
        if self._runs[-1][1] > t_s:
            self._runs[-1][1] = t_s
        self._stop_t = t_s
        self._version += 1
        data = {"delivered_mg": round(self.delivered_mg(t_s), 3)}
        out += self._emit(InfusionEvent(t_s, EventKind.STOPPED, reason.strip(), data))
        out += self.advance_to(t_s)
        return out

    def discharge(
        self, t_s: float, checklist: str = "", early: bool = False
    ) -> list[InfusionEvent]:
        """Discharge; `early` (a reason was given) also during observation."""
        out = self.advance_to(t_s)
        allowed = (Phase.OBSERVATION, Phase.DISCHARGE_READY) if early else (Phase.DISCHARGE_READY,)
        if self.phase(t_s) not in allowed:
            if early:
                raise CommandError("Discharge is possible once the infusion has ended.")
            raise CommandError("Discharge is possible once the observation time is complete.")
        self._discharged_t = t_s
        self._version += 1
        data = {"early": True} if early else {}
        out += self._emit(InfusionEvent(t_s, EventKind.DISCHARGED, checklist, data))
        return out

    def paused_since_s(self, t_s: float) -> float | None:
        """When the current pause began (None: not paused)."""
        if self.phase(t_s) is not Phase.PAUSED:
            return None
        return self._runs[-1][1]

    # ---- time -----------------------------------------------------------------------

    def advance_to(self, t_s: float) -> list[InfusionEvent]:
        """Emit, in order and at their exact times, the automatic transitions up to `t_s`."""
        if t_s < self._t - 1e-9:
            raise ValueError(f"time went backwards: {t_s} < {self._t}")
        self._t = max(self._t, t_s)
        out: list[InfusionEvent] = []
        if not self._runs:
            return out
        if t_s < self._quiet_until_s and self._quiet_key == self._state_key():
            return out  # nothing can happen before the next transition: most steps
        seg_starts, _ = self._timeline_now()
        for i, plan in enumerate(self.plan.segments):
            seg_start = seg_starts[i]
            if seg_start is not None and seg_start <= t_s and self._not_cut(seg_start):
                out += self._emit_once(
                    (EventKind.SEGMENT_STARTED, i),
                    InfusionEvent(seg_start, EventKind.SEGMENT_STARTED, plan.name, {"index": i}),
                )
        end_t = self.infusion_end_s()
        if end_t is not None and end_t <= t_s:
            if self._stop_t is None:
                out += self._emit_once(
                    (EventKind.INFUSION_COMPLETE, 0),
                    InfusionEvent(
                        end_t,
                        EventKind.INFUSION_COMPLETE,
                        data={"delivered_mg": round(self.delivered_mg(end_t), 3)},
                    ),
                )
            out += self._emit_once(
                (EventKind.OBSERVATION_STARTED, 0),
                InfusionEvent(end_t, EventKind.OBSERVATION_STARTED),
            )
            ready_t = end_t + self._observation_s
            if ready_t <= t_s:
                out += self._emit_once(
                    (EventKind.DISCHARGE_READY, 0),
                    InfusionEvent(ready_t, EventKind.DISCHARGE_READY),
                )
        self._quiet_until_s = self._next_transition_s()
        self._quiet_key = self._state_key()
        return out

    def quiet_until_s(self) -> float:
        """Before this time advance_to emits nothing (until a command changes the runs)."""
        if self._quiet_key != self._state_key():
            self._quiet_until_s = self._next_transition_s() if self._runs else math.inf
            self._quiet_key = self._state_key()
        return self._quiet_until_s

    def _state_key(self) -> tuple:
        """Changes whenever a command (or a transition) could change what comes next."""
        return (self._version, len(self.events))

    def _next_transition_s(self) -> float:
        """The earliest time of a transition not yet emitted (inf: none until a command)."""
        seg_starts, _ = self._timeline_now()
        times = [
            start
            for i, start in enumerate(seg_starts)
            if start is not None
            and self._not_cut(start)
            and (EventKind.SEGMENT_STARTED, i) not in self._emitted
        ]
        end_t = self.infusion_end_s()
        if end_t is not None:
            if (self._stop_t is None and (EventKind.INFUSION_COMPLETE, 0) not in self._emitted) or (
                EventKind.OBSERVATION_STARTED,
                0,
            ) not in self._emitted:
                times.append(end_t)
            if (EventKind.DISCHARGE_READY, 0) not in self._emitted:
                times.append(end_t + self._observation_s)
        return min(times, default=math.inf)

    @property
    def version(self) -> int:
        """Changes whenever a command changes the runs, the stop or the discharge."""
        return self._version

    def phase(self, t_s: float) -> Phase:
        memo = self._phase_memo
        if memo is not None and memo[0] == t_s and memo[1] == self._version:
            return memo[2]
        phase = self._phase_at(t_s)
        self._phase_memo = (t_s, self._version, phase)
        return phase

    def _phase_at(self, t_s: float) -> Phase:
        runs = self._runs
        if not runs or t_s < runs[0][0]:
            return Phase.BASELINE
        end_t = self.infusion_end_s()
        if end_t is None or t_s < end_t:
            last = runs[-1]  # the run going on now, mostly
            running = last[0] <= t_s < last[1] or self._running_at(t_s)
            return Phase.INFUSING if running else Phase.PAUSED
        if self._discharged_t is not None and t_s >= self._discharged_t:
            return Phase.DISCHARGED
        if t_s < end_t + self._observation_s:
            return Phase.OBSERVATION
        return Phase.DISCHARGE_READY

    def running_s(self, t_s: float) -> float:
        """Pump running time up to `t_s`, in seconds."""
        total = 0  # as sum() adds: the same float, without a generator per call
        for a, b in self._runs:
            if a < t_s:
                total += max(0.0, min(b, t_s) - a)
        return total

    def delivered_mg(self, t_s: float) -> float:
        """Integral of the rate over running time (CLINICAL.md §1); pauses deliver nothing."""
        return delivered_mg_after(self.plan, self._delivered_run_s(t_s))

    def _delivered_run_s(self, t_s: float) -> float:
        """Running seconds that delivered drug: capped at the plan, ending at an early stop."""
        return min(self.running_s(t_s), self._infusion_s)

    def rate_mg_per_h(self, t_s: float) -> float:
        if self.phase(t_s) is not Phase.INFUSING:
            return 0.0
        index = self._segment_index(self.running_s(t_s))
        return self.plan.segments[index].rate_mg_per_h

    def rate_changes_s(self, after_s: float, before_s: float) -> list[float]:
        """Times strictly between the two where the delivered rate may change, in order:
        pump starts, pauses, resumes and stops, segment ends and the infusion's end."""
        # Asked every step (the predicted concentration): the candidates change only with
        # a command, so they are sorted once per state and cut to the range by bisection.
        key = self._state_key()
        if key != self._rate_changes_key:
            seg_starts, end_t = self._timeline_now()
            times = {t for run in self._runs for t in run}
            times.update([*seg_starts[1:], end_t])  # _wall_at_run of each later bound
            times.add(self._stop_t)
            self._rate_changes = sorted(t for t in times if t is not None and math.isfinite(t))
            self._rate_changes_key = key
        changes = self._rate_changes
        return changes[bisect_right(changes, after_s) : bisect_left(changes, before_s)]

    def loading_end_s(self) -> float | None:
        """When the first (loading) segment ended: at its planned running time, or at an
        earlier stop; None while it runs."""
        t = self._wall_at_run(self._bounds_s[1])
        if self._stop_t is not None and (t is None or t > self._stop_t):
            return self._stop_t
        return t

    def started_s(self) -> float | None:
        return self._runs[0][0] if self._runs else None

    def infusion_end_s(self) -> float | None:
        """When the pump stopped for good (natural end or early stop); None if not yet known."""
        if self._stop_t is not None:
            return self._stop_t
        return self._timeline_now()[1]

    def observation_end_s(self) -> float | None:
        end_t = self.infusion_end_s()
        return None if end_t is None else end_t + self.plan.observation_s

    def phase_start_s(self, t_s: float) -> float:
        """When the current phase (for the NIBP program: baseline, infusion, observation) began."""
        phase = self.phase(t_s)
        if phase is Phase.BASELINE:
            return self._setup_t
        if phase in (Phase.INFUSING, Phase.PAUSED):
            return self._runs[0][0]
        return self.infusion_end_s()

    def status(self, t_s: float) -> InfusionStatus:
        phase = self.phase(t_s)
        run_s = min(self.running_s(t_s), self.plan.infusion_s)
        seg_index: int | None = None
        seg_name = ""
        phase_elapsed = 0.0
        phase_remaining: float | None = None
        total_elapsed = 0.0 if not self._runs else t_s - self._runs[0][0]
        total_remaining: float | None = None
        if phase is Phase.BASELINE:
            phase_elapsed = t_s - self._setup_t
            total_elapsed = 0.0
            total_remaining = self.plan.infusion_s + self.plan.observation_s
        elif phase in (Phase.INFUSING, Phase.PAUSED):
            seg_index = self._segment_index(run_s)
            seg_name = self.plan.segments[seg_index].name
            phase_elapsed = run_s - self._bounds_s[seg_index]
            phase_remaining = self._bounds_s[seg_index + 1] - run_s
            total_remaining = self.plan.infusion_s - run_s + self.plan.observation_s
        elif phase in (Phase.OBSERVATION, Phase.DISCHARGE_READY):
            end_t = self.infusion_end_s()
            phase_elapsed = t_s - end_t
            phase_remaining = max(0.0, self.plan.observation_s - phase_elapsed)
            total_remaining = phase_remaining
        else:
            total_elapsed = self._discharged_t - self._runs[0][0]
            total_remaining = 0.0
        rate = self.rate_mg_per_h(t_s)
        volume_ml = volume_infused_ml(self.plan, run_s)
        bag_ml = self.plan.bag_volume_ml
        return InfusionStatus(
            t_s=t_s,
            phase=phase,
            segment_index=seg_index,
            segment_name=seg_name,
            phase_elapsed_s=phase_elapsed,
            phase_remaining_s=phase_remaining,
            total_elapsed_s=total_elapsed,
            total_remaining_s=total_remaining,
            rate_mg_per_h=rate,
            rate_ml_per_h=rate / self.plan.concentration_mg_per_ml,
            delivered_mg=self.delivered_mg(t_s),
            planned_mg=self.plan.total_mg,
            volume_infused_ml=volume_ml,
            bag_remaining_ml=None if bag_ml is None else max(0.0, bag_ml - volume_ml),
            bag_empty_in_s=bag_empty_in_s(self.plan, run_s) if self._stop_t is None else None,
        )

    # ---- internals ------------------------------------------------------------------

    def _running_at(self, t_s: float) -> bool:
        return any(a <= t_s < b for a, b in self._runs)

    def _segment_index(self, run_s: float) -> int:
        for i in range(len(self.plan.segments)):
            if run_s < self._bounds_s[i + 1]:
                return i
        return len(self.plan.segments) - 1

    def _wall_at_run(self, run_target_s: float) -> float | None:
        """Session time at which the pump has run `run_target_s`; None if not (yet) reached."""
        done = 0.0
        for a, b in self._runs:
            span = b - a
            if done + span >= run_target_s - 1e-9:
                return a + (run_target_s - done)
            done += span
        return None

    def _timeline_now(self) -> tuple[list[float | None], float | None]:
        """(session time each segment starts, natural infusion end), None where not reached.

        Only the runs decide them, and a command changes the runs only by appending one
        or closing the last: (count, last end) identifies them.
        """
        runs = self._runs
        key = (len(runs), runs[-1][1] if runs else None)
        if key != self._timeline_key:
            starts = [self._wall_at_run(b) for b in self._bounds_s[:-1]]
            self._timeline = (starts, self._wall_at_run(self._infusion_s))
            self._timeline_key = key
        return self._timeline

    def _not_cut(self, t_s: float) -> bool:
        return self._stop_t is None or t_s < self._stop_t

    def _emit_once(self, key: tuple[EventKind, int], event: InfusionEvent) -> list[InfusionEvent]:
        if key in self._emitted:
            return []
        self._emitted.add(key)
        return self._emit(event)

    def _emit(self, event: InfusionEvent) -> list[InfusionEvent]:
        self.events.append(event)
        return [event]


def _cumulative(durations: list[float]) -> list[float]:
    bounds = [0.0]
    for d in durations:
        bounds.append(bounds[-1] + d)
    return bounds


def _require_reason(reason: str, action: str) -> None:
    if not reason or not reason.strip():
        raise CommandError(f"A reason is required to {action} the infusion.")
