"""Shared fixtures: a real moto server on loopback, and the stack's resources on it.

One moto server serves the whole session; each test that needs AWS gets a clean one
(moto's reset API) with every resource of ``infra/resources.yaml`` created again, so tests
never see each other's data.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from chalicelib.local.moto_server import FAKE_CREDENTIALS, MotoServer, start_moto
from chalicelib.local.ports import free_port

DATA = Path(__file__).parent / "data"
LOCAL_PREFIX = "imagepool-local"


@pytest.fixture(scope="session")
def moto_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[MotoServer]:
    """A moto server process on a free loopback port, for the whole session."""
    log = tmp_path_factory.mktemp("moto") / "moto.log"
    server = start_moto(free_port(), log)
    yield server
    server.stop()


@pytest.fixture
def aws(moto_server: MotoServer, monkeypatch: pytest.MonkeyPatch, tmp_path: Path):
    """Point every client at a clean moto server holding the stack's resources."""
    from chalicelib import aws as aws_clients
    from chalicelib.config import get_settings
    from chalicelib.local.provision import provision

    moto_server.reset()
    for key, value in FAKE_CREDENTIALS.items():
        monkeypatch.setenv(key, value)
    monkeypatch.setenv("AWS_ENDPOINT_URL", moto_server.url)
    monkeypatch.setenv("AWS_DEFAULT_REGION", "eu-west-1")
    monkeypatch.setenv("AWS_REGION", "eu-west-1")
    monkeypatch.setenv("STAGE", "local")
    monkeypatch.setenv("RESOURCE_PREFIX", LOCAL_PREFIX)
    monkeypatch.setenv("LOG_FILE", str(tmp_path / "handlers.log"))
    aws_clients.reset_clients()
    settings = get_settings()
    result = provision(aws_clients.client, stack_name=settings.prefix, region=settings.region)
    yield result
    aws_clients.reset_clients()
