"""Read and write submissions and records in the UID.

Every other package goes through these functions; none of them builds a pynamodb query of
its own. Every function takes the team id and only ever reads inside that team's keys, so
a caller that passes the asking user's team cannot reach another team's data.
"""

from __future__ import annotations

import base64
import hashlib
import json
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, Protocol

from pynamodb.exceptions import DoesNotExist

from chalicelib.records import Problem, Record, record_key
from chalicelib.uid.models import RecordModel, SubmissionModel
from chalicelib.uid.status import SubmissionStatus, check_transition
from chalicelib.uid.tables import bind

AttributeValueLike = dict[str, Any]

#: DynamoDB refuses items over 400 KB; stay clear of it with the record's own JSON.
MAX_RECORD_BYTES = 350_000
#: Problems stored on a submission (the rest is counted, not kept).
MAX_STORED_PROBLEMS = 500


def now() -> datetime:
    return datetime.now(UTC)


def key_of(record: Record) -> str:
    """The range key of a record (see :func:`chalicelib.records.record_key`)."""
    return record_key(record.material, record.id)


def content_hash(record: Record) -> str:
    """A stable hash of a record's content, to skip unchanged records on reload."""
    doc = record.to_dict()
    doc.pop("accession", None)
    raw = json.dumps(doc, sort_keys=True, ensure_ascii=False).encode()
    return hashlib.sha256(raw).hexdigest()


# ------------------------------------------------------------------------ submissions
def get_submission(team_id: str, submission_id: str) -> SubmissionModel | None:
    bind()
    try:
        return SubmissionModel.get(team_id, submission_id, consistent_read=True)
    except DoesNotExist:
        return None


def submission_view(team_id: str, submission_id: str) -> dict[str, Any] | None:
    """A submission as the API shows it."""
    sub = get_submission(team_id, submission_id)
    if sub is None:
        return None
    return {
        "team_id": sub.team_id,
        "submission_id": sub.submission_id,
        "title": sub.title,
        "facts": sub.facts,
        "status": sub.status,
        "message": sub.status_message,
        "file": {"name": sub.file_name, "size": sub.file_size} if sub.file_name else None,
        "counts": dict(sub.counts or {}),
        "problems": sub.problems or [],
        "validation": sub.validation,
        "created_at": sub.created_at.isoformat(),
        "updated_at": sub.updated_at.isoformat(),
    }


def begin_processing(team_id: str, submission_id: str, *, key: str, file_name: str,
                     size: int, etag: str) -> bool:
    """Mark a submission PROCESSING for a newly uploaded file.

    Returns False when this exact file (same ETag) was already processed: a duplicate
    delivery of the S3 event, which must not load the file twice.
    """
    sub = get_submission(team_id, submission_id)
    stamp = now()
    if sub is None:
        sub = SubmissionModel(team_id, submission_id, created_at=stamp, updated_at=stamp)
    elif sub.file_etag == etag and sub.file_key == key and \
            sub.status != SubmissionStatus.PROCESSING:
        return False
    else:
        check_transition(sub.status, SubmissionStatus.PROCESSING)
    sub.status = SubmissionStatus.PROCESSING.value
    sub.status_message = f"Reading {file_name}"
    sub.file_key, sub.file_name, sub.file_size, sub.file_etag = key, file_name, size, etag
    sub.updated_at = stamp
    sub.save()
    return True


class StatusChanged(Exception):
    """The submission changed between reading and writing it (another request or step
    moved it first): the move was not made."""


def _moved(team_id: str, submission_id: str, status: SubmissionStatus,
           message: str, only_from: SubmissionStatus | None = None) -> SubmissionModel:
    """The submission with its status moved (checked against the status machine, and
    from ``only_from`` when given), not yet saved: the caller adds what goes with the move
    and saves once."""
    sub = get_submission(team_id, submission_id)
    if sub is None:
        raise LookupError(f"no submission {team_id}/{submission_id}")
    if only_from is not None and sub.status != only_from.value:
        raise StatusChanged(f"{team_id}/{submission_id} is {sub.status}, not {only_from}")
    check_transition(sub.status, status)
    sub.status = status.value
    sub.status_message = message
    sub.updated_at = now()
    return sub


