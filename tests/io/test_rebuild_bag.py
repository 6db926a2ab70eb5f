"""The bag volume in a recorded prescription: kept, optional in old recordings, validated."""

import pytest

from ketamon.core.dosing import Patient, make_plan
from ketamon.core.session_records import prescription_data
from ketamon.io.rebuild import RebuildError, plan_from_prescription


def test_bag_volume_round_trips_and_old_recordings_still_rebuild(loading_protocol, protocols):
    recorded = prescription_data(make_plan(loading_protocol, Patient(70.0), 1.0, 50.0))
    assert plan_from_prescription(recorded, list(protocols.values())).bag_volume_ml == 50.0
    del recorded["bag_volume_ml"]  # a recording made before the bag was asked
    assert plan_from_prescription(recorded, list(protocols.values())).bag_volume_ml is None


@pytest.mark.parametrize("bad", [-50, 0, float("nan"), float("inf"), "50", True])
def test_a_bad_recorded_bag_volume_is_refused_clearly(loading_protocol, protocols, bad):
    recorded = prescription_data(make_plan(loading_protocol, Patient(70.0), 1.0, 50.0))
    recorded["bag_volume_ml"] = bad
    with pytest.raises(RebuildError, match="bag_volume_ml .* is not a volume in mL"):
        plan_from_prescription(recorded, list(protocols.values()))
