"""Every route's body fuzzed: no 500, and no request value in any log.

Each route of the app's own route table is called by a site admin (who passes every access
rule, so the body is always read) with a plausible body, then once per key the route reads
with that key's value swapped for a list, an object, a number, a boolean or an overlong
text; then with bodies that are not JSON objects at all or nest 100,000 deep. Every value
carries a marker, and afterwards the handler log, every log record and the process's
output are searched for it: a password sent as a list once reached the log through
botocore's parameter validation message.
"""

from __future__ import annotations

import json
import logging
import re
from typing import Any

import pytest
from chalice.test import Client

import app as app_module
from chalicelib.api import common
from tests.support import SUBMISSION_FACTS, call

pytestmark = pytest.mark.integration

MARK = "zq7marker"
NUMBER = 7357735773577357


class Recording(dict[str, Any]):
    """A request body that notes which keys the route reads."""

    def __init__(self, data: dict[str, Any], seen: set[str]) -> None:
        super().__init__(data)
        self.seen = seen

    def __getitem__(self, key: str) -> Any:
        self.seen.add(key)
        return super().__getitem__(key)

    def get(self, key: str, default: Any = None) -> Any:
        self.seen.add(key)
        return super().get(key, default)

    def __contains__(self, key: object) -> bool:
        self.seen.add(str(key))
        return super().__contains__(key)


def plausible(key: str) -> Any:
    if key == "email":
        return f"{MARK}@example.org"
    if key == "password":
        return f"{MARK.title()}-Passw0rd!"
    return f"{MARK} {key}"


def hostile_values() -> list[Any]:
    return [[MARK], {"k": MARK}, NUMBER, True, MARK * 3000]


def hostile_bodies() -> list[bytes]:
    deep = 100_000
    return [f"{{{MARK}".encode(), json.dumps([MARK]).encode(), json.dumps(MARK).encode(),
            ("[" * deep + json.dumps(MARK) + "]" * deep).encode(),
            ('{"password": ' + "[" * 40 + json.dumps(MARK) + "]" * 40 + "}").encode(),
            b"\xff\xfe" + MARK.encode()]


def order(method: str, path: str) -> tuple[int, str]:
    """Reads first, then writes, deletions, and the sign-out last (it ends the session)."""
    rank = {"GET": 0, "POST": 1, "PUT": 1, "PATCH": 1, "DELETE": 2}.get(method, 1)
    return (3 if path == "/auth/logout" else rank, path)


def test_no_route_answers_500_or_logs_a_request_value(aws, people, monkeypatch, caplog,
                                                      capfd, tmp_path):
    from chalicelib.teams import repository as teams

    caplog.set_level(logging.DEBUG)
    admin = people("fuzz.admin@example.org", site_admin=True)
    team_id = teams.create_team("Fuzz Team", "Italy", admin.user_id, admin.email)["team_id"]
    seen: set[str] = set()
    real = common.json_body

    def recording_body(request: Any, required: tuple[str, ...] = ()) -> dict[str, Any]:
        return Recording(real(request, required), seen)

    for module in ("chalicelib.api.accounts", "chalicelib.api.teams",
                   "chalicelib.api.submissions", "chalicelib.api.records"):
        monkeypatch.setattr(f"{module}.json_body", recording_body)
    monkeypatch.setattr(common, "json_body", recording_body)

    routes = sorted(((path, method) for path, methods in app_module.app.routes.items()
                     for method in methods), key=lambda r: order(r[1], r[0]))
    failures: list[str] = []
    calls = 0
    with Client(app_module.app, stage_name="local") as client:
        sub = call(client, "POST", f"/teams/{team_id}/submissions", admin,
                   SUBMISSION_FACTS).json_body["submission_id"]

        def send(method: str, url: str, body: bytes, what: str) -> None:
            nonlocal calls
            answer = client.http.request(method, url, body=body, headers={
                "Content-Type": "application/json", **admin.headers})
            calls += 1
            if answer.status_code >= 500 and answer.status_code != 502:
                failures.append(f"{method} {url} with {what}: {answer.status_code} "
                                f"{answer.body[:200]!r}")

        for path, method in routes:
            if method == "OPTIONS":
                continue
            url = path.replace("{team_id}", team_id).replace("{submission_id}", sub)
            url = re.sub(r"\{[^}]+\}", "does-not-exist", url)
            seen.clear()
            baseline = {key: plausible(key) for key in KEYS}
            send(method, url, json.dumps(baseline).encode(), "a plausible body")
            for key in sorted(seen):
                for value in hostile_values():
                    body = {**baseline, key: value}
                    send(method, url, json.dumps(body).encode(), f"{key}={value!r:.40}")
            if method != "GET":
                for raw in hostile_bodies():
                    send(method, url, raw, f"raw body {raw[:30]!r}")

    leaks = logs_holding_a_marker(caplog, capfd, tmp_path)
    assert calls > 300
    assert not failures and not leaks, "\n".join(failures + [f"a request value reached "
                                                            f"the {leak}" for leak in leaks])


def logs_holding_a_marker(caplog: Any, capfd: Any, tmp_path: Any) -> list[str]:
    """Which of the logs (handler log, log records, stdout, stderr) hold a marker."""
    out, err = capfd.readouterr()
    handler_log = (tmp_path / "handlers.log").read_text(encoding="utf-8") \
        if (tmp_path / "handlers.log").exists() else ""
    records = "\n".join(f"{r.name} {r.getMessage()} {r.exc_text or ''} {r.__dict__}"
                        for r in caplog.records)
    return [name for name, text in (("handler log", handler_log), ("log records", records),
                                    ("stdout", out), ("stderr", err))
            if MARK in text.lower() or str(NUMBER) in text]


def test_an_unexpected_failure_is_logged_without_what_it_quotes(aws, monkeypatch, caplog,
                                                               capfd, tmp_path):
    """Whatever a route did not foresee, its log says where it failed but not the
    exception's text, which may quote the request (here a password)."""
    from chalicelib.accounts import cognito

    def fails(email: str, password: str) -> None:
        raise ValueError(f"cannot use {password!r}")

    monkeypatch.setattr(cognito, "log_in", fails)
    caplog.set_level(logging.DEBUG)
    with Client(app_module.app, stage_name="local") as client:
        answer = call(client, "POST", "/auth/login",
                      body={"email": "a@example.org", "password": f"{MARK}-Passw0rd"})
    assert answer.status_code == 500
    failure = [r for r in caplog.records if getattr(r, "error_type", None) == "ValueError"]
    assert failure and "in fails" in failure[0].frames  # where it failed
    assert not logs_holding_a_marker(caplog, capfd, tmp_path)


#: Every top-level key any route reads (the fuzz only varies those a route did read).
KEYS = ("email", "password", "code", "refresh_token", "first_name", "last_name", "initials",
        "affiliation", "role", "organization", "name", "country", "username", "title",
        "description", "gene_bank_name", "gene_bank_country", "data_source_type",
        "data_source_version", "file_name", "people", "organizations", "attributes",
        "version", "record_ids", "field", "value", "units", "kind", "text", "term", "confirm",
        "mode")
