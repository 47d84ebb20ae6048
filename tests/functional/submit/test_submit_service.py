"""The submission service against a real local BioSamples (loopback) and an in-memory UID.

Every test ends by searching the stand-in by name: one sample per accessioned record,
none for the others (zero duplicates, zero lost).
"""

from __future__ import annotations

import threading
import time
from datetime import UTC, datetime
from typing import Any

import pytest
import requests

from chalicelib.records import AttributeValue, Material, Record, Relationship, RelationshipType
from chalicelib.submit.biosamples_client import BioSamplesClient, BioSamplesUnavailable
from chalicelib.submit.generate import generate_records
from chalicelib.submit.ports import RecordStatus, SubmissionStore
from chalicelib.submit.service import (
    BatchOutcome,
    SubmitOptions,
    plan,
    progress,
    submit_all,
    submit_batch,
    update_changed,
    withdraw,
)
from tests.functional.submit.conftest import Env

pytestmark = pytest.mark.integration

FAST = dict(workers=8, lookup_window=2.0, lookup_poll=0.2, batch_size=5)


def opts(**kwargs: Any) -> SubmitOptions:
    return SubmitOptions(**{**FAST, **kwargs})


def drain(env: Env, client: BioSamplesClient, *, attempts: int = 6) -> BatchOutcome:
    """What SQS does: run again (a new worker each time) until no outage stops the run."""
    for _ in range(attempts):
        try:
            outcome = submit_all(env.store, client, env.sub, options=opts())
        except BioSamplesUnavailable:
            continue
        if not outcome.retry_needed:
            return outcome
    raise AssertionError("submission did not finish")


def check_all_completed(env: Env, keys: list[str]) -> None:
    """Every record COMPLETED with its relationships pointing at the stored accessions."""
    records = {k: env.store.status_of(env.sub, k) for k in keys}
    by_id = {r.record.id: r.accession for r in records.values()
             if r.record.material is Material.ORGANISM}
    for key, stored in records.items():
        assert stored.status is RecordStatus.COMPLETED, (key, stored.status, stored.message)
        server = env.sample(str(stored.accession))
        own = sorted((r["type"], r["target"]) for r in server.get("relationships") or []
                     if r["source"] == stored.accession)
        want = sorted((r.type.value, by_id[r.target]) for r in stored.record.relationships)
        assert own == want, key
    p = progress(env.store, env.sub)
    assert (p.done, p.total, p.errors, p.pending) == (len(keys), len(keys), 0, 0)
    env.assert_one_sample_per_record(keys)


def test_submission_in_dependency_order_completes_everything(env: Env) -> None:
    keys = env.load(generate_records(8, 2, seed=5))
    batches = plan(env.store, env.sub, batch_size=5)
    assert len(batches) == 5 and sum(len(b) for b in batches) == 24
    outcome = submit_all(env.store, env.client(), env.sub, options=opts())
    assert sorted(outcome.created) == sorted(keys) and not outcome.errors
    check_all_completed(env, keys)
    stats = env.stats()["counters"]
    assert stats["created"] == 24
    with_rels = sum(1 for k in keys if env.store.status_of(env.sub, k).record.relationships)
    assert stats["updated"] == with_rels  # one PUT per record with relationships, no more
    name = env.sample(str(env.store.status_of(env.sub, keys[0]).accession))["name"]
    assert name == env.name(keys[0])
    # a second run has nothing to do
    assert plan(env.store, env.sub) == []


FAULTS: dict[str, dict[str, Any]] = {
    "429-retry-after": {"rules": [{"type": "status", "status": 429, "retry_after": "1",
                                   "count": 3, "methods": ["POST"]},
                                  {"type": "status", "status": 429, "retry_after": "0",
                                   "count": 3, "methods": ["PUT", "GET"]}]},
    "503-retry-after": {"rules": [{"type": "status", "status": 503, "retry_after": "1",
                                   "count": 4, "rate": 0.5}]},
    "html-200": {"seed": 3, "rules": [{"type": "html", "rate": 0.3, "count": 6}]},
    "dropped-connections": {"rules": [{"type": "drop", "count": 2, "skip": 2,
                                       "methods": ["POST"],
                                       "path": "^/biosamples/samples$"},
                                      {"type": "drop", "count": 2, "methods": ["PUT"]}]},
    "lost-post-answers-lagging-search": {
        "search_lag_seconds": 1.0,
        "rules": [{"type": "drop_after", "count": 3, "skip": 1, "methods": ["POST"],
                   "path": "^/biosamples/samples$"}]},
    # tokens live 3 s but the server's clock runs 2 s ahead: each expires (403) after 1 s
    # while the client still trusts it, so the run has to log in again mid-way
    "token-expiry-mid-run": {"token_ttl_seconds": 3, "token_clock_skew_seconds": 2,
                             "latency_ms": 250},
}


