"""The submission step wired end to end: API → SQS → submit function → the local
BioSamples → accessions in DynamoDB; duplicates, updates, withdrawal."""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
import requests
from chalice.test import Client

import app as app_module
from chalicelib import aws as aws_clients
from chalicelib.config import get_settings
from devstack.biosamples.process import StandIn, start_standin
from devstack.pump import EventPump
from tests.support import SUBMISSION_FACTS, call

pytestmark = pytest.mark.integration
DATA = Path(__file__).parents[2] / "data" / "ingest"
FACTS = SUBMISSION_FACTS  # a CryoWeb submission with its people and organization


@pytest.fixture
def standin(tmp_path: Path) -> Iterator[StandIn]:
    server = start_standin(0, tmp_path / "biosamples")
    yield server
    server.stop()


@pytest.fixture
def env(aws, standin, monkeypatch):
    monkeypatch.setenv("BIOSAMPLES_URL", standin.biosamples_url)
    monkeypatch.setenv("WEBIN_AUTH_URL", standin.webin_auth_url)
    pump = EventPump(app_module.app, app_module, aws_clients.client("sqs"), get_settings(),
                     wait_seconds=0, retry_after_seconds=0)
    with Client(app_module.app, stage_name="local") as client:
        yield client, pump, standin



def ready_submission(client, pump, team) -> tuple[str, object, str]:
    """A loaded submission made READY (this test is about submission, not validation)."""
    from chalicelib.uid import repository
    from chalicelib.uid.status import SubmissionStatus

    team_id, admin = team
    call(client, "PUT", f"/teams/{team_id}/webin", admin,
         {"username": "Webin-12345", "password": "demo-password"})
    created = call(client, "POST", f"/teams/{team_id}/submissions", admin, FACTS).json_body
    aws_clients.client("s3").upload_file(str(DATA / "cryoweb_test_data_only.sql"),
                                         get_settings().name("uploads_bucket"),
                                         created["upload"]["key"])
    pump.drain(timeout=60)
    sub_id = created["submission_id"]
    for item in repository.RecordModel.query(sub_id):
        item.status = "READY"
        item.save()
    repository.set_status(team_id, sub_id, SubmissionStatus.VALIDATING, "test")
    repository.set_status(team_id, sub_id, SubmissionStatus.READY, "test")
    return team_id, admin, sub_id


def names_in_standin(standin: StandIn) -> list[str]:
    answer = requests.get(f"{standin.biosamples_url}/samples", params={"size": 200},
                          timeout=10).json()
    return [s["name"] for s in answer.get("_embedded", {}).get("samples", [])]


def test_submit_accessions_every_record_once_with_relationships(env, team):
    client, pump, standin = env
    team_id, admin, sub_id = ready_submission(client, pump, team)
    base = f"/teams/{team_id}/submissions/{sub_id}"
    started = call(client, "POST", f"{base}/submit", admin)
    assert started.status_code == 202 and started.json_body["queued_records"] == 4
    # A duplicate delivery of every queued message changes nothing.
    sqs = aws_clients.client("sqs")
    url = sqs.get_queue_url(QueueName=get_settings().queue_name("submission"))["QueueUrl"]
    queued = sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=10,
                                 VisibilityTimeout=0)["Messages"]
    for message in queued:
        sqs.send_message(QueueUrl=url, MessageBody=message["Body"])
    pump.drain(timeout=120)

    progress = call(client, "GET", f"{base}/progress", admin).json_body
    assert (progress["status"], progress["done"], progress["total"]) == ("COMPLETED", 4, 4)
    records = call(client, "GET", f"{base}/records", admin).json_body["results"]
    accessions = {r["id"]: r["accession"] for r in records}
    assert all(a and a.startswith("SAMEA") for a in accessions.values())
    names = names_in_standin(standin)
    assert len(names) == len(set(names)) == 4  # nobody was accessioned twice
    offspring = next(r for r in records if r["record"]["relationships"]
                     and r["material"] == "organism")
    sample = requests.get(f"{standin.biosamples_url}/samples/{offspring['accession']}",
                          timeout=10).json()
    parents = {rel["target"] for rel in sample["relationships"]
               if rel["type"] == "child of" and rel["source"] == offspring["accession"]}
    assert len(parents) == 2 and parents <= set(accessions.values())
    sub = call(client, "GET", base, admin).json_body
    assert sub["status"] == "COMPLETED"
    again = call(client, "POST", f"{base}/submit", admin)
    assert again.status_code == 409


