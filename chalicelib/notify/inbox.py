"""The in-app list of notifications, per person."""

from __future__ import annotations

import time
import uuid
from datetime import UTC, datetime
from typing import Any

from pynamodb.attributes import BooleanAttribute, JSONAttribute, NumberAttribute, UnicodeAttribute
from pynamodb.exceptions import DoesNotExist
from pynamodb.models import Model

from chalicelib.tables import bind

KEEP_SECONDS = 90 * 24 * 3600


class InboxModel(Model):
    """``inbox``: hash ``user_id``, range ``item_id`` (compact time + suffix): newest first in
    one query; items expire after 90 days (TTL)."""

    class Meta:
        table_name = "unbound-inbox"
        region = "eu-west-1"

    user_id = UnicodeAttribute(hash_key=True)
    item_id = UnicodeAttribute(range_key=True)
    event = UnicodeAttribute()
    team_id = UnicodeAttribute(null=True)
    submission_id = UnicodeAttribute(null=True)
    subject = UnicodeAttribute()
    text = UnicodeAttribute()
    details = JSONAttribute(default=dict)
    read = BooleanAttribute(default=False)
    created_at = UnicodeAttribute(default="")
    expires_at = NumberAttribute()


def add(user_id: str, event: str, subject: str, text: str, *, team_id: str | None,
        submission_id: str | None, details: dict[str, Any]) -> str:
    bind(InboxModel, "inbox_table")
    stamp = datetime.now(UTC)
    # URL-safe (it appears in /me/notifications/{id}/read) and sorted by time.
    item_id = f"{stamp:%Y%m%dT%H%M%S%fZ}-{uuid.uuid4().hex[:8]}"
    InboxModel(user_id, item_id, event=event, team_id=team_id, submission_id=submission_id,
               subject=subject, text=text, details=details, created_at=stamp.isoformat(),
               expires_at=int(time.time()) + KEEP_SECONDS).save()
    return item_id


def items(user_id: str, limit: int = 50) -> list[dict[str, Any]]:
    bind(InboxModel, "inbox_table")
    return [{"id": i.item_id, "event": i.event, "team_id": i.team_id,
             "submission_id": i.submission_id, "subject": i.subject, "text": i.text,
             "details": i.details, "read": i.read, "at": i.created_at}
            for i in InboxModel.query(user_id, scan_index_forward=False, limit=limit)]


def mark_read(user_id: str, item_id: str) -> bool:
    """Mark one of the person's own notifications read; False when there is none."""
    bind(InboxModel, "inbox_table")
    try:
        item = InboxModel.get(user_id, item_id)
    except DoesNotExist:
        return False
    item.read = True
    item.save()
    return True
