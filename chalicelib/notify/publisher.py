"""Publish pipeline events to the notifications topic (SNS).

One small adapter: the flows say *what* happened; who is told, and how (email through
SES, the in-app list), is decided by the topic's subscribers.
"""

from __future__ import annotations

import json
from typing import Any

from chalicelib.aws import client
from chalicelib.config import get_settings
from chalicelib.observability import logger


def topic_arn(resource: str = "notifications_topic") -> str:
    """The ARN of one of the stack's topics (created under its configured name)."""
    settings = get_settings()
    return f"arn:aws:sns:{settings.region}:{_account_id()}:{settings.name(resource)}"


_ACCOUNT: dict[str, str] = {}


def _account_id() -> str:
    settings = get_settings()
    key = settings.endpoint_url or "aws"
    if key not in _ACCOUNT:
        _ACCOUNT[key] = client("sts").get_caller_identity()["Account"]
    return _ACCOUNT[key]


def publish(event: str, *, team_id: str, submission_id: str | None, subject: str,
            text: str, details: dict[str, Any] | None = None, user_id: str | None = None,
            operators: bool = False) -> str:
    """Publish one event; returns the SNS message id.

    Team events go to the team's members; ``user_id`` addresses one person instead;
    ``operators`` sends it to the operators' topic (harvest anomalies and the like).
    """
    body = {"event": event, "team_id": team_id, "submission_id": submission_id,
            "subject": subject, "text": text, "details": details or {}}
    if user_id:
        body["user_id"] = user_id
    answer = client("sns").publish(
        TopicArn=topic_arn("operators_topic" if operators else "notifications_topic"),
        Subject=subject[:100],
        Message=json.dumps(body, sort_keys=True),
        MessageAttributes={
            "event": {"DataType": "String", "StringValue": event},
            "team_id": {"DataType": "String", "StringValue": team_id},
        },
    )
    logger().info("notification published", extra={"event": event, "team_id": team_id})
    return str(answer["MessageId"])
