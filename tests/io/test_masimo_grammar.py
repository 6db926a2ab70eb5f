"""The Masimo parser checks its line grammar with str methods (issue 15: no regex per
token); the regular expressions it used before are kept here as the reference, and
both must accept and reject exactly the same lines and read the same values."""

import re

from hypothesis import given, settings
from hypothesis import strategies as st

from ketamon.io.parsers.masimo import EXC_SENSOR_PROBLEMS, MasimoAsciiParser

HEAD = re.compile(r"^\d\d/\d\d/\d\d \d\d:\d\d:\d\d(?: |$)")
FIELD = re.compile(r"^([A-Z0-9]+)=(\S+)$")
NUMBER = re.compile(r"^[+]?\d+(?:\.\d+)?%?$")
HEX = re.compile(r"^[0-9A-Fa-f]{1,8}$")


def reference(line: str):
    """The regex parser of before, reduced to what it decides: None or (values, technical)."""
    if not HEAD.match(line):
        return None
    fields = {}
    for token in line[17:].split():
        match = FIELD.match(token)
        if match is None:
            return None
        fields[match.group(1)] = match.group(2)
    if "SPO2" not in fields and "BPM" not in fields:
        return None
    values, technical = {}, {}
    for key in ("SPO2", "BPM"):
        text = fields.get(key)
        if text is None or "-" in text:
            continue
        if not NUMBER.match(text):
            return None
        values[key] = float(text.rstrip("%"))
    exc = fields.get("EXC")
    if exc is not None:
        if not HEX.match(exc):
            return None
        bits = int(exc, 16)
        problems = [text for bit, text in EXC_SENSOR_PROBLEMS.items() if bits & bit]
        technical["sensor_off"] = (bool(problems), ", ".join(problems))
        if problems:
            values.clear()
    return values, technical


def decided(line: str):
    frame = MasimoAsciiParser().parse_line(line)
    if frame is None:
        return None
    # Implausible values are dropped (and counted) after the grammar: compare before that.
    return {v.name.replace("HR", "BPM"): x for v, x in frame.values.items()}, frame.technical


ALPHABET = "0123456789/: =+-.%ABCEFHMOPSTXZaefz"
value = st.one_of(
    st.sampled_from(["097%", "72", "+97.5%", "--", "--.-%", "000800", "0021", "", "=1", "7."]),
    st.text(alphabet="0123456789+-.%ABCDEFabcdef=", min_size=0, max_size=9),
)
key = st.sampled_from(["SPO2", "BPM", "EXC", "PI", "SN", "A1", "spo2", "", "B-M"])
token = st.builds(lambda k, sep, v: k + sep + v, key, st.sampled_from(["=", "", "=="]), value)
head = st.sampled_from(
    ["11/30/26 14:05:09", "1/30/26 14:05:09 ", "11/30/26 14:05:0x", "11-30-26 14:05:09"]
)
line = st.builds(
    lambda h, sep, tokens, noise: h + sep + " ".join(tokens) + noise,
    head,
    st.sampled_from([" ", "", "  ", "x"]),
    st.lists(token, max_size=6),
    st.text(alphabet=ALPHABET, max_size=4),
)


@settings(max_examples=1500, deadline=None)
@given(line)
def test_str_checks_decide_as_the_regex_grammar(text):
    plausible = reference(text)
    mine = decided(text)
    if plausible is None or mine is None:
        assert plausible is mine is None
        return
    values, technical = plausible
    # The parser keeps only plausible values (is_plausible); the grammar decides the rest.
    assert mine[1] == technical
    assert set(mine[0]) <= set(values)
    for k, x in mine[0].items():
        assert values[k] == x


def test_real_lines_read_as_before():
    for text in (
        "11/30/26 14:05:09 SN=0000012345 SPO2=097% BPM=072 PI=02.85% SPCO=--.-% SPMET=--.-% "
        "DESAT=-- PIDELTA=+-- ALARM=0000 EXC=000800",
        "11/30/26 14:05:09 SPO2=+97.5% BPM=072 EXC=000021",
        "11/30/26 14:05:09",
        "11/30/26 14:05:09 SPO2=97 BPM=7.",
    ):
        assert (reference(text) is None) == (decided(text) is None)
