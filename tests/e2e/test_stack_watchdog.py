"""`make run` notices a child server that died: it says which, stops the rest and exits."""

from __future__ import annotations

import os
import signal
from pathlib import Path

import pytest
import requests

from devstack.ports import free_port
from tests.e2e.test_local_stack import start_stack, wait_for_url

pytestmark = pytest.mark.e2e


def running(pid: int) -> bool:
    """Whether the process exists and is not a zombie."""
    try:
        state = (Path("/proc") / str(pid) / "stat").read_text().rsplit(")", 1)[1].split()[0]
    except (OSError, IndexError):
        return False
    return state != "Z"


def children(pid: int) -> dict[int, str]:
    """The child processes of ``pid``: process id → command line."""
    found = {}
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            ppid = int((entry / "stat").read_text().rsplit(")", 1)[1].split()[1])
            if ppid == pid:
                found[int(entry.name)] = (entry / "cmdline").read_bytes().replace(
                    b"\0", b" ").decode()
        except (OSError, IndexError, ValueError):
            continue  # the process ended meanwhile
    return found


def test_a_dead_moto_server_is_reported_and_the_stack_exits(tmp_path):
    """The stack once kept serving while moto was gone, every API call a 500 and /health
    saying "ok"."""
    process = start_stack(tmp_path, free_port(), free_port(), "--no-demo")
    try:
        url = wait_for_url(process)
        assert requests.get(url + "api/health", timeout=10).status_code == 200
        servers = children(process.pid)
        moto = next(pid for pid, command in servers.items() if "moto.server" in command)
        os.kill(moto, signal.SIGKILL)
        out, _ = process.communicate(timeout=60)
        assert process.returncode == 1
        assert "the local AWS (moto server) stopped unexpectedly" in out
        assert "moto.log" in out
        alive = [pid for pid in servers if running(pid)]
        assert not alive, f"child servers left running: {alive}"
    finally:
        if process.poll() is None:
            process.kill()
            process.wait(10)
