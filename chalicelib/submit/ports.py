"""What the submission service needs from the UID: the :class:`SubmissionStore` port.

The service (``service.py``) never talks to DynamoDB; it reads and writes through this
Protocol, so the DynamoDB adapter and :class:`InMemorySubmissionStore` (tests, local runs)
are interchangeable. Every write is per record and idempotent, because SQS delivers at
least once and a Lambda can stop between any two calls:

* :meth:`SubmissionStore.mark_submitted` is a *claim* taken before POSTing: a record
  another worker is posting right now is left alone, and a record found SUBMITTED without
  an accession is known to be "maybe posted" (the service looks it up by name first).
* :meth:`SubmissionStore.set_accession_if_absent` is a conditional write: the first
  accession stored wins and is never overwritten.

Record keys are the UID range keys (``A~<data source id>`` for animals, ``S~<id>`` for
samples, see :func:`chalicelib.records.record_key`).
"""

from __future__ import annotations

import threading
from collections.abc import Collection, Iterable
from dataclasses import dataclass, field, replace
from enum import StrEnum
from typing import Any, Protocol, runtime_checkable

from chalicelib.records import Record, record_key
from chalicelib.submission_facts import SubmissionFacts


class RecordStatus(StrEnum):
    """Record statuses the submission reads or writes (same spelling as the UID)."""

    LOADED = "LOADED"
    READY = "READY"
    NEED_REVISION = "NEED_REVISION"
    SUBMITTED = "SUBMITTED"
    COMPLETED = "COMPLETED"
    ERROR = "ERROR"
    REMOVED = "REMOVED"
    WITHDRAWN = "WITHDRAWN"


#: Statuses of records that take part in a submission (the progress total).
IN_SUBMISSION = frozenset({RecordStatus.READY, RecordStatus.SUBMITTED,
                           RecordStatus.COMPLETED, RecordStatus.ERROR})


__all__ = ["record_key"]  # re-exported: the service and its tests import it from here


@dataclass(frozen=True, slots=True)
class SubmissionRef:
    """Which submission: the team owning it and its id."""

    team_id: str
    submission_id: str


@dataclass(frozen=True, slots=True)
class WebinCredentials:
    """The team's Webin account, used for every BioSamples call of its submissions."""

    username: str
    password: str = field(repr=False)


@dataclass(frozen=True, slots=True)
class StoredRecord:
    """A record as the submission sees it.

    ``record`` is the canonical record *without* the submission facts (the service adds
    them); ``accession`` the stored accession (authoritative over ``record.accession``);
    ``submitted_hash`` the :func:`~chalicelib.submit.builder.sample_digest` of the sample
    last written to BioSamples (``None``: never completed); ``message`` BioSamples' own
    words when the record is in ERROR; ``claimed_by``/``claim_until`` the current claim.
    """

    key: str
    record: Record
    status: RecordStatus
    accession: str | None = None
    submitted_hash: str | None = None
    message: str = ""
    claimed_by: str | None = None
    claim_until: float = 0.0


@dataclass(frozen=True, slots=True)
class Progress:
    """How far a submission is: ``done`` COMPLETED out of ``total`` records taking part,
    ``errors`` in ERROR, ``pending`` not finished yet (READY or SUBMITTED)."""

    done: int
    total: int
    errors: int
    pending: int

    @property
    def finished(self) -> bool:
        """True when no record is left to send (some may be in ERROR)."""
        return self.pending == 0


