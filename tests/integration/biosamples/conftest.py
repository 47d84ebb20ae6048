"""Fixtures: the local BioSamples stand-in started as a real process on a free port."""

from __future__ import annotations

import json
import subprocess
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
import requests

from devstack.biosamples.process import start_standin

ROOT = Path(__file__).resolve().parents[3]
DATA = ROOT / "tests" / "data" / "ingest"
ACCOUNTS = {"Webin-11111": "pw-one", "Webin-22222": "pw-two",
            "Webin-12345": "demo-password"}


@dataclass
class Server:
    """A running stand-in process."""

    url: str
    proc: subprocess.Popen[str]
    state_dir: Path

    @property
    def bs(self) -> str:
        return f"{self.url}/biosamples"

    def token(self, user: str = "Webin-11111", ttl: str | None = None) -> str:
        params = {"ttl": ttl} if ttl else None
        r = requests.post(f"{self.url}/ena/submit/webin/auth/token", params=params,
                          json={"authRealms": ["ENA"], "username": user,
                                "password": ACCOUNTS[user]}, timeout=10)
        r.raise_for_status()
        return r.text

    def auth(self, user: str = "Webin-11111") -> dict[str, str]:
        return {"Authorization": f"Bearer {self.token(user)}"}

    def faults(self, config: dict[str, Any]) -> None:
        r = requests.post(f"{self.url}/_admin/faults", json=config, timeout=10)
        assert r.status_code == 200, r.text

    def stats(self) -> dict[str, Any]:
        result: dict[str, Any] = requests.get(f"{self.url}/_admin/stats", timeout=10).json()
        return result

    def reset(self) -> None:
        assert requests.post(f"{self.url}/_admin/reset", timeout=10).status_code == 200

    def stop(self) -> None:
        self.proc.terminate()
        try:
            self.proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait(timeout=10)


def start_server(state_dir: Path, *extra: str) -> Server:
    """Start the stand-in on a free port (as make run does) and wait until it answers."""
    started = start_standin(0, state_dir, "--accounts", json.dumps(ACCOUNTS), *extra)
    requests.get(f"{started.url}/biosamples", timeout=10).raise_for_status()
    return Server(started.url, started.process, state_dir)


@pytest.fixture(scope="session")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    srv = start_server(tmp_path_factory.mktemp("biosamples-state"))
    yield srv
    srv.stop()


@pytest.fixture
def bs(server: Server) -> Server:
    """The shared server, emptied and without faults."""
    server.reset()
    return server


def organism_sample(name: str, **extra: Any) -> dict[str, Any]:
    """A minimal valid IMAGE-like animal."""
    sample: dict[str, Any] = {
        "name": name,
        "release": "2020-01-14T00:00:00Z",
        "characteristics": {
            "organism": [{"text": "Sus scrofa",
                          "ontologyTerms": ["http://purl.obolibrary.org/obo/NCBITaxon_9823"]}],
            "project": [{"text": "IMAGE"}],
            "material": [{"text": "organism",
                          "ontologyTerms": ["http://purl.obolibrary.org/obo/OBI_0100026"]}],
            "Supplied breed": [{"text": "Large White"}],
        },
    }
    sample.update(extra)
    return sample


@pytest.fixture
def make_sample() -> Any:
    """Factory of minimal valid samples: ``make_sample(name, **top_level_fields)``."""
    return organism_sample


@pytest.fixture
def spawn() -> Iterator[Any]:
    """Start extra stand-in processes: ``spawn(state_dir, *cli_args)``; stopped at the end."""
    started: list[Server] = []

    def _spawn(state_dir: Path, *extra: str) -> Server:
        srv = start_server(state_dir, *extra)
        started.append(srv)
        return srv

    yield _spawn
    for srv in started:
        if srv.proc.poll() is None:
            srv.stop()


@pytest.fixture
def data_dir() -> Path:
    """The example BioSamples records (copies of real wwwdev records)."""
    return DATA
