"""The artefact check's pass-through for clean batches returns what the full check does."""

from hypothesis import example, given, settings
from hypothesis import strategies as st

from ketamon.core.artefact import ArtefactRules, _split, split_artefacts
from ketamon.core.vitals import Sample, Vital

sample = st.builds(
    Sample,
    st.sampled_from([1.0, 1.0, 2.0]),
    st.sampled_from(list(Vital)),
    st.floats(-10, 400) | st.sampled_from([float("nan"), 25.0, 250.0]),
)


@settings(max_examples=200, deadline=None)
@given(st.lists(sample, max_size=8))
# Found by hypothesis: SBP 0 with a DBP that passes the pulse-pressure checks (NaN, or
# 10+ below) divided by zero.
@example([Sample(1.0, Vital.SBP, 0.0), Sample(1.0, Vital.DBP, float("nan"))])
@example([Sample(1.0, Vital.SBP, 0.0), Sample(1.0, Vital.DBP, -20.0)])
def test_clean_batches_pass_through_as_the_full_check_passes_them(samples):
    rules = ArtefactRules()
    assert split_artefacts(rules, samples) == _split(rules, samples)
