"""The UID as the BioSamples submission sees it: the DynamoDB adapter of
:class:`chalicelib.submit.ports.SubmissionStore`.

The claims and the accession are conditional writes (DynamoDB ``UpdateItem`` with a
condition), so two deliveries of the same batch, or a run that crashed between POST and
store, can never accession a record twice. Every write bumps the record's version, so an
editor holding an older copy gets a conflict.
"""

from __future__ import annotations

import json
from collections.abc import Collection
from typing import Any

from chalicelib.aws import client
from chalicelib.config import get_settings
from chalicelib.records import Record
from chalicelib.submission_facts import SubmissionFacts
from chalicelib.submit.ports import (
    IN_SUBMISSION,
    Progress,
    RecordStatus,
    StoredRecord,
    SubmissionRef,
    WebinCredentials,
)
from chalicelib.uid.models import RecordModel
from chalicelib.uid.tables import bind


class DynamoSubmissionStore:
    """:class:`~chalicelib.submit.ports.SubmissionStore` on the records table."""

    def __init__(self) -> None:
        bind()
        self.table = get_settings().name("records_table")

    # ----------------------------------------------------------------------- reading
    def facts(self, submission: SubmissionRef) -> SubmissionFacts | None:
        from chalicelib.uid.submissions import facts_of

        return facts_of(submission.team_id, submission.submission_id)

    def credentials(self, submission: SubmissionRef) -> WebinCredentials:
        """The team's Webin account from Secrets Manager (only this function may read it)."""
        from botocore.exceptions import ClientError

        name = get_settings().webin_secret_name(submission.team_id)
        try:
            value = client("secretsmanager").get_secret_value(SecretId=name)["SecretString"]
        except ClientError as exc:
            if exc.response["Error"]["Code"] == "ResourceNotFoundException":
                raise LookupError("the team has no Webin account configured") from None
            raise
        doc = json.loads(value)
        return WebinCredentials(doc["username"], doc["password"])

    @staticmethod
    def _stored(item: RecordModel) -> StoredRecord:
        record = Record.from_dict(item.data)
        try:
            status = RecordStatus(item.status)
        except ValueError:
            status = RecordStatus.LOADED
        return StoredRecord(item.record_id, record, status, item.accession,
                            item.submitted_hash, item.message or "", item.claimed_by,
                            float(item.claim_until or 0))

    def records(self, submission: SubmissionRef) -> list[StoredRecord]:
        return [self._stored(item) for item in RecordModel.query(submission.submission_id)
                if item.status != RecordStatus.REMOVED.value]

    def get(self, submission: SubmissionRef, keys: Collection[str]) -> dict[str, StoredRecord]:
        wanted = list(dict.fromkeys(keys))
        out: dict[str, StoredRecord] = {}
        for start in range(0, len(wanted), 100):
            chunk = [(submission.submission_id, key) for key in wanted[start:start + 100]]
            for item in RecordModel.batch_get(chunk, consistent_read=True):
                out[item.record_id] = self._stored(item)
        return out

    # ----------------------------------------------------------------------- writing
    def _update(self, submission: SubmissionRef, key: str, expression: str,
                values: dict[str, Any], condition: str | None = None,
                names: dict[str, str] | None = None) -> bool:
        """One conditional UpdateItem; False when the condition does not hold."""
        from boto3.dynamodb.types import TypeSerializer

        serializer = TypeSerializer()
        args: dict[str, Any] = {
            "TableName": self.table,
            "Key": {"submission_id": {"S": submission.submission_id},
                    "record_id": {"S": key}},
            "UpdateExpression": expression + " ADD #version :one",
            "ExpressionAttributeValues": {
                **{k: serializer.serialize(v) for k, v in values.items()},
                ":one": {"N": "1"}},
            "ExpressionAttributeNames": {"#version": "version", **(names or {})},
        }
        exists = "attribute_exists(record_id)"
        args["ConditionExpression"] = f"{exists} AND ({condition})" if condition else exists
        ddb = client("dynamodb")
        try:
            ddb.update_item(**args)
        except ddb.exceptions.ConditionalCheckFailedException:
            return False
        return True

    def mark_submitted(self, submission: SubmissionRef, key: str, *, worker: str,
                       now: float, lease_seconds: float) -> bool:
        return self._update(
            submission, key,
            "SET #status = :submitted, claimed_by = :worker, claim_until = :until",
            {":submitted": RecordStatus.SUBMITTED.value, ":worker": worker,
             ":until": int(now + lease_seconds), ":now": int(now)},
            "attribute_not_exists(accession) AND (attribute_not_exists(claimed_by) OR "
            "claimed_by = :worker OR claim_until < :now)",
            {"#status": "status"})

    def release_claim(self, submission: SubmissionRef, key: str, *, worker: str) -> None:
        self._update(submission, key, "REMOVE claimed_by, claim_until", {":worker": worker},
                     "claimed_by = :worker")

    def set_accession_if_absent(self, submission: SubmissionRef, key: str,
                                accession: str) -> bool:
        return self._update(submission, key, "SET accession = :acc", {":acc": accession},
                            "attribute_not_exists(accession) OR accession = :acc")

    def mark_completed(self, submission: SubmissionRef, key: str, *,
                       submitted_hash: str) -> None:
        self._update(submission, key,
                     "SET #status = :done, submitted_hash = :hash REMOVE claimed_by, "
                     "claim_until, message",
                     {":done": RecordStatus.COMPLETED.value, ":hash": submitted_hash},
                     names={"#status": "status"})

    def mark_error(self, submission: SubmissionRef, key: str, message: str) -> None:
        self._update(submission, key,
                     "SET #status = :error, message = :message REMOVE claimed_by, claim_until",
                     {":error": RecordStatus.ERROR.value, ":message": message[:2000]},
                     names={"#status": "status"})

    def mark_withdrawn(self, submission: SubmissionRef, key: str) -> None:
        self._update(submission, key,
                     "SET #status = :withdrawn REMOVE claimed_by, claim_until",
                     {":withdrawn": RecordStatus.WITHDRAWN.value},
                     names={"#status": "status"})

    def progress(self, submission: SubmissionRef) -> Progress:
        counts: dict[RecordStatus, int] = {}
        for item in RecordModel.query(submission.submission_id,
                                      attributes_to_get=["status"]):
            try:
                status = RecordStatus(item.status)
            except ValueError:
                continue
            counts[status] = counts.get(status, 0) + 1
        total = sum(n for s, n in counts.items() if s in IN_SUBMISSION)
        return Progress(done=counts.get(RecordStatus.COMPLETED, 0), total=total,
                        errors=counts.get(RecordStatus.ERROR, 0),
                        pending=counts.get(RecordStatus.READY, 0)
                        + counts.get(RecordStatus.SUBMITTED, 0))

    def errors(self, submission: SubmissionRef) -> list[dict[str, str]]:
        """Records BioSamples refused, with its own words (for the progress API)."""
        return [{"record_id": r.key, "id": r.record.id, "message": r.message}
                for r in self.records(submission) if r.status is RecordStatus.ERROR]
