"""IntelliVue parser under garbage and mutated frames: no exception, no invented value.

Modest example counts here; bench/intellivue_fuzz.py runs a million fuzzed frames.
"""

from hypothesis import given, settings
from hypothesis import strategies as st

from ketamon.core.vitals import Vital, is_plausible
from ketamon.io.parsers import intellivue_export as export
from ketamon.io.parsers.intellivue import IntelliVueParser
from ketamon.io.parsers.intellivue_frames import frame


def poll_frame(hr: int, sbp: int, when: bytes) -> bytes:
    objects = [
        export.numeric_object(1, [(0x4182, 0, 0x0AA0, hr)], None),
        export.numeric_object(2, [(0x4BB8, 0, 0x0220, 97)], None),
        export.numeric_object(
            4, [(0x4A05, 0, 0x0F20, sbp), (0x4A06, 0, 0x0F20, 80), (0x4A07, 0, 0x0F20, 95)], when
        ),
    ]
    return frame(export.poll_result(1, 1, 0, bytes(8), objects))


FRAME_A = poll_frame(61, 121, bytes.fromhex("2026120108000000"))
FRAME_B = poll_frame(62, 122, bytes.fromhex("2026120108050000"))
FRAME_C = poll_frame(63, 123, bytes.fromhex("2026120108100000"))
USER_DATA_B = export.poll_result(
    1, 1, 0, bytes(8), [export.numeric_object(1, [(0x4182, 0, 0x0AA0, 62)], None)]
)

mutation = st.tuples(
    st.sampled_from(["flip", "insert", "delete", "set"]),
    st.integers(min_value=0, max_value=10_000),
    st.integers(min_value=0, max_value=255),
)


def mutate(data: bytes, mutations) -> bytes:
    out = bytearray(data)
    for op, position, byte in mutations:
        if not out:
            break
        i = position % len(out)
        if op == "flip":
            out[i] ^= 1 << (byte % 8)
        elif op == "insert":
            out.insert(i, byte)
        elif op == "delete":
            del out[i]
        else:
            out[i] = byte
    return bytes(out)


def taken(parser: IntelliVueParser, data: bytes, chunk: int) -> list[dict]:
    values = []
    for i in range(0, len(data), chunk):
        values += [f.values for f in parser.feed(data[i : i + chunk])]
    return values


@settings(max_examples=150, deadline=None)
@given(st.binary(max_size=600), st.integers(min_value=1, max_value=64))
def test_random_bytes_never_raise_and_give_only_plausible_values(data, chunk):
    parser = IntelliVueParser()
    for values in taken(parser, data, chunk):
        assert all(is_plausible(v, x) for v, x in values.items())


@settings(max_examples=200, deadline=None)
@given(st.lists(mutation, min_size=1, max_size=4), st.integers(min_value=1, max_value=300))
def test_a_mutated_frame_between_good_ones_invents_nothing(mutations, chunk):
    broken = mutate(FRAME_B, mutations)
    parser = IntelliVueParser()
    values = taken(parser, FRAME_A + broken + FRAME_C, chunk)
    hr = [v[Vital.HR] for v in values]
    # The frames around it always arrive; the mutated one only if its bytes are still whole.
    expected = [61.0, 62.0, 63.0] if FRAME_B in broken else [61.0, 63.0]
    assert hr == expected
    assert all(len(v) == 5 for v in values)  # HR, SpO2 and the whole cuff reading


@settings(max_examples=200, deadline=None)
@given(st.lists(mutation, min_size=1, max_size=4))
def test_mutated_messages_with_a_good_checksum_never_raise(mutations):
    # The FCS is recomputed: the decoder itself must reject or decode, never crash.
    parser = IntelliVueParser()
    for values in taken(parser, frame(mutate(USER_DATA_B, mutations)), 4096):
        assert all(is_plausible(v, x) for v, x in values.items())
