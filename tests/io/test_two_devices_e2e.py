"""Two monitors at once, headless, with the real commands: a Masimo (first) and a GE S/5.

SpO2 and HR come from the Masimo (first in the list), NIBP from the GE (the Masimo has
no cuff); the recording holds both devices' values and names both devices; each
device's loss is its own alarm.
"""

import json

import pytest

from ketamon.io.recording import SUFFIX, Recording
from tests.io.test_ge_s5_e2e import Lines, ketamon
from tests.io.two_devices import two_monitors, wait_until_host_holds


@pytest.mark.long_wall(seconds=7)
def test_masimo_and_ge_at_once_headless(tmp_path):
    data_dir = tmp_path / "data"
    with two_monitors(tmp_path, duration_s=4) as (masimo, ge):
        host = ketamon(
            "--headless", "--autostart",
            "--baseline", "120/80/70",
            "--device", f"masimo-ascii:{masimo.cable.link}",
            "--device", f"ge-s5:{ge.cable.link}",
            "--data-dir", str(data_dir),
            "--quit-after", "6.5",
        )  # fmt: skip
        lines = Lines(host.stdout)
        lines.start()
        wait_until_host_holds(host, masimo, ge)
    host.wait(timeout=30)
    lines.join(timeout=5)
    assert host.returncode == 0, host.stderr.read()[-2000:]

    (path,) = data_dir.glob(f"*{SUFFIX}")
    recording = Recording(path)
    recorded = {v: [] for v in ("spo2", "hr", "sbp", "dbp")}
    for s in recording.samples():
        if s.vital.value in recorded:
            recorded[s.vital.value].append(s.value)
    # NIBP: the GE's readings, every one, exactly (the Masimo sends none).
    assert recorded["sbp"] == ge.values("sbp") and len(ge.values("sbp")) >= 1
    assert recorded["dbp"] == ge.values("dbp")
    # HR and SpO2: the Masimo's (first in the list), every one it sent from the first the
    # host read, exactly. Before that first line the GE may stand in (a later device
    # fills a vital the earlier ones do not supply): the GE's HR is ~20 bpm lower here.
    stand_ins = next(i for i, x in enumerate(recorded["hr"]) if x in masimo.values("hr"))
    assert stand_ins <= 2 and all(x in ge.values("hr") for x in recorded["hr"][:stand_ins])
    taken = len(recorded["hr"]) - stand_ins
    # The host may start late on a loaded machine: a few lines are enough to compare.
    assert taken >= 3
    assert recorded["hr"][stand_ins:] == masimo.values("hr")[-taken:]
    assert recorded["spo2"][-taken:] == masimo.values("spo2")[-taken:]
    devices = recording.meta["source"]["devices"]
    assert [d["protocol"] for d in devices] == ["masimo-ascii", "ge-s5"]
    assert [d["port"] for d in devices] == [str(masimo.cable.link), str(ge.cable.link)]
    # The emulators stop before the host does: each device's loss is its own alarm, naming it.
    events = [json.loads(line) for _at, line in lines.lines]
    lost = {e["alarm_id"]: e for e in events if e["event"] == "start" and e["kind"] == "technical"}
    assert set(lost) == {
        f"source_lost@Masimo on {masimo.cable.link}",
        f"source_lost@GE S/5 on {ge.cable.link}",
    }
    assert all(e["condition"].startswith("Data source lost: ") for e in lost.values())
    reports = [e.data for e in recording.events() if e.kind == "technical.report"]
    assert {r["device"] for r in reports} == {
        f"Masimo on {masimo.cable.link}",
        f"GE S/5 on {ge.cable.link}",
    }
