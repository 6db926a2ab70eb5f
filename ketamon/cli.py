"""The `ketamon` command: GUI by default; see `ketamon --help`.

Runs each subcommand (emulate, review, course, central) and the main one with the
arguments the parsers in cli_args.py check, translated to a typed RunConfig here.
"""

from __future__ import annotations

import argparse
import logging
import os
import sys
from dataclasses import replace
from pathlib import Path
from typing import TYPE_CHECKING

from ketamon.cli_args import (
    build_central_parser,
    build_course_parser,
    build_emulate_parser,
    build_parser,
    build_review_parser,
)
from ketamon.core.config import ConfigError
from ketamon.resources_loading import load_clinical_resources

if TYPE_CHECKING:
    from ketamon.io.run_config import RunConfig

# The session machinery (run_config, actions: numpy, the simulator) is imported where a
# command needs it, after the arguments are checked: a refused argument answers at once.

log = logging.getLogger("ketamon")


def check_port_argument(port: str, allow_url: bool) -> str | None:
    """Why `port` is refused, or None. Only device paths unless pyserial URLs are allowed.

    pyserial opens URLs such as socket://host:port (a network connection) or
    spy://...?file=PATH (writes a file); a bedside app must not do that by accident.
    """
    if "://" in port and not allow_url:
        return f"--port {port!r} is a URL, not a serial device; use --allow-port-url for test rigs"
    return None


def check_weight(weight_kg: float, resources) -> None:
    """The drug library's weight limits, as setup would apply them (ConfigError if outside)."""
    finding = resources.library.weight_kg.check("weight_kg", weight_kg)
    if finding is not None:
        raise ConfigError("--weight", "", finding.message)


def emulate(argv: list[str]) -> int:
    args = build_emulate_parser().parse_args(argv)
    if args.speed is None:
        build_emulate_parser().error("--speed max makes no sense on a serial line")
    problem = check_port_argument(args.port, args.allow_port_url)
    if problem is not None:
        build_emulate_parser().error(problem)
    from ketamon.io.emulator import EmulatorRun, run_emulator
    from ketamon.io.parsers import make_parser

    resources = load_clinical_resources()
    baud = args.baud or make_parser(args.protocol).default_baud
    run = EmulatorRun(
        args.port,
        args.protocol,
        args.seed,
        args.speed,
        baud,
        args.duration,
        args.nibp_interval,
        args.pull_cable_at,
        args.pull_cable_for,
        _intellivue_options(args),
    )
    return run_emulator(resources, run)


def _intellivue_options(args: argparse.Namespace) -> dict:
    side = {"refuse_association": True} if args.refuse_association else {}
    if args.drop_link_every:
        side["drop_link_every_s"] = args.drop_link_every
    if side and args.protocol != "intellivue":
        build_emulate_parser().error("--refuse-association/--drop-link-every: intellivue only")
    return side


def export_recording(path: Path, summary: dict, csv_dir: str | None, pdf: str | None) -> None:
    from ketamon.io.export import export_csv
    from ketamon.io.recording import Recording

    if csv_dir:
        for written in export_csv(Recording(path), Path(csv_dir)):
            log.info("wrote %s", written)
    if pdf:
        from PySide6.QtGui import QGuiApplication

        from ketamon.ui.report import write_report

        _app = QGuiApplication.instance() or QGuiApplication(["ketamon"])  # fonts for the PDF
        log.info("wrote %s", write_report(Path(pdf), summary, Recording(path)))


