"""The submission flow: a submission's records go to BioSamples (no SQS, no DynamoDB here).

One batch (:func:`submit_batch`) is one SQS message's work:

1. every record without an accession is *claimed* (``mark_submitted``), POSTed without
   relationships (BioSamples needs the source to be an accession) and its accession is
   stored at once (``set_accession_if_absent``). A record already SUBMITTED without an
   accession may have been posted by a run that stopped before storing: it is first looked
   up by its name, which :func:`~chalicelib.submit.builder.sample_name` makes unique;
2. records whose relationship targets all have accessions are completed: the full sample
   (relationships included) is merged with the stored one and PUT, then COMPLETED.
   Records whose targets are not accessioned yet stay SUBMITTED and are reported as
   ``pending`` (:func:`complete_pending` finishes them later).

A record BioSamples refuses (4xx) becomes ERROR with BioSamples' message and the batch goes
on; :class:`~chalicelib.submit.biosamples_client.BioSamplesUnavailable` stops the batch
and propagates (the message is retried, and since accessions are stored per record the
retry resumes where this run stopped). Independent records of a batch are sent by a small
thread pool (the client is thread-safe).
"""

from __future__ import annotations

import logging
import threading
import time
import uuid
from collections.abc import Callable, Iterable, Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime
from typing import Any

from chalicelib.records import Material, Record, RelationshipType
from chalicelib.submission_facts import SubmissionFacts, with_facts
from chalicelib.submit.biosamples_client import (
    BioSamplesClient,
    BioSamplesRejected,
    BioSamplesUnavailable,
)
from chalicelib.submit.builder import (
    ACCESSION_RE,
    WITHDRAWN_RELEASE,
    build,
    merge_for_update,
    sample_digest,
    sample_name,
    withdrawn,
    without_relationships,
)
from chalicelib.submit.ports import (
    Progress,
    RecordStatus,
    StoredRecord,
    SubmissionRef,
    SubmissionStore,
    record_key,
)

LOG = logging.getLogger(__name__)

#: Records a batch works on; the others (COMPLETED, ERROR, NEED_REVISION ...) are skipped,
#: so a duplicate delivery of a finished batch does nothing.
_TO_SEND = frozenset({RecordStatus.READY, RecordStatus.SUBMITTED})
#: Accessioned records :func:`update_changed` may re-send.
_UPDATABLE = frozenset({RecordStatus.COMPLETED, RecordStatus.READY})


@dataclass(frozen=True)
class SubmitOptions:
    """How the flow runs.

    ``lease_seconds`` is how long a claim keeps other workers off a record (at least the
    Lambda timeout: a redelivered message comes after the visibility timeout, by which
    time the claim of a crashed run has expired); ``lookup_window``/``lookup_poll`` bound
    the name search for a record that may have been posted by a stopped run (the search
    index lags behind writes).
    """

    batch_size: int = 100
    workers: int = 32
    lease_seconds: float = 900.0
    lookup_window: float = 30.0
    lookup_poll: float = 1.0
    worker: str = field(default_factory=lambda: uuid.uuid4().hex)
    clock: Callable[[], float] = time.time


@dataclass
class BatchOutcome:
    """What one call did, by record key (``errors`` maps key → BioSamples' message)."""

    created: list[str] = field(default_factory=list)
    adopted: list[str] = field(default_factory=list)
    updated: list[str] = field(default_factory=list)
    completed: list[str] = field(default_factory=list)
    errors: dict[str, str] = field(default_factory=dict)
    pending: list[str] = field(default_factory=list)
    busy: list[str] = field(default_factory=list)
    duplicates: list[str] = field(default_factory=list)
    skipped: list[str] = field(default_factory=list)
    #: internal: records left for the second pass of :func:`submit_batch`
    deferred: list[str] = field(default_factory=list)

    @property
    def retry_needed(self) -> bool:
        """True when some record could not be finished now (targets not accessioned yet,
        or another worker holds it): the caller should run the batch again later."""
        return bool(self.pending or self.busy)


