"""Mutation fuzz of the GE S/5 parser at scale: no exception, no value the input did not carry.

    python bench/fuzz_ge_s5.py [--frames 1000000] [--seed 1]

Starts from records the emulated monitor sends (a seeded patient, cuff every
minute), then mutates them: half on the wire (bit flips, dropped, inserted and
duplicated bytes, truncation: mostly caught by the checksum), half inside the
record before framing, so the checksum is right and the decoder itself meets
wrong lengths, offsets, classes, status bits and special values. Every value
out must be a 16-bit field of that input in one of the protocol's scales
(1 or 0.01). The test suite runs the same property with a few hundred examples
(tests/io/test_ge_s5.py); this runs the 10^6.
"""

from __future__ import annotations

import argparse
import random
import struct
import sys
import time

from ketamon.io.emulator import Emulator
from ketamon.io.parsers import make_parser
from ketamon.io.parsers.base import ParserStats
from ketamon.io.parsers.ge_s5 import FrameSplitter, frame_record
from ketamon.resources_loading import load_clinical_resources


def carried(value: float, plain: bytes) -> bool:
    for raw in (round(value), round(value * 100)):
        if -32768 <= raw <= 32767 and struct.pack("<h", raw) in plain:
            return True
    return False


def unescape(data: bytes) -> bytes:
    return data.replace(b"\x7d\x5e", b"\x7e").replace(b"\x7d\x5d", b"\x7d")


def mutate(rng: random.Random, data: bytearray) -> None:
    for _ in range(rng.randint(1, 6)):
        if not data:
            return
        at = rng.randrange(len(data))
        op = rng.random()
        if op < 0.5:
            data[at] ^= 1 << rng.randrange(8)
        elif op < 0.65:
            del data[at]
        elif op < 0.8:
            data.insert(at, rng.randrange(256))
        elif op < 0.9:
            end = min(len(data), at + rng.randint(1, 40))
            data[at:at] = data[at:end]
        else:
            del data[at:]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--frames", type=int, default=1_000_000)
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args()
    rng = random.Random(args.seed)
    emulator = Emulator.demo(load_clinical_resources(), "ge-s5", seed=args.seed, nibp_interval_s=60)
    emulator.receive(make_parser("ge-s5").on_connect(0.0))
    wire = b"".join(emulator.next_second() for _ in range(3600))
    records = FrameSplitter(ParserStats()).feed(wire)
    host = make_parser("ge-s5")  # one parser throughout: its state is fuzzed too
    started = time.perf_counter()
    values_out = 0
    recent: list[bytes] = []
    for i in range(args.frames):
        record = records[i % len(records)]
        if rng.random() < 0.5:
            body = bytearray(record)
            mutate(rng, body)
            data = frame_record(bytes(body))
        else:
            data = bytearray(frame_record(record))
            mutate(rng, data)
            data = bytes(data)
        if rng.random() < 0.1:
            data = bytes(rng.randrange(256) for _ in range(rng.randint(1, 64))) + data
        # A frame may have begun in earlier input (a mutated one left open): judge
        # against the recent stream, not only this chunk.
        recent = (recent + [data])[-8:]
        plain = unescape(b"".join(recent))
        for frame in host.feed(data):
            for value in frame.values.values():
                values_out += 1
                if not carried(value, plain):
                    sys.stdout.write(f"INVENTED {value} from {data.hex()}\n")
                    return 1
    elapsed = time.perf_counter() - started
    stats = host.stats
    sys.stdout.write(
        f"{args.frames:,} mutated frames in {elapsed:.1f} s ({args.frames / elapsed:,.0f}/s): "
        f"no exception, {values_out:,} values out, none invented; accepted {stats.frames:,}, "
        f"rejected {stats.rejected_frames:,}, implausible {stats.implausible_values:,}\n"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
