"""`ketamon --headless`: the same session pipeline with no window, alarm events as JSON lines.

For checks, benchmarks and training scripts. Reads the wall clock only to pace
`--speed X`; at `--speed max` the simulation runs as fast as it can until the
observation is complete or `--quit-after` wall seconds have passed. The session
is recorded like any other (`--data-dir`).
"""

from __future__ import annotations

import json
import logging
import sys
import time
from argparse import Namespace
from pathlib import Path
from typing import TextIO

from ketamon.core.baseline import Baseline
from ketamon.core.dosing import Patient, make_plan
from ketamon.core.infusion import Phase
from ketamon.core.session import Session, SessionEvent
from ketamon.core.simulation import autostart_demo, scenario_session, simulated_session
from ketamon.core.simulator import PatientProfile
from ketamon.io.data_dir import data_dir_problem
from ketamon.io.device import port_settings
from ketamon.io.device_feed import DeviceFeed
from ketamon.io.device_thread import DeviceThread
from ketamon.io.net.bedside_links import BedsideLinks, NetPlan, start_links
from ketamon.io.port_lock import port_problem
from ketamon.io.session_recorder import SessionRecorder
from ketamon.paths import default_data_dir
from ketamon.resources_loading import ClinicalResources

log = logging.getLogger(__name__)

MAX_SPEED_STEP_S = 60.0
PACED_TICK_S = 0.05
DRAIN_AT_EXIT_S = 20.0  # MQTT/HL7 still queued at exit: this long to send it (rest stays on disk)


def alarm_json(event: SessionEvent) -> str:
    """One alarm event as a JSON object: session time, event, priority, condition, value, limit."""
    data = event.data
    return json.dumps(
        {
            "t_s": round(event.t_s, 3),
            "event": event.kind.removeprefix("alarm."),
            "priority": data.get("priority"),
            "condition": event.message,
            "value": data.get("value"),
            "limit": None if data.get("limit") is None else round(data["limit"], 1),
            "alarm_id": data.get("alarm_id"),
            "kind": data.get("kind"),
            "detail": data.get("detail"),
        }
    )


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


def start_demo_session(
    resources: ClinicalResources, seed: int, weight_kg: float, profile: PatientProfile | None
) -> Session:
    """A simulated session with the default protocol, baseline taken, infusion started."""
    session = simulated_session(
        resources.library, seed, profile=profile, alarm_profile=resources.alarm_profile
    )
    autostart_demo(session, resources.protocols[0], weight_kg)
    return session


def run_session(
    session: Session,
    speed: float | None,
    quit_after_s: float | None,
    recorder: SessionRecorder | None = None,
    links: BedsideLinks | None = None,
) -> None:
    """Advance until observation is complete (or the wall-clock limit); speed None = max."""
    wall_start = time.monotonic()
    t0 = session.t_s
    if recorder is not None:
        recorder.note_clock(time.time(), t0, speed or 0.0)
    while session.phase() not in (Phase.DISCHARGE_READY, Phase.DISCHARGED):
        elapsed = time.monotonic() - wall_start
        if quit_after_s is not None and elapsed >= quit_after_s:
            return
        if speed is None:
            session.advance_to(session.t_s + MAX_SPEED_STEP_S)
        else:
            session.advance_to(t0 + elapsed * speed)
            time.sleep(PACED_TICK_S)
        if recorder is not None:
            recorder.maybe_flush()
        if links is not None:
            links.poll(session.t_s)


def run_device_session(
    session: Session,
    device: DeviceThread,
    quit_after_s: float | None,
    recorder: SessionRecorder | None = None,
    links: BedsideLinks | None = None,
) -> None:
    """Live monitor, live time: start when the baseline is in; run until quit-after."""
    t0 = time.monotonic()
    if recorder is not None:
        recorder.note_clock(time.time(), 0.0, 1.0)
    feed = DeviceFeed(session, lambda m: m - t0)
    device.start()
    try:
        while quit_after_s is None or time.monotonic() - t0 < quit_after_s:
            for batch, stats in device.drain():
                feed.apply(batch, stats)
            session.advance_to(time.monotonic() - t0)
            if session.phase() is Phase.BASELINE and session.baseline is not None:
                session.start(session.t_s, review_acknowledged=True)
            if session.phase() in (Phase.DISCHARGE_READY, Phase.DISCHARGED):
                return
            if recorder is not None:
                recorder.maybe_flush()
            if links is not None:
                links.poll(session.t_s)
            time.sleep(PACED_TICK_S)
    except KeyboardInterrupt:
        pass
    finally:
        device.stop()


def recording_meta(args: Namespace, resources: ClinicalResources) -> dict:
    """What a recording says about where its data came from."""
    settings = port_settings(args)
    scenario = getattr(args, "scenario", None)
    if scenario is not None:
        source = {
            "kind": "simulator",
            "seed": scenario.seed,
            "scenario": scenario.id,
            "scenario_file": str(scenario.path),
        }
    elif settings is None:
        source = {"kind": "simulator", "seed": args.seed}
    else:
        source = {
            "kind": "device",
            "port": settings.port,
            "protocol": settings.protocol,
            "baud": settings.baud,
            "parity": settings.parity,
        }
    return {"source": source, "alarm_profile": resources.alarm_profile.name, "headless": True}


def run_headless(
    args: Namespace,
    resources: ClinicalResources,
    out: TextIO | None = None,
    profile: PatientProfile | None = None,
) -> int:
    out = out or sys.stdout  # looked up now, so a redirected stdout is honoured
    if not args.autostart:
        log.error("--headless needs --autostart: there is no nurse to set up the session")
        return 2
    settings = port_settings(args)
    if settings is not None and (problem := port_problem(settings.port)):
        log.error("cannot start: %s", problem)
        return 2
    data_dir = Path(args.data_dir) if args.data_dir else default_data_dir()
    scenario = getattr(args, "scenario", None)
    if settings is not None:
        session = Session(resources.library, simulated=False, alarm_profile=resources.alarm_profile)
    elif scenario is not None:
        session = scenario_session(resources.library, scenario, resources.alarm_profile)
        args.weight = scenario.patient.weight_kg
    else:
        session = simulated_session(
            resources.library, args.seed, profile=profile, alarm_profile=resources.alarm_profile
        )
    if problem := data_dir_problem(data_dir):
        # Said at once, before the session starts; RECORDING FAILED follows once armed.
        log.error("%s", problem)
        out.write(json.dumps(storage_warning(problem)) + "\n")
        out.flush()
    recorder = SessionRecorder(session, data_dir, recording_meta(args, resources))

    def on_event(event: SessionEvent) -> None:
        if event.kind.startswith("alarm."):
            out.write(alarm_json(event) + "\n")
            out.flush()

    session.on_event.connect(on_event)
    links = start_links(session, getattr(args, "net", None) or NetPlan(), data_dir)
    try:
        if settings is not None:
            plan = make_plan(resources.protocols[0], Patient(args.weight, patient_id="DEMO"), 1.0)
            session.configure(plan, [], 0.0)
            if getattr(args, "baseline", None) is not None:
                sbp, dbp, hr = args.baseline
                session.enter_baseline(0.0, Baseline(sbp, dbp, hr, None, "entered"))
            else:
                log.info("waiting for the baseline NIBP readings from the device (or --baseline)")
            run_device_session(session, DeviceThread(settings), args.quit_after, recorder, links)
        else:
            autostart_demo(session, resources.protocols[0], args.weight)
            run_session(session, args.speed, args.quit_after, recorder, links)
    finally:
        if links is not None:
            links.close(DRAIN_AT_EXIT_S)
        recorder.close("closed")
    return 0