@pytest.mark.parametrize("name", list(FAULTS))
def test_fault_matrix_no_duplicates_nothing_lost(env: Env, name: str) -> None:
    keys = env.load(generate_records(4, 2, seed=11))
    env.server.faults(FAULTS[name])
    drain(env, env.client())
    stats = env.stats()  # before clearing the faults, which resets their counters
    lag = FAULTS[name].get("search_lag_seconds", 0)
    time.sleep(lag + 0.1 if lag else 0)
    env.server.faults({})
    check_all_completed(env, keys)
    if name == "token-expiry-mid-run":
        assert stats["counters"]["logins"] >= 2
    else:
        assert sum(stats["faults"].values()) > 0, "the faults did not fire"
    assert stats["counters"]["created"] == len(keys)


def test_duplicate_delivery_of_a_batch_is_harmless(env: Env) -> None:
    keys = env.load(generate_records(3, 1, seed=2))
    client = env.client()
    batch = plan(env.store, env.sub, batch_size=100)[0]
    first = submit_batch(env.store, client, env.sub, batch, options=opts())
    assert sorted(first.completed) == sorted(keys)
    again = submit_batch(env.store, client, env.sub, batch, options=opts())
    assert sorted(again.skipped) == sorted(keys) and not again.created
    assert env.stats()["counters"]["created"] == len(keys)
    check_all_completed(env, keys)


