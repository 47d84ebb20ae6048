"""The audit log: who did what, when, to which submission; read by team admins."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime
from typing import Any

from pynamodb.attributes import JSONAttribute, UnicodeAttribute
from pynamodb.models import Model

from chalicelib.tables import bind


class AuditModel(Model):
    """``audit``: hash ``team_id``, range ``entry_id`` (ISO time + random suffix), so a
    team's log reads newest first with one query."""

    class Meta:
        table_name = "unbound-audit"
        region = "eu-west-1"

    team_id = UnicodeAttribute(hash_key=True)
    entry_id = UnicodeAttribute(range_key=True)
    user_id = UnicodeAttribute()
    email = UnicodeAttribute(default="")
    action = UnicodeAttribute()
    submission_id = UnicodeAttribute(null=True)
    details = JSONAttribute(default=dict)


def record(team_id: str, user_id: str, email: str, action: str,
           submission_id: str | None = None, **details: Any) -> None:
    """Append one entry (never secrets: callers pass ids and counts, not values)."""
    bind(AuditModel, "audit_table")
    stamp = datetime.now(UTC).isoformat()
    AuditModel(team_id, f"{stamp}#{uuid.uuid4().hex[:8]}", user_id=user_id, email=email,
               action=action, submission_id=submission_id, details=details).save()


def entries(team_id: str, limit: int = 100) -> list[dict[str, Any]]:
    """A team's log, newest first."""
    bind(AuditModel, "audit_table")
    return [{"at": item.entry_id.split("#", 1)[0], "user_id": item.user_id,
             "email": item.email, "action": item.action,
             "submission_id": item.submission_id, "details": item.details}
            for item in AuditModel.query(team_id, scan_index_forward=False, limit=limit)]