class _Run:
    """State shared by the threads of one call."""

    def __init__(self, store: SubmissionStore, client: BioSamplesClient,
                 submission: SubmissionRef, options: SubmitOptions,
                 release: datetime | None) -> None:
        self.store = store
        self.client = client
        self.submission = submission
        self.options = options
        self.release = release or datetime.fromtimestamp(int(options.clock()), UTC)
        self.facts: SubmissionFacts | None = store.facts(submission)
        self.outcome = BatchOutcome()
        self.lock = threading.Lock()
        self.stop = threading.Event()
        self.failure: BioSamplesUnavailable | None = None
        #: Stored samples received in this run (POST answers), to merge without a GET.
        self.server_copy: dict[str, dict[str, Any]] = {}

    def add(self, bucket: str, key: str, message: str | None = None) -> None:
        with self.lock:
            if message is not None:
                self.outcome.errors[key] = message
            else:
                getattr(self.outcome, bucket).append(key)

    def name(self, record: Record) -> str:
        return sample_name(self.submission.team_id, self.submission.submission_id,
                           record.material, record.id)

    def error(self, key: str, message: str) -> None:
        LOG.info("BioSamples refused %s: %s", key, message)
        self.store.mark_error(self.submission, key, message)
        self.add("errors", key, message)

    def each(self, items: Sequence[StoredRecord], task: Callable[[StoredRecord], None]) -> None:
        """Run ``task`` on every item with the thread pool; stop starting new ones after
        BioSamples became unavailable and re-raise that at the end."""
        def guarded(item: StoredRecord) -> None:
            if self.stop.is_set():
                return
            try:
                task(item)
            except BioSamplesUnavailable as exc:
                with self.lock:
                    self.failure = self.failure or exc
                self.stop.set()

        workers = max(1, min(self.options.workers, len(items)))
        if workers == 1:
            for item in items:
                guarded(item)
        else:
            with ThreadPoolExecutor(max_workers=workers,
                                    thread_name_prefix="biosamples") as pool:
                list(pool.map(guarded, items))
        if self.failure is not None:
            raise self.failure


# ------------------------------------------------------------------------------ planning
def plan(store: SubmissionStore, submission: SubmissionRef, *,
         batch_size: int = 100) -> list[list[str]]:
    """The keys of the records to send, in batches of at most ``batch_size``, in
    dependency order: parents before their children (by generation), animals before
    samples. Records already finished (COMPLETED, ERROR ...) are left out."""
    return order_batches(store.records(submission), batch_size=batch_size)


def order_batches(records: Iterable[StoredRecord], *, batch_size: int = 100
                  ) -> list[list[str]]:
    """The pure part of :func:`plan`."""
    if batch_size < 1:
        raise ValueError("batch_size must be at least 1")
    all_records = list(records)
    animals = {r.record.id: r for r in all_records
               if r.record.material is Material.ORGANISM}
    depth: dict[str, int] = {}

    def generation(start: str) -> int:
        # iterative DFS: pedigrees can be deep, and a cycle (a data error) must not hang
        stack: list[tuple[str, bool]] = [(start, False)]
        visiting: set[str] = set()
        while stack:
            ident, expanded = stack.pop()
            if ident in depth:
                continue
            parents = [r.target for r in animals[ident].record.relationships
                       if r.type is RelationshipType.CHILD_OF and r.target in animals
                       and r.target != ident]
            if expanded:
                visiting.discard(ident)
                depth[ident] = 1 + max((depth.get(p, 0) for p in parents), default=-1)
                continue
            visiting.add(ident)
            stack.append((ident, True))
            stack.extend((p, False) for p in parents if p not in depth and p not in visiting)
        return depth[start]

    order = {r.key: i for i, r in enumerate(all_records)}
    todo = [r for r in all_records if r.status in _TO_SEND]
    todo.sort(key=lambda r: (
        r.record.material is not Material.ORGANISM,
        generation(r.record.id) if r.record.material is Material.ORGANISM else 0,
        order[r.key]))
    keys = [r.key for r in todo]
    return [keys[i:i + batch_size] for i in range(0, len(keys), batch_size)]