def finish_processing(team_id: str, submission_id: str, status: SubmissionStatus,
                      message: str, problems: Iterable[Problem] = (),
                      counts: dict[str, int] | None = None) -> None:
    """Record the outcome of reading a file (LOADED or ERROR) with its problems."""
    sub = _moved(team_id, submission_id, status, message)
    sub.problems = [p.to_dict() for p in problems][:MAX_STORED_PROBLEMS]
    if counts is not None:
        sub.counts = counts
    sub.save()


def set_status(team_id: str, submission_id: str, status: SubmissionStatus,
               message: str, counts: dict[str, int] | None = None, *,
               only_from: SubmissionStatus | None = None) -> None:
    """Move a submission to another status (checked against the status machine). The write
    is conditional on the version read, and with ``only_from`` (a claim) the move happens
    only from that status: else :class:`StatusChanged`, and nothing was written."""
    from pynamodb.exceptions import PutError

    sub = _moved(team_id, submission_id, status, message, only_from)
    if counts is not None:
        sub.counts = {**(sub.counts or {}), **counts}
    try:
        sub.save()
    except PutError as exc:
        if "ConditionalCheckFailed" in str(exc):
            raise StatusChanged(f"{team_id}/{submission_id} changed meanwhile") from None
        raise


def finish_validation(team_id: str, submission_id: str, status: SubmissionStatus,
                      message: str, *, summary: dict[str, int],
                      problems: list[dict[str, Any]], ruleset: str,
                      mappings: list[dict[str, Any]] | None = None) -> None:
    """Record a validation's outcome on the submission (READY or NEED_REVISION)."""
    sub = _moved(team_id, submission_id, status, message)
    sub.validation = {"ruleset": ruleset, "summary": summary,
                      "problems": problems[:MAX_STORED_PROBLEMS],
                      "at": now().isoformat()}
    sub.mappings = (mappings or [])[:MAX_STORED_PROBLEMS]
    sub.save()


# ---------------------------------------------------------------------------- records
@dataclass(frozen=True)
class StoreOutcome:
    """What a load did to a submission's records."""

    added: int
    changed: int
    unchanged: int
    removed: int

    def as_counts(self) -> dict[str, int]:
        return {"added": self.added, "changed": self.changed,
                "unchanged": self.unchanged, "removed": self.removed}


def _existing(submission_id: str) -> dict[str, RecordModel]:
    return {m.record_id: m for m in RecordModel.query(submission_id)}


def store_records(team_id: str, submission_id: str, records: list[Record]) -> StoreOutcome:
    """Load a file's records into a submission, in place.

    Records are matched by material and data source id; unchanged ones (same content
    hash) are not written; an accession already obtained is kept; records absent from
    the new file are flagged REMOVED, not deleted, so nothing accessioned is forgotten.
    """
    bind()
    existing = _existing(submission_id)
    stamp = now()
    added = changed = unchanged = 0
    seen: set[str] = set()
    with RecordModel.batch_write() as batch:
        for record in records:
            key = key_of(record)
            seen.add(key)
            digest = content_hash(record)
            old = existing.get(key)
            if old is not None and old.content_hash == digest and old.status != "REMOVED":
                unchanged += 1
                continue
            accession = record.accession or (old.accession if old is not None else None)
            data = record.to_dict()
            if accession:
                data["accession"] = accession
            history = list(old.history or []) if old is not None else []
            history.append({"at": stamp.isoformat(), "what": "loaded from file"})
            item = RecordModel(
                submission_id, key, team_id=team_id, data_source_id=record.id,
                material=record.material.value, status="LOADED", data=data,
                accession=accession, content_hash=digest, history=history[-50:],
                updated_at=stamp,
            )
            # Batch writes carry no condition: set the version ourselves, so editors who
            # read the old one get a conflict instead of overwriting the reload.
            if old is not None:
                item.version = (old.version or 0) + 1
                changed += 1
            else:
                item.version = 1
                added += 1
            batch.save(item)
    removed = 0
    for key, old in existing.items():
        if key not in seen and old.status != "REMOVED":
            old.status = "REMOVED"
            old.history = [*list(old.history or []),
                           {"at": stamp.isoformat(), "what": "absent from the new file"}]
            old.updated_at = stamp
            old.save()
            removed += 1
    return StoreOutcome(added, changed, unchanged, removed)


