"""Profiles, organizations and token revocations."""

from __future__ import annotations

import csv
import hashlib
import re
import time
import uuid
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from pynamodb.exceptions import DoesNotExist

from chalicelib.accounts.models import DictionaryModel, UserModel
from chalicelib.tables import bind

ORGANIZATIONS_CSV = Path(__file__).with_name("data") / "organization_list.csv"
PROFILE_FIELDS = ("first_name", "last_name", "initials", "affiliation", "role",
                  "organization")
ROLES = ("submitter", "curator", "investigator", "data manager", "other")
_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")


class ProfileError(ValueError):
    """A profile field that cannot be accepted; the message says which and why."""


def _bind() -> None:
    bind(UserModel, "users_table")
    bind(DictionaryModel, "dictionaries_table")


def valid_email(email: str) -> bool:
    return bool(_EMAIL.match(email))


@dataclass(frozen=True)
class Profile:
    user_id: str
    email: str
    first_name: str
    last_name: str
    initials: str
    affiliation: str
    role: str
    organization: str
    site_admin: bool
    email_opt_out: tuple[str, ...]

    def to_dict(self) -> dict[str, Any]:
        return {"user_id": self.user_id, "email": self.email, "first_name": self.first_name,
                "last_name": self.last_name, "initials": self.initials,
                "affiliation": self.affiliation, "role": self.role,
                "organization": self.organization, "site_admin": self.site_admin,
                "email_opt_out": list(self.email_opt_out)}


def _profile(item: UserModel) -> Profile:
    return Profile(item.user_id, item.email or "", item.first_name, item.last_name,
                   item.initials, item.affiliation, item.role, item.organization,
                   bool(item.site_admin), tuple(item.email_opt_out or ()))


def clean_profile(data: dict[str, Any]) -> dict[str, str]:
    """Profile fields from a request, checked; unknown keys are refused."""
    unknown = set(data) - set(PROFILE_FIELDS)
    if unknown:
        raise ProfileError(f"unknown profile fields: {', '.join(sorted(unknown))}")
    out = {}
    for key in PROFILE_FIELDS:
        if key in data:
            value = data[key]
            if not isinstance(value, str) or len(value) > 200:
                raise ProfileError(f"{key} must be text of at most 200 characters")
            out[key] = value.strip()
    if "role" in out and out["role"] and out["role"] not in ROLES:
        raise ProfileError(f"role must be one of: {', '.join(ROLES)}")
    if "organization" in out and out["organization"] and \
            organization(out["organization"]) is None:
        raise ProfileError("organization must be one of the list (GET /organizations), or "
                           "added first with POST /organizations")
    return out


def create_profile(user_id: str, email: str, fields: dict[str, str]) -> Profile:
    _bind()
    item = UserModel(user_id, email=email.lower(), created_at=datetime.now(UTC))
    for key, value in fields.items():
        setattr(item, key, value)
    item.save()
    return _profile(item)


def get_profile(user_id: str) -> Profile | None:
    _bind()
    try:
        return _profile(UserModel.get(user_id))
    except DoesNotExist:
        return None


def profile_by_email(email: str) -> Profile | None:
    _bind()
    for item in UserModel.by_email.query(email.lower(), limit=1):
        return _profile(item)
    return None


def update_profile(user_id: str, fields: dict[str, str]) -> Profile:
    _bind()
    item = UserModel.get(user_id)
    for key, value in fields.items():
        setattr(item, key, value)
    item.save()
    return _profile(item)


def set_email_opt_out(user_id: str, events: list[str]) -> Profile:
    _bind()
    item = UserModel.get(user_id)
    item.email_opt_out = sorted(set(events))
    item.save()
    return _profile(item)


def set_site_admin(email: str, value: bool = True) -> Profile:
    """Grant (or take back) the operators' role; used by the CLI, never by the API."""
    found = profile_by_email(email)
    if found is None:
        raise LookupError(f"no user with email {email}")
    _bind()
    item = UserModel.get(found.user_id)
    item.site_admin = value
    item.save()
    return _profile(item)


