"""The first frame comes up without what only a menu command, a replay or a network link
needs: those modules are imported when first used (issue 15, bench/startup.py); the log
says when the first frame is on screen and how much CPU the start took."""

import os
import re
import subprocess
import sys

# Run the real command to its first frame; print the modules it imported.
SCRIPT = """
import atexit, runpy, sys
atexit.register(lambda: sys.stdout.write(" ".join(sorted(sys.modules)) + "\\n"))
sys.argv = ["ketamon", "--data-dir", sys.argv[1], "--quit-after", "0.3"]
runpy.run_module("ketamon", run_name="__main__")
"""

NOT_AT_START = {
    "paho",  # MQTT: only with --mqtt
    "ketamon.io.net.bedside_links",
    "ketamon.ui.report",  # PDF
    "ketamon.ui.course_view",
    "ketamon.ui.browser",
    "ketamon.ui.port_dialog",
    "ketamon.ui.setup_dialog",
    "ketamon.ui.replay_model",
    "ketamon.ui.instructor",
    "ketamon.io.export",
    "ketamon.io.course_store",
    "ketamon.io.parsers",  # the monitor protocols and the serial port: only with a monitor
    "ketamon.io.device",
    "serial",
    "ketamon.io.net.net_config",  # only with a network flag
    "ketamon.core.course",  # the course view and setup's look-up
    "statistics",
}


def test_the_first_frame_imports_no_dialog_report_replay_or_network_code(tmp_path):
    env = dict(os.environ, QT_QPA_PLATFORM="offscreen")
    result = subprocess.run(
        [sys.executable, "-c", SCRIPT, str(tmp_path)],
        capture_output=True,
        text=True,
        timeout=120,
        env=env,
    )
    assert result.returncode == 0, result.stderr[-2000:]
    assert re.search(r"first frame: \d+\.\d{3} s of CPU", result.stderr), result.stderr[-2000:]
    imported = set(result.stdout.split())
    assert "ketamon.ui.main_window" in imported and "ketamon.ui.trends" in imported
    assert not NOT_AT_START & imported, sorted(NOT_AT_START & imported)


def test_the_command_module_imports_no_numpy_so_main_can_set_its_blas_threads_first():
    # cli.main sets OPENBLAS_NUM_THREADS, which OpenBLAS reads once, when numpy loads.
    script = "import sys, ketamon.cli; print('numpy' in sys.modules)"
    result = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, timeout=60
    )
    assert result.stdout.strip() == "False", result.stderr[-2000:]
