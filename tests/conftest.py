"""Shared fixtures: a real moto server on loopback, and the stack's resources on it.

One moto server serves the whole session; each test that needs AWS gets a clean one
(moto's reset API) with every resource of ``infra/resources.yaml`` created again, so tests
never see each other's data.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from devstack.moto_server import FAKE_CREDENTIALS, MotoServer, start_moto
from devstack.ports import free_port

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
    from devstack.provision import provision

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
    monkeypatch.setenv("USER_POOL_ID", result.outputs["UserPoolId"])
    monkeypatch.setenv("USER_POOL_CLIENT_ID", result.outputs["UserPoolClientId"])
    yield result
    aws_clients.reset_clients()


@dataclass(frozen=True)
class Person:
    """A signed-up, confirmed, signed-in person (real Cognito tokens from moto)."""

    user_id: str
    email: str
    token: str

    @property
    def headers(self) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.token}"}


PASSWORD = "Str0ng-Passw0rd"


@pytest.fixture
def people(aws):
    """Make people: ``people("a@x.org", teams={"t1": "admin"}, site_admin=False)``."""
    from chalicelib.accounts import cognito
    from chalicelib.accounts import repository as accounts
    from chalicelib.teams import repository as teams

    def make(email: str, *, teams_roles: dict[str, str] | None = None,
             site_admin: bool = False) -> Person:
        user_id = cognito.sign_up(email, PASSWORD)
        cognito.confirm(email, "123456")
        accounts.create_profile(user_id, email, {"first_name": "Test", "last_name": "Person",
                                                 "affiliation": "Test lab"})
        for team_id, role in (teams_roles or {}).items():
            teams.add_member(team_id, user_id, email, role, by=user_id)
        if site_admin:
            accounts.set_site_admin(email)
        return Person(user_id, email, cognito.log_in(email, PASSWORD).access_token)

    return make


@pytest.fixture
def team(aws, people):
    """A team with an admin; returns (team id, admin)."""
    from chalicelib.teams import repository as teams

    admin = people("admin@gene-bank.example.org")
    created = teams.create_team("Test Gene Bank", "Italy", admin.user_id, admin.email)
    return created["team_id"], admin