# ----------------------------------------------------------------------------- sending
def _target_keys(records: Iterable[StoredRecord]) -> set[str]:
    """Keys of the animals the records' relationships point to by data source id."""
    return {record_key(Material.ORGANISM, rel.target) for r in records
            for rel in r.record.relationships if not ACCESSION_RE.match(rel.target)}


def _with_accession(stored: StoredRecord, facts: SubmissionFacts | None) -> Record:
    record = with_facts(stored.record, facts)
    record.accession = stored.accession
    return record


def _post(run: _Run, stored: StoredRecord) -> str | None:
    """Phase 1 for one record: claim, (look up,) POST, store the accession; returns the
    accession now stored by this run, else None (busy, refused, or stored by another)."""
    opts = run.options
    sub = run.submission
    maybe_posted = stored.status is RecordStatus.SUBMITTED
    if not run.store.mark_submitted(sub, stored.key, worker=opts.worker, now=opts.clock(),
                                    lease_seconds=opts.lease_seconds):
        fresh = run.store.get(sub, [stored.key]).get(stored.key)
        if fresh is None or not fresh.accession:
            run.add("busy", stored.key)
        return None
    record = with_facts(stored.record, run.facts)
    record.accession = None
    name = run.name(record)
    created: dict[str, Any] | None = None
    try:
        if maybe_posted:
            created = run.client.find_own(name, window=opts.lookup_window,
                                          poll=opts.lookup_poll)
            if created is not None:
                LOG.info("%s was posted by an earlier run as %s", stored.key,
                         created.get("accession"))
        if created is None:
            sample = build(record, accessions={}, release=run.release, name=name).sample
            created = run.client.create(without_relationships(sample))
            run.add("created", stored.key)
        else:
            run.add("adopted", stored.key)
    except BioSamplesRejected as exc:
        run.error(stored.key, exc.message)
        return None
    except BioSamplesUnavailable:
        run.store.release_claim(sub, stored.key, worker=opts.worker)
        raise
    accession = str(created["accession"])
    if run.store.set_accession_if_absent(sub, stored.key, accession):
        with run.lock:
            run.server_copy[stored.key] = created
        return accession
    # Another run stored a different accession first (claims make this rare): ours is a
    # duplicate, so hide it (BioSamples cannot delete) and keep the stored one.
    LOG.error("%s: duplicate accession %s withdrawn", stored.key, accession)
    run.add("duplicates", stored.key)
    run.client.replace(accession, withdrawn(created))
    return None


def _complete(run: _Run, stored: StoredRecord, accessions: Mapping[str, str],
              blocked: Mapping[str, str], unresolved_to: str = "pending") -> None:
    """Phase 2 for one record: PUT the full sample (relationships) if needed. A record
    whose targets lack accessions goes to the ``unresolved_to`` bucket."""
    sub = run.submission
    record = _with_accession(stored, run.facts)
    built = build(record, accessions=accessions, release=run.release, name=run.name(record))
    if built.unresolved:
        reasons = [blocked[r.target] for r in built.unresolved if r.target in blocked]
        if reasons:
            run.error(stored.key, "; ".join(reasons))
        else:
            run.add(unresolved_to, stored.key)
        return
    digest = sample_digest(built.sample)
    copy = run.server_copy.get(stored.key)
    if stored.submitted_hash == digest or (copy is not None and "relationships" not in
                                           built.sample):
        # nothing to send: unchanged, or just POSTed as it is (no relationships to add)
        run.store.mark_completed(sub, stored.key, submitted_hash=digest)
        run.add("completed", stored.key)
        return
    assert stored.accession is not None
    try:
        server = copy or run.client.get(stored.accession, apply_curations=False)
        run.client.replace(stored.accession, merge_for_update(server, built.sample))
    except BioSamplesRejected as exc:
        run.error(stored.key, exc.message)
        return
    run.store.mark_completed(sub, stored.key, submitted_hash=digest)
    run.add("updated", stored.key)
    run.add("completed", stored.key)


