"""One Ctrl-C stops everything `make run` started (app server, its workers, the
embedded database) within 10 seconds: typed into a real pseudo-terminal, so the
terminal sends SIGINT to the foreground process group as it does for a person."""

import contextlib
import os
import pty
import select
import signal
import time
import urllib.request
from pathlib import Path

import pytest

from tests.servers import ROOT, free_port

pytestmark = pytest.mark.faults

STARTUP_SECONDS = 180
STOP_SECONDS = 10


def processes_mentioning(text: str) -> list[str]:
    found = []
    for cmdline in Path("/proc").glob("[0-9]*/cmdline"):
        try:
            args = cmdline.read_bytes().replace(b"\0", b" ").decode(errors="replace")
        except OSError:
            continue
        if text in args and str(os.getpid()) != cmdline.parent.name:
            found.append(f"{cmdline.parent.name}: {args.strip()}")
    return found


def answers(url: str) -> bool:
    try:
        with urllib.request.urlopen(url, timeout=2) as response:
            return response.status == 200
    except OSError:
        return False


def test_one_ctrl_c_stops_the_server_its_workers_and_the_database(tmp_path):
    port, data = free_port(), tmp_path / "data"
    environment = {
        k: v
        for k, v in os.environ.items()
        if k != "DATABASE_URL" and not k.startswith(("DJANGO_", "NEWSROOM_"))
    } | {"PORT": str(port), "NEWSROOM_DATA_DIR": str(data), "NEWSROOM_WORKERS": "2"}
    pid, terminal = pty.fork()
    if pid == 0:  # the child: `make run` in the terminal's foreground
        os.chdir(ROOT)
        os.execvpe("make", ["make", "--no-print-directory", "run"], environment)
    output = b""
    try:
        deadline = time.monotonic() + STARTUP_SECONDS
        while not answers(f"http://127.0.0.1:{port}/healthz"):
            assert time.monotonic() < deadline, output.decode(errors="replace")
            if select.select([terminal], [], [], 0.5)[0]:
                output += os.read(terminal, 65536)
        assert processes_mentioning(str(data)), "no embedded database found"

        os.write(terminal, b"\x03")  # Ctrl-C, once
        stopped_at = time.monotonic() + STOP_SECONDS
        status = None
        while time.monotonic() < stopped_at and status is None:
            if select.select([terminal], [], [], 0.2)[0]:
                with contextlib.suppress(OSError):
                    output += os.read(terminal, 65536)
            finished, status_code = os.waitpid(pid, os.WNOHANG)
            status = status_code if finished else None

        assert status is not None, "make run still running 10 s after Ctrl-C"
        assert not answers(f"http://127.0.0.1:{port}/healthz")
        assert processes_mentioning(str(data)) == []  # the database
        assert processes_mentioning(f"--port {port}") == []  # server and workers
    finally:
        try:
            os.kill(pid, signal.SIGKILL)
            os.waitpid(pid, 0)
        except ChildProcessError:
            pass
        except ProcessLookupError:
            pass
        for leftover in processes_mentioning(str(data)):
            os.kill(int(leftover.split(":")[0]), signal.SIGKILL)
        os.close(terminal)
