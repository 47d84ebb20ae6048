"""Accounts end to end against Cognito on a real moto server: sign up, confirm, log in,
profile, log out, password reset, and every bad input with its status and message."""

from __future__ import annotations

import json

import pytest
from chalice.test import Client

import app as app_module
from chalicelib.auth import tokens

pytestmark = pytest.mark.integration
PASSWORD = "Str0ng-Passw0rd"


@pytest.fixture
def client(aws):
    with Client(app_module.app, stage_name="local") as test_client:
        yield test_client


def post(client: Client, path: str, body: dict, token: str | None = None):
    headers = {"Content-Type": "application/json"}
    if token:
        headers["Authorization"] = f"Bearer {token}"
    return client.http.post(path, headers=headers, body=json.dumps(body))


def sign_up(client: Client, email: str, password: str = PASSWORD, **extra):
    return post(client, "/auth/signup", {"email": email, "password": password,
                                         "first_name": "Ada", "last_name": "Lovelace",
                                         "affiliation": "Analytical Engines", **extra})


def test_sign_up_confirm_log_in_profile_log_out(client):
    orgs = client.http.get("/organizations").json_body["results"]
    from chalicelib.accounts.repository import ORGANIZATIONS_CSV

    seeded = [line for line in ORGANIZATIONS_CSV.read_text().splitlines() if line.strip()]
    assert len(orgs) == len(seeded) == 30 and {"id", "name", "country"} <= set(orgs[0])
    created = sign_up(client, "Ada@Example.org", role="curator", organization=orgs[0]["id"])
    assert created.status_code == 201 and created.json_body["confirmed"] is False

    refused = post(client, "/auth/login", {"email": "ada@example.org", "password": PASSWORD})
    assert refused.status_code == 403 and refused.json_body["Code"] == "not_confirmed"

    assert post(client, "/auth/confirm", {"email": "ada@example.org",
                                          "code": "123456"}).status_code == 200
    login = post(client, "/auth/login", {"email": "ada@example.org", "password": PASSWORD})
    assert login.status_code == 200
    token = login.json_body["access_token"]
    assert login.json_body["profile"]["organization"] == orgs[0]["id"]

    me = client.http.get("/me", headers={"Authorization": f"Bearer {token}"}).json_body
    assert (me["email"], me["first_name"], me["role"], me["teams"]) == (
        "ada@example.org", "Ada", "curator", [])
    changed = client.http.put("/me", headers={"Authorization": f"Bearer {token}",
                                              "Content-Type": "application/json"},
                              body=json.dumps({"initials": "AL"}))
    assert changed.json_body["initials"] == "AL"

    assert post(client, "/auth/logout", {}, token).status_code == 200
    after = client.http.get("/me", headers={"Authorization": f"Bearer {token}"})
    assert after.status_code == 401 and "signed out" in after.json_body["Message"]


def confirmed_account(client: Client, email: str) -> None:
    assert sign_up(client, email).status_code == 201
    assert post(client, "/auth/confirm", {"email": email, "code": "123456"}).status_code == 200


def log_in(client: Client, email: str) -> dict:
    answer = post(client, "/auth/login", {"email": email, "password": PASSWORD})
    assert answer.status_code == 200 and answer.json_body["refresh_token"]
    return answer.json_body


def test_log_out_ends_every_refresh_token_of_the_person(client):
    """The refresh token once still worked after log-out (the moto server refuses the
    user-side GlobalSignOut and the error was ignored): our own list refuses it now."""
    confirmed_account(client, "grace@example.org")
    here, elsewhere = log_in(client, "grace@example.org"), log_in(client, "grace@example.org")
    renewed = post(client, "/auth/refresh", {"refresh_token": here["refresh_token"]})
    assert renewed.status_code == 200 and renewed.json_body["access_token"]

    out = post(client, "/auth/logout", {}, here["access_token"])
    assert out.status_code == 200, out.json_body
    for session in (here, elsewhere):
        refused = post(client, "/auth/refresh", {"refresh_token": session["refresh_token"]})
        assert refused.status_code == 401 and "log in again" in refused.json_body["Message"]
    made_up = post(client, "/auth/refresh", {"refresh_token": "not-one-we-issued"})
    assert made_up.status_code == 401

    again = log_in(client, "grace@example.org")  # a new session after the sign-out works
    assert post(client, "/auth/refresh", {"refresh_token": again["refresh_token"]}
                ).status_code == 200


