"""The `ketamon` command line's argument parsers and argument types, one builder per command.

Each argument type checks its text where it enters (finite, in range) and says why
it refuses; cli.py runs the commands with what these parse. Only cli.py imports this.
"""

from __future__ import annotations

import argparse

import ketamon
from ketamon.core.config import ConfigError, check_number
from ketamon.io.protocol_names import PROTOCOL_NAMES

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
    """A speed factor (session s per wall s), or None for 'max'."""
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
    if protocol not in PROTOCOL_NAMES:
        known = ", ".join(sorted(PROTOCOL_NAMES))
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
    """The main command's arguments (GUI, headless, devices, simulation, replay)."""
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
        choices=sorted(PROTOCOL_NAMES),
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


def build_emulate_parser() -> argparse.ArgumentParser:
    """`ketamon emulate`: a simulated monitor on a serial port."""
    parser = argparse.ArgumentParser(
        prog="ketamon emulate",
        description="Write the simulator's vitals to a serial port as a monitor would "
        "(training rigs over a cable pair, tests).",
    )
    parser.add_argument("--port", required=True, metavar="DEVICE", help="port to write to")
    parser.add_argument(
        "--allow-port-url",
        action="store_true",
        help="accept a pyserial URL (loop://, socket://...) as --port: test rigs only",
    )
    parser.add_argument("--protocol", choices=sorted(PROTOCOL_NAMES), required=True)
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


def build_review_parser() -> argparse.ArgumentParser:
    """`ketamon review`: summarize a recording or a CSV of vitals."""
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


def _patient_id(text: str) -> str:
    """A patient ID as setup accepts it (core/course.py)."""
    from ketamon.core.patient_id import PatientIdError, check_patient_id

    try:
        return check_patient_id(text)
    except PatientIdError as exc:
        raise argparse.ArgumentTypeError(str(exc)) from None


def build_course_parser(add_score: bool) -> argparse.ArgumentParser:
    """`ketamon course PATIENT_ID`, or with `add_score` `ketamon course add-score FILE`."""
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


def build_central_parser() -> argparse.ArgumentParser:
    """`ketamon central`: the central station's arguments."""
    parser = argparse.ArgumentParser(
        prog="ketamon central", description="Central station: one tile per publishing bed."
    )
    parser.add_argument("--mqtt", required=True, metavar="URL", help="the clinic's MQTT broker")
    parser.add_argument("--site", default="clinic", help="site name (default clinic)")
    parser.add_argument("--mqtt-config", metavar="FILE", help="TOML: broker user/password/CA")
    parser.add_argument("--quit-after", type=_quit_after_s, metavar="S", help="close after S s")
    parser.add_argument("--screenshot", metavar="PNG", help="save the window at --quit-after")
    return parser
