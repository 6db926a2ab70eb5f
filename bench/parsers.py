"""Each device parser's throughput, and the CPU share it would take at 115200 baud.

    python bench/parsers.py [--seconds N]

Frames are the emulator's (a seeded simulated patient). The baseline in the same
run is splitting the same bytes into lines and nothing else.
"""

from __future__ import annotations

import argparse
import sys
import time

from ketamon.io.emulator import Emulator
from ketamon.io.parsers import PARSERS, make_parser
from ketamon.resources_loading import load_clinical_resources

LINE_RATE_BYTES_PER_S = 115200 / 10  # 8N1: 10 bits a byte on the wire


def best_of(runs: int, work) -> float:
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        work()
        times.append(time.perf_counter() - start)
    return min(times)


def streamed_bytes(resources, name: str, seconds: int) -> bytes:
    """What a streaming monitor sends in `seconds` of the demo patient."""
    emulator = Emulator.demo(resources, name, seed=1)
    return b"".join(emulator.next_second() for _ in range(seconds))


def intellivue_bytes(resources, name: str, seconds: int) -> bytes:
    """What an IntelliVue answers to one extended numerics poll a second (after associating)."""
    from ketamon.io.parsers.intellivue_export import ext_poll_request
    from ketamon.io.parsers.intellivue_frames import frame
    from ketamon.io.parsers.intellivue_messages import association_request

    emulator = Emulator.demo(resources, name, seed=1)
    out = [emulator.receive(frame(association_request()))]
    for second in range(seconds):
        emulator.next_second()
        out.append(emulator.receive(frame(ext_poll_request(second & 0xFFFF, second & 0xFFFF))))
    return b"".join(out)


# Protocol -> how to make its bytes; streaming protocols by default.
SOURCES = {"intellivue": intellivue_bytes}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=int, default=3600, help="emulated seconds of data")
    args = parser.parse_args()
    resources = load_clinical_resources()
    for name in PARSERS:
        data = SOURCES.get(name, streamed_bytes)(resources, name, args.seconds)
        frames = len(make_parser(name).feed(data))
        chunks = [data[i : i + 256] for i in range(0, len(data), 256)]  # as reads arrive

        def parse(chunks=chunks, name=name):
            p = make_parser(name)
            for chunk in chunks:
                p.feed(chunk)

        def split(data=data):
            data.split(b"\n")

        parse_s = best_of(5, parse)
        split_s = best_of(5, split)
        frames_per_s = frames / parse_s
        bytes_per_frame = len(data) / frames
        line_frames_per_s = LINE_RATE_BYTES_PER_S / bytes_per_frame
        sys.stdout.write(
            f"{name:14s} {frames_per_s:10,.0f} frames/s ({len(data) / parse_s / 1e6:.1f} MB/s, "
            f"{bytes_per_frame:.0f} B/frame); at 115200 baud: {line_frames_per_s:,.0f} frames/s "
            f"= {100 * line_frames_per_s / frames_per_s:.2f}% of one core; "
            f"{parse_s / split_s:.0f}x the cost of only splitting lines\n"
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
