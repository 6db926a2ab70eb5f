import os
import subprocess
import sys

import pytest

from ketamon.cli import main
from ketamon.io.port_lock import PortInUse, PortLock


def test_a_released_lock_leaves_no_file_behind(tmp_path):
    lock = PortLock("/dev/ttyUSB-test", tmp_path)
    lock.acquire()
    assert lock.path.read_text() == str(os.getpid())
    lock.release()
    assert list(tmp_path.iterdir()) == []


def test_a_held_lock_names_its_holder_and_the_next_one_gets_it_after_release(tmp_path):
    holder = subprocess.Popen(
        [
            sys.executable,
            "-c",
            "import sys, pathlib; from ketamon.io.port_lock import PortLock; "
            f"lock = PortLock('/dev/ttyUSB-test', pathlib.Path({str(tmp_path)!r})); "
            "lock.acquire(); print('held', flush=True); sys.stdin.readline(); lock.release()",
        ],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert holder.stdout.readline().strip() == "held"
        second = PortLock("/dev/ttyUSB-test", tmp_path)
        with pytest.raises(PortInUse, match=f"pid {holder.pid}"):
            second.acquire()
        holder.stdin.write("\n")
        holder.stdin.flush()
        assert holder.wait(timeout=10) == 0
        assert list(tmp_path.iterdir()) == []
        second.acquire()  # the file the holder deleted is created afresh
        assert second.path.exists()
        second.release()
    finally:
        holder.kill()


def test_a_lock_file_deleted_under_a_waiting_opener_is_not_trusted(tmp_path):
    """The orphan case: we locked a file the holder had just deleted; acquire re-opens."""
    first = PortLock("/dev/ttyUSB-test", tmp_path)
    first.acquire()
    orphan = open(first.path, "a+")  # noqa: SIM115 (opened before the holder lets go)
    first.release()
    second = PortLock("/dev/ttyUSB-test", tmp_path)
    assert second._is_current(orphan) is False
    second.acquire()
    assert second._is_current(second._handle)
    second.release()
    orphan.close()


def test_emulate_refuses_a_url_port_without_the_flag(capsys):
    with pytest.raises(SystemExit) as exit_info:
        main(["emulate", "--port", "socket://example.org:1", "--protocol", "masimo-ascii"])
    assert exit_info.value.code == 2
    assert "--allow-port-url" in capsys.readouterr().err