def _blocked_targets(targets: dict[str, StoredRecord], wanted: set[str]) -> dict[str, str]:
    """Targets that will never get an accession: absent or refused (data source id →
    why the dependent record cannot be completed)."""
    out: dict[str, str] = {}
    for key in wanted:
        ident = key.split("~", 1)[1]
        target = targets.get(key)
        if target is None:
            out[ident] = f"animal '{ident}' is not in the submission"
        elif not target.accession and target.status in (RecordStatus.ERROR,
                                                         RecordStatus.NEED_REVISION,
                                                         RecordStatus.WITHDRAWN):
            out[ident] = f"animal '{ident}' could not be submitted ({target.status.value})"
    return out


def _finish(run: _Run, keys: Sequence[str],
            statuses: frozenset[RecordStatus] = _TO_SEND) -> None:
    """Phase 2 over ``keys``: re-read them and their targets, complete what can be."""
    sub = run.submission
    current = run.store.get(sub, keys)
    ready = [current[k] for k in keys if k in current and current[k].accession
             and current[k].status in statuses]
    wanted = _target_keys(ready)
    targets = run.store.get(sub, wanted)
    accessions = {t.record.id: t.accession for t in targets.values() if t.accession}
    blocked = _blocked_targets(targets, wanted)
    run.each(ready, lambda s: _complete(run, s, accessions, blocked))


def submit_batch(store: SubmissionStore, client: BioSamplesClient, submission: SubmissionRef,
                 keys: Sequence[str], *, options: SubmitOptions | None = None,
                 release: datetime | None = None) -> BatchOutcome:
    """Send one batch (see the module docstring). ``release`` defaults to now.

    Safe to repeat: finished records are skipped, accessions already stored are reused,
    a record a stopped run may have posted is found by name before anything is posted.
    """
    run = _Run(store, client, submission, options or SubmitOptions(), release)
    stored = store.get(submission, keys)
    work = []
    for key in keys:
        item = stored.get(key)
        if item is None or item.status not in _TO_SEND:
            run.outcome.skipped.append(key)
        else:
            work.append(item)
    wanted = _target_keys(work)
    targets = store.get(submission, wanted)
    accessions = {t.record.id: t.accession for t in targets.values() if t.accession}
    deferred: list[str] = []

    def send(item: StoredRecord) -> None:
        # POST, then PUT the relationships at once when every target has an accession
        # (one pass, no barrier between the phases); the rest wait for the second pass
        if not item.accession:
            accession = _post(run, item)
            if accession is None:
                with run.lock:
                    if item.key not in run.outcome.busy and item.key not in run.outcome.errors:
                        deferred.append(item.key)
                return
            item = replace(item, accession=accession, status=RecordStatus.SUBMITTED)
            if item.record.material is Material.ORGANISM:
                with run.lock:
                    accessions[item.record.id] = accession
        with run.lock:
            known = dict(accessions)
        _complete(run, item, known, {}, unresolved_to="deferred")

    run.each(work, send)
    _finish(run, run.outcome.deferred + deferred)
    run.outcome.deferred = []
    return run.outcome


def complete_pending(store: SubmissionStore, client: BioSamplesClient,
                     submission: SubmissionRef, *, options: SubmitOptions | None = None
                     ) -> BatchOutcome:
    """Complete every accessioned record still SUBMITTED (relationships whose targets
    were not accessioned when its batch ran)."""
    run = _Run(store, client, submission, options or SubmitOptions(), None)
    keys = [r.key for r in store.records(submission)
            if r.status is RecordStatus.SUBMITTED and r.accession]
    _finish(run, keys)
    return run.outcome


