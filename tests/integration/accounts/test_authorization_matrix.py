"""The authorization matrix, generated from the app's own route table.

Every route must declare who may call it; each route is then called by seven personas
(anonymous, a forged token, an expired token, a member of another team, a member, a team
admin, a site admin) and must let in exactly the ones its rule allows. A route added
without a rule fails here.
"""

from __future__ import annotations

import re

import jwt
import pytest
from chalice.test import Client
from cryptography.hazmat.primitives.asymmetric import rsa

import app as app_module
from chalicelib.auth import tokens
from chalicelib.auth.access import Access, access_of

pytestmark = pytest.mark.integration

PERSONAS = ("anonymous", "forged", "expired", "other_team", "member", "team_admin",
            "site_admin")
ALLOWED = {
    Access.PUBLIC: set(PERSONAS),
    Access.USER: {"other_team", "member", "team_admin", "site_admin"},
    Access.MEMBER: {"member", "team_admin", "site_admin"},
    Access.TEAM_ADMIN: {"team_admin", "site_admin"},
    Access.SITE_ADMIN: {"site_admin"},
}


def all_routes() -> list[tuple[str, str, object]]:
    return [(path, method, entry.view_function)
            for path, methods in app_module.app.routes.items()
            for method, entry in methods.items()]


def test_every_route_declares_who_may_call_it():
    missing = [f"{method} {path}" for path, method, view in all_routes()
               if access_of(view) is None]  # type: ignore[arg-type]
    assert not missing, f"routes without an access rule: {missing}"


#: The only writes anyone may make without signing in: becoming someone.
PUBLIC_WRITES = {"/auth/signup", "/auth/confirm", "/auth/resend", "/auth/login",
                 "/auth/refresh", "/auth/password/forgot", "/auth/password/reset"}
STRICTER_THAN_MEMBER = {Access.MEMBER, Access.TEAM_ADMIN, Access.SITE_ADMIN}


def test_declared_rules_are_safe():
    """Team data is never open to non-members, and nothing but account entry points is
    writable anonymously."""
    for path, method, view in all_routes():
        rule = access_of(view)  # type: ignore[arg-type]
        if "{team_id}" in path:
            assert rule in STRICTER_THAN_MEMBER, (method, path, rule)
        if method != "GET" and rule is Access.PUBLIC:
            assert path in PUBLIC_WRITES, (method, path)


def test_the_matrix(aws, people, monkeypatch):
    from chalicelib.accounts import cognito
    from chalicelib.teams import repository as teams

    admin = people("admin@team.example.org")
    team_id = teams.create_team("Matrix Team", "Italy", admin.user_id, admin.email)["team_id"]
    member = people("member@team.example.org", teams_roles={team_id: "member"})
    other = people("other@elsewhere.example.org", teams_roles={"elsewhere": "admin"})
    site = people("ops@imagepool.example.org", site_admin=True)
    accounts = {"member": member, "team_admin": admin, "other_team": other,
                "site_admin": site}
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)

    def token_for(persona: str) -> str | None:
        if persona == "anonymous":
            return None
        if persona in ("forged", "expired"):
            base = cognito.log_in(member.email, "Str0ng-Passw0rd").access_token
            if persona == "expired":
                return base
            claims = jwt.decode(base, options={"verify_signature": False})
            return jwt.encode(claims, key, algorithm="RS256",
                              headers={"kid": jwt.get_unverified_header(base)["kid"]})
        # A fresh session each call: a route may end the session (log out).
        return cognito.log_in(accounts[persona].email, "Str0ng-Passw0rd").access_token

    failures = []
    checked = 0
    with Client(app_module.app, stage_name="local") as client:
        for path, method, view in all_routes():
            rule = access_of(view)  # type: ignore[arg-type]
            assert rule is not None
            url = re.sub(r"\{team_id\}", team_id, path)
            url = re.sub(r"\{[^}]+\}", "does-not-exist", url)
            for persona in PERSONAS:
                token = token_for(persona)
                headers = {"Content-Type": "application/json"}
                if token:
                    headers["Authorization"] = f"Bearer {token}"
                if persona == "expired":
                    monkeypatch.setattr(tokens, "clock", lambda: 4_102_444_800)  # 2100
                answer = client.http.request(method, url, headers=headers, body=b"{}")
                monkeypatch.setattr(tokens, "clock", __import__("time").time)
                allowed = persona in ALLOWED[rule]
                let_in = answer.status_code not in (401, 403)
                checked += 1
                if allowed != let_in:
                    failures.append(f"{method} {path} [{rule}] as {persona}: "
                                    f"{answer.status_code}")
                if not allowed and persona in ("anonymous", "forged", "expired") and \
                        rule is not Access.PUBLIC:
                    assert answer.status_code == 401, (method, path, persona)
    assert not failures, "\n".join(failures)
    assert checked >= 7 * 20