@runtime_checkable
class SubmissionStore(Protocol):
    """The UID as the submission service uses it. Implementations must be safe to call
    from several threads at once."""

    def facts(self, submission: SubmissionRef) -> SubmissionFacts | None:
        """The facts the team gave for the submission (added to every record)."""
        ...

    def credentials(self, submission: SubmissionRef) -> WebinCredentials:
        """The Webin account of the submission's team; ``LookupError`` if none."""
        ...

    def records(self, submission: SubmissionRef) -> list[StoredRecord]:
        """Every record of the submission except REMOVED ones, in any order."""
        ...

    def get(self, submission: SubmissionRef, keys: Collection[str]) -> dict[str, StoredRecord]:
        """The records with these keys (unknown keys are absent from the answer). Must be
        a consistent read: it is how the service sees what another worker stored."""
        ...

    def mark_submitted(self, submission: SubmissionRef, key: str, *, worker: str,
                       now: float, lease_seconds: float) -> bool:
        """Claim a record before POSTing it (conditional write).

        Succeeds, setting status SUBMITTED and the claim ``(worker, now + lease)``, when
        the record has no accession and no other worker holds a claim that is still live
        at ``now`` (an expired claim or one by ``worker`` may be taken over). Returns
        whether ``worker`` holds the claim afterwards. A record with an accession is
        never claimed (returns False).
        """
        ...

    def release_claim(self, submission: SubmissionRef, key: str, *, worker: str) -> None:
        """Drop ``worker``'s claim (if it still holds it) without changing the status: a
        run stopped by an outage lets the retry go on at once. The record stays SUBMITTED,
        so the retry looks it up by name before posting."""
        ...

    def set_accession_if_absent(self, submission: SubmissionRef, key: str,
                                accession: str) -> bool:
        """Store the accession unless one is already stored (conditional write).

        Returns True when ``accession`` is the stored one afterwards (written now, or the
        same value already there: a repeated call is harmless), False when a different
        accession was stored first (which is kept).
        """
        ...

    def mark_completed(self, submission: SubmissionRef, key: str, *,
                       submitted_hash: str) -> None:
        """The record is in BioSamples as built (relationships included): status
        COMPLETED, ``submitted_hash`` stored, message and claim cleared."""
        ...

    def mark_error(self, submission: SubmissionRef, key: str, message: str) -> None:
        """BioSamples refused the record: status ERROR with BioSamples' own message
        (an accession already stored is kept); the claim is cleared."""
        ...

    def mark_withdrawn(self, submission: SubmissionRef, key: str) -> None:
        """The record was made private in BioSamples: status WITHDRAWN (accession kept)."""
        ...

    def progress(self, submission: SubmissionRef) -> Progress:
        """Counts of the records taking part in the submission."""
        ...