def review(argv: list[str]) -> int:
    from ketamon.io.csv_import import CsvImportError
    from ketamon.io.net.recording_export import ExportError, NetExport, export_session
    from ketamon.io.rebuild import RebuildError
    from ketamon.io.recording import RecordingError
    from ketamon.review import (
        ReviewError,
        format_text,
        parse_columns,
        review_csv,
        review_events,
        review_recording,
        to_json,
    )

    parser = build_review_parser()
    args = parser.parse_args(argv)
    path = Path(args.file)
    lines: list[str] = []
    summary: dict = {}
    try:
        resources = load_clinical_resources(
            Path(args.alarm_profile) if args.alarm_profile else None
        )
        if path.suffix.lower() == ".csv":
            if args.events:
                parser.error("--events: recordings only")
            if not args.columns:
                parser.error("a CSV needs --columns (e.g. hr=HR,sbp=NBPSys,dbp=NBPDias)")
            summary = review_csv(
                path,
                resources,
                parse_columns(args.columns),
                args.zero_is_missing,
                args.weight,
                args.infusion_start,
            )
        elif args.events:
            lines = review_events(path, resources)
        else:
            summary = review_recording(path, resources)
            export_recording(path, summary, args.export_csv, args.report)
            export = NetExport(
                *(Path(p) if p else None for p in (args.hl7, args.fhir)),
                args.fhir_url,
                args.site,
                args.bed,
                Path(args.net_config) if args.net_config else None,
            )
            export_session(path, resources, export)
    except (
        ConfigError,
        RecordingError,
        ReviewError,
        RebuildError,
        CsvImportError,
        ExportError,
        OSError,
    ) as exc:
        log.error("%s", exc)
        return 2
    if args.events:
        sys.stdout.write("".join(line + "\n" for line in lines))
    else:
        sys.stdout.write((to_json(summary) if args.json else format_text(summary)) + "\n")
    return 0


def course(argv: list[str]) -> int:
    from ketamon.core.scores import ScoreError
    from ketamon.course import course_command
    from ketamon.io.course_store import FollowUpError, add_follow_up_score
    from ketamon.paths import default_data_dir

    if argv[:1] == ["add-score"]:
        args = build_course_parser(add_score=True).parse_args(argv[1:])
        try:
            add_follow_up_score(Path(args.file), args.scale, args.value)
        except (FollowUpError, ScoreError, OSError) as exc:
            log.error("%s", exc)
            return 2
        log.info("follow-up %s %d added to %s", args.scale, args.value, args.file)
        return 0
    args = build_course_parser(add_score=False).parse_args(argv)
    try:
        resources = load_clinical_resources()
        data_dir = Path(args.data_dir) if args.data_dir else default_data_dir()
        report = Path(args.report) if args.report else None
        return course_command(args.patient_id, data_dir, resources, args.json, report, sys.stdout)
    except (ConfigError, OSError) as exc:
        log.error("%s", exc)
        return 2


def net_plan(parser: argparse.ArgumentParser, args: argparse.Namespace):
    """The network targets of the flags (None: no network flag); a bad flag is a usage
    error, a bad file ConfigError."""
    if not (args.mqtt or args.hl7_mllp or args.bed or args.mqtt_config):
        return None
    from ketamon.io.net.net_config import UsageError, make_net_plan

    config_path = Path(args.mqtt_config) if args.mqtt_config else None
    try:
        return make_net_plan(args.mqtt, args.hl7_mllp, args.bed, args.site, config_path)
    except UsageError as exc:
        parser.error(str(exc))


def central(argv: list[str]) -> int:
    """`ketamon central --mqtt URL [--site NAME]`: the central station window (read-only)."""
    args = build_central_parser().parse_args(argv)
    from ketamon.ui.central_window import run_central_station

    config_path = Path(args.mqtt_config) if args.mqtt_config else None
    return run_central_station(args.mqtt, args.site, config_path, args.quit_after, args.screenshot)


def run_config(args: argparse.Namespace) -> RunConfig:
    """The typed run configuration of the main command's arguments (the only translation)."""
    from ketamon.core.scenario import find_scenario
    from ketamon.io.run_config import RunConfig, SourceKind
    from ketamon.paths import default_data_dir
    from ketamon.resources import scenarios_dir

    scenario = find_scenario(args.scenario, scenarios_dir()) if args.scenario else None
    devices = ()
    if args.device or args.port:
        from ketamon.io.device import port_settings  # serial code only when a monitor is used

        devices = tuple(
            port_settings(port, protocol, baud, args.allow_port_url)
            for protocol, port, baud in (args.device or [])
        )
    if args.port:
        devices = (port_settings(args.port, args.protocol, args.baud, args.allow_port_url),)
    if devices:
        source = SourceKind.DEVICES
    elif scenario is not None:
        source = SourceKind.SCENARIO
    else:
        source = SourceKind.SIMULATOR
    chosen = args.infusion_protocol
    is_file = chosen is not None and (chosen.endswith(".toml") or "/" in chosen or "\\" in chosen)
    return RunConfig(
        source=source,
        protocol_id=None if is_file else chosen,
        protocol_file=Path(chosen) if is_file else None,
        seed=args.seed,
        scenario=scenario,
        devices=devices,
        weight_kg=args.weight,
        speed=args.speed,
        data_dir=Path(args.data_dir) if args.data_dir else default_data_dir(),
        baseline=args.baseline,
        patient_id=args.patient_id,
    )


