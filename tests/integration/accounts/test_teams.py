"""Teams: the story of the issue (sign up, create a team, invite a second user, both see
only their team's data), admins, Webin credentials, the audit log and notifications."""

from __future__ import annotations

import base64
import json
import logging
from datetime import UTC, datetime, timedelta

import pytest
import requests
from chalice.test import Client

import app as app_module
from chalicelib import aws as aws_clients
from chalicelib.config import get_settings
from devstack.pump import EventPump
from tests.support import call

pytestmark = pytest.mark.integration


@pytest.fixture
def client(aws):
    with Client(app_module.app, stage_name="local") as test_client:
        yield test_client



FACTS = {"title": "Sheep of 2024", "gene_bank_name": "Banca del germoplasma",
         "gene_bank_country": "Italy", "data_source_type": "CryoWeb",
         "data_source_version": "2024-01", "file_name": "dump.sql"}


def test_two_teams_see_only_their_own_data(client, people):
    alice = people("alice@bank-a.example.org")
    bob = people("bob@bank-b.example.org")
    carol = people("carol@bank-a.example.org")
    team_a = call(client, "POST", "/teams", alice, {"name": "Bank A", "country": "Italy"})
    assert team_a.status_code == 201 and team_a.json_body["role"] == "admin"
    a = team_a.json_body["team_id"]
    b = call(client, "POST", "/teams", bob, {"name": "Bank B", "country": "France"}
             ).json_body["team_id"]

    invited = call(client, "POST", f"/teams/{a}/members", alice,
                   {"email": "carol@bank-a.example.org"})
    assert invited.status_code == 201 and invited.json_body["role"] == "member"
    assert [t["team_id"] for t in call(client, "GET", "/teams", carol).json_body["results"]
            ] == [a]

    sub_a = call(client, "POST", f"/teams/{a}/submissions", carol, FACTS)
    assert sub_a.status_code == 201
    sub_id = sub_a.json_body["submission_id"]
    assert sub_a.json_body["status"] == "WAITING"
    upload = sub_a.json_body["upload"]
    assert upload["key"] == f"uploads/{a}/{sub_id}/dump.sql"
    call(client, "POST", f"/teams/{b}/submissions", bob, {**FACTS, "title": "B's"})

    listed = call(client, "GET", f"/teams/{a}/submissions", alice).json_body["results"]
    assert [s["submission_id"] for s in listed] == [sub_id]
    # Bob can neither list, read, nor upload into team A, even knowing the ids.
    for method, path in (("GET", f"/teams/{a}/submissions"),
                         ("GET", f"/teams/{a}/submissions/{sub_id}"),
                         ("GET", f"/teams/{a}/submissions/{sub_id}/records"),
                         ("POST", f"/teams/{a}/submissions/{sub_id}/upload"),
                         ("POST", f"/teams/{a}/submissions")):
        assert call(client, method, path, bob, {"file_name": "x.csv"}).status_code == 403
    # ... and his own team's URL with A's submission id finds nothing.
    assert call(client, "GET", f"/teams/{b}/submissions/{sub_id}", bob).status_code == 404

    # Only admins manage members.
    assert call(client, "POST", f"/teams/{a}/members", carol,
                {"email": "bob@bank-b.example.org"}).status_code == 403


def test_presigned_upload_is_scoped_and_size_capped(client, people, monkeypatch):
    monkeypatch.setenv("MAX_UPLOAD_BYTES", "100")
    alice = people("alice@bank-a.example.org")
    team = call(client, "POST", "/teams", alice, {"name": "Bank A", "country": "Italy"}
                ).json_body["team_id"]
    created = call(client, "POST", f"/teams/{team}/submissions", alice, FACTS).json_body
    upload = created["upload"]
    assert upload["max_bytes"] == 100 and upload["expires_in"] == 900
    ok = requests.post(upload["url"], data=upload["fields"],
                       files={"file": ("dump.sql", b"-- small\n")}, timeout=10)
    assert ok.status_code in (200, 204)
    # S3 enforces the signed policy (moto does not): check what was signed.
    policy = json.loads(base64.b64decode(upload["fields"]["policy"]))
    conditions = policy["conditions"]
    assert ["content-length-range", 1, 100] in conditions
    assert ["eq", "$key", upload["key"]] in conditions
    expires = datetime.fromisoformat(policy["expiration"].replace("Z", "+00:00"))
    assert timedelta(minutes=14) < expires - datetime.now(UTC) <= timedelta(minutes=15)
    # And the ingest step refuses an object over the limit that got there anyway.
    aws_clients.client("s3").put_object(Bucket=get_settings().name("uploads_bucket"),
                                        Key=upload["key"], Body=b"x" * 1000)
    EventPump(app_module.app, app_module, aws_clients.client("sqs"), get_settings(),
              wait_seconds=0, retry_after_seconds=0).drain(timeout=30)
    sub = call(client, "GET", f"/teams/{team}/submissions/{created['submission_id']}",
               alice).json_body
    assert sub["status"] == "ERROR" and "limit is 100 bytes" in sub["message"]
    bad_name = call(client, "POST", f"/teams/{team}/submissions", alice,
                    {**FACTS, "file_name": "../../etc/passwd", "data_source_version": "2"})
    assert bad_name.status_code == 400 and "file_name" in bad_name.json_body["Message"]
    duplicate = call(client, "POST", f"/teams/{team}/submissions", alice, FACTS)
    assert duplicate.status_code == 409


