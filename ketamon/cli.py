"""The `ketamon` command: GUI by default; see `ketamon --help`."""

from __future__ import annotations

import argparse
import logging
import sys
from dataclasses import replace
from pathlib import Path
from typing import TYPE_CHECKING

import ketamon
from ketamon.core.config import ConfigError, check_number
from ketamon.io.parsers import PARSERS
from ketamon.resources_loading import load_clinical_resources

if TYPE_CHECKING:
    from ketamon.io.run_config import RunConfig

# The session machinery (run_config, actions: numpy, the simulator) is imported where a
# command needs it, after the arguments are checked: a refused argument answers at once.

log = logging.getLogger("ketamon")

DESCRIPTION = (
    "ketamon: bedside dashboard for IV ketamine infusions (timer, dose schedule, vital "
    "signs). Supports monitoring and training; not a certified medical device."
)


def _number(lo: float, hi: float, integer: bool = False, above_lo: bool = False):
    """An argparse type: a finite number in [lo, hi] ((lo, hi] with above_lo), by check_number."""

    def parse(text: str) -> float | int:
        try:
            low = None if above_lo else lo
            value = check_number(text, "argument", "value", low, hi, integer=integer)
        except ConfigError as exc:
            raise argparse.ArgumentTypeError(f"{exc.reason}") from None
        if above_lo and value <= lo:
            raise argparse.ArgumentTypeError(f"must be greater than {lo:g} (got {text})")
        return int(value) if integer else value

    parse.__name__ = "number"  # argparse names the type in its message
    return parse


_positive = _number(0, 1e6, above_lo=True)
_seed = _number(0, 2**32 - 1, integer=True)
_baud = _number(50, 4_000_000, integer=True)
_weight_kg = _number(0, 1000, above_lo=True)  # the drug library's limits are checked after
_quit_after_s = _number(0, 7 * 24 * 3600, above_lo=True)  # at most a week of wall time
_time_s = _number(0, 7 * 24 * 3600)


def _speed(text: str) -> float | None:
    if text == "max":
        return None  # as fast as the machine goes (headless)
    return _number(0, 10000, above_lo=True)(text)


def _geometry(text: str) -> tuple[int, int]:
    """WxH in pixels for the main window, e.g. 1366x768 (a small laptop screen)."""
    parts = text.lower().split("x")
    if len(parts) != 2:
        raise argparse.ArgumentTypeError(
            f"geometry must be WIDTHxHEIGHT, e.g. 1366x768 (got {text!r})"
        )
    width = _number(640, 7680, integer=True)(parts[0])
    height = _number(480, 4320, integer=True)(parts[1])
    return int(width), int(height)


def _baseline(text: str) -> tuple[float, float, float | None]:
    """SBP/DBP[/HR]: whole or decimal numbers a resting patient could have."""
    from ketamon.core.vitals import Vital, is_plausible

    parts = text.split("/")
    if len(parts) not in (2, 3):
        raise argparse.ArgumentTypeError(f"baseline must be SBP/DBP or SBP/DBP/HR (got {text!r})")
    values: list[float] = []
    for part, vital in zip(parts, (Vital.SBP, Vital.DBP, Vital.HR), strict=False):
        try:
            value = float(part)
        except ValueError:
            msg = f"baseline {vital.label} {part!r} is not a number"
            raise argparse.ArgumentTypeError(msg) from None
        if not is_plausible(vital, value):
            raise argparse.ArgumentTypeError(
                f"baseline {vital.label} {part} {vital.unit} is not a plausible value"
            )
        values.append(value)
    if values[1] >= values[0]:
        raise argparse.ArgumentTypeError(f"baseline DBP must be below SBP (got {text})")
    return values[0], values[1], values[2] if len(values) == 3 else None


