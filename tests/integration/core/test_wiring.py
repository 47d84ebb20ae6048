"""Proof of wiring: a file put into the uploads bucket on a real moto server reaches the
ingest handler through S3 → SQS and the event pump, lands in DynamoDB, and the API reads
it back over HTTP; poison messages end in the dead-letter queue."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import requests

import app as app_module
from chalicelib import aws as aws_clients
from chalicelib.config import get_settings
from devstack.ports import free_port
from devstack.pump import EventPump
from devstack.web import LocalWebServer

pytestmark = pytest.mark.integration
DATA = Path(__file__).parents[2] / "data" / "ingest"


@pytest.fixture
def pump(aws):
    pump = EventPump(app_module.app, app_module, aws_clients.client("sqs"), get_settings(),
                     wait_seconds=0, retry_after_seconds=0)
    return pump


@pytest.fixture
def web(aws):
    server = LocalWebServer(app_module.app, "127.0.0.1", free_port())
    server.start()
    yield server
    server.stop()


def upload(path: Path, key: str) -> None:
    aws_clients.client("s3").upload_file(str(path), get_settings().name("uploads_bucket"), key)


def queue_depth(name: str) -> int:
    sqs = aws_clients.client("sqs")
    url = sqs.get_queue_url(QueueName=name)["QueueUrl"]
    attrs = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["ApproximateNumberOfMessages"])
    return int(attrs["Attributes"]["ApproximateNumberOfMessages"])


def test_upload_reaches_dynamodb_and_the_api(pump, web, team, people):
    team_id, admin = team
    upload(DATA / "cryoweb_test_data_only.sql", f"uploads/{team_id}/sub-1/cryoweb.sql")
    pump.drain(timeout=60)
    api = f"{web.url}api/teams/{team_id}/submissions/sub-1"

    answer = requests.get(api, headers=admin.headers, timeout=10)
    assert answer.status_code == 200
    body = answer.json()
    # Loaded, then validated: the submission lacks the facts the standard requires of it.
    assert body["status"] == "NEED_REVISION", body
    assert body["validation"]["summary"] == {"pass": 0, "warning": 0, "error": 4}
    assert (body["counts"]["animals"], body["counts"]["samples"]) == (3, 1)
    assert body["file"]["name"] == "cryoweb.sql"

    page = requests.get(f"{api}/records?limit=2", headers=admin.headers, timeout=10).json()
    assert len(page["results"]) == 2 and page["next"]
    rest = requests.get(f"{api}/records", params={"cursor": page["next"]},
                        headers=admin.headers, timeout=10).json()
    ids = {r["record_id"] for r in page["results"] + rest["results"]}
    assert len(ids) == 4 and sum(i.startswith("S~") for i in ids) == 1

    # Nobody else reads it: not anonymously, not a member of another team.
    assert requests.get(api, timeout=10).status_code == 401
    outsider = people("outsider@elsewhere.example.org", teams_roles={"other-team": "admin"})
    assert requests.get(api, headers=outsider.headers, timeout=10).status_code == 403
    other_team = requests.get(f"{web.url}api/teams/other-team/submissions/sub-1",
                              headers=outsider.headers, timeout=10)
    assert other_team.status_code == 404
    assert pump.stats.delivered >= 2  # the S3 test event and the upload, at least


def test_duplicate_delivery_of_the_same_upload_changes_nothing(aws, pump):
    from chalicelib.uid import repository

    upload(DATA / "crbanim_test_data.csv", "uploads/team-a/sub-2/crb.csv")
    pump.drain(timeout=60)
    before = repository.get_submission("team-a", "sub-2")
    assert before is not None and before.status in ("READY", "NEED_REVISION")

    obj = aws_clients.client("s3").head_object(Bucket=get_settings().name("uploads_bucket"),
                                               Key="uploads/team-a/sub-2/crb.csv")
    event = {"Records": [{"eventName": "ObjectCreated:Put", "s3": {
        "bucket": {"name": get_settings().name("uploads_bucket")},
        "object": {"key": "uploads/team-a/sub-2/crb.csv", "size": obj["ContentLength"],
                   "eTag": obj["ETag"].strip('"')}}}]}
    sqs = aws_clients.client("sqs")
    url = sqs.get_queue_url(QueueName=get_settings().queue_name("ingest"))["QueueUrl"]
    sqs.send_message(QueueUrl=url, MessageBody=json.dumps(event))
    pump.drain(timeout=60)
    after = repository.get_submission("team-a", "sub-2")
    assert after is not None
    assert after.version == before.version  # not written again


def test_a_bad_reload_keeps_the_earlier_records(aws, pump, tmp_path):
    from chalicelib.uid import repository

    upload(DATA / "cryoweb_test_data_only.sql", "uploads/team-a/sub-3/cryoweb.sql")
    pump.drain(timeout=60)
    records_before = sorted(r.id for r in repository.iter_records("sub-3"))
    assert len(records_before) == 4

    broken = tmp_path / "broken.sql"
    broken.write_text("INSERT INTO apiis_admin.animal (db_animal VALUES (1;\n")
    upload(broken, "uploads/team-a/sub-3/broken.sql")
    pump.drain(timeout=60)
    sub = repository.get_submission("team-a", "sub-3")
    assert sub is not None and sub.status == "ERROR"
    assert "broken.sql" in sub.status_message
    assert sub.problems and sub.problems[0]["file"] == "broken.sql"
    assert sorted(r.id for r in repository.iter_records("sub-3")) == records_before


def test_poison_messages_end_in_the_dead_letter_queue(aws, pump):
    settings = get_settings()
    sqs = aws_clients.client("sqs")
    url = sqs.get_queue_url(QueueName=settings.queue_name("ingest"))["QueueUrl"]
    sqs.send_message(QueueUrl=url, MessageBody="this is not an S3 event")
    pump.drain(timeout=60)
    assert queue_depth(settings.queue_name("ingest")) == 0
    assert queue_depth(settings.dlq_name("ingest")) == 1
    assert pump.stats.failed >= 5


@pytest.mark.parametrize("name,content,expect", [
    ("empty.csv", b"", "empty"),
    ("dump.sql", (DATA / "cryoweb_malformed.sql").read_bytes(), "line 230"),
    ("notes.xlsx", b"just text, not a workbook\n", "notes.xlsx"),
    ("crb.csv", (DATA / "crbanim_test_data.csv").read_bytes().replace(
        b"FAKE726008", b"DUPLICATE").replace(b"FAKE760848", b"DUPLICATE"), "DUPLICATE"),
], ids=["empty", "malformed-sql", "not-a-workbook", "duplicate-ids"])
def test_bad_files_end_in_error_with_a_located_message(aws, pump, name, content, expect):
    from chalicelib.uid import repository

    key = f"uploads/team-x/sub-bad/{name}"
    aws_clients.client("s3").put_object(Bucket=get_settings().name("uploads_bucket"),
                                        Key=key, Body=content)
    pump.drain(timeout=60)
    sub = repository.get_submission("team-x", "sub-bad")
    assert sub is not None and sub.status == "ERROR", sub.status_message if sub else None
    located = " ".join(str(p) for p in sub.problems) + sub.status_message
    assert expect.lower() in located.lower(), located
    assert sub.problems[0]["file"] == name
    assert list(repository.iter_records("sub-bad")) == []
