"""Start one of the local stand-in servers as its own process and wait until it listens.

Each stand-in prints ``... listening on <URL>`` when ready; the URL is read from there, so
``--port 0`` (a free port) works.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import threading
import time
from dataclasses import dataclass
from pathlib import Path

from devstack.paths import REPO_ROOT


@dataclass
class ServiceProcess:
    """A running stand-in and the URL it printed."""

    process: subprocess.Popen[str]
    url: str

    def stop(self) -> None:
        if self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGTERM)
            try:
                self.process.wait(10)
            except subprocess.TimeoutExpired:
                os.killpg(self.process.pid, signal.SIGKILL)
                self.process.wait(5)


def start_service(module: str, args: list[str], *, what: str,
                  log_path: Path | None = None, timeout: float = 30) -> ServiceProcess:
    """``python -m <module> <args>``; returns once it printed its "listening on" line."""
    stderr = log_path.open("ab") if log_path else subprocess.DEVNULL
    process = subprocess.Popen(
        [sys.executable, "-m", module, *args], cwd=REPO_ROOT, stdout=subprocess.PIPE,
        stderr=stderr, text=True, env={**os.environ, "PYTHONUNBUFFERED": "1"},
        start_new_session=True)
    assert process.stdout is not None
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        line = process.stdout.readline()
        if "listening on" in line:
            # Keep reading its output so a chatty server never blocks on a full pipe.
            threading.Thread(target=process.stdout.read, daemon=True).start()
            return ServiceProcess(process, line.strip().rsplit(" ", 1)[-1])
        if not line and process.poll() is not None:
            break
    process.kill()
    raise RuntimeError(f"the {what} did not start (see {log_path or 'its output'})")