def main(argv: list[str] | None = None) -> int:
    # One BLAS thread, set before numpy is first imported (this module's imports do not
    # import it; tests/ui/test_startup_imports.py checks). ketamon's largest matrix is the
    # PK model's 4x4, which OpenBLAS computes on one thread anyway, but the worker threads
    # it starts when numpy loads spin on the other core first: about 0.1 s of CPU at every
    # start on a 2-core laptop, for nothing (bench/startup.py). A value already set is kept.
    os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")
    # Diagnostics go to stderr; stdout is the command's own output (JSON in --headless).
    logging.basicConfig(
        level=logging.INFO, format="%(levelname)s %(name)s: %(message)s", stream=sys.stderr
    )
    argv = sys.argv[1:] if argv is None else argv
    if argv[:1] == ["emulate"]:
        return emulate(argv[1:])
    if argv[:1] == ["review"]:
        return review(argv[1:])
    if argv[:1] == ["course"]:
        return course(argv[1:])
    if argv[:1] == ["central"]:
        return central(argv[1:])
    parser = build_parser()
    args = parser.parse_args(argv)
    if args.port and args.device:
        parser.error("--port and --device exclude each other (--device is repeatable)")
    ports = [args.port] if args.port else [port for _p, port, _b in args.device or []]
    if len(set(ports)) != len(ports):
        twice = next(p for p in ports if ports.count(p) > 1)
        parser.error(f"--device: port {twice} is given twice (one monitor per port)")
    if ports and (args.simulate or args.scenario):
        parser.error("--simulate/--scenario and --port/--device exclude each other")
    if args.baseline and not ports:
        parser.error(
            "--baseline needs --port or --device: a simulated patient's baseline is measured"
        )
    if args.screenshot and args.quit_after is None:
        parser.error("--screenshot needs --quit-after")
    if args.speed is None and not args.headless:
        parser.error("--speed max needs --headless")
    if args.actions and not args.headless:
        parser.error("--actions needs --headless (in the window, the nurse acts)")
    if args.headless and not args.autostart:
        log.error("--headless needs --autostart: there is no nurse to set up the session")
        return 2
    for port in ports:
        problem = check_port_argument(port, args.allow_port_url)
        if problem:
            parser.error(problem)
    from ketamon.io.actions import ActionsError, load_actions
    from ketamon.io.run_config import with_chosen_protocol

    try:
        resources = load_clinical_resources(
            Path(args.alarm_profile) if args.alarm_profile else None
        )
        config = run_config(args)
        resources = with_chosen_protocol(config, resources)
        actions = load_actions(Path(args.actions)) if args.actions else []
        if args.autostart and config.scenario is None:
            check_weight(args.weight, resources)
        config = replace(config, net=net_plan(parser, args))  # --mqtt, --hl7-mllp
    except (ConfigError, ActionsError) as exc:
        log.error("cannot start: %s", exc)
        if not args.headless:
            from ketamon.ui.app import show_startup_error

            show_startup_error(str(exc), args.quit_after)
        return 2
    if args.headless:
        from ketamon.headless import run_headless

        return run_headless(config, resources, quit_after_s=args.quit_after, actions=actions)
    from ketamon.ui.app import GuiOptions, run_gui

    options = GuiOptions(
        replay=Path(args.replay) if args.replay else None,
        resume=args.resume,
        autostart=args.autostart,
        quit_after_s=args.quit_after,
        screenshot=Path(args.screenshot) if args.screenshot else None,
        geometry=args.geometry,
    )
    return run_gui(config, resources, options)


if __name__ == "__main__":
    sys.exit(main())
