"""Editing a submission's records through the API: one record, "fix this" across many,
delete; history, audit, optimistic locking, revalidation; reload in place."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from chalice.test import Client

import app as app_module
from chalicelib import aws as aws_clients
from chalicelib.config import get_settings
from devstack.pump import EventPump
from tests.support import SUBMISSION_FACTS, call

pytestmark = pytest.mark.integration
DATA = Path(__file__).parents[2] / "data" / "ingest"
FACTS = SUBMISSION_FACTS  # a CryoWeb submission with its people and organization


@pytest.fixture
def client(aws):
    with Client(app_module.app, stage_name="local") as test_client:
        yield test_client


@pytest.fixture
def pump(aws):
    return EventPump(app_module.app, app_module, aws_clients.client("sqs"), get_settings(),
                     wait_seconds=0, retry_after_seconds=0)



def loaded_submission(client, pump, team, path: Path = DATA / "cryoweb_test_data_only.sql"):
    team_id, admin = team
    created = call(client, "POST", f"/teams/{team_id}/submissions", admin,
                   {**FACTS, "file_name": path.name}).json_body
    aws_clients.client("s3").upload_file(str(path), get_settings().name("uploads_bucket"),
                                         created["upload"]["key"])
    pump.drain(timeout=60)
    return team_id, admin, created["submission_id"]


def test_edit_fix_delete_with_history_audit_and_revalidation(client, pump, team):
    team_id, admin, sub_id = loaded_submission(client, pump, team)
    base = f"/teams/{team_id}/submissions/{sub_id}"
    records = call(client, "GET", f"{base}/records", admin).json_body["results"]
    animals = [r["record_id"] for r in records if r["material"] == "organism"]
    assert len(animals) == 3

    one = call(client, "GET", f"{base}/records/{animals[0]}", admin).json_body
    edited = call(client, "PATCH", f"{base}/records/{animals[0]}", admin, {
        "attributes": {"Birth location accuracy": [{"value": "country level"}]},
        "version": one["version"]})
    assert edited.status_code == 200, edited.json_body
    assert edited.json_body["record"]["attributes"]["Birth location accuracy"] == [
        {"value": "country level"}]
    assert edited.json_body["history"][-1]["by"] == admin.email
    stale = call(client, "PATCH", f"{base}/records/{animals[0]}", admin, {
        "attributes": {"Sex": [{"value": "female"}]}, "version": one["version"]})
    assert stale.status_code == 409 and "reload" in stale.json_body["Message"]

    fixed = call(client, "POST", f"{base}/fix", admin, {
        "field": "Birth location accuracy", "value": "missing geographic information",
        "record_ids": animals})
    assert fixed.json_body == {"updated": 3}
    pump.drain(timeout=60)
    after = call(client, "GET", f"{base}/records", admin).json_body["results"]
    for record in after:
        if record["material"] == "organism":
            assert record["record"]["attributes"]["Birth location accuracy"] == [
                {"value": "missing geographic information"}]
            codes = {(m["code"], m["field"]) for m in record["validation"]["messages"]}
            assert ("not_in_valid_values", "Birth location accuracy") not in codes

    sample = [r["record_id"] for r in records if r["material"] != "organism"]
    assert call(client, "DELETE", f"{base}/records/{sample[0]}", admin).json_body == {
        "deleted": 1}
    assert call(client, "GET", f"{base}/records/{sample[0]}", admin).status_code == 404
    actions = [e["action"] for e in
               call(client, "GET", f"/teams/{team_id}/audit", admin).json_body["results"]]
    assert {"record_edited", "records_fixed", "records_deleted"} <= set(actions)
    assert call(client, "POST", f"{base}/fix", admin, {"field": "Sex", "value": "x"}
                ).status_code == 400


def test_edits_wait_while_the_submission_is_busy(client, pump, team):
    from chalicelib.uid import repository
    from chalicelib.uid.status import SubmissionStatus

    team_id, admin, sub_id = loaded_submission(client, pump, team)
    repository.set_status(team_id, sub_id, SubmissionStatus.VALIDATING, "busy")
    refused = call(client, "POST", f"/teams/{team_id}/submissions/{sub_id}/fix", admin,
                   {"field": "Sex", "value": "male", "record_ids": ["A~x"]})
    assert refused.status_code == 409 and "wait" in refused.json_body["Message"]


def test_reload_updates_in_place_and_keeps_accessions(client, pump, team, tmp_path):
    from chalicelib.uid import repository

    team_id, admin, sub_id = loaded_submission(client, pump, team)
    before = {m.record_id: m for m in repository.RecordModel.query(sub_id)}
    offspring = next(k for k, m in before.items() if m.data.get("relationships")
                     and m.material == "organism")
    kept = before[offspring]
    kept.accession = "SAMEA0000001"
    kept.save()

    text = (DATA / "cryoweb_test_data_only.sql").read_text()
    vessel = next(m for m in before.values() if m.material != "organism")
    changed = text.replace("2004-01-13", "2004-02-13")  # the vessel's collection date
    assert changed != text
    reload_file = tmp_path / "cryoweb.sql"
    reload_file.write_text(changed)
    target = call(client, "POST", f"/teams/{team_id}/submissions/{sub_id}/upload", admin,
                  {"file_name": "cryoweb.sql"}).json_body
    aws_clients.client("s3").upload_file(str(reload_file),
                                         get_settings().name("uploads_bucket"), target["key"])
    pump.drain(timeout=60)
    sub = repository.get_submission(team_id, sub_id)
    assert sub is not None
    assert (sub.counts["changed"], sub.counts["unchanged"], sub.counts["added"]) == (1, 3, 0)
    after = {m.record_id: m for m in repository.RecordModel.query(sub_id)}
    assert after[offspring].accession == "SAMEA0000001"
    assert after[vessel.record_id].content_hash != vessel.content_hash


def test_export_and_template(client, pump, team):
    team_id, admin, sub_id = loaded_submission(client, pump, team)
    exported = call(client, "GET", f"/teams/{team_id}/submissions/{sub_id}/export?format=json",
                    admin)
    assert exported.status_code == 200
    assert len(json.loads(exported.body)["records"]) == 4
    xlsx = client.http.get(f"/teams/{team_id}/submissions/{sub_id}/export?format=xlsx",
                           headers={**admin.headers, "Accept": "application/vnd."
                                    "openxmlformats-officedocument.spreadsheetml.sheet"})
    assert xlsx.status_code == 200 and xlsx.body[:2] == b"PK"
    template = client.http.get("/template.xlsx", headers={
        "Accept": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"})
    assert template.status_code == 200 and template.body[:2] == b"PK"
    bad = call(client, "GET", f"/teams/{team_id}/submissions/{sub_id}/export?format=pdf",
               admin)
    assert bad.status_code == 400


def test_mapping_decisions_are_remembered(client, pump, team):
    from chalicelib.uid.mappings import team_mappings

    team_id, admin, sub_id = loaded_submission(client, pump, team)
    listed = call(client, "GET", f"/teams/{team_id}/submissions/{sub_id}/mappings", admin)
    assert listed.status_code == 200 and isinstance(listed.json_body["results"], list)
    ok = call(client, "POST", f"/teams/{team_id}/mappings", admin,
              {"kind": "organism_part", "text": "Semen!", "term": "UBERON_0001968"})
    assert ok.status_code == 201
    no = call(client, "POST", f"/teams/{team_id}/mappings", admin,
              {"kind": "breed", "text": "Mystery breed", "term": None})
    assert no.status_code == 201
    confirmed, rejected = team_mappings(team_id)
    assert confirmed["organism_part"] == {"Semen!": "UBERON_0001968"}
    assert ("breed", "mystery breed") in rejected
    bad = call(client, "POST", f"/teams/{team_id}/mappings", admin,
               {"kind": "colour", "text": "x", "term": None})
    assert bad.status_code == 400


def test_a_cursor_the_list_did_not_give_is_a_400(client, pump, team):
    """Once a 500 (DynamoDB refused the start key); a mangled cursor also silently
    started the list again."""
    import base64

    team_id, admin, sub_id = loaded_submission(client, pump, team)
    base = f"/teams/{team_id}/submissions/{sub_id}/records"
    first = call(client, "GET", f"{base}?limit=2", admin).json_body
    assert len(first["results"]) == 2 and first["next"]
    second = call(client, "GET", f"{base}?limit=2&cursor={first['next']}", admin)
    assert second.status_code == 200 and second.json_body["results"] != first["results"]

    def encoded(doc: object) -> str:
        return base64.urlsafe_b64encode(json.dumps(doc).encode()).decode()

    key = json.loads(base64.urlsafe_b64decode(first["next"]))
    for cursor in ["%%%", "bm90IGpzb24", encoded([1, 2]), encoded({}), encoded({"x": 1}),
                   encoded({**key, "record_id": {"N": "1"}}),
                   encoded({**key, "submission_id": {"S": "sub-of-another-team"}}),
                   encoded({**key, "extra": {"S": "x"}})]:
        answer = call(client, "GET", f"{base}?cursor={cursor}", admin)
        assert answer.status_code == 400, (cursor, answer.json_body)
        assert "cursor" in answer.json_body["Message"]
