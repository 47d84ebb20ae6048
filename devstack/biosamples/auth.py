"""Webin accounts and tokens, as the ENA Webin auth service and BioSamples see them.

Tokens are JWTs whose header says ``RS256`` and whose payload carries ``principle``
(sic), ``role``, ``exp`` and ``iat``. Like the real BioSamples ``AccessControlService``
the stand-in never checks the signature: it base64-decodes the payload, reads the
principal and rejects a past ``exp``. Any failure means "unauthenticated".
"""

from __future__ import annotations

import base64
import json
import secrets
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

DEFAULT_TTL_HOURS = 3.0
#: The account every fresh stand-in knows: ``Webin-12345`` / ``demo-password``.
DEFAULT_ACCOUNTS: dict[str, dict[str, Any]] = {
    "Webin-12345": {"password": "demo-password", "roles": []},
}


@dataclass(frozen=True, slots=True)
class Principal:
    """An authenticated caller."""

    webin_id: str
    roles: tuple[str, ...] = ()
    exp: float = 0.0


@dataclass(slots=True)
class Accounts:
    """Known Webin accounts: ``{"Webin-N": {"password": str, "roles": [..]}}``."""

    accounts: dict[str, dict[str, Any]] = field(default_factory=lambda: dict(DEFAULT_ACCOUNTS))

    @classmethod
    def from_option(cls, value: str | None) -> Accounts:
        """Parse ``--accounts``: inline JSON or a JSON file path; ``None`` = demo account.

        Accepts ``{"Webin-1": "password"}`` or ``{"Webin-1": {"password": .., "roles": []}}``.
        """
        if not value:
            return cls()
        text = value if value.lstrip().startswith("{") else Path(value).read_text("utf-8")
        raw = json.loads(text)
        if not isinstance(raw, dict):
            raise ValueError("accounts must be a JSON object")
        accounts: dict[str, dict[str, Any]] = {}
        for user, spec in raw.items():
            if isinstance(spec, str):
                accounts[user] = {"password": spec, "roles": []}
            elif isinstance(spec, dict) and isinstance(spec.get("password"), str):
                accounts[user] = {"password": spec["password"],
                                  "roles": list(spec.get("roles") or [])}
            else:
                raise ValueError(f"bad account entry for {user!r}")
        return cls(accounts)

    def check(self, username: str, password: str) -> dict[str, Any] | None:
        """Return the account when the credentials match, else ``None``."""
        account = self.accounts.get(username)
        if account is None or not secrets.compare_digest(account["password"], password):
            return None
        return account


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def _unb64(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def issue_token(webin_id: str, roles: list[str], now: float, ttl_seconds: float) -> str:
    """A JWT shaped like the Webin one (the signature is random bytes)."""
    header = {"alg": "RS256"}
    payload = {"principle": webin_id, "role": roles, "exp": int(now + ttl_seconds),
               "iat": int(now)}
    return ".".join([
        _b64(json.dumps(header, separators=(",", ":")).encode()),
        _b64(json.dumps(payload, separators=(",", ":")).encode()),
        _b64(secrets.token_bytes(64)),
    ])


def principal_from_header(header: str | None, now: float) -> Principal | None:
    """Decode ``Authorization: Bearer <jwt>``; anything wrong or expired gives ``None``."""
    if not header or not header.startswith("Bearer "):
        return None
    parts = header[len("Bearer "):].strip().split(".")
    if len(parts) != 3:
        return None
    try:
        payload = json.loads(_unb64(parts[1]))
        principle = payload["principle"]
        exp = float(payload["exp"])
    except (ValueError, KeyError, TypeError):
        return None
    if not isinstance(principle, str) or not principle or exp <= now:
        return None
    roles = payload.get("role") or []
    return Principal(principle, tuple(str(r) for r in roles if isinstance(r, str)), exp)
