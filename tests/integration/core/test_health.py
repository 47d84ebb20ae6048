"""GET /health is a readiness check: it touches every service the API needs."""

from __future__ import annotations

import time

import pytest
from chalice.test import Client

import app as app_module
from chalicelib import aws as aws_clients
from chalicelib.search.factory import reset_backends
from devstack.ports import free_port

pytestmark = pytest.mark.integration
DEPENDENCIES = {"database", "queues", "uploads", "accounts", "search"}


@pytest.fixture
def pool(tmp_path, monkeypatch):
    monkeypatch.setenv("SEARCH_BACKEND", "sqlite")
    monkeypatch.setenv("SEARCH_PATH", str(tmp_path / "pool.sqlite3"))
    reset_backends()
    yield
    reset_backends()


def test_ready_when_every_dependency_answers(aws, pool):
    with Client(app_module.app, stage_name="local") as client:
        answer = client.http.get("/health")
    assert answer.status_code == 200
    assert answer.json_body["status"] == "ok"
    assert answer.json_body["checks"] == dict.fromkeys(DEPENDENCIES, "ok")


def test_not_ready_while_the_local_aws_is_down(aws, pool, monkeypatch):
    """/health once said "ok" while DynamoDB, S3 and SQS were down and every call failed."""
    monkeypatch.setenv("AWS_ENDPOINT_URL", f"http://127.0.0.1:{free_port()}")  # nobody
    aws_clients.reset_clients()
    started = time.monotonic()
    with Client(app_module.app, stage_name="local") as client:
        answer = client.http.get("/health")
    assert time.monotonic() - started < 5
    assert answer.status_code == 503
    body = answer.json_body
    assert body["status"] == "unavailable"
    assert body["checks"] == {"database": "unavailable", "queues": "unavailable",
                              "uploads": "unavailable", "accounts": "unavailable",
                              "search": "ok"}
    assert "database" in body["message"]


def test_a_dependency_that_hangs_counts_as_down_without_waiting_for_it():
    from chalicelib.health import CHECK_SECONDS, readiness

    started = time.monotonic()
    found = readiness({"hangs": lambda: time.sleep(CHECK_SECONDS + 5), "fine": lambda: None})
    assert time.monotonic() - started < CHECK_SECONDS + 1
    assert found == {"ready": False, "checks": {"hangs": "unavailable", "fine": "ok"}}