# --------------------------------------------------------------------- revocations
def revoke_token(token_id: str, expires_at: int) -> None:
    """Remember a logged-out token until it would have expired anyway."""
    _bind()
    UserModel(f"revoked#{token_id}", expires_at=expires_at).save()


def is_revoked(token_id: str) -> bool:
    _bind()
    try:
        item = UserModel.get(f"revoked#{token_id}")
    except DoesNotExist:
        return False
    return item.expires_at is None or item.expires_at > time.time()


#: How long a refresh token lives (the user pool client's RefreshTokenValidity, days).
REFRESH_TOKEN_DAYS = 30


def _refresh_key(refresh_token: str) -> str:
    """Refresh tokens are kept as their SHA-256: the table never holds one."""
    return "refresh#" + hashlib.sha256(refresh_token.encode()).hexdigest()


def remember_refresh_token(user_id: str, refresh_token: str) -> None:
    """Note a refresh token we handed out at log-in, so a sign-out can refuse it later
    whatever the account service does (moto ignores sign-outs; ours never do)."""
    _bind()
    now = time.time()
    UserModel(_refresh_key(refresh_token), owner=user_id, issued_at=now,
              expires_at=int(now) + REFRESH_TOKEN_DAYS * 86_400).save()


def sign_out_everywhere(user_id: str) -> None:
    """Every refresh token issued to this person until now is refused from now on."""
    _bind()
    now = time.time()
    UserModel(f"signout#{user_id}", owner=user_id, issued_at=now,
              expires_at=int(now) + REFRESH_TOKEN_DAYS * 86_400).save()


def refresh_token_usable(refresh_token: str) -> bool:
    """Whether we issued this refresh token and its owner has not signed out since."""
    _bind()
    try:
        token = UserModel.get(_refresh_key(refresh_token), consistent_read=True)
    except DoesNotExist:
        return False
    if not token.owner or (token.expires_at or 0) <= time.time():
        return False
    try:
        signed_out = UserModel.get(f"signout#{token.owner}", consistent_read=True)
    except DoesNotExist:
        return True
    return (signed_out.issued_at or 0) < (token.issued_at or 0)


# ------------------------------------------------------------------- organizations
def seed_organizations(path: Path = ORGANIZATIONS_CSV) -> int:
    """Load the seed list (id;name;country) when the dictionary is empty."""
    _bind()
    if any(True for _ in DictionaryModel.query("organization", limit=1)):
        return 0
    count = 0
    with path.open(encoding="utf-8-sig") as handle, DictionaryModel.batch_write() as batch:
        for row in csv.reader(handle, delimiter=";"):
            if len(row) < 3 or not row[1].strip():
                continue
            batch.save(DictionaryModel("organization", f"org-{int(row[0]):04d}",
                                       label=row[1].strip(), country=row[2].strip()))
            count += 1
    return count


def organizations() -> list[dict[str, str]]:
    """The organizations to choose from (seeded from the IMAGE list on first use)."""
    seed_organizations()
    items = [{"id": i.key, "name": i.label, "country": i.country}
             for i in DictionaryModel.query("organization")]
    return sorted(items, key=lambda o: o["name"].lower())


def organization(key: str) -> dict[str, str] | None:
    _bind()
    try:
        item = DictionaryModel.get("organization", key)
    except DoesNotExist:
        return None
    return {"id": item.key, "name": item.label, "country": item.country}


def add_organization(name: str, country: str, added_by: str) -> dict[str, str]:
    name, country = name.strip(), country.strip()
    if not name or len(name) > 200 or not country or len(country) > 100:
        raise ProfileError("an organization needs a name and a country (at most 200 and "
                           "100 characters)")
    for existing in organizations():
        if existing["name"].lower() == name.lower() and \
                existing["country"].lower() == country.lower():
            return existing
    _bind()
    key = f"org-{uuid.uuid4().hex[:10]}"
    DictionaryModel("organization", key, label=name, country=country,
                    added_by=added_by).save()
    return {"id": key, "name": name, "country": country}
