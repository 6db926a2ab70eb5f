"""The run configuration refuses contradictions, puts the chosen protocol first, and says
what it runs."""

import pytest

from ketamon.core.config import ConfigError
from ketamon.io.device import PortSettings
from ketamon.io.run_config import RunConfig, SourceKind, source_label, with_chosen_protocol
from ketamon.resources import protocols_dir

A = PortSettings("/dev/ttyA", "ge-s5")
B = PortSettings("/dev/ttyB", "masimo-ascii")


@pytest.mark.parametrize(
    "kwargs, message",
    [
        (dict(source=SourceKind.DEVICES, port=A, devices=(B, A)), "either port or devices"),
        (dict(protocol_id="x", protocol_file=protocols_dir() / "loading.toml"), "not both"),
        (dict(source=SourceKind.DEVICES, devices=(A, PortSettings("/dev/ttyA", "ge-s5"))), "twice"),
        (dict(source=SourceKind.SCENARIO), "needs its scenario"),
        (dict(source=SourceKind.DEVICES), "needs its port settings"),
    ],
)
def test_contradictory_configurations_are_refused(kwargs, message):
    with pytest.raises(ValueError, match=message):
        RunConfig(**kwargs)


def test_the_chosen_protocol_comes_first(resources):
    assert with_chosen_protocol(RunConfig(), resources) is resources
    last = resources.protocols[-1].id
    chosen = with_chosen_protocol(RunConfig(protocol_id=last), resources)
    assert [p.id for p in chosen.protocols][0] == last
    assert sorted(p.id for p in chosen.protocols) == sorted(p.id for p in resources.protocols)
    with pytest.raises(ConfigError, match="--infusion-protocol: no protocol 'nope' \\(one of "):
        with_chosen_protocol(RunConfig(protocol_id="nope"), resources)


def test_a_protocol_file_joins_the_list_first_unless_it_repeats_a_bundled_id(resources, tmp_path):
    bundled = protocols_dir() / "loading.toml"
    with pytest.raises(ConfigError, match="is already a bundled protocol"):
        with_chosen_protocol(RunConfig(protocol_file=bundled), resources)
    own = tmp_path / "own.toml"
    own.write_text(bundled.read_text().replace('id = "ketamine-loading"', 'id = "clinic-own"', 1))
    chosen = with_chosen_protocol(RunConfig(protocol_file=own), resources)
    assert chosen.protocols[0].id == "clinic-own"
    assert len(chosen.protocols) == len(resources.protocols) + 1


def test_source_labels():
    assert source_label(RunConfig(seed=4)) == "Source: simulator (seed 4)"
    assert source_label(RunConfig(source=SourceKind.DEVICES, port=A)) == "Device /dev/ttyA (ge-s5)"
    two = RunConfig(source=SourceKind.DEVICES, devices=(A, B))
    assert source_label(two) == "Devices /dev/ttyA (ge-s5), /dev/ttyB (masimo-ascii)"