class InMemorySubmissionStore:
    """A thread-safe :class:`SubmissionStore` in a dict (tests, benchmarks, local runs)."""

    def __init__(self) -> None:
        self._lock = threading.RLock()
        self._records: dict[SubmissionRef, dict[str, StoredRecord]] = {}
        self._facts: dict[SubmissionRef, SubmissionFacts | None] = {}
        self._credentials: dict[str, WebinCredentials] = {}
        #: Every accession ever offered per record (tests assert "stored once").
        self.offered: dict[tuple[SubmissionRef, str], list[str]] = {}

    # -- test and set-up helpers (not part of the Protocol) ------------------------------

    def add_submission(self, submission: SubmissionRef, records: Iterable[Record], *,
                       facts: SubmissionFacts | None, credentials: WebinCredentials,
                       status: RecordStatus = RecordStatus.READY) -> list[str]:
        """Create a submission with records (status READY unless told); returns keys."""
        with self._lock:
            self._facts[submission] = facts
            self._credentials[submission.team_id] = credentials
            stored = self._records.setdefault(submission, {})
            keys = []
            for rec in records:
                key = record_key(rec.material, rec.id)
                stored[key] = StoredRecord(key, rec, status, accession=rec.accession)
                keys.append(key)
            return keys

    def put_record(self, submission: SubmissionRef, record: Record,
                   status: RecordStatus | None = None) -> None:
        """Replace a record's content (as a reload would), keeping its accession and
        submission state; ``status`` overrides the status."""
        with self._lock:
            key = record_key(record.material, record.id)
            old = self._records[submission].get(key)
            if old is None:
                self._records[submission][key] = StoredRecord(
                    key, record, status or RecordStatus.READY, accession=record.accession)
            else:
                self._records[submission][key] = replace(
                    old, record=record, status=status or old.status)

    def set_facts(self, submission: SubmissionRef, facts: SubmissionFacts | None) -> None:
        """Change the submission facts."""
        with self._lock:
            self._facts[submission] = facts

    def status_of(self, submission: SubmissionRef, key: str) -> StoredRecord:
        """One record (KeyError if unknown)."""
        with self._lock:
            return self._records[submission][key]

    # -- the Protocol ---------------------------------------------------------------------

    def facts(self, submission: SubmissionRef) -> SubmissionFacts | None:
        with self._lock:
            return self._facts.get(submission)

    def credentials(self, submission: SubmissionRef) -> WebinCredentials:
        with self._lock:
            try:
                return self._credentials[submission.team_id]
            except KeyError:
                raise LookupError(f"team {submission.team_id} has no Webin account") from None

    def records(self, submission: SubmissionRef) -> list[StoredRecord]:
        with self._lock:
            return [r for r in self._records.get(submission, {}).values()
                    if r.status is not RecordStatus.REMOVED]

    def get(self, submission: SubmissionRef, keys: Collection[str]) -> dict[str, StoredRecord]:
        with self._lock:
            stored = self._records.get(submission, {})
            return {k: stored[k] for k in keys if k in stored}

    def _update(self, submission: SubmissionRef, key: str, **changes: Any) -> StoredRecord:
        old = self._records[submission][key]
        new = replace(old, **changes)
        self._records[submission][key] = new
        return new

    def mark_submitted(self, submission: SubmissionRef, key: str, *, worker: str,
                       now: float, lease_seconds: float) -> bool:
        with self._lock:
            old = self._records[submission][key]
            if old.accession:
                return False
            if old.claimed_by not in (None, worker) and old.claim_until > now:
                return False
            self._update(submission, key, status=RecordStatus.SUBMITTED, claimed_by=worker,
                         claim_until=now + lease_seconds, message="")
            return True

    def release_claim(self, submission: SubmissionRef, key: str, *, worker: str) -> None:
        with self._lock:
            if self._records[submission][key].claimed_by == worker:
                self._update(submission, key, claimed_by=None, claim_until=0.0)

    def set_accession_if_absent(self, submission: SubmissionRef, key: str,
                                accession: str) -> bool:
        with self._lock:
            self.offered.setdefault((submission, key), []).append(accession)
            old = self._records[submission][key]
            if old.accession:
                return old.accession == accession
            self._update(submission, key, accession=accession)
            return True

    def mark_completed(self, submission: SubmissionRef, key: str, *,
                       submitted_hash: str) -> None:
        with self._lock:
            self._update(submission, key, status=RecordStatus.COMPLETED,
                         submitted_hash=submitted_hash, message="", claimed_by=None,
                         claim_until=0.0)

    def mark_error(self, submission: SubmissionRef, key: str, message: str) -> None:
        with self._lock:
            self._update(submission, key, status=RecordStatus.ERROR, message=message,
                         claimed_by=None, claim_until=0.0)

    def mark_withdrawn(self, submission: SubmissionRef, key: str) -> None:
        with self._lock:
            self._update(submission, key, status=RecordStatus.WITHDRAWN, claimed_by=None,
                         claim_until=0.0)

    def progress(self, submission: SubmissionRef) -> Progress:
        with self._lock:
            taking_part = [r for r in self._records.get(submission, {}).values()
                           if r.status in IN_SUBMISSION]
        done = sum(r.status is RecordStatus.COMPLETED for r in taking_part)
        errors = sum(r.status is RecordStatus.ERROR for r in taking_part)
        return Progress(done=done, total=len(taking_part), errors=errors,
                        pending=len(taking_part) - done - errors)