def submit_all(store: SubmissionStore, client: BioSamplesClient, submission: SubmissionRef,
               *, options: SubmitOptions | None = None,
               on_batch: Callable[[int, BatchOutcome], None] | None = None) -> BatchOutcome:
    """Every batch of :func:`plan` in order, then :func:`complete_pending`; returns the
    combined outcome (what one worker draining the submission would do)."""
    opts = options or SubmitOptions()
    total = BatchOutcome()
    release = datetime.fromtimestamp(int(opts.clock()), UTC)
    outcomes = []
    for number, keys in enumerate(plan(store, submission, batch_size=opts.batch_size)):
        outcome = submit_batch(store, client, submission, keys, options=opts,
                               release=release)
        outcomes.append(outcome)
        if on_batch is not None:
            on_batch(number, outcome)
    outcomes.append(complete_pending(store, client, submission, options=opts))
    for outcome in outcomes:
        for name in ("created", "adopted", "updated", "completed", "busy", "duplicates",
                     "skipped"):
            getattr(total, name).extend(getattr(outcome, name))
        total.errors.update(outcome.errors)
    total.pending = outcomes[-1].pending
    return total


# ----------------------------------------------------------------------------- updates
def update_changed(store: SubmissionStore, client: BioSamplesClient,
                   submission: SubmissionRef, *, options: SubmitOptions | None = None
                   ) -> BatchOutcome:
    """Re-send (read, merge, PUT) the accessioned records whose sample changed since it
    was last written, and only those. A record counts as changed when the sample built
    now (submission facts included) differs from the one stored as ``submitted_hash``."""
    run = _Run(store, client, submission, options or SubmitOptions(), None)
    candidates = [r for r in store.records(submission)
                  if r.accession and r.status in _UPDATABLE]
    wanted = _target_keys(candidates)
    targets = store.get(submission, wanted)
    accessions = {t.record.id: t.accession for t in targets.values() if t.accession}
    changed = []
    for stored in candidates:
        record = _with_accession(stored, run.facts)
        built = build(record, accessions=accessions, release=run.release,
                      name=run.name(record))
        if stored.submitted_hash != sample_digest(built.sample):
            changed.append(stored)
    _finish(run, [s.key for s in changed], _UPDATABLE)
    return run.outcome


def withdraw(store: SubmissionStore, client: BioSamplesClient, submission: SubmissionRef,
             keys: Sequence[str], *, until: datetime = WITHDRAWN_RELEASE,
             options: SubmitOptions | None = None) -> BatchOutcome:
    """Make records private in BioSamples (it has no delete): their release moves to
    ``until``; the records become WITHDRAWN. A record never accessioned is looked up by
    name in case a stopped run posted it."""
    run = _Run(store, client, submission, options or SubmitOptions(), None)

    def one(stored: StoredRecord) -> None:
        accession = stored.accession
        try:
            if accession is None and stored.status is RecordStatus.SUBMITTED:
                found = client.find_own(run.name(stored.record))
                accession = str(found["accession"]) if found else None
            if accession is not None:
                server = client.get(accession, apply_curations=False)
                client.replace(accession, withdrawn(server, until))
        except BioSamplesRejected as exc:
            run.error(stored.key, exc.message)
            return
        store.mark_withdrawn(submission, stored.key)
        run.add("updated", stored.key)

    current = store.get(submission, keys)
    run.each([current[k] for k in keys if k in current], one)
    return run.outcome


def progress(store: SubmissionStore, submission: SubmissionRef) -> Progress:
    """How far the submission is (done/total), as stored."""
    return store.progress(submission)


def client_for(store: SubmissionStore, submission: SubmissionRef, *, stage: str,
               local_url: str | None = None, workers: int = 32,
               **kwargs: Any) -> BioSamplesClient:
    """A BioSamples client acting as the submission's team.

    It never re-posts a sample whose answer was lost and which the name search does not
    show yet: the error propagates, the message is retried, and the retry finds the
    sample by name (the index has caught up by then) instead of creating a second one.
    """
    creds = store.credentials(submission)
    kwargs.setdefault("repost_if_not_found", False)
    kwargs.setdefault("pool_size", max(workers, 10))
    return BioSamplesClient.for_stage(stage, creds.username, creds.password,
                                      local_url=local_url, **kwargs)
