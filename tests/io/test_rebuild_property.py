"""Property: whatever the nurse does, the recording rebuilt tells exactly the live story."""

import tempfile
from pathlib import Path

from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st

from ketamon.core.infusion import CommandError
from ketamon.core.simulator import strong_bp_responder
from ketamon.io.actions import Action, apply_action
from ketamon.io.recording import Recording
from ketamon.io.replay import ReplayData
from ketamon.io.run_config import RunConfig, autostart, make_session, recording_meta
from ketamon.io.session_recorder import SessionRecorder
from ketamon.io.summary import rebuild_recording

END_S = 7000.0  # past the end of observation (300 s baseline + 40 min + 60 min)

COMMANDS = st.one_of(
    st.just(("acknowledge", {})),
    st.just(("pause_audio", {})),
    st.just(("pause", {"reason": "nurse"})),
    st.just(("resume", {})),
    st.just(("stop", {"reason": "nurse"})),
    st.builds(lambda n: ("annotate", {"kind": "note", "text": f"note {n}"}), st.integers(0, 9)),
    st.just(("discharge", {"checklist": ["alert"]})),
)
SCRIPT = st.lists(st.tuples(st.integers(300, int(END_S)), COMMANDS), min_size=1, max_size=12).map(
    lambda items: sorted(items, key=lambda item: item[0])
)


def log_of(events) -> list[tuple]:
    return [(round(e.t_s, 6), e.kind, e.message, e.data) for e in events]


def alarm_state(snapshot) -> list[tuple]:
    return sorted(
        (a.id, a.priority, a.acknowledged, a.present, a.started_s) for a in snapshot.alarms
    )


@settings(
    max_examples=6,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow],
    derandomize=True,
    # A whole simulated session per example: report the failing script unshrunk
    # (shrinking a two-hour session would take minutes).
    phases=[Phase.explicit, Phase.generate],
    print_blob=True,
)
@given(script=SCRIPT, seed=st.integers(1, 40), strong=st.booleans())
def test_rebuilt_recording_gives_the_live_event_log_and_replay_the_live_state(
    resources, script, seed, strong
):
    with tempfile.TemporaryDirectory() as folder:
        config = RunConfig(
            seed=seed,
            patient=strong_bp_responder() if strong else None,
            speed=None,
            data_dir=Path(folder),
        )
        session = make_session(config, resources)
        recorder = SessionRecorder(session, Path(folder), recording_meta(config, resources))
        autostart(session, config, resources)
        for t_s, (command, args) in script:
            session.advance_to(max(t_s, session.t_s))
            try:
                apply_action(session, Action(session.t_s, command, args))
            except CommandError:
                pass
        session.advance_to(END_S)
        live_snapshot = session.snapshot()
        path = recorder.path
        recorder.close("closed")
        assert path is not None

        rebuilt, _peaks, _meta = rebuild_recording(path, resources)
        # Up to the last recorded moment (a discharge closes the file).
        end_s = rebuilt.t_s
        live = [e for e in session.events if e.t_s <= end_s]
        assert log_of(rebuilt.events) == log_of(live)

        if end_s == session.t_s:
            replayed = ReplayData(Recording(path), resources).snapshot_at(end_s)
            assert replayed.phase is live_snapshot.phase
            assert alarm_state(replayed) == alarm_state(live_snapshot)
            assert replayed.alarms_armed == live_snapshot.alarms_armed
            assert replayed.status.delivered_mg == live_snapshot.status.delivered_mg
            assert replayed.audio_pause_left_s == live_snapshot.audio_pause_left_s
