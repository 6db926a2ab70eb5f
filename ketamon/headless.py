"""`ketamon --headless`: the same session pipeline with no window, alarm events as JSON lines.

For checks, benchmarks and training scripts. Reads the wall clock only to pace
`--speed X`; at `--speed max` the simulation runs as fast as it can until the
observation is complete and the last scripted action (`--actions FILE`) has been
applied, or `--quit-after` wall seconds have passed. The session is recorded like
any other (RunConfig.data_dir).
"""

from __future__ import annotations

import json
import logging
import sys
import time
from collections import deque
from collections.abc import Iterable
from typing import TextIO

from ketamon.core.events import alarm_event, alarm_line, line_head
from ketamon.core.infusion import CommandError, Phase
from ketamon.core.session import Session, SessionEvent
from ketamon.core.source_choice import SourceChoice
from ketamon.io.actions import Action, apply_action
from ketamon.io.data_dir import data_dir_problem
from ketamon.io.device import device_name
from ketamon.io.device_feed import DeviceFeed
from ketamon.io.device_thread import DeviceThread
from ketamon.io.net.bedside_links import BedsideLinks, start_links
from ketamon.io.port_lock import port_problem
from ketamon.io.run_config import RunConfig, autostart, make_session, recording_meta
from ketamon.io.session_recorder import SessionRecorder
from ketamon.resources_loading import ClinicalResources

log = logging.getLogger(__name__)

MAX_SPEED_STEP_S = 60.0
PACED_TICK_S = 0.05
DRAIN_AT_EXIT_S = 20.0  # MQTT/HL7 still queued at exit: this long to send it (rest stays on disk)
DONE = (Phase.DISCHARGE_READY, Phase.DISCHARGED)


def alarm_json(event: SessionEvent, origin_wall_s: float | None = None) -> str | None:
    """An alarm record as one JSON line (see core/events.alarm_line); None for other records.
    `origin_wall_s`: Unix time of session time 0, for the line's time of day."""
    alarm = alarm_event(event)
    return None if alarm is None else json.dumps(alarm_line(alarm, origin_wall_s))


def refused_json(t_s: float, command: str, reason: str, origin_wall_s: float | None = None) -> str:
    """A refused scripted command as one JSON line, headed like the alarm lines."""
    line = line_head(t_s, origin_wall_s)
    return json.dumps(line | {"event": "refused", "command": command, "reason": reason})


class AlarmLines:
    """Prints each alarm event of a run on `out` as a JSON line with its time of day.

    The time of day needs the run's clock, set once the autostart has placed the
    session (`start_clock`); the autostart's own events wait for it, so every line
    has the clock that `review --events` finds in the recording.
    """

    def __init__(self, out: TextIO):
        self.out = out
        self.origin_wall_s: float | None = None
        self._held: list[SessionEvent] = []

    def start_clock(self, origin_wall_s: float) -> None:
        """Session time 0 was Unix time `origin_wall_s`; the held events go out now."""
        self.origin_wall_s = origin_wall_s
        held, self._held = self._held, []
        for event in held:
            self.on_event(event)

    def on_event(self, event: SessionEvent) -> None:
        if self.origin_wall_s is None:
            if alarm_event(event) is not None:
                self._held.append(event)
            return
        line = alarm_json(event, self.origin_wall_s)
        if line is not None:
            self.out.write(line + "\n")
            self.out.flush()


class ScriptedNurse:
    """Applies scripted actions when session time reaches them; refusals go to `out`
    (with their time of day when `origin_wall_s`, the Unix time of session time 0, is given)."""

    def __init__(self, actions: Iterable[Action], out: TextIO, origin_wall_s: float | None = None):
        self.pending = deque(sorted(actions, key=lambda a: a.t_s))
        self.out = out
        self.origin_wall_s = origin_wall_s

    def next_s(self) -> float | None:
        return self.pending[0].t_s if self.pending else None

    def apply_due(self, session: Session) -> None:
        """Every action due by now, at its own time (or now, if it was due earlier)."""
        while self.pending and self.pending[0].t_s <= session.t_s + 1e-9:
            action = self.pending.popleft()
            self.apply(session, action)

    def apply(self, session: Session, action: Action) -> None:
        t_s = max(action.t_s, session.t_s)
        try:
            apply_action(session, Action(t_s, action.command, action.args))
        except CommandError as exc:
            line = refused_json(t_s, action.command, str(exc), self.origin_wall_s)
            self.out.write(line + "\n")
            self.out.flush()


def storage_warning(problem: str) -> dict:
    """The JSON line a headless run prints at once when recordings cannot be saved."""
    return {
        "t_s": 0.0,
        "event": "warning",
        "priority": "medium",
        "condition": "RECORDING FAILED",
        "kind": "technical",
        "detail": problem,
    }