def test_a_failed_cognito_sign_out_is_said_and_the_session_still_ends(client, monkeypatch):
    from chalicelib.accounts import cognito

    confirmed_account(client, "hedy@example.org")
    session = log_in(client, "hedy@example.org")

    def unavailable(username: str) -> None:
        raise cognito.AccountError(502, "accounts_unavailable", "no answer")

    monkeypatch.setattr(cognito, "log_out", unavailable)
    out = post(client, "/auth/logout", {}, session["access_token"])
    assert out.status_code == 502 and out.json_body["Code"] == "sign_out_incomplete"
    assert post(client, "/auth/refresh", {"refresh_token": session["refresh_token"]}
                ).status_code == 401
    me = client.http.get("/me", headers={"Authorization": f"Bearer {session['access_token']}"})
    assert me.status_code == 401


def test_bad_sign_ups_get_clear_errors(client):
    weak = sign_up(client, "weak@example.org", password="short")
    assert weak.status_code == 400 and weak.json_body["Code"] == "weak_password"
    assert sign_up(client, "dup@example.org").status_code == 201
    dup = sign_up(client, "dup@example.org")
    assert dup.status_code == 409 and dup.json_body["Code"] == "email_taken"
    bad_email = sign_up(client, "not-an-email")
    assert bad_email.status_code == 400 and "email" in bad_email.json_body["Message"]
    missing = post(client, "/auth/signup", {"email": "x@example.org"})
    assert missing.status_code == 400 and "password" in missing.json_body["Message"]
    bad_org = sign_up(client, "org@example.org", organization="org-9999")
    assert bad_org.status_code == 400 and "organization" in bad_org.json_body["Message"]
    not_json = client.http.post("/auth/signup", headers={"Content-Type": "application/json"},
                                body="{nope")
    assert not_json.status_code == 400 and "JSON" in not_json.json_body["Message"]


def test_wrong_password_and_unknown_user(client):
    sign_up(client, "bob@example.org")
    post(client, "/auth/confirm", {"email": "bob@example.org", "code": "1"})
    wrong = post(client, "/auth/login", {"email": "bob@example.org", "password": "Wr0ng-pass"})
    assert wrong.status_code == 401
    # Forgetting a password never tells whether an account exists.
    for email in ("bob@example.org", "nobody@example.org"):
        answer = post(client, "/auth/password/forgot", {"email": email})
        assert answer.status_code == 202


def test_password_reset_with_an_expired_code(client):
    sign_up(client, "carol@example.org")
    post(client, "/auth/confirm", {"email": "carol@example.org", "code": "1"})
    post(client, "/auth/password/forgot", {"email": "carol@example.org"})
    expired = post(client, "/auth/password/reset", {
        "email": "carol@example.org", "code": "moto-confirmation-code:000000",
        "password": "N3w-Passw0rd!"})
    assert expired.status_code == 400 and expired.json_body["Code"] == "expired_code"


def test_tampered_forged_and_expired_tokens_are_refused(client, people, monkeypatch):
    person = people("dora@example.org")
    ok = client.http.get("/me", headers=person.headers)
    assert ok.status_code == 200

    header, payload, signature = person.token.split(".")
    tampered = f"{header}.{payload[:-4]}AAAA.{signature}"
    assert client.http.get("/me", headers={"Authorization": f"Bearer {tampered}"}
                           ).status_code == 401

    import jwt
    from cryptography.hazmat.primitives.asymmetric import rsa

    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    claims = jwt.decode(person.token, options={"verify_signature": False})
    kid = jwt.get_unverified_header(person.token)["kid"]
    forged = jwt.encode(claims, key, algorithm="RS256", headers={"kid": kid})
    assert client.http.get("/me", headers={"Authorization": f"Bearer {forged}"}
                           ).status_code == 401
    unsigned = jwt.encode(claims, "", algorithm="none")
    assert client.http.get("/me", headers={"Authorization": f"Bearer {unsigned}"}
                           ).status_code == 401

    monkeypatch.setattr(tokens, "clock", lambda: claims["exp"] + 1)
    expired = client.http.get("/me", headers=person.headers)
    assert expired.status_code == 401 and "expired" in expired.json_body["Message"]


def test_preferences_and_organizations(client, people):
    person = people("eve@example.org")
    prefs = client.http.get("/me/preferences", headers=person.headers).json_body["email"]
    assert prefs["upload_loaded"] is True
    changed = client.http.put("/me/preferences",
                              headers={**person.headers, "Content-Type": "application/json"},
                              body=json.dumps({"email": {"upload_loaded": False}}))
    assert changed.json_body["email"]["upload_loaded"] is False
    unknown = client.http.put("/me/preferences",
                              headers={**person.headers, "Content-Type": "application/json"},
                              body=json.dumps({"email": {"everything": False}}))
    assert unknown.status_code == 400

    added = post(client, "/organizations", {"name": "New Lab", "country": "Spain"},
                 person.token)
    assert added.status_code == 201
    names = [o["name"] for o in client.http.get("/organizations").json_body["results"]]
    assert "New Lab" in names
