"""Each device parser's throughput, printed against its goal, and the CPU share at line rate.

    python bench/parsers.py [--seconds N] [--runs N] [--json]

Frames are the emulator's (a seeded simulated patient; monitors that must be
asked get the host's request first). The data is fed in 256-byte reads, as they
arrive from a port; frames per CPU second of parsing. Goals: Masimo 250,000 lines/s
(issue 15); the others 100x their wire rate at the default baud (a full line at most
1% of one core).
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from common import cpu_s, emit, figure  # noqa: E402

from ketamon.io.emulator import MONITOR_SIDES, Emulator  # noqa: E402
from ketamon.io.parsers import PARSERS, make_parser  # noqa: E402
from ketamon.resources_loading import load_clinical_resources  # noqa: E402

# Frames a second each parser should reach (None: no goal set yet). Line protocols
# count lines. The Masimo goal is issue 15's.
GOALS_FRAMES_PER_S: dict[str, float | None] = {
    "masimo-ascii": 250_000,
    "ketamon-text": None,
    "ge-s5": None,
    "intellivue": None,
}


def emulated_bytes(resources, name: str, seconds: int) -> bytes:
    """What the emulated monitor sends in `seconds` of session time, asked as the host asks."""
    emulator = Emulator.demo(resources, name, seed=1)
    emulator.receive(make_parser(name).on_connect(0.0))
    return b"".join(emulator.next_second() for _ in range(seconds))


def intellivue_bytes(resources, name: str, seconds: int) -> bytes:
    """What an IntelliVue answers: the association, then one numerics poll result a second."""
    from ketamon.io.parsers.intellivue_export import ext_poll_request
    from ketamon.io.parsers.intellivue_frames import frame

    emulator = Emulator.demo(resources, name, seed=1)
    out = [emulator.receive(make_parser(name).on_connect(0.0))]
    for second in range(seconds):
        emulator.next_second()
        out.append(emulator.receive(frame(ext_poll_request(second & 0xFFFF, second & 0xFFFF))))
    return b"".join(out)


# Monitors that answer polls instead of streaming: how to get their bytes.
POLLED_SOURCES = {"intellivue": intellivue_bytes}


def line_bits(name: str) -> int:
    """Bits a byte takes on the wire: start, 8 data, parity if any, stop."""
    return 11 if make_parser(name).default_parity != "N" else 10


FIGURE_NAMES = {
    "masimo-ascii": ("masimo_lines_per_s", "lines/s"),
    "ketamon-text": ("ketamon_text_lines_per_s", "lines/s"),
    "ge-s5": ("ge_s5_frames_per_s", "frames/s"),
    "intellivue": ("intellivue_frames_per_s", "frames/s"),
}
# Where issue 15 sets no goal: a full line at the protocol's baud rate may take at most
# 1% of one core, so the parser must reach 100x the wire's frame rate.
WIRE_MARGIN = 100.0


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=int, default=3600, help="emulated seconds of data")
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args()
    resources = load_clinical_resources()
    figures = {}
    for name in PARSERS:
        if name not in MONITOR_SIDES:
            if not args.json:
                sys.stdout.write(f"{name:14s} no emulator: skipped\n")
            continue
        # GE S/5 sends one record every 5 s: give it as many frames as the others.
        seconds = args.seconds * (5 if name == "ge-s5" else 1)
        data = POLLED_SOURCES.get(name, emulated_bytes)(resources, name, seconds)
        probe = make_parser(name)
        probe.feed(data)
        frames = probe.stats.frames
        chunks = [data[i : i + 256] for i in range(0, len(data), 256)]

        def parse(chunks=chunks, name=name):
            p = make_parser(name)
            for chunk in chunks:
                p.feed(chunk)

        parse()  # warm-up
        rates = [frames / cpu_s(parse) for _ in range(args.runs)]
        bytes_per_frame = len(data) / frames
        baud = make_parser(name).default_baud
        wire_frames_per_s = baud / line_bits(name) / bytes_per_frame
        goal = GOALS_FRAMES_PER_S.get(name) or WIRE_MARGIN * wire_frames_per_s
        figure_name, unit = FIGURE_NAMES.get(name, (f"{name}_frames_per_s", "frames/s"))
        figures[figure_name] = figure(rates, round(goal), unit, better="higher")
    emit(figures)
    return 0


if __name__ == "__main__":
    sys.exit(main())