def _device(text: str) -> tuple[str, str, int | None]:
    """PROTOCOL:PORT[:BAUD] -> (protocol, port, baud or None for the protocol's).

    A pyserial URL port keeps its own ':host:port' (socket://host:5000); a baud
    after it is a further ':BAUD' (socket://host:5000:9600).
    """
    protocol, sep, rest = text.partition(":")
    if not sep or not rest:
        raise argparse.ArgumentTypeError(f"--device must be PROTOCOL:PORT[:BAUD] (got {text!r})")
    if protocol not in PARSERS:
        known = ", ".join(sorted(PARSERS))
        raise argparse.ArgumentTypeError(
            f"--device {text!r}: unknown protocol {protocol!r} ({known})"
        )
    after_scheme = rest.split("://", 1)[-1]
    colons_for_baud = 2 if "://" in rest else 1
    port, baud = rest, None
    if after_scheme.count(":") >= colons_for_baud:
        port, _, baud_text = rest.rpartition(":")
        try:
            baud = _baud(baud_text)
        except argparse.ArgumentTypeError as exc:
            raise argparse.ArgumentTypeError(f"--device {text!r}: baud {exc}") from None
    if not port:
        raise argparse.ArgumentTypeError(f"--device {text!r}: no port")
    return protocol, port, baud


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="ketamon",
        description=DESCRIPTION,
        epilog="Also: 'ketamon review FILE' summarizes a recording or a CSV; 'ketamon emulate "
        "--port DEVICE --protocol NAME' writes simulated vitals to a serial port as a monitor "
        "would. Each has --help.",
    )
    parser.add_argument("--version", action="version", version=f"ketamon {ketamon.__version__}")
    parser.add_argument(
        "--simulate",
        action="store_true",
        help="use the simulated patient (the default while no device is given); "
        "the window says SIMULATION throughout",
    )
    parser.add_argument(
        "--speed",
        type=_speed,
        default=1.0,
        help="session-time speed in simulation, e.g. 60 runs an hour in a minute "
        "(default 1); 'max' runs as fast as possible (headless only)",
    )
    parser.add_argument(
        "--seed", type=_seed, default=1, help="seed of the simulated patient (default 1)"
    )
    parser.add_argument(
        "--weight",
        type=_weight_kg,
        default=70.0,
        help="patient weight in kg for --autostart (default 70)",
    )
    parser.add_argument(
        "--autostart",
        action="store_true",
        help="set up a simulated patient with the default protocol, take the baseline "
        "at once and start the infusion (demos, checks)",
    )
    parser.add_argument(
        "--baseline",
        type=_baseline,
        metavar="SBP/DBP[/HR]",
        help="with --autostart and --port: the entered resting baseline, so the session "
        "starts and arms at once (default: wait for the protocol's baseline readings)",
    )
    parser.add_argument(
        "--quit-after",
        type=_quit_after_s,
        metavar="S",
        help="exit cleanly after S wall-clock seconds",
    )
    parser.add_argument(
        "--headless",
        action="store_true",
        help="no window: run the session and print one JSON object per alarm event",
    )
    parser.add_argument(
        "--alarm-profile",
        metavar="FILE",
        help="alarm profile TOML to use instead of resources/alarm_profiles/default.toml",
    )
    parser.add_argument(
        "--port",
        metavar="DEVICE",
        help="read vitals from the monitor on this serial port (e.g. /dev/ttyUSB0, COM3)",
    )
    parser.add_argument(
        "--allow-port-url",
        action="store_true",
        help="let --port be a pyserial URL (socket://, rfc2217://, loop://; for test rigs "
        "only: spy:// and others can open network connections or write files)",
    )
    parser.add_argument(
        "--protocol",
        choices=sorted(PARSERS),
        default="masimo-ascii",
        help="the monitor's protocol (default masimo-ascii)",
    )
    parser.add_argument(
        "--baud", type=_baud, help="serial speed (default: the protocol's, e.g. 9600)"
    )
    parser.add_argument(
        "--device",
        action="append",
        type=_device,
        metavar="PROTOCOL:PORT[:BAUD]",
        help="a monitor (repeatable, in priority order: each vital comes from the first "
        "device that supplies it), e.g. --device masimo-ascii:/dev/ttyUSB0 "
        "--device ge-s5:/dev/ttyUSB1; instead of --port/--protocol/--baud",
    )
    parser.add_argument(
        "--scenario",
        metavar="NAME|FILE",
        help="training scenario: a bundled one by name (see resources/scenarios) or a TOML file",
    )
    parser.add_argument(
        "--infusion-protocol",
        metavar="ID|FILE",
        help="the treatment protocol: a bundled one by id (see resources/protocols) or a "
        "protocol TOML file (default: the clinic's default protocol)",
    )
    parser.add_argument(
        "--patient-id",
        type=_patient_id,
        default="DEMO",
        metavar="ID",
        help="with --autostart: the patient ID linking this session to the patient's "
        "treatment course (default DEMO; never part of a file name)",
    )
    parser.add_argument(
        "--data-dir",
        metavar="DIR",
        help="where session recordings go (default: the user's data directory, "
        "e.g. ~/.local/share/ketamon/sessions)",
    )
    parser.add_argument(
        "--replay",
        metavar="FILE",
        help="open a recorded session in replay (play, pause, speed, seek)",
    )
    parser.add_argument(
        "--resume",
        action="store_true",
        help="resume an unfinished session (after a crash) without asking",
    )
    add_net_arguments(parser)
    parser.add_argument(
        "--actions",
        metavar="FILE",
        help="headless: a scripted nurse, TOML [[action]] tables with t_s (session seconds), "
        "command and its fields (see README); refused commands print a 'refused' JSON line",
    )
    parser.add_argument(
        "--screenshot",
        metavar="PNG",
        help="save the main window to PNG just before exit (with --quit-after)",
    )
    parser.add_argument(
        "--geometry",
        type=_geometry,
        metavar="WxH",
        help="window size in pixels, e.g. 1366x768 (screenshots, small screens); "
        "default: 1600x900, or the screen if smaller",
    )
    return parser


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


