"""The pinned PySide6/Python pair survives the setData storm that kills 6.12.0 on 3.11."""

import os
import subprocess
import sys
from pathlib import Path

SCRIPT = Path(__file__).with_name("soak_plot_updates.py")
UPDATES = 20000


def test_twenty_thousand_plot_updates_exit_cleanly():
    env = dict(os.environ, QT_QPA_PLATFORM="offscreen")
    result = subprocess.run(
        [sys.executable, str(SCRIPT), str(UPDATES)],
        capture_output=True,
        text=True,
        timeout=600,
        env=env,
    )
    assert result.returncode == 0, result.stderr[-2000:]
    assert f"soak ok: {UPDATES} updates" in result.stdout
    assert "Fatal Python error" not in result.stderr
