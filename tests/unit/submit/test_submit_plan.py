"""Planning (dependency order, batches) and the in-memory store's contract; pure."""

from __future__ import annotations

import threading

import pytest

from chalicelib.records import Material, Record, Relationship, RelationshipType
from chalicelib.submit.generate import demo_facts, generate_records
from chalicelib.submit.ports import (
    InMemorySubmissionStore,
    Progress,
    RecordStatus,
    StoredRecord,
    SubmissionRef,
    SubmissionStore,
    WebinCredentials,
    record_key,
)
from chalicelib.submit.service import order_batches, plan

SUB = SubmissionRef("team-1", "sub-1")
CREDS = WebinCredentials("Webin-1", "pw")


def animal(ident: str, *parents: str) -> Record:
    return Record(ident, Material.ORGANISM, relationships=[
        Relationship(RelationshipType.CHILD_OF, p) for p in parents])


def sample(ident: str, of: str) -> Record:
    return Record(ident, Material.SPECIMEN,
                  relationships=[Relationship(RelationshipType.DERIVED_FROM, of)])


def stored(*records: Record, status: RecordStatus = RecordStatus.READY) -> list[StoredRecord]:
    return [StoredRecord(record_key(r.material, r.id), r, status) for r in records]


def test_parents_before_children_before_samples() -> None:
    # listed in the worst order: samples first, grandchild before its parents
    records = stored(sample("s1", "c"), animal("g", "c", "m"), sample("s2", "a"),
                     animal("c", "a", "b"), animal("a"), animal("m"), animal("b"))
    batches = order_batches(records, batch_size=100)
    flat = [k for b in batches for k in b]
    assert flat == ["A~a", "A~m", "A~b", "A~c", "A~g", "S~s1", "S~s2"]


def test_batches_hold_at_most_n_and_keep_the_order() -> None:
    records = stored(*generate_records(250, 2, seed=3))
    batches = order_batches(records, batch_size=100)
    assert [len(b) for b in batches] == [100, 100, 100, 100, 100, 100, 100, 50]
    position = {k: i for i, k in enumerate(k for b in batches for k in b)}
    for rec in records:
        for rel in rec.record.relationships:
            assert position[record_key(Material.ORGANISM, rel.target)] < position[rec.key]
    with pytest.raises(ValueError):
        order_batches(records, batch_size=0)


def test_finished_records_are_not_planned_but_still_order_others() -> None:
    done = stored(animal("a"), status=RecordStatus.COMPLETED)
    failed = stored(animal("x"), status=RecordStatus.ERROR)
    todo = stored(animal("c", "b"), animal("b", "a"), sample("s", "c"),
                  status=RecordStatus.SUBMITTED)
    assert order_batches(done + failed + todo) == [["A~b", "A~c", "S~s"]]


def test_pedigree_cycle_does_not_hang() -> None:
    records = stored(animal("a", "b"), animal("b", "a"), animal("c", "c"))
    flat = [k for b in order_batches(records) for k in b]
    assert sorted(flat) == ["A~a", "A~b", "A~c"]


def test_deep_pedigree_is_ordered_without_recursion_limits() -> None:
    chain = [animal("0")] + [animal(str(i), str(i - 1)) for i in range(1, 5000)]
    flat = [k for b in order_batches(stored(*reversed(chain)), batch_size=5000) for k in b]
    assert flat == [f"A~{i}" for i in range(5000)]


def test_plan_reads_the_store() -> None:
    store = InMemorySubmissionStore()
    assert isinstance(store, SubmissionStore)
    store.add_submission(SUB, [sample("s", "a"), animal("a")], facts=demo_facts(),
                         credentials=CREDS)
    assert plan(store, SUB) == [["A~a", "S~s"]]


def make_store() -> InMemorySubmissionStore:
    store = InMemorySubmissionStore()
    store.add_submission(SUB, [animal("a"), animal("b"), sample("s", "a")],
                         facts=demo_facts(), credentials=CREDS)
    return store


def test_claims_keep_other_workers_off_until_they_expire() -> None:
    store = make_store()
    assert store.mark_submitted(SUB, "A~a", worker="w1", now=100.0, lease_seconds=10)
    assert store.status_of(SUB, "A~a").status is RecordStatus.SUBMITTED
    assert store.mark_submitted(SUB, "A~a", worker="w1", now=101.0, lease_seconds=10)
    assert not store.mark_submitted(SUB, "A~a", worker="w2", now=105.0, lease_seconds=10)
    assert store.mark_submitted(SUB, "A~a", worker="w2", now=112.0, lease_seconds=10)
    store.release_claim(SUB, "A~a", worker="w1")  # not w1's any more: no effect
    assert not store.mark_submitted(SUB, "A~a", worker="w3", now=113.0, lease_seconds=10)
    store.release_claim(SUB, "A~a", worker="w2")
    assert store.mark_submitted(SUB, "A~a", worker="w3", now=113.0, lease_seconds=10)
    assert store.set_accession_if_absent(SUB, "A~a", "SAMEA1")
    assert not store.mark_submitted(SUB, "A~a", worker="w3", now=113.0, lease_seconds=10)


def test_accession_is_written_once() -> None:
    store = make_store()
    assert store.set_accession_if_absent(SUB, "A~b", "SAMEA1")
    assert store.set_accession_if_absent(SUB, "A~b", "SAMEA1")  # repeat: harmless
    assert not store.set_accession_if_absent(SUB, "A~b", "SAMEA2")
    assert store.status_of(SUB, "A~b").accession == "SAMEA1"


def test_concurrent_accession_writes_have_one_winner() -> None:
    store = make_store()
    wins: list[str] = []
    barrier = threading.Barrier(8)

    def offer(acc: str) -> None:
        barrier.wait()
        if store.set_accession_if_absent(SUB, "A~a", acc):
            wins.append(acc)

    threads = [threading.Thread(target=offer, args=(f"SAMEA{i}",)) for i in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert len(wins) == 1 and store.status_of(SUB, "A~a").accession == wins[0]


def test_statuses_and_progress() -> None:
    store = make_store()
    assert store.progress(SUB) == Progress(done=0, total=3, errors=0, pending=3)
    store.set_accession_if_absent(SUB, "A~a", "SAMEA1")
    store.mark_completed(SUB, "A~a", submitted_hash="h")
    store.mark_error(SUB, "A~b", "Must provide name")
    progress = store.progress(SUB)
    assert progress == Progress(done=1, total=3, errors=1, pending=1)
    assert not progress.finished
    b = store.status_of(SUB, "A~b")
    assert (b.status, b.message) == (RecordStatus.ERROR, "Must provide name")
    a = store.status_of(SUB, "A~a")
    assert (a.status, a.submitted_hash, a.accession) == (RecordStatus.COMPLETED, "h", "SAMEA1")
    store.mark_withdrawn(SUB, "A~a")
    assert store.status_of(SUB, "A~a").accession == "SAMEA1"
    assert store.progress(SUB).total == 2
    assert store.credentials(SUB) == CREDS
    with pytest.raises(LookupError):
        store.credentials(SubmissionRef("other", "x"))
    assert set(store.get(SUB, ["A~a", "A~zzz"])) == {"A~a"}
