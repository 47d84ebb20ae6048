"""The messages that travel on the pipeline's queues, and how to read them.

Every queue carries small JSON documents (never records themselves: those live in the
UID), so a message is cheap to retry and safe to deliver twice.
"""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass, field
from typing import Any
from urllib.parse import unquote_plus


class BadMessage(ValueError):
    """A message that can never be processed (it ends in the dead-letter queue)."""


@dataclass(frozen=True)
class UploadedObject:
    """One object created in the uploads bucket, from an S3 event notification."""

    bucket: str
    key: str
    size: int
    etag: str


def uploaded_objects(body: str) -> list[UploadedObject]:
    """The objects an S3 event notification (delivered through SQS) reports.

    S3's ``s3:TestEvent`` (sent when the notification is configured) carries none. Keys
    arrive URL-encoded (``/`` included), so they are decoded here.
    """
    try:
        doc = json.loads(body)
    except json.JSONDecodeError as exc:
        raise BadMessage(f"not JSON: {exc}") from exc
    if not isinstance(doc, dict):
        raise BadMessage("an S3 event must be a JSON object")
    if doc.get("Event") == "s3:TestEvent":
        return []
    out = []
    for rec in doc.get("Records") or []:
        if not str(rec.get("eventName", "")).startswith("ObjectCreated"):
            continue
        s3 = rec.get("s3") or {}
        obj = s3.get("object") or {}
        try:
            out.append(UploadedObject(
                bucket=s3["bucket"]["name"],
                key=unquote_plus(obj["key"]),
                size=int(obj.get("size", 0)),
                etag=str(obj.get("eTag", "")),
            ))
        except (KeyError, TypeError, ValueError) as exc:
            raise BadMessage(f"malformed S3 event record: {exc}") from exc
    return out


@dataclass(frozen=True)
class StepMessage:
    """A request for one pipeline step on one submission (validate, submit, ...).

    ``params`` carries step-specific details (for example the record ids of a
    submission batch or a harvest checkpoint).
    """

    step: str
    team_id: str
    submission_id: str
    params: dict[str, Any] = field(default_factory=dict)

    def to_json(self) -> str:
        return json.dumps(asdict(self), sort_keys=True)

    @classmethod
    def from_json(cls, body: str) -> StepMessage:
        try:
            doc = json.loads(body)
            return cls(step=str(doc["step"]), team_id=str(doc["team_id"]),
                       submission_id=str(doc["submission_id"]),
                       params=dict(doc.get("params") or {}))
        except (json.JSONDecodeError, KeyError, TypeError, ValueError) as exc:
            raise BadMessage(f"not a step message: {exc}") from exc


@dataclass(frozen=True)
class HarvestMessage:
    """A harvest run, or the continuation of one from a checkpoint."""

    mode: str = "incremental"  # or "full"
    run_id: str = ""
    cursor: str | None = None

    def to_json(self) -> str:
        return json.dumps(asdict(self), sort_keys=True)

    @classmethod
    def from_json(cls, body: str) -> HarvestMessage:
        try:
            doc = json.loads(body)
            mode = str(doc.get("mode", "incremental"))
            if mode not in ("incremental", "full"):
                raise ValueError(f"unknown harvest mode {mode!r}")
            return cls(mode=mode, run_id=str(doc.get("run_id", "")),
                       cursor=doc.get("cursor"))
        except (json.JSONDecodeError, TypeError, ValueError, AttributeError) as exc:
            raise BadMessage(f"not a harvest message: {exc}") from exc
