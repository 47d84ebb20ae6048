"""Start and stop a moto server on loopback: the local AWS (S3, DynamoDB, SQS, SNS, SES,
Cognito, Secrets Manager, STS) that the local stack and the integration tests talk to."""

from __future__ import annotations

import os
import subprocess
import sys
import time
import urllib.error
import urllib.request
from dataclasses import dataclass
from pathlib import Path

from devstack.ports import ensure_free
from devstack.service_process import ServiceProcess

#: Credentials moto accepts; never real ones.
FAKE_CREDENTIALS = {"AWS_ACCESS_KEY_ID": "testing", "AWS_SECRET_ACCESS_KEY": "testing",
                    "AWS_SESSION_TOKEN": "testing"}


@dataclass
class MotoServer(ServiceProcess):
    """A running moto server process (stopped like every local service)."""

    log_path: Path = Path()

    def reset(self) -> None:
        """Clear every resource and item (moto's reset API)."""
        request = urllib.request.Request(f"{self.url}/moto-api/reset", method="POST")
        with urllib.request.urlopen(request, timeout=10):
            pass


def start_moto(port: int, log_path: Path, host: str = "127.0.0.1",
               timeout: float = 30) -> MotoServer:
    """Start ``moto_server`` and wait until it answers."""
    ensure_free(port, "moto server (local AWS)", "--moto-port", host)
    log_path.parent.mkdir(parents=True, exist_ok=True)
    log = log_path.open("ab")
    env = {**os.environ, **FAKE_CREDENTIALS}
    process = subprocess.Popen(
        [sys.executable, "-m", "moto.server", "-H", host, "-p", str(port)],
        stdout=log, stderr=subprocess.STDOUT, env=env, start_new_session=True, text=True)
    url = f"http://{host}:{port}"
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"moto server exited with {process.returncode}; see {log_path}")
        try:
            with urllib.request.urlopen(f"{url}/moto-api/", timeout=1):
                return MotoServer(process, url, log_path)
        except (urllib.error.URLError, ConnectionError, TimeoutError):
            time.sleep(0.1)
    process.kill()
    raise RuntimeError(f"moto server did not answer on {url} within {timeout} s; "
                       f"see {log_path}")
