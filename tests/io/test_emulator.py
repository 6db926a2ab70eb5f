"""`ketamon emulate`: what it prints is what it put on the wire, for every protocol."""

import io
import json

import pytest

from ketamon.core.vitals import Vital
from ketamon.io.emulator import Emulator, EmulatorRun, run_emulator
from ketamon.io.parsers import make_parser


@pytest.mark.parametrize("protocol", ["masimo-ascii", "ketamon-text"])
def test_streaming_sides_log_the_values_as_encoded(resources, protocol):
    emulator = Emulator.demo(resources, protocol, seed=7, nibp_interval_s=30)
    parser = make_parser(protocol)
    got = []
    for _ in range(120):
        got += [(v, x) for f in parser.feed(emulator.next_second()) for v, x in f.values.items()]
    sent = [(s.vital, s.value) for s in emulator.side.sent]
    assert sorted(got, key=str) == sorted(sent, key=str) and sent
    if protocol == "masimo-ascii":
        assert all(value == int(value) for _, value in sent)  # whole numbers on the wire
    else:
        assert sum(v is Vital.SBP for v, _ in sent) == 4  # --nibp-interval 30 over 2 min


def test_run_prints_a_json_line_per_value_and_survives_a_cable_pull(resources):
    out = io.StringIO()
    run = EmulatorRun(
        "loop://",
        "masimo-ascii",
        speed=100.0,
        duration_s=0.8,
        pull_cable_at_s=0.3,
        pull_cable_for_s=0.2,
    )
    assert run_emulator(resources, run, out=out) == 0
    lines = [json.loads(line) for line in out.getvalue().splitlines()]
    assert {line["vital"] for line in lines} == {"hr", "spo2"}
    assert all(set(line) == {"t_s", "vital", "value"} for line in lines)
    times = sorted({line["t_s"] for line in lines})
    gap = max(b - a for a, b in zip(times, times[1:], strict=False))
    assert gap >= 10  # nothing sent while the cable was out (100 x 0.2 s of session time)