def test_invitations_admins_and_the_audit_log(client, people):
    alice = people("alice@bank-a.example.org")
    dave = people("dave@bank-a.example.org")
    team = call(client, "POST", "/teams", alice, {"name": "Bank A", "country": "Italy"}
                ).json_body["team_id"]
    nobody = call(client, "POST", f"/teams/{team}/members", alice,
                  {"email": "nobody@nowhere.example.org"})
    assert nobody.status_code == 404 and "sign up" in nobody.json_body["Message"]
    bad_role = call(client, "POST", f"/teams/{team}/members", alice,
                    {"email": "dave@bank-a.example.org", "role": "owner"})
    assert bad_role.status_code == 400
    last_admin = call(client, "DELETE", f"/teams/{team}/members/{alice.user_id}", alice)
    assert last_admin.status_code == 409
    # Nor may the last admin re-invite themself as a member (nobody could undo it).
    demoted = call(client, "POST", f"/teams/{team}/members", alice,
                   {"email": "alice@bank-a.example.org", "role": "member"})
    assert demoted.status_code == 409 and "at least one admin" in demoted.json_body["Message"]
    assert call(client, "GET", f"/teams/{team}", alice).json_body["role"] == "admin"
    assert call(client, "POST", f"/teams/{team}/members", alice,
                {"email": "dave@bank-a.example.org"}).status_code == 201
    # With a second admin, the first may step down.
    assert call(client, "POST", f"/teams/{team}/members", alice,
                {"email": "dave@bank-a.example.org", "role": "admin"}).status_code == 201
    assert call(client, "POST", f"/teams/{team}/members", alice,
                {"email": "alice@bank-a.example.org", "role": "member"}).status_code == 201
    assert call(client, "POST", f"/teams/{team}/members", dave,
                {"email": "alice@bank-a.example.org", "role": "admin"}).status_code == 201
    assert call(client, "DELETE", f"/teams/{team}/members/{dave.user_id}", alice
                ).status_code == 200
    assert call(client, "GET", f"/teams/{team}", dave).status_code == 403

    actions = [e["action"] for e in
               call(client, "GET", f"/teams/{team}/audit", alice).json_body["results"]]
    assert actions[:3] == ["member_removed", "member_added", "member_added"]
    assert actions[-1] == "team_created"


def test_webin_credentials_stay_secret(client, people, caplog):
    alice = people("alice@bank-a.example.org")
    team = call(client, "POST", "/teams", alice, {"name": "Bank A", "country": "Italy"}
                ).json_body["team_id"]
    secret = "s3cret-webin-Pa55"
    caplog.set_level(logging.DEBUG)
    stored = call(client, "PUT", f"/teams/{team}/webin", alice,
                  {"username": "Webin-12345", "password": secret})
    assert stored.status_code == 200 and secret not in json.dumps(stored.json_body)
    info = call(client, "GET", f"/teams/{team}", alice).json_body
    assert info["webin"] == {"configured": True, "username": "Webin-12345"}
    assert secret not in json.dumps(info)
    assert secret not in caplog.text
    value = aws_clients.client("secretsmanager").get_secret_value(
        SecretId=get_settings().webin_secret_name(team))["SecretString"]
    assert json.loads(value) == {"username": "Webin-12345", "password": secret}
    bad = call(client, "PUT", f"/teams/{team}/webin", alice,
               {"username": "someone", "password": "x"})
    assert bad.status_code == 400 and "Webin-" in bad.json_body["Message"]


def test_notifications_reach_the_list_and_the_mailbox(aws, client, people):
    alice = people("alice@bank-a.example.org")
    erin = people("erin@bank-a.example.org")
    team = call(client, "POST", "/teams", alice, {"name": "Bank A", "country": "Italy"}
                ).json_body["team_id"]
    call(client, "PUT", "/me/preferences", erin, {"email": {"team_invitation": False}})
    call(client, "POST", f"/teams/{team}/members", alice,
         {"email": "erin@bank-a.example.org"})
    call(client, "POST", f"/teams/{team}/members", alice,
         {"email": "erin@bank-a.example.org", "role": "admin"})
    from chalicelib.notify.publisher import publish

    publish("upload_loaded", team_id=team, submission_id="s1", subject="Upload processed",
            text="3 animals loaded")
    pump = EventPump(app_module.app, app_module, aws_clients.client("sqs"), get_settings(),
                     wait_seconds=0, retry_after_seconds=0)
    pump.drain(timeout=30)

    inbox = call(client, "GET", "/me/notifications", erin).json_body
    events = [i["event"] for i in inbox["results"]]
    assert events.count("team_invitation") == 2 and "upload_loaded" in events
    assert inbox["unread"] == 3
    first = inbox["results"][0]["id"]
    assert call(client, "POST", f"/me/notifications/{first}/read", erin).status_code == 200
    assert call(client, "GET", "/me/notifications", erin).json_body["unread"] == 2
    assert call(client, "POST", "/me/notifications/nope/read", erin).status_code == 404

    data = requests.get(f"{get_settings().endpoint_url}/moto-api/data.json", timeout=10).json()
    mail = [(m["destinations"]["ToAddresses"][0], m["subject"])
            for m in data["ses"]["Message"]]
    # Erin opted out of invitation emails; the upload email reaches both members.
    assert ("erin@bank-a.example.org", "[IMAGE Pool] Upload processed") in mail
    assert ("alice@bank-a.example.org", "[IMAGE Pool] Upload processed") in mail
    assert not [s for to, s in mail if to == "erin@bank-a.example.org" and "joined" in s]