def build_emulate_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="ketamon emulate",
        description="Write the simulator's vitals to a serial port as a monitor would "
        "(training rigs over a cable pair, tests).",
    )
    parser.add_argument("--port", required=True, metavar="DEVICE", help="port to write to")
    parser.add_argument("--protocol", choices=sorted(PARSERS), required=True)
    parser.add_argument("--seed", type=_seed, default=1, help="simulated patient (default 1)")
    parser.add_argument("--speed", type=_speed, default=1.0, help="session-time speed")
    parser.add_argument("--baud", type=_baud, help="serial speed (default: the protocol's)")
    parser.add_argument(
        "--duration", type=_quit_after_s, metavar="S", help="stop after S wall-clock seconds"
    )
    parser.add_argument(
        "--nibp-interval",
        type=_positive,
        metavar="S",
        help="session seconds between cuff readings (default: the protocol's NIBP program)",
    )
    parser.add_argument(
        "--pull-cable-at", type=_positive, metavar="S", help="pull the cable after S wall seconds"
    )
    parser.add_argument(
        "--pull-cable-for",
        type=_positive,
        default=5.0,
        metavar="S",
        help="how long the cable stays out (default 5 s)",
    )
    parser.add_argument(
        "--refuse-association", action="store_true", help="intellivue: refuse the host (tests)"
    )
    parser.add_argument(
        "--drop-link-every",
        type=_positive,
        metavar="S",
        help="intellivue: go silent S session seconds into each association (reconnect tests)",
    )
    return parser


def emulate(argv: list[str]) -> int:
    args = build_emulate_parser().parse_args(argv)
    if args.speed is None:
        build_emulate_parser().error("--speed max makes no sense on a serial line")
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


def build_review_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="ketamon review",
        description="Summarize a session: from a ketamon recording, or from a CSV of vitals "
        "exported by another monitor. Alarms are judged by the same engine and profile as live.",
    )
    parser.add_argument("file", help="a .ketamon recording or a CSV file")
    parser.add_argument("--json", action="store_true", help="print the summary as JSON")
    parser.add_argument(
        "--events",
        action="store_true",
        help="print the rebuilt alarm events as JSON lines, exactly as --headless prints them",
    )
    parser.add_argument(
        "--columns",
        help="CSV only: which columns hold which vital, e.g. "
        "hr=HR,sbp=NBPSys,dbp=NBPDias,map=NBPMean,spo2=SpO2,rr=RESP",
    )
    parser.add_argument(
        "--zero-is-missing", action="store_true", help="CSV only: a 0 means 'not connected'"
    )
    parser.add_argument("--weight", type=_weight_kg, help="CSV only: weight in kg for an infusion")
    parser.add_argument(
        "--infusion-start",
        type=_time_s,
        metavar="S",
        help="CSV only: place the default protocol's infusion starting at S seconds",
    )
    parser.add_argument("--alarm-profile", metavar="FILE", help="judge with this profile")
    parser.add_argument(
        "--export-csv", metavar="DIR", help="recordings: also write vitals and events CSVs here"
    )
    parser.add_argument(
        "--report", metavar="PDF", help="recordings: also write the PDF session report"
    )
    parser.add_argument("--hl7", metavar="OUT", help="recordings: write an HL7 v2 ORU^R01 batch")
    parser.add_argument("--fhir", metavar="OUT", help="recordings: write a FHIR R4 Bundle (JSON)")
    parser.add_argument("--fhir-url", metavar="URL", help="recordings: POST the FHIR Bundle")
    parser.add_argument("--site", default="clinic", help="site name in HL7 (default clinic)")
    parser.add_argument("--bed", default="review", help="bed name in HL7 (default review)")
    parser.add_argument(
        "--net-config", metavar="FILE", help="the clinic's network TOML ([privacy] patient ID)"
    )
    return parser


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


