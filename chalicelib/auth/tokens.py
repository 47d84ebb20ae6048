"""Verify Cognito access tokens: signature against the pool's JWKS, issuer, client id,
expiry and token use.

Chalice's ``CognitoUserPoolAuthorizer`` is not enforced by ``chalice local`` nor by
``chalice.test.Client`` (a missing or forged token gets through), so the API checks
tokens itself, with this code, identically on AWS, in the local stack and in the tests.
"""

from __future__ import annotations

import json
import threading
import time
import urllib.request
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import jwt
from jwt.algorithms import RSAAlgorithm

from chalicelib.config import Settings

#: Seconds the signing keys are kept before they are fetched again.
JWKS_TTL = 3600
#: Clock used for expiry; tests replace it to present expired tokens.
clock: Callable[[], float] = time.time


class InvalidToken(Exception):
    """The token cannot be trusted; ``reason`` says why, for logs (never the token)."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


@dataclass(frozen=True)
class Claims:
    """What the API needs from a verified access token."""

    user_id: str
    username: str
    token_id: str
    expires_at: int
    raw: dict[str, Any]


_keys: dict[str, tuple[float, dict[str, Any]]] = {}
_lock = threading.Lock()


def _fetch_jwks(url: str) -> dict[str, Any]:
    with urllib.request.urlopen(url, timeout=5) as answer:
        doc = json.loads(answer.read())
    return {key["kid"]: key for key in doc.get("keys", [])}


def signing_key(settings: Settings, kid: str) -> Any:
    """The public key with this ``kid`` from the pool's JWKS (fetched again once when an
    unknown kid shows up, so key rotation needs no restart)."""
    url = settings.jwks_url
    with _lock:
        cached = _keys.get(url)
    now = time.monotonic()
    if cached is None or now - cached[0] > JWKS_TTL or kid not in cached[1]:
        try:
            keys = _fetch_jwks(url)
        except OSError as exc:
            raise InvalidToken(f"signing keys unavailable: {exc}") from exc
        with _lock:
            _keys[url] = (now, keys)
        cached = (now, keys)
    jwk = cached[1].get(kid)
    if jwk is None:
        raise InvalidToken("unknown signing key")
    return RSAAlgorithm.from_jwk(json.dumps(jwk))


def verify(token: str, settings: Settings) -> Claims:
    """Verify an access token of the stage's user pool, or raise :class:`InvalidToken`."""
    if not settings.user_pool_id or not settings.user_pool_client_id:
        raise InvalidToken("no user pool configured")
    try:
        header = jwt.get_unverified_header(token)
    except jwt.PyJWTError as exc:
        raise InvalidToken(f"malformed token: {exc}") from exc
    if header.get("alg") != "RS256" or not header.get("kid"):
        raise InvalidToken("token not signed with RS256 and a key id")
    key = signing_key(settings, str(header["kid"]))
    try:
        claims = jwt.decode(
            token, key=key, algorithms=["RS256"], issuer=settings.issuer,
            options={"require": ["exp", "iat", "iss", "sub", "token_use"],
                     "verify_exp": False, "verify_aud": False})
    except jwt.PyJWTError as exc:
        raise InvalidToken(f"bad token: {exc}") from exc
    if int(claims["exp"]) <= clock():
        raise InvalidToken("token expired")
    if claims.get("token_use") != "access":
        raise InvalidToken("not an access token")
    if claims.get("client_id") != settings.user_pool_client_id:
        raise InvalidToken("token issued to another client")
    return Claims(user_id=str(claims["sub"]), username=str(claims.get("username", "")),
                  token_id=str(claims.get("jti") or claims.get("origin_jti") or ""),
                  expires_at=int(claims["exp"]), raw=claims)