def run_session(
    session: Session,
    speed: float | None,
    quit_after_s: float | None,
    recorder: SessionRecorder | None = None,
    nurse: ScriptedNurse | None = None,
    links: BedsideLinks | None = None,
    wall_now_s: float | None = None,
) -> None:
    """Advance until observation is complete and no action is pending (or the wall-clock
    limit); speed None = max. `wall_now_s`: the Unix time now (read here when None),
    recorded as the wall time of the session's time now."""
    wall_start = time.monotonic()
    t0 = session.t_s
    if recorder is not None:
        recorder.note_clock(time.time() if wall_now_s is None else wall_now_s, t0, speed or 0.0)
    while session.phase() not in DONE or (nurse is not None and nurse.pending):
        elapsed = time.monotonic() - wall_start
        if quit_after_s is not None and elapsed >= quit_after_s:
            return
        target = session.t_s + MAX_SPEED_STEP_S if speed is None else t0 + elapsed * speed
        due = nurse.next_s() if nurse is not None else None
        if due is not None and due <= target:
            session.advance_to(max(due, session.t_s))
            nurse.apply_due(session)
        else:
            session.advance_to(target)
        if speed is not None:
            time.sleep(PACED_TICK_S)
        if recorder is not None:
            recorder.maybe_flush()
        if links is not None:
            links.poll(session.t_s)


def run_device_session(
    session: Session,
    devices: list[DeviceThread],
    quit_after_s: float | None,
    recorder: SessionRecorder | None = None,
    nurse: ScriptedNurse | None = None,
    links: BedsideLinks | None = None,
    wall_now_s: float | None = None,
) -> None:
    """Live monitors, live time: start when the baseline is in; run until quit-after.

    Several devices: each vital from the first in the list that supplies it
    (core/source_choice.py), each device's equipment alarms its own. Session time 0
    is now: Unix time `wall_now_s` (read here when None).
    """
    t0 = time.monotonic()
    if recorder is not None:
        recorder.note_clock(time.time() if wall_now_s is None else wall_now_s, 0.0, 1.0)
    names = [device_name(d.connection.settings) for d in devices]
    choice = SourceChoice(names) if len(devices) > 1 else None
    feeds = [DeviceFeed(session, lambda m: m - t0, name, choice) for name in names]
    refused = ""
    for device in devices:
        device.start()
    try:
        while quit_after_s is None or time.monotonic() - t0 < quit_after_s:
            for device, feed in zip(devices, feeds, strict=True):
                for batch, stats in device.drain():
                    feed.apply(batch, stats)
            session.advance_to(time.monotonic() - t0)
            if nurse is not None:
                nurse.apply_due(session)
            if session.phase() is Phase.BASELINE and session.baseline is not None:
                try:
                    session.start(
                        session.t_s,
                        review_acknowledged=True,
                        override_reason="headless run with an entered baseline",
                    )
                except CommandError as exc:  # e.g. no HR yet: the start is tried again
                    if str(exc) != refused:
                        refused = str(exc)
                        log.warning("not started yet: %s", exc)
            if session.phase() in DONE and not (nurse is not None and nurse.pending):
                return
            if recorder is not None:
                recorder.maybe_flush()
            if links is not None:
                links.poll(session.t_s)
            time.sleep(PACED_TICK_S)
    except KeyboardInterrupt:
        pass
    finally:
        for device in devices:
            device.stop()


def run_headless(
    config: RunConfig,
    resources: ClinicalResources,
    out: TextIO | None = None,
    quit_after_s: float | None = None,
    actions: Iterable[Action] = (),
    start_wall_s: float | None = None,
) -> int:
    """Run `config` autostarted with no window; alarm events (and refusals) as JSON lines,
    each with its time of day. `start_wall_s`: the Unix time of session time 0 (for
    reproducible lines in tests); the run's start when None."""
    out = out or sys.stdout  # looked up now, so a redirected stdout is honoured
    for device in config.devices:
        if problem := port_problem(device.port):
            log.error("cannot start: %s", problem)
            return 2
    session = make_session(config, resources)
    recorder = None
    if config.data_dir is not None:
        if problem := data_dir_problem(config.data_dir):
            # Said at once, before the session starts; RECORDING FAILED follows once armed.
            log.error("%s", problem)
            out.write(json.dumps(storage_warning(problem)) + "\n")
            out.flush()
        meta = recording_meta(config, resources, headless=True)
        recorder = SessionRecorder(session, config.data_dir, meta)

    lines = AlarmLines(out)
    session.on_event.connect(lines.on_event)
    links = (
        start_links(session, config.net, config.data_dir)
        if config.data_dir and config.net is not None
        else None
    )
    try:
        autostart(session, config, resources)
        # One reading of the wall clock: the recording's clock and every line's time of
        # day, so `review --events` prints the same lines. A simulator's session time
        # runs at --speed; the lines say start + session time (README).
        wall_now_s = time.time()
        if start_wall_s is not None:
            wall_now_s = start_wall_s + session.t_s
        lines.start_clock(wall_now_s - session.t_s)
        if links is not None:  # MQTT and HL7 times of day: the same origin as the lines
            links.set_origin(lines.origin_wall_s)
        nurse = ScriptedNurse(actions, out, lines.origin_wall_s)
        if config.devices:
            if session.baseline is None:
                log.info("waiting for the baseline NIBP readings from the device (or --baseline)")
            devices = [DeviceThread(settings) for settings in config.devices]
            run_device_session(
                session, devices, quit_after_s, recorder, nurse, links, wall_now_s=wall_now_s
            )
        else:
            run_session(
                session, config.speed, quit_after_s, recorder, nurse, links, wall_now_s=wall_now_s
            )
    finally:
        if links is not None:
            links.close(DRAIN_AT_EXIT_S)
        if recorder is not None:
            recorder.close("closed")
    return 0
