import os
import subprocess
import sys

import pytest

from ketamon.cli import main
from ketamon.cli_args import build_parser


def test_help_explains_every_option(capsys):
    with pytest.raises(SystemExit) as exit_info:
        main(["--help"])
    assert exit_info.value.code == 0
    out = " ".join(capsys.readouterr().out.split())
    for option in ("--simulate", "--speed", "--seed", "--weight", "--autostart", "--quit-after"):
        assert option in out
    assert "not a certified medical device" in out


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["--speed", "fast"], "must be a number (got 'fast')"),
        (["--speed", "0"], "must be greater than 0"),
        (["--weight", "-70"], "must be greater than 0"),
        (["--screenshot", "x.png"], "--screenshot needs --quit-after"),
        (["--port", "p", "--baseline", "120"], "baseline must be SBP/DBP or SBP/DBP/HR"),
        (["--port", "p", "--baseline", "120/abc"], "baseline DBP 'abc' is not a number"),
        (["--port", "p", "--baseline", "120/80/0"], "baseline HR 0 bpm is not a plausible"),
        (["--port", "p", "--baseline", "nan/80"], "baseline SBP nan mmHg is not a plausible"),
        (["--port", "p", "--baseline", "80/120"], "baseline DBP must be below SBP"),
        (["--baseline", "120/80"], "--baseline needs --port"),
    ],
)
def test_bad_arguments_get_a_clear_message(capsys, argv, message):
    with pytest.raises(SystemExit) as exit_info:
        main(argv)
    assert exit_info.value.code == 2
    assert message in capsys.readouterr().err


def test_baseline_takes_sbp_dbp_and_optional_hr():
    assert build_parser().parse_args(["--baseline", "128/82"]).baseline == (128.0, 82.0, None)
    assert build_parser().parse_args(["--baseline", "128/82/71"]).baseline == (128.0, 82.0, 71.0)


def test_defaults():
    args = build_parser().parse_args([])
    assert (args.speed, args.seed, args.weight, args.autostart) == (1.0, 1, 70.0, False)


def test_autostart_quit_after_and_screenshot_through_the_real_command(tmp_path):
    shot = tmp_path / "shot.png"
    env = dict(os.environ, QT_QPA_PLATFORM="offscreen")
    cmd = [sys.executable, "-m", "ketamon", "--simulate", "--speed", "600", "--autostart"]
    cmd += ["--quit-after", "1.5", "--screenshot", str(shot), "--data-dir", str(tmp_path)]
    result = subprocess.run(cmd, capture_output=True, text=True, timeout=120, env=env)
    assert result.returncode == 0, result.stderr[-2000:]
    assert shot.stat().st_size > 10_000
    assert shot.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    (recording,) = tmp_path.glob("*.ketamon")  # the demo session was recorded too
    assert recording.stat().st_size > 0