class _ValidationResult(Protocol):
    id: str
    material: str

    @property
    def status(self) -> Any: ...

    def to_dict(self) -> dict[str, Any]: ...


_RECORD_STATUS = {"pass": "READY", "warning": "READY", "error": "NEED_REVISION"}
_KEEP_STATUS = frozenset({"SUBMITTED", "COMPLETED", "REMOVED"})


def save_validation(submission_id: str, results: Iterable[_ValidationResult], *,
                    ruleset: str) -> None:
    """Store each record's validation result; pass or warning makes it READY, an error
    NEED_REVISION (records already at BioSamples keep their status)."""
    bind()
    by_key = {m.record_id: m for m in RecordModel.query(submission_id)}
    stamp = now()
    with RecordModel.batch_write() as batch:
        for result in results:
            item = by_key.get(record_key(result.material, result.id))
            if item is None:
                continue
            item.validation = {**result.to_dict(), "ruleset": ruleset}
            if item.status not in _KEEP_STATUS:
                item.status = _RECORD_STATUS[str(result.status.value)]
            item.updated_at = stamp
            item.version = (item.version or 0) + 1
            batch.save(item)


def record_too_large(record: Record) -> bool:
    """True when a record's JSON would not fit a DynamoDB item."""
    return len(json.dumps(record.to_dict(), ensure_ascii=False).encode()) > MAX_RECORD_BYTES


def iter_records(submission_id: str, *, include_removed: bool = False) -> Iterator[Record]:
    """Every record of a submission (for validation and submission)."""
    bind()
    for item in RecordModel.query(submission_id):
        if include_removed or item.status != "REMOVED":
            yield Record.from_dict(item.data)


def _encode_cursor(key: dict[str, Any] | None) -> str | None:
    if not key:
        return None
    return base64.urlsafe_b64encode(json.dumps(key).encode()).decode()


class BadCursor(ValueError):
    """A cursor this list did not give (mangled, or another submission's)."""


def _decode_cursor(cursor: str | None, submission_id: str) -> dict[str, Any] | None:
    """The start key a cursor of this submission's list stands for; anything else is
    refused here, before DynamoDB would answer it with an error."""
    if not cursor:
        return None
    try:
        doc = json.loads(base64.urlsafe_b64decode(cursor.encode()))
    except (ValueError, RecursionError):  # bad base64, JSON or UTF-8 are ValueErrors
        raise BadCursor(cursor) from None
    shape_ok = isinstance(doc, dict) and set(doc) == {"submission_id", "record_id"} and \
        all(isinstance(v, dict) and list(v) == ["S"] and isinstance(v["S"], str)
            for v in doc.values())
    if not shape_ok or doc["submission_id"]["S"] != submission_id:
        raise BadCursor(cursor)
    return doc


def records_page(team_id: str, submission_id: str, *, limit: int = 100,
                 cursor: str | None = None) -> dict[str, Any] | None:
    """One page of a team's submission's records; None when the team has no such
    submission (so another team's submission id reveals nothing); :class:`BadCursor` for
    a cursor this list did not give."""
    if get_submission(team_id, submission_id) is None:
        return None
    start = _decode_cursor(cursor, submission_id)
    result = RecordModel.query(submission_id, limit=limit, last_evaluated_key=start,
                               page_size=limit)
    items = []
    for item in result:
        items.append({"record_id": item.record_id, "id": item.data_source_id,
                      "material": item.material, "status": item.status,
                      "accession": item.accession, "record": item.data,
                      "validation": item.validation})
    return {"results": items, "next": _encode_cursor(result.last_evaluated_key)}


# ------------------------------------------------------------------------- editing
class EditRefused(Exception):
    """An edit that cannot be made now: ``status`` for the API, message for the person."""

    def __init__(self, status: int, message: str) -> None:
        super().__init__(message)
        self.status = status
        self.message = message


def get_record(submission_id: str, record_id: str) -> RecordModel | None:
    bind()
    try:
        return RecordModel.get(submission_id, record_id, consistent_read=True)
    except DoesNotExist:
        return None


def record_view(item: RecordModel) -> dict[str, Any]:
    """A record as the API shows it (``version`` is what an edit must send back)."""
    return {"record_id": item.record_id, "id": item.data_source_id,
            "material": item.material, "status": item.status,
            "accession": item.accession, "record": item.data,
            "validation": item.validation, "history": item.history or [],
            "version": item.version}