def _patient_id(text: str) -> str:
    from ketamon.core.course import PatientIdError, check_patient_id

    try:
        return check_patient_id(text)
    except PatientIdError as exc:
        raise argparse.ArgumentTypeError(str(exc)) from None


def build_course_parser(add_score: bool) -> argparse.ArgumentParser:
    from ketamon.core.scores import SCALES

    if add_score:
        parser = argparse.ArgumentParser(
            prog="ketamon course add-score",
            description="Append a follow-up score to a closed session (its own record, "
            "with the time it was entered; nothing recorded is rewritten).",
        )
        parser.add_argument("file", help="the session's recording (.ketamon)")
        parser.add_argument("--scale", required=True, choices=list(SCALES))
        parser.add_argument("--value", required=True, type=_number(0, 60, integer=True))
        return parser
    parser = argparse.ArgumentParser(
        prog="ketamon course",
        description="A patient's treatment course from the recordings on this laptop "
        "(also: ketamon course add-score FILE --scale phq9 --value 8).",
    )
    parser.add_argument("patient_id", type=_patient_id, help="the patient ID entered at setup")
    parser.add_argument("--json", action="store_true", help="print the course as JSON")
    parser.add_argument("--report", metavar="PDF", help="also write the course report as PDF")
    parser.add_argument("--data-dir", metavar="DIR", help="where the recordings are")
    return parser


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


def add_net_arguments(parser: argparse.ArgumentParser) -> None:
    """--mqtt/--bed/--site/--mqtt-config/--hl7-mllp (GUI and headless)."""
    group = parser.add_argument_group("clinic network (README: a clinic)")
    group.add_argument("--mqtt", metavar="URL", help="publish to this MQTT broker (mqtt://h:1883)")
    group.add_argument("--bed", metavar="NAME", help="this bed's name on the broker and in HL7")
    group.add_argument("--site", metavar="NAME", default="clinic", help="site (default clinic)")
    group.add_argument(
        "--mqtt-config", metavar="FILE", help="TOML: broker user/password/CA, what may leave"
    )
    group.add_argument("--hl7-mllp", metavar="HOST:PORT", help="send HL7 v2 ORU^R01 over MLLP")


def net_plan(parser: argparse.ArgumentParser, args: argparse.Namespace):
    """The network targets of the flags; a bad flag is a usage error, a bad file ConfigError."""
    from ketamon.io.net.net_config import UsageError, make_net_plan

    config_path = Path(args.mqtt_config) if args.mqtt_config else None
    try:
        return make_net_plan(args.mqtt, args.hl7_mllp, args.bed, args.site, config_path)
    except UsageError as exc:
        parser.error(str(exc))


def central(argv: list[str]) -> int:
    """`ketamon central --mqtt URL [--site NAME]`: the central station window (read-only)."""
    parser = argparse.ArgumentParser(
        prog="ketamon central", description="Central station: one tile per publishing bed."
    )
    parser.add_argument("--mqtt", required=True, metavar="URL", help="the clinic's MQTT broker")
    parser.add_argument("--site", default="clinic", help="site name (default clinic)")
    parser.add_argument("--mqtt-config", metavar="FILE", help="TOML: broker user/password/CA")
    parser.add_argument("--quit-after", type=_quit_after_s, metavar="S", help="close after S s")
    parser.add_argument("--screenshot", metavar="PNG", help="save the window at --quit-after")
    args = parser.parse_args(argv)
    from ketamon.ui.central_window import run_central_station

    config_path = Path(args.mqtt_config) if args.mqtt_config else None
    return run_central_station(args.mqtt, args.site, config_path, args.quit_after, args.screenshot)


def run_config(args: argparse.Namespace) -> RunConfig:
    """The typed run configuration of the main command's arguments (the only translation)."""
    from ketamon.core.scenario import find_scenario
    from ketamon.io.device import port_settings
    from ketamon.io.run_config import RunConfig, SourceKind
    from ketamon.paths import default_data_dir
    from ketamon.resources import scenarios_dir

    scenario = find_scenario(args.scenario, scenarios_dir()) if args.scenario else None
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
