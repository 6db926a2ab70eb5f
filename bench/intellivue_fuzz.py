"""A million fuzzed IntelliVue frames: no exception, no invented value.

    python bench/intellivue_fuzz.py [--frames N] [--seed S]

Each round feeds a good poll-result frame, a fuzzed one, and another good one,
in random read sizes. Fuzzing: bit flips, inserted, deleted or overwritten
bytes, truncation, pure junk; a quarter of the fuzzed frames get their FCS
recomputed so the message decoder itself is attacked. Invented value: a value
other than the frames' own (when the FCS was left alone), or an implausible one.
"""

from __future__ import annotations

import argparse
import random
import sys
import time

from ketamon.core.vitals import Vital, is_plausible
from ketamon.io.parsers import intellivue_export as export
from ketamon.io.parsers.intellivue import IntelliVueParser
from ketamon.io.parsers.intellivue_frames import frame


def poll_user_data(hr: int, sbp: int, minute: int) -> bytes:
    when = bytes.fromhex(f"20261201{8:02d}{minute:02d}0000")
    objects = [
        export.numeric_object(1, [(0x4182, 0, 0x0AA0, hr)], None),
        export.numeric_object(2, [(0x4BB8, 0, 0x0220, 97)], None),
        export.numeric_object(3, [(0x500A, 0, 0x0AE0, 14)], None),
        export.numeric_object(
            4, [(0x4A05, 0, 0x0F20, sbp), (0x4A06, 0, 0x0F20, 80), (0x4A07, 0, 0x0F20, 95)], when
        ),
    ]
    return export.poll_result(1, 1, 0, bytes(8), objects)


def fuzz(rng: random.Random, user_data: bytes) -> tuple[bytes, bool]:
    """A fuzzed frame and whether its FCS was recomputed over the fuzzed content."""
    repaired = rng.random() < 0.25
    data = bytearray(user_data if repaired else frame(user_data))
    kind = rng.random()
    if kind < 0.05:
        return rng.randbytes(rng.randrange(1, 200)), False
    if kind < 0.1:
        del data[rng.randrange(len(data)) :]
    else:
        for _ in range(rng.randrange(1, 5)):
            i = rng.randrange(len(data))
            op = rng.randrange(4)
            if op == 0:
                data[i] ^= 1 << rng.randrange(8)
            elif op == 1:
                data.insert(i, rng.randrange(256))
            elif op == 2 and len(data) > 1:
                del data[i]
            else:
                data[i] = rng.randrange(256)
    return (frame(bytes(data)) if repaired else bytes(data)), repaired


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--frames", type=int, default=1_000_000)
    parser.add_argument("--seed", type=int, default=12)
    args = parser.parse_args()
    rng = random.Random(args.seed)
    good_a = frame(poll_user_data(61, 121, 0))
    good_c = frame(poll_user_data(63, 123, 10))
    fuzz_source = poll_user_data(62, 122, 5)
    exceptions = invented = lost_good = decoded_fuzzed = rejected = 0
    start = time.perf_counter()
    for _ in range(args.frames):
        fuzzed, repaired = fuzz(rng, fuzz_source)
        stream = good_a + fuzzed + good_c
        hr: list[float] = []
        host = IntelliVueParser()  # a fresh host: the good cuff readings are new each round
        try:
            pos = 0
            while pos < len(stream):
                step = rng.randrange(1, 400)
                for f in host.feed(stream[pos : pos + step]):
                    if not all(is_plausible(v, x) for v, x in f.values.items()):
                        invented += 1
                    if Vital.HR in f.values:
                        hr.append(f.values[Vital.HR])
                pos += step
        except Exception:  # counting them is the point of this bench
            exceptions += 1
            continue
        rejected += host.stats.rejected_frames
        if len(hr) < 2 or hr[0] != 61.0 or hr[-1] != 63.0:
            lost_good += 1  # the good frames around the fuzzed one always arrive, in order
            continue
        fuzzed_hr = hr[1:-1]
        if fuzzed_hr:
            decoded_fuzzed += 1
            # With its FCS left alone, a fuzzed frame may only decode to exactly what it said
            # (its bytes intact, or an equivalent stuffing such as 7D 6A for 4A).
            if not repaired and fuzzed_hr != [62.0]:
                invented += 1
                sys.stdout.write(f"invented: {fuzzed_hr} from {fuzzed.hex()}\n")
    elapsed = time.perf_counter() - start
    sys.stdout.write(
        f"{args.frames:,} fuzzed frames (between {2 * args.frames:,} good ones), {elapsed:.1f} s: "
        f"{exceptions} exceptions, {invented} invented values, {lost_good} good frames lost, "
        f"{decoded_fuzzed} fuzzed frames still decoded (FCS repaired or bytes intact), "
        f"{rejected:,} frames rejected and counted; {args.frames / elapsed:,.0f} rounds/s\n"
    )
    return 1 if exceptions or invented or lost_good else 0


if __name__ == "__main__":
    sys.exit(main())
