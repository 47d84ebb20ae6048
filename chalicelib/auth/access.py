"""Who may call which route: every route declares its rule, and the rule is enforced in
the function itself, the same on AWS, in the local stack and in the tests.

Rules, from open to closed: ``PUBLIC`` (anyone), ``USER`` (any signed-in person),
``MEMBER`` (a member of the team named in the path), ``TEAM_ADMIN`` (an admin of that
team), ``SITE_ADMIN`` (an operator). Site admins pass every rule. A route without a rule
fails the authorization matrix test, so no route is born unprotected by accident.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any, TypeVar

from chalice import ForbiddenError, UnauthorizedError

from chalicelib.config import get_settings


class Access(StrEnum):
    PUBLIC = "public"
    USER = "user"
    MEMBER = "member"
    TEAM_ADMIN = "team_admin"
    SITE_ADMIN = "site_admin"


@dataclass(frozen=True)
class Principal:
    """The person behind a request, as the verified token and the UID say."""

    user_id: str
    email: str
    site_admin: bool
    teams: dict[str, str] = field(default_factory=dict)  # team id → role
    token_id: str = ""
    token_expires_at: int = 0
    username: str = ""  # the account's user name at Cognito

    def role_in(self, team_id: str) -> str | None:
        return self.teams.get(team_id)


F = TypeVar("F", bound=Callable[..., Any])
_request_source: list[Callable[[], Any]] = []


def bind_request_source(get_request: Callable[[], Any]) -> None:
    """Tell the layer how to reach the current request (the Chalice app's)."""
    _request_source[:] = [get_request]


def access_of(view: Callable[..., Any]) -> Access | None:
    """The rule a route's view function declared (None: none, a bug)."""
    found = getattr(view, "__access__", None)
    return Access(found) if found else None


def public(view: F) -> F:
    """Mark a route open to anyone (a deliberate choice, visible in the matrix)."""
    view.__access__ = Access.PUBLIC  # type: ignore[attr-defined]
    return view


def _bearer(headers: Any) -> str:
    value = headers.get("authorization") or headers.get("Authorization") or ""
    scheme, _, token = value.partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        raise UnauthorizedError("sign in first: send 'Authorization: Bearer <access token>'")
    return token.strip()


def authenticate(headers: Any) -> Principal:
    """The verified person behind the request, or 401."""
    from chalicelib.accounts import repository as accounts
    from chalicelib.auth.tokens import InvalidToken, verify
    from chalicelib.observability import logger
    from chalicelib.teams import repository as teams

    token = _bearer(headers)
    try:
        claims = verify(token, get_settings())
    except InvalidToken as exc:
        logger().info("token refused", extra={"reason": exc.reason})
        raise UnauthorizedError("your session is not valid (expired or signed out): "
                                "sign in again") from None
    if claims.token_id and accounts.is_revoked(claims.token_id):
        raise UnauthorizedError("you signed out with this session: sign in again")
    profile = accounts.get_profile(claims.user_id)
    return Principal(user_id=claims.user_id,
                     email=profile.email if profile else claims.username,
                     site_admin=bool(profile and profile.site_admin),
                     teams=teams.teams_of(claims.user_id),
                     token_id=claims.token_id, token_expires_at=claims.expires_at,
                     username=claims.username)


def check(principal: Principal, rule: Access, team_id: str | None) -> None:
    """Raise 403 unless the principal satisfies the rule (for the path's team)."""
    if rule in (Access.PUBLIC, Access.USER) or principal.site_admin:
        return
    if rule is Access.SITE_ADMIN:
        raise ForbiddenError("only operators (site admins) may do this")
    if team_id is None:
        raise ForbiddenError("this route needs a team")
    role = principal.role_in(team_id)
    if role is None:
        raise ForbiddenError("you are not a member of this team")
    if rule is Access.TEAM_ADMIN and role != "admin":
        raise ForbiddenError("only the team's admins may do this")


def protected(rule: Access) -> Callable[[F], F]:
    """Enforce ``rule`` on a route; the view receives ``principal=`` as a keyword."""
    if rule is Access.PUBLIC:
        raise ValueError("use @public for open routes")

    def decorate(view: F) -> F:
        @functools.wraps(view)
        def wrapper(*args: Any, **kwargs: Any) -> Any:
            request = _request_source[0]()
            principal = authenticate(request.headers)
            check(principal, rule, kwargs.get("team_id"))
            return view(*args, principal=principal, **kwargs)

        wrapper.__access__ = rule  # type: ignore[attr-defined]
        return wrapper  # type: ignore[return-value]

    return decorate
