from ketamon.core.simulation import autostart_demo

MIN = 60.0


def test_autostart_gives_observation_after_forty_minutes_and_35_mg(window, protocols):
    autostart_demo(window.model.session, protocols["ketamine-loading"], 70.0)
    window.model.refresh()
    session = window.model.session
    started = session.infusion.started_s()
    assert started == 5 * MIN  # the two baseline readings were taken, 5 min apart
    assert session.baseline is not None and session.baseline.source == "measured"
    window.model.clock.fast_forward(started + 45 * MIN)
    panel = window.dashboard.infusion
    assert panel.phase.text() == "OBSERVATION"
    assert panel.dose.text() == "35.0 / 35.0 mg"
    assert panel.remaining.text() == "55:00"
    window.dashboard.trends.redraw()
    x, _ = window.dashboard.trends.buffers[next(iter(window.dashboard.trends.buffers))].view()
    # SBP drawn at the baseline readings (0, 5 min; the second is also the start reading),
    # every 10 min while infusing, and at the end of loading (45 min session time).
    assert list(x) == [0.0, 5.0, 15.0, 25.0, 35.0, 45.0]