def editable(team_id: str, submission_id: str) -> SubmissionModel:
    """The submission, if its records may change now (not while it is being read,
    validated or sent to BioSamples)."""
    from chalicelib.uid.status import BUSY

    sub = get_submission(team_id, submission_id)
    if sub is None:
        raise EditRefused(404, f"no submission {submission_id} in team {team_id}")
    if SubmissionStatus(sub.status) in BUSY:
        raise EditRefused(409, f"the submission is {sub.status}: wait until it finishes, "
                               "then edit")
    if SubmissionStatus(sub.status) is SubmissionStatus.WAITING:
        raise EditRefused(409, "the submission has no records yet: upload its file first")
    return sub


def _change(item: RecordModel, record: Record, who: str, what: str) -> None:
    stamp = now()
    data = record.to_dict()
    if item.accession:
        data["accession"] = item.accession
    item.data = data
    item.content_hash = content_hash(record)
    item.history = [*list(item.history or []), {"at": stamp.isoformat(), "by": who,
                                                "what": what}][-50:]
    if item.status not in ("SUBMITTED", "COMPLETED"):
        item.status = "LOADED"  # changed: to be validated again
    item.updated_at = stamp


def edit_record(team_id: str, submission_id: str, record_id: str,
                patch: dict[str, list[dict[str, Any]] | None], who: str,
                expected_version: int | None = None) -> RecordModel:
    """Replace or remove attributes of one record (optimistic locking on ``version``)."""
    from pynamodb.exceptions import PutError

    from chalicelib.records import AttributeValue

    editable(team_id, submission_id)
    item = get_record(submission_id, record_id)
    if item is None or item.team_id != team_id:
        raise EditRefused(404, f"no record {record_id} in this submission")
    if expected_version is not None and expected_version != item.version:
        raise EditRefused(409, "someone changed this record since you opened it: reload "
                               "it and apply your change again")
    record = Record.from_dict(item.data)
    for name, values in patch.items():
        if values is None or values == []:
            record.attributes.pop(name, None)
            continue
        try:
            record.attributes[name] = [AttributeValue.from_dict(v) for v in values]
        except (KeyError, TypeError, ValueError):
            raise EditRefused(400, f"{name}: each value must be an object with 'value' and "
                                   "optional 'units' and 'terms'") from None
    if record_too_large(record):
        raise EditRefused(400, "the record would be too large to store")
    _change(item, record, who, f"edited {', '.join(sorted(patch))}")
    try:
        item.save()
    except PutError as exc:
        if "ConditionalCheckFailed" in str(exc):
            raise EditRefused(409, "someone changed this record at the same moment: reload "
                                   "it and apply your change again") from None
        raise
    return item


def _team_records(team_id: str, submission_id: str,
                  record_ids: list[str]) -> Iterator[RecordModel]:
    """The named records of a team's submission, each once; unknown ids are passed over."""
    for record_id in dict.fromkeys(record_ids):
        item = get_record(submission_id, record_id)
        if item is not None and item.team_id == team_id:
            yield item


def fix_field(team_id: str, submission_id: str, field: str, value: AttributeValueLike,
              record_ids: list[str], who: str) -> int:
    """"Fix this": set one attribute to one value on many records; returns how many."""
    from chalicelib.records import AttributeValue

    editable(team_id, submission_id)
    changed = 0
    for item in _team_records(team_id, submission_id, record_ids):
        record = Record.from_dict(item.data)
        record.attributes[field] = [AttributeValue.from_dict(value)]
        _change(item, record, who, f"fixed {field}")
        item.save()
        changed += 1
    return changed


def delete_records(team_id: str, submission_id: str, record_ids: list[str], who: str) -> int:
    """Delete records; one already in BioSamples is flagged REMOVED instead, so its
    accession is never forgotten. Returns how many were deleted or flagged."""
    editable(team_id, submission_id)
    done = 0
    for item in _team_records(team_id, submission_id, record_ids):
        if item.accession:
            item.status = "REMOVED"
            item.history = [*list(item.history or []),
                            {"at": now().isoformat(), "by": who, "what": "removed"}]
            item.save()
        else:
            item.delete()
        done += 1
    return done

