"""Two devices, one goes quiet: the recording rebuilds to the same alarm events as live.

The devices are fed as the headless runner feeds them (DeviceFeed, one SourceChoice),
with arrival times on whole seconds so live and rebuilt ticks fall on the same times.
"""

import json

from ketamon.core.source_choice import SourceChoice
from ketamon.core.vitals import Sample, Vital
from ketamon.headless import alarm_json
from ketamon.io.device import Batch, device_name, port_settings
from ketamon.io.device_feed import DeviceFeed
from ketamon.io.parsers.base import Frame
from ketamon.io.run_config import RunConfig, SourceKind, autostart, make_session, recording_meta
from ketamon.io.session_recorder import SessionRecorder
from ketamon.io.summary import rebuild_recording, review_events

START_WALL_S = 1_796_133_787.0  # 2026-12-01 14:03:07 UTC


def recorded_live(resources, tmp_path, devices, deliver):
    """Run a device session live for 90 s, recorded: (alarm JSON lines, recording path)."""
    config = RunConfig(SourceKind.DEVICES, devices=devices, baseline=(120, 80, 70))
    live = make_session(config, resources)
    recorder = SessionRecorder(live, tmp_path, recording_meta(config, resources))
    recorder.note_clock(START_WALL_S, 0.0, 1.0)  # session time 0 is now, as the device loop says
    lines: list[str] = []
    live.on_event.connect(lambda e: lines.append(alarm_json(e, START_WALL_S)))
    autostart(live, config, resources)
    live.start(0.0)
    names = [device_name(d) for d in devices]
    choice = SourceChoice(names) if len(devices) > 1 else None
    feeds = [DeviceFeed(live, float, name, choice) for name in names]
    for feed in feeds:
        feed.apply(Batch(connected=True, detail="open"))
    for t in range(1, 91):
        deliver(feeds, t)
        live.advance_to(float(t))
    recorder.close("closed")
    (path,) = tmp_path.glob("*.ketamon")
    return [line for line in lines if line is not None], path


def test_a_quiet_device_rebuilds_to_the_same_alarm_events(resources, tmp_path):
    devices = (
        port_settings("/dev/ttyUSB0", "masimo-ascii"),
        port_settings("/dev/ttyUSB1", "ge-s5"),
    )
    masimo_name, ge_name = (device_name(d) for d in devices)

    def deliver(feeds, t):
        masimo, ge = feeds
        if t == 70:  # the oximeter's cable is pulled: source lost, not 'no data'
            masimo.apply(Batch(connected=False, detail="read failed"))
        if t < 70:
            masimo.apply(Batch([(t, Frame({Vital.HR: 70.0, Vital.SPO2: 98.0}))]))
        if t % 5 == 0 and not 21 <= t < 50:  # the GE says nothing from 21 s to 49 s
            values = {Vital.HR: 72.0, Vital.SPO2: 97.0, Vital.SBP: 118.0, Vital.DBP: 76.0}
            ge.apply(Batch([(t, Frame(values))]))

    live, path = recorded_live(resources, tmp_path, devices, deliver)
    events = [json.loads(line) for line in live]
    technical = [(e["t_s"], e["event"], e["alarm_id"]) for e in events if e["kind"] == "technical"]
    assert (30.0, "start", f"no_data@{ge_name}") in technical
    assert (50.0, "end", f"no_data@{ge_name}") in technical
    assert (69.0, "start", f"source_lost@{masimo_name}") in technical
    assert not [a for _t, _e, a in technical if a == f"no_data@{masimo_name}"]
    # The pulled oximeter hands HR and SpO2 to the GE at once: no vital goes silent.
    assert not [e for e in events if e["alarm_id"] == "no_data" and e["event"] == "start"]
    (start,) = [
        e for e in events if e["alarm_id"] == f"no_data@{ge_name}" and e["event"] == "start"
    ]
    assert start["condition"] == "No data from GE S/5 on ttyUSB1"
    assert review_events(path, resources) == live


def test_a_rebuilt_one_device_session_names_its_samples_by_the_device(resources, tmp_path):
    devices = (port_settings("/dev/ttyUSB0", "masimo-ascii"),)

    def deliver(feeds, t):
        feeds[0].apply(Batch([(t, Frame({Vital.HR: 70.0, Vital.SPO2: 98.0}))]))

    live, path = recorded_live(resources, tmp_path, devices, deliver)
    assert not [line for line in live if "no_data@" in line]  # one device: today's ids only
    session, _peaks, _meta = rebuild_recording(path, resources)
    assert session.latest[Vital.HR] == Sample(90.0, Vital.HR, 70.0)
    assert session.sources[Vital.HR] == "Masimo on ttyUSB0" == device_name(devices[0])
    assert review_events(path, resources) == live
