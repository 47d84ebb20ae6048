"""`make run`'s stack as a user meets it: one command, one URL, demo data through the real
pipeline, a clear message for a busy port, and Ctrl-C stopping every process."""

from __future__ import annotations

import os
import re
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
import requests

from devstack.demo_data import DEMO_EMAIL, DEMO_PASSWORD
from devstack.paths import REPO_ROOT
from devstack.ports import free_port

pytestmark = pytest.mark.e2e
VALIDATED = ("READY", "NEED_REVISION", "SUBMITTED", "COMPLETED")


def start_stack(tmp_path: Path, port: int, moto_port: int,
                *extra: str) -> subprocess.Popen[str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("AWS_")}
    return subprocess.Popen(
        [sys.executable, "-m", "devstack.stack", "--port", str(port),
         "--moto-port", str(moto_port), "--biosamples-port", str(free_port()),
         "--ena-port", str(free_port()), "--state-dir", str(tmp_path / "state"), *extra],
        cwd=REPO_ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)


def wait_for_line(process: subprocess.Popen[str], pattern: str, timeout: float) -> str:
    """The first line of the stack's output matching ``pattern``."""
    deadline = time.monotonic() + timeout
    assert process.stdout is not None
    seen = []
    while time.monotonic() < deadline:
        line = process.stdout.readline()
        if not line:
            break
        seen.append(line)
        if re.search(pattern, line):
            return line
    raise AssertionError(f"no line matching {pattern!r}:\n" + "".join(seen[-30:]))


def wait_for_url(process: subprocess.Popen[str], timeout: float = 60) -> str:
    """The URL the stack prints once it is up."""
    pattern = r"IMAGE Pool is running at (\S+)"
    match = re.search(pattern, wait_for_line(process, pattern, timeout))
    assert match is not None
    return match[1]


def listening(port: int) -> bool:
    with socket.socket() as sock:
        return sock.connect_ex(("127.0.0.1", port)) == 0


@pytest.fixture
def stack(tmp_path: Path) -> Iterator[tuple[subprocess.Popen[str], str, int, int]]:
    port, moto_port = free_port(), free_port()
    process = start_stack(tmp_path, port, moto_port)
    try:
        url = wait_for_url(process)
        yield process, url, port, moto_port
    finally:
        if process.poll() is None:
            process.send_signal(signal.SIGINT)
            try:
                process.wait(20)
            except subprocess.TimeoutExpired:
                process.kill()


def test_make_run_serves_the_portal_the_api_and_the_demo_data(stack):
    process, url, port, moto_port = stack
    assert requests.get(url, timeout=10).text.startswith("<!doctype html>")
    assert "IMAGEPOOL_CONFIG" in requests.get(url + "config.js", timeout=10).text
    assert requests.get(url + "api/health", timeout=10).json()["status"] == "ok"

    # The demo curator's files went through the API, S3 → SQS → ingest → validation.
    login = requests.post(url + "api/auth/login", timeout=10,
                          json={"email": DEMO_EMAIL, "password": DEMO_PASSWORD}).json()
    headers = {"Authorization": f"Bearer {login['access_token']}"}
    [team] = requests.get(url + "api/teams", headers=headers, timeout=10).json()["results"]
    deadline = time.monotonic() + 60
    subs: list[dict] = []
    while time.monotonic() < deadline:
        subs = requests.get(f"{url}api/teams/{team['team_id']}/submissions", headers=headers,
                            timeout=10).json()["results"]
        if len(subs) == 3 and all(s["status"] in VALIDATED for s in subs):
            break
        time.sleep(0.5)
    assert len(subs) == 3 and all(s["status"] in VALIDATED for s in subs), subs
    by_title = {s["title"].split(": ", 1)[1]: s for s in subs}
    cryoweb = by_title["cryoweb_test_data_only.sql"]["counts"]
    crbanim = by_title["crbanim_test_data.csv"]["counts"]
    assert (cryoweb["animals"], cryoweb["samples"]) == (3, 1)
    assert (crbanim["animals"], crbanim["samples"], crbanim["skipped"]) == (1, 2, 1)
    assert all(s["summary"] for s in subs)
    # The generated Template is fixed, submitted to the local BioSamples and harvested
    # into the pool: the public API shows it, with accessions.
    template = by_title["generated_template.xlsx"]
    deadline = time.monotonic() + 180
    pool: dict = {}
    while time.monotonic() < deadline:
        pool = requests.get(url + "api/backend/organism/", timeout=10).json()
        if pool.get("count"):
            break
        time.sleep(1)
    assert pool["count"] == 12, pool
    assert pool["results"][0]["url"].startswith(url + "api/backend/organism/SAMEA")
    done = requests.get(f"{url}api/teams/{team['team_id']}/submissions/"
                        f"{template['submission_id']}/progress", headers=headers,
                        timeout=10).json()
    assert (done["status"], done["done"], done["total"]) == ("COMPLETED", 36, 36)

    # The team was told, by email too (the local outbox shows what SES recorded).
    outbox = requests.get(url + "local/outbox", timeout=10).json()["messages"]
    assert any("Upload processed" in m["subject"] for m in outbox)

    # Ctrl-C stops the web server and the moto server it started.
    process.send_signal(signal.SIGINT)
    assert process.wait(20) == 0
    assert not listening(port) and not listening(moto_port)


def test_a_second_make_run_shows_the_demo_once(tmp_path):
    """moto forgets everything on a restart; the local BioSamples and the pool must too, or
    each run adds the demo again under new accessions (12, 24, 36 animals...)."""
    for run in (1, 2):
        port = free_port()
        process = start_stack(tmp_path, port, free_port())
        try:
            url = wait_for_url(process)
            # the stack says when its demo harvest is done (or why it failed)
            line = wait_for_line(process, r"demo: (harvested|could not)", timeout=240)
            assert "harvested" in line, line
            pool = requests.get(url + "api/backend/organism/", timeout=10).json()
            assert pool["count"] == 12, (run, pool)
        finally:
            process.send_signal(signal.SIGINT)
            assert process.wait(20) == 0
    assert (tmp_path / "state" / "handlers.log").stat().st_size > 0  # the logs stay


def test_a_busy_port_gets_a_clear_message(tmp_path):
    with socket.socket() as busy:
        busy.bind(("127.0.0.1", 0))
        busy.listen()
        port = busy.getsockname()[1]
        process = start_stack(tmp_path, port, free_port(), "--no-demo")
        out, _ = process.communicate(timeout=60)
    assert process.returncode == 2
    assert f"port {port}" in out and "--port" in out and "Traceback" not in out
