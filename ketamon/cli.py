"""The `ketamon` command: GUI by default; see `ketamon --help`."""

from __future__ import annotations

import argparse
import logging
import sys

import ketamon

DESCRIPTION = (
    "ketamon: bedside dashboard for IV ketamine infusions (timer, dose schedule, vital "
    "signs). Supports monitoring and training; not a certified medical device."
)


def _speed(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"speed must be a number (got {text!r})") from None
    if not 0 < value <= 10000:
        raise argparse.ArgumentTypeError("speed must be between 0 and 10000")
    return value


def _positive(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a number") from None
    if value <= 0:
        raise argparse.ArgumentTypeError(f"must be greater than 0 (got {text})")
    return value


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="ketamon", description=DESCRIPTION)
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
        help="session-time speed in simulation, e.g. 60 runs an hour in a minute (default 1)",
    )
    parser.add_argument(
        "--seed", type=int, default=1, help="seed of the simulated patient (default 1)"
    )
    parser.add_argument(
        "--weight",
        type=_positive,
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
        "--quit-after",
        type=_positive,
        metavar="S",
        help="exit cleanly after S wall-clock seconds",
    )
    parser.add_argument(
        "--screenshot",
        metavar="PNG",
        help="save the main window to PNG just before exit (with --quit-after)",
    )
    return parser


def main(argv: list[str] | None = None) -> int:
    logging.basicConfig(level=logging.INFO, format="%(levelname)s %(name)s: %(message)s")
    args = build_parser().parse_args(argv)
    if args.screenshot and args.quit_after is None:
        build_parser().error("--screenshot needs --quit-after")
    from ketamon.ui.app import run_gui

    return run_gui(args)


if __name__ == "__main__":
    sys.exit(main())