def test_concurrent_duplicate_delivery_posts_each_record_once(env: Env) -> None:
    keys = env.load(generate_records(6, 1, seed=4))
    env.server.faults({"latency_ms": 60})
    batch = plan(env.store, env.sub, batch_size=100)[0]
    outcomes: list[BatchOutcome] = []
    barrier = threading.Barrier(2)

    def deliver() -> None:
        barrier.wait()
        outcomes.append(submit_batch(env.store, env.client(), env.sub, batch,
                                     options=opts(workers=4)))

    threads = [threading.Thread(target=deliver) for _ in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    created = [k for o in outcomes for k in o.created]
    assert sorted(created) == sorted(keys)  # each record POSTed by exactly one delivery
    if any(o.retry_needed for o in outcomes):  # the loser's redelivery finishes the rest
        submit_all(env.store, env.client(), env.sub, options=opts())
    env.server.faults({})
    check_all_completed(env, keys)


class CrashOnce:
    """The UID write of one accession fails once (the Lambda dies after the POST)."""

    def __init__(self, store: SubmissionStore, key: str) -> None:
        self._store = store
        self._key = key
        self.crashed = False

    def __getattr__(self, name: str) -> Any:
        return getattr(self._store, name)

    def set_accession_if_absent(self, submission: Any, key: str, accession: str) -> bool:
        if key == self._key and not self.crashed:
            self.crashed = True
            raise RuntimeError("Lambda timed out")
        return self._store.set_accession_if_absent(submission, key, accession)


def test_crash_between_post_and_store_gives_no_second_accession(env: Env) -> None:
    keys = env.load(generate_records(2, 1, seed=8))
    env.server.faults({"search_lag_seconds": 1.0})
    crashing = CrashOnce(env.store, keys[0])
    with pytest.raises(RuntimeError, match="timed out"):
        submit_all(crashing, env.client(), env.sub, options=opts())
    assert env.store.status_of(env.sub, keys[0]).status is RecordStatus.SUBMITTED
    assert env.store.status_of(env.sub, keys[0]).accession is None
    created = env.stats()["counters"]["created"]
    # the redelivery comes after the visibility timeout: the dead run's claim has expired
    later = opts(clock=lambda: time.time() + 3600)
    outcome = submit_all(env.store, env.client(), env.sub, options=later)
    assert keys[0] in outcome.adopted and keys[0] not in outcome.created
    assert env.stats()["counters"]["created"] == created + len(outcome.created)
    time.sleep(1.1)
    check_all_completed(env, keys)


def test_a_live_claim_keeps_a_second_worker_off(env: Env) -> None:
    keys = env.load(generate_records(1, 0))
    assert env.store.mark_submitted(env.sub, keys[0], worker="other", now=time.time(),
                                    lease_seconds=600)
    outcome = submit_batch(env.store, env.client(), env.sub, keys, options=opts())
    assert outcome.busy == keys and outcome.retry_needed
    assert env.found_by_name(keys[0]) == []


def test_rejected_record_gets_biosamples_message_and_the_batch_goes_on(env: Env) -> None:
    records = generate_records(4, 1, seed=9)
    bad = next(r for r in records if r.material is Material.ORGANISM
               and not r.relationships and r.id != "A0000000")
    del bad.attributes["Species"]  # no organism: BioSamples' checklist refuses it
    keys = env.load(records)
    outcome = submit_all(env.store, env.client(), env.sub, options=opts())
    bad_key = f"A~{bad.id}"
    stored = env.store.status_of(env.sub, bad_key)
    assert stored.status is RecordStatus.ERROR and stored.accession is None
    assert "should have required property 'organism'" in stored.message
    dependants = [f"{'A' if r.material is Material.ORGANISM else 'S'}~{r.id}"
                  for r in records if any(rel.target == bad.id for rel in r.relationships)]
    assert dependants
    for key in dependants:
        dep = env.store.status_of(env.sub, key)
        assert dep.status is RecordStatus.ERROR
        assert f"animal '{bad.id}' could not be submitted" in dep.message
    fine = [k for k in keys if k != bad_key and k not in dependants]
    assert all(env.store.status_of(env.sub, k).status is RecordStatus.COMPLETED for k in fine)
    assert set(outcome.errors) == {bad_key, *dependants}
    p = progress(env.store, env.sub)
    assert (p.done, p.errors, p.total, p.pending) == (len(fine), 1 + len(dependants),
                                                      len(keys), 0)
    env.assert_one_sample_per_record(keys)


def test_outage_stops_the_batch_and_the_retry_resumes(env: Env) -> None:
    keys = env.load(generate_records(4, 1, seed=6))
    env.server.faults({"rules": [{"type": "status", "status": 503, "skip": 3,
                                  "methods": ["POST"], "path": "^/biosamples/samples$"}]})
    client = env.client(max_attempts=2, backoff_base=0.001)
    with pytest.raises(BioSamplesUnavailable):
        submit_all(env.store, client, env.sub, options=opts(workers=1))
    accessioned = [k for k in keys if env.store.status_of(env.sub, k).accession]
    assert len(accessioned) == 3
    env.server.faults({})
    outcome = submit_all(env.store, env.client(), env.sub, options=opts())
    assert not set(outcome.created) & set(accessioned)
    assert env.stats()["counters"]["created"] == len(keys)
    check_all_completed(env, keys)


def test_update_sends_only_the_changed_record_and_keeps_server_fields(env: Env) -> None:
    keys = env.load(generate_records(3, 1, seed=7))
    client = env.client()
    submit_all(env.store, client, env.sub, options=opts())
    assert update_changed(env.store, client, env.sub, options=opts()).updated == []
    key = next(k for k in keys if env.store.status_of(env.sub, k).record.relationships
               and k.startswith("A~"))
    stored = env.store.status_of(env.sub, key)
    before = env.sample(str(stored.accession))
    puts = env.stats()["counters"]["updated"]
    record = Record.from_dict(stored.record.to_dict())
    record.attributes["Supplied breed"] = [AttributeValue("Nero Siciliano")]
    env.store.put_record(env.sub, record)
    outcome = update_changed(env.store, client, env.sub, options=opts())
    assert outcome.updated == [key]
    assert env.stats()["counters"]["updated"] == puts + 1
    after = env.sample(str(stored.accession))
    assert after["characteristics"]["Supplied breed"] == [{"text": "Nero Siciliano"}]
    for field in ("name", "create", "submitted", "sraAccession", "release",
                  "webinSubmissionAccountId"):
        assert after[field] == before[field], field
    assert after["characteristics"]["SRA accession"] == before["characteristics"][
        "SRA accession"]
    assert [r for r in after["relationships"] if r["source"] == stored.accession] == [
        r for r in before["relationships"] if r["source"] == stored.accession]
    assert env.store.status_of(env.sub, key).status is RecordStatus.COMPLETED
    assert update_changed(env.store, client, env.sub, options=opts()).updated == []
    env.assert_one_sample_per_record(keys)


def test_withdraw_makes_the_record_private(env: Env) -> None:
    keys = env.load(generate_records(2, 1, seed=3))
    client = env.client()
    submit_all(env.store, client, env.sub, options=opts())
    key = keys[-1]
    accession = str(env.store.status_of(env.sub, key).accession)
    outcome = withdraw(env.store, client, env.sub, [key], options=opts())
    assert outcome.updated == [key]
    assert env.store.status_of(env.sub, key).status is RecordStatus.WITHDRAWN
    owner_view = env.sample(accession)
    assert owner_view["release"].startswith("3000-") and owner_view["status"] == "PRIVATE"
    public = requests.get(f"{env.server.bs}/samples/{accession}", timeout=10)
    assert public.status_code == 403
    assert update_changed(env.store, client, env.sub, options=opts()).updated == []
    env.assert_one_sample_per_record(keys)


def test_relationship_to_an_accession_outside_the_submission(env: Env) -> None:
    rec = Record("x", Material.SPECIMEN)
    rec.add("Species", "Sus scrofa", terms=("NCBITaxon_9823",))
    keys = env.load([rec])
    client = env.client()
    outside = client.create({
        "name": "outside", "release": "2020-01-01T00:00:00Z",
        "characteristics": {"organism": [{"text": "Sus scrofa"}]}})["accession"]
    rec.relationships = [Relationship(RelationshipType.DERIVED_FROM, outside)]
    env.store.put_record(env.sub, rec)
    submit_all(env.store, client, env.sub, options=opts())
    stored = env.store.status_of(env.sub, keys[0])
    assert stored.status is RecordStatus.COMPLETED
    rels = env.sample(str(stored.accession))["relationships"]
    assert {"source": stored.accession, "type": "derived from", "target": outside} in rels
    assert datetime.now(UTC).year == int(env.sample(str(stored.accession))["release"][:4])
