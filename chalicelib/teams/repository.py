"""Teams, membership and the teams' BioSamples (Webin) credentials."""

from __future__ import annotations

import json
import re
import uuid
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from pynamodb.exceptions import DoesNotExist

from chalicelib.aws import client
from chalicelib.config import get_settings
from chalicelib.tables import bind
from chalicelib.teams.models import TeamItemModel

ROLES = ("admin", "member")
TEAM = "TEAM"
_WEBIN_USER = re.compile(r"^Webin-\d{1,10}$")


class TeamError(Exception):
    """A refused team operation: ``status`` for the API, ``message`` for the person."""

    def __init__(self, status: int, message: str) -> None:
        super().__init__(message)
        self.status = status
        self.message = message


def _bind() -> None:
    bind(TeamItemModel, "teams_table")


@dataclass(frozen=True)
class Member:
    user_id: str
    email: str
    role: str

    def to_dict(self) -> dict[str, str]:
        return {"user_id": self.user_id, "email": self.email, "role": self.role}


def create_team(name: str, country: str, creator_id: str, creator_email: str) -> dict[str, Any]:
    """A new team; its creator is its first admin."""
    name, country = name.strip(), country.strip()
    if not name or len(name) > 200 or not country or len(country) > 100:
        raise TeamError(400, "a team (gene bank) needs a name and a country (at most 200 "
                             "and 100 characters)")
    _bind()
    slug = re.sub(r"[^a-z0-9]+", "-", name.lower()).strip("-")[:40] or "team"
    team_id = f"{slug}-{uuid.uuid4().hex[:6]}"
    stamp = datetime.now(UTC)
    with TeamItemModel.batch_write() as batch:
        batch.save(TeamItemModel(team_id, TEAM, name=name, country=country,
                                 added_by=creator_id, created_at=stamp))
        batch.save(TeamItemModel(team_id, f"MEMBER#{creator_id}", user_id=creator_id,
                                 email=creator_email, role="admin", added_by=creator_id,
                                 created_at=stamp))
    return {"team_id": team_id, "name": name, "country": country, "role": "admin"}


def teams_of(user_id: str) -> dict[str, str]:
    """The teams a person belongs to, with the role in each."""
    _bind()
    return {item.team_id: item.role or "member"
            for item in TeamItemModel.by_member.query(user_id)}


def team(team_id: str) -> dict[str, Any] | None:
    _bind()
    try:
        item = TeamItemModel.get(team_id, TEAM)
    except DoesNotExist:
        return None
    return {"team_id": team_id, "name": item.name, "country": item.country,
            "webin": {"configured": bool(item.webin_user), "username": item.webin_user}}


def members(team_id: str) -> list[Member]:
    _bind()
    return [Member(i.user_id or "", i.email or "", i.role or "member")
            for i in TeamItemModel.query(team_id, TeamItemModel.item.startswith("MEMBER#"))]


def _keep_an_admin(current: dict[str, Member], user_id: str, change: str) -> None:
    """Refuse a change that would leave the team without an admin (nobody could then
    invite, remove or make admins again)."""
    admins = [m for m in current.values() if m.role == "admin"]
    if user_id in current and current[user_id].role == "admin" and len(admins) == 1:
        raise TeamError(409, f"a team needs at least one admin: make someone else admin "
                             f"before {change} the last one")


def add_member(team_id: str, user_id: str, email: str, role: str, by: str) -> Member:
    """Add a person, or change a member's role (a team never loses its last admin)."""
    if role not in ROLES:
        raise TeamError(400, f"role must be one of: {', '.join(ROLES)}")
    if role != "admin":
        _keep_an_admin({m.user_id: m for m in members(team_id)}, user_id, "demoting")
    _bind()
    TeamItemModel(team_id, f"MEMBER#{user_id}", user_id=user_id, email=email, role=role,
                  added_by=by, created_at=datetime.now(UTC)).save()
    return Member(user_id, email, role)


def remove_member(team_id: str, user_id: str) -> None:
    """Remove a member; a team never loses its last admin."""
    current = {m.user_id: m for m in members(team_id)}
    if user_id not in current:
        raise TeamError(404, "this person is not a member of the team")
    _keep_an_admin(current, user_id, "removing")
    _bind()
    TeamItemModel(team_id, f"MEMBER#{user_id}").delete()


def set_webin_credentials(team_id: str, username: str, password: str) -> dict[str, Any]:
    """Store the team's Webin account in Secrets Manager (only the submit function reads
    it); the team item keeps the user name and when it changed, never the password."""
    if not _WEBIN_USER.match(username):
        raise TeamError(400, "the Webin user name looks like Webin-12345")
    if not password or len(password) > 200:
        raise TeamError(400, "the Webin password is missing or too long")
    from botocore.exceptions import ClientError

    secrets = client("secretsmanager")
    name = get_settings().webin_secret_name(team_id)
    value = json.dumps({"username": username, "password": password})
    try:
        secrets.put_secret_value(SecretId=name, SecretString=value)
    except ClientError as exc:
        if exc.response["Error"]["Code"] != "ResourceNotFoundException":
            raise
        secrets.create_secret(Name=name, SecretString=value,
                              Description=f"Webin account of team {team_id}")
    _bind()
    item = TeamItemModel.get(team_id, TEAM)
    item.webin_user = username
    item.webin_updated_at = datetime.now(UTC)
    item.save()
    return {"configured": True, "username": username}
