"""Every handler, invoked through chalice.test.Client with generated events, against the
stack's resources on a real moto server."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from chalice.app import ScheduledEventConfig, SQSEventConfig
from chalice.test import Client

import app as app_module
from chalicelib import aws as aws_clients
from chalicelib.config import get_settings

pytestmark = pytest.mark.integration
DATA = Path(__file__).parents[2] / "data" / "ingest"


def sqs_event(client: Client, queue: str, bodies: list[str]) -> dict:
    """A generated SQS event with one distinct message id per body (the generator gives
    every record the same id)."""
    event = client.events.generate_sqs_event(message_bodies=bodies, queue_name=queue)
    for number, record in enumerate(event["Records"]):
        record["messageId"] = f"msg-{number}"
    return event


@pytest.fixture
def client(aws):
    with Client(app_module.app, stage_name="local") as test_client:
        yield test_client


def test_every_event_handler_is_covered_here():
    names = {s.name for s in app_module.app.event_sources}
    assert names == {"ingest_upload", "validate_submission", "submit_records",
                     "harvest_pool", "harvest_daily", "notify_users"}
    kinds = {type(s) for s in app_module.app.event_sources}
    assert kinds == {SQSEventConfig, ScheduledEventConfig}


def test_ingest_handler_loads_one_file_and_reports_the_bad_message(client):
    settings = get_settings()
    key = "uploads/team-h/sub-h/crb.csv"
    aws_clients.client("s3").upload_file(str(DATA / "crbanim_test_data.csv"),
                                         settings.name("uploads_bucket"), key)
    good = json.dumps({"Records": [{"eventName": "ObjectCreated:Put", "s3": {
        "bucket": {"name": settings.name("uploads_bucket")},
        "object": {"key": key, "size": 10, "eTag": "etag-1"}}}]})
    event = sqs_event(client, settings.queue_name("ingest"), [good, "garbage"])
    answer = client.lambda_.invoke("ingest_upload", event)
    assert answer.payload == {"batchItemFailures": [{"itemIdentifier": "msg-1"}]}

    from chalicelib.uid import repository
    sub = repository.get_submission("team-h", "sub-h")
    assert sub is not None and sub.status == "LOADED"
    assert (sub.counts["animals"], sub.counts["samples"], sub.counts["skipped"]) == (1, 2, 1)


def test_validation_handler_validates_a_loaded_submission(client):
    from chalicelib.uid import repository

    settings = get_settings()
    key = "uploads/team-v/sub-v/cryoweb.sql"
    aws_clients.client("s3").upload_file(str(DATA / "cryoweb_test_data_only.sql"),
                                         settings.name("uploads_bucket"), key)
    upload = json.dumps({"Records": [{"eventName": "ObjectCreated:Put", "s3": {
        "bucket": {"name": settings.name("uploads_bucket")},
        "object": {"key": key, "size": 10, "eTag": "etag-v"}}}]})
    client.lambda_.invoke("ingest_upload", sqs_event(client, settings.queue_name("ingest"),
                                                     [upload]))
    body = json.dumps({"step": "validate", "team_id": "team-v", "submission_id": "sub-v"})
    event = sqs_event(client, settings.queue_name("validation"), [body, "{}"])
    answer = client.lambda_.invoke("validate_submission", event)
    assert answer.payload["batchItemFailures"] == [{"itemIdentifier": "msg-1"}]

    sub = repository.get_submission("team-v", "sub-v")
    assert sub is not None
    # The submission carries none of the facts the standard needs from it (title, people,
    # organization...), so every record misses mandatory fields.
    assert sub.status == "NEED_REVISION"
    assert sub.validation["summary"]["error"] == 4
    codes = {(p["code"], p["field"]) for p in sub.validation["problems"]}
    assert ("missing_mandatory", "Project") in codes
    page = repository.records_page("team-v", "sub-v")
    assert page is not None
    assert {r["status"] for r in page["results"]} == {"NEED_REVISION"}
    assert all(r["validation"]["messages"] for r in page["results"])


def test_submission_handler_refuses_rather_than_pretends(client):
    body = json.dumps({"step": "submit", "team_id": "t", "submission_id": "s"})
    event = sqs_event(client, get_settings().queue_name("submission"), [body])
    answer = client.lambda_.invoke("submit_records", event)
    assert answer.payload["batchItemFailures"] == [{"itemIdentifier": "msg-0"}]


def test_schedule_queues_a_harvest_and_the_harvest_handler_runs_it(client, monkeypatch,
                                                                     tmp_path):
    from devstack.biosamples.process import start_standin
    from devstack.service_process import start_service

    standin = start_standin(0, tmp_path / "bs", "--load",
                            str(Path(__file__).parents[2] / "data" / "ingest"))
    ena = start_service("devstack.ena", ["--port", "0"], what="local ENA")
    try:
        monkeypatch.setenv("BIOSAMPLES_URL", standin.biosamples_url)
        monkeypatch.setenv("ENA_PORTAL_URL", ena.url)
        monkeypatch.setenv("SEARCH_PATH", str(tmp_path / "pool.sqlite3"))
        answer = client.lambda_.invoke("harvest_daily",
                                       client.events.generate_cw_event(
                                           source="aws.events", detail_type="Scheduled Event",
                                           detail={}, resources=["arn:rule"]))
        assert answer.payload["mode"] == "incremental" and answer.payload["run_id"]
        sqs = aws_clients.client("sqs")
        url = sqs.get_queue_url(QueueName=get_settings().queue_name("harvest"))["QueueUrl"]
        [message] = sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=10)["Messages"]
        assert json.loads(message["Body"])["run_id"] == answer.payload["run_id"]

        full = json.dumps({"mode": "full", "run_id": "r1"})
        event = sqs_event(client, get_settings().queue_name("harvest"), [full, "not json"])
        result = client.lambda_.invoke("harvest_pool", event)
        assert result.payload["batchItemFailures"] == [{"itemIdentifier": "msg-1"}]
        pool = client.http.get("/backend/organism/").json_body
        assert pool["count"] == 1
        assert pool["results"][0]["data_source_id"] == "SAMEA6376980"
    finally:
        standin.stop()
        ena.stop()


def test_routes_answer(client):
    health = client.http.get("/health").json_body
    assert (health["status"], health["stage"]) == ("ok", "local")
    assert client.http.get("/teams/t/submissions/nope").status_code == 401
