"""A headless bedside sends HL7 over MLLP to a test engine: in order, ACKed, nothing lost."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import hl7
import pytest

from ketamon.io.net.mllp_sender import control_id
from ketamon.io.recording import Recording
from ketamon.resources import alarm_profiles_dir
from tests.io.net.conftest import quick_retries
from tests.io.net.mllp_server import MllpServer


def bedside(data_dir: Path, *extra: str) -> subprocess.Popen:
    env = dict(os.environ, KETAMON_DATA_DIR=str(data_dir), QT_QPA_PLATFORM="offscreen")
    argv = [sys.executable, "-m", "ketamon.cli", "--headless", "--autostart", "--bed", "chair1"]
    argv += ["--data-dir", str(data_dir), *extra]
    return subprocess.Popen(argv, stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=env)


def printed(process) -> list[dict]:
    out, err = process.communicate(timeout=120)
    assert process.returncode == 0, err.decode()
    return [json.loads(line) for line in out.decode().splitlines()]


def quick_hl7_alarm_profile(directory: Path, after_s: float) -> Path:
    """The default profile with 'HL7 NOT ACKNOWLEDGED' after `after_s` instead of 60 s."""
    text = (alarm_profiles_dir() / "default.toml").read_text()
    path = directory / "quick.toml"
    path.write_text(text.replace("hl7_unacknowledged_s = 60", f"hl7_unacknowledged_s = {after_s}"))
    return path


def assert_in_order_without_gaps(messages: list[str]) -> None:
    ids = [control_id(m) for m in messages]
    run = ids[0].split("-")[0]
    assert ids == [f"{run}-{n}" for n in range(1, len(ids) + 1)]


def test_every_oru_arrives_in_order_parses_and_carries_its_codes(tmp_path):
    engine = MllpServer()
    try:
        process = bedside(
            tmp_path,
            "--scenario",
            "tachycardia",
            "--speed",
            "max",
            "--hl7-mllp",
            f"127.0.0.1:{engine.port}",
        )
        alarms = printed(process)
    finally:
        engine.close()
    messages = engine.accepted
    assert_in_order_without_gaps(messages)
    panels: dict[str, int] = {}
    for message in messages:
        parsed = hl7.parse(message)
        assert str(parsed.segment("MSH")[9]) == "ORU^R01^ORU_R01"
        panel = str(parsed.segment("OBR")[4][0][0])
        panels[panel] = panels.get(panel, 0) + 1
        codes = {str(obx[3][0][0]) for obx in parsed.segments("OBX")}
        if panel == "85354-9":
            assert {"150021", "150022"} <= codes
        elif panel == "85353-1":
            assert "147842" in codes and "150456" in codes
    recording = Recording(next(tmp_path.glob("*.ketamon")))
    cuff_readings = len({s.t_s for s in recording.samples() if s.vital.value == "sbp"})
    minutes = len({int(s.t_s // 60) for s in recording.samples() if s.vital.value == "hr"})
    recording.close()
    assert panels["85354-9"] == cuff_readings
    assert panels["85353-1"] == minutes
    assert panels["196616"] == sum(a["event"] in ("start", "end") for a in alarms)


NAKS = 6


@pytest.mark.long_wall(seconds=4)
def test_a_nak_raises_hl7_not_acknowledged_and_the_message_is_sent_again(tmp_path):
    refusals = {"n": 0}

    def policy(message: str) -> str:
        refusals["n"] += 1
        return "AE" if refusals["n"] <= NAKS else "AA"  # 0.2 + 5 x 0.4 s of back-off

    engine = MllpServer(policy=policy)
    profile = quick_hl7_alarm_profile(tmp_path, 1)
    try:
        process = bedside(
            tmp_path,
            "--simulate",
            "--speed",
            "60",
            "--quit-after",
            "4",
            "--alarm-profile",
            str(profile),
            "--mqtt-config",
            str(quick_retries(tmp_path, 0.2, 0.4)),
            "--hl7-mllp",
            f"127.0.0.1:{engine.port}",
        )
        alarms = printed(process)
    finally:
        engine.close()
    hl7_alarm = [a for a in alarms if a["condition"] == "HL7 NOT ACKNOWLEDGED"]
    assert [a["event"] for a in hl7_alarm][:2] == ["start", "end"]
    assert hl7_alarm[0]["priority"] == "low"
    first = NAKS + 1
    assert engine.received[:first] == [engine.received[0]] * first  # the same one, until AA
    assert_in_order_without_gaps(engine.accepted)