def test_submit_is_refused_without_webin_or_when_not_ready(env, team):
    client, pump, _ = env
    team_id, admin = team
    created = call(client, "POST", f"/teams/{team_id}/submissions", admin,
                   {**FACTS, "data_source_version": "2"}).json_body
    refused = call(client, "POST",
                   f"/teams/{team_id}/submissions/{created['submission_id']}/submit", admin)
    assert refused.status_code == 409 and "READY" in refused.json_body["Message"]

    team_id, admin, sub_id = ready_submission(client, pump, team)
    aws_clients.client("secretsmanager").delete_secret(
        SecretId=get_settings().webin_secret_name(team_id), ForceDeleteWithoutRecovery=True)
    no_webin = call(client, "POST", f"/teams/{team_id}/submissions/{sub_id}/submit", admin)
    assert no_webin.status_code == 409 and "Webin" in no_webin.json_body["Message"]


def test_concurrent_submits_queue_once_and_the_others_hear_409(env, team, monkeypatch):
    """Four /submit calls that all read READY before any writes: one queues the records,
    the others are told the submission is already being submitted (once a 500 on the
    version conflict)."""
    from chalicelib.submit import flow, service

    client, pump, _ = env
    team_id, admin, sub_id = ready_submission(client, pump, team)
    together = threading.Barrier(4, timeout=30)
    real_plan = service.plan

    def plan_after_everyone_read(store, ref):
        # Every caller has read READY by now; their writes then go one by one (the moto
        # server checks a write's condition without a lock, so simultaneous conditional
        # writes could both pass there, unlike on DynamoDB).
        time.sleep(together.wait() * 0.3)
        return real_plan(store, ref)

    monkeypatch.setattr(service, "plan", plan_after_everyone_read)
    outcomes: list[object] = []

    def submit() -> None:
        try:
            outcomes.append(flow.start_submission(team_id, sub_id, "admin@example.org"))
        except flow.SubmitRefused as exc:
            outcomes.append(exc)

    threads = [threading.Thread(target=submit) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    started = [o for o in outcomes if isinstance(o, dict)]
    refused = [o for o in outcomes if isinstance(o, flow.SubmitRefused)]
    assert len(started) == 1 and len(refused) == 3, outcomes
    assert all(r.status == 409 and "already being submitted" in r.message for r in refused)
    sqs = aws_clients.client("sqs")
    url = sqs.get_queue_url(QueueName=get_settings().queue_name("submission"))["QueueUrl"]
    queued = int(sqs.get_queue_attributes(QueueUrl=url, AttributeNames=[
        "ApproximateNumberOfMessages"])["Attributes"]["ApproximateNumberOfMessages"])
    assert queued == started[0]["batches"] + 1  # the batches and one update, once
    again = call(client, "POST", f"/teams/{team_id}/submissions/{sub_id}/submit", admin)
    assert again.status_code == 409 and "already being submitted" in again.json_body["Message"]


def test_an_edited_record_is_updated_and_a_withdrawn_one_goes_private(env, team):
    client, pump, standin = env
    team_id, admin, sub_id = ready_submission(client, pump, team)
    base = f"/teams/{team_id}/submissions/{sub_id}"
    call(client, "POST", f"{base}/submit", admin)
    pump.drain(timeout=120)
    records = call(client, "GET", f"{base}/records", admin).json_body["results"]
    sample = next(r for r in records if r["material"] != "organism")
    edited = call(client, "PATCH", f"{base}/records/{sample['record_id']}", admin,
                  {"attributes": {"Sample storage": [{"value": "frozen, liquid nitrogen"}]}})
    assert edited.status_code == 200, edited.json_body
    pump.drain(timeout=60)
    # The test makes the submission READY again as validation would without errors.
    from chalicelib.uid import repository
    from chalicelib.uid.status import SubmissionStatus

    sub = repository.get_submission(team_id, sub_id)
    assert sub is not None
    if sub.status != "READY":
        repository.set_status(team_id, sub_id, SubmissionStatus.VALIDATING, "test")
        repository.set_status(team_id, sub_id, SubmissionStatus.READY, "test")
    assert call(client, "POST", f"{base}/submit", admin).status_code == 202
    pump.drain(timeout=120)
    stored = requests.get(f"{standin.biosamples_url}/samples/{sample['accession']}",
                          timeout=10).json()
    assert stored["characteristics"]["Sample storage"][0]["text"] == "frozen, liquid nitrogen"
    assert len(names_in_standin(standin)) == 4

    unconfirmed = call(client, "POST", f"{base}/records/{sample['record_id']}/withdraw", admin)
    assert unconfirmed.status_code == 400
    withdrawn = call(client, "POST", f"{base}/records/{sample['record_id']}/withdraw", admin,
                     {"confirm": True})
    assert withdrawn.status_code == 202
    pump.drain(timeout=60)
    anonymous = requests.get(f"{standin.biosamples_url}/samples/{sample['accession']}",
                             timeout=10)
    assert anonymous.status_code == 403  # private now
