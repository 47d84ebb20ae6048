"""Deliver pipeline events to people: the in-app list and email (SES).

Events are published on SNS (``publisher.py``) and reach this function through the notify
queue. Team events go to the team's members, operator events (harvest anomalies, dead
letters) to the site admins; each person's email opt-outs are respected, the in-app list
always gets the event.
"""

from __future__ import annotations

import json
from typing import Any

from chalicelib.aws import client
from chalicelib.config import get_settings
from chalicelib.messages import BadMessage
from chalicelib.observability import count, logger

#: Events a person can opt out of by email (the in-app list keeps them all).
EVENTS = ("upload_loaded", "upload_failed", "validation_finished", "submission_completed",
          "submission_failed", "harvest_anomaly", "team_invitation")


def handle_notify_message(message_id: str, body: str) -> None:
    """One SQS message holding an SNS notification."""
    try:
        envelope = json.loads(body)
        event = json.loads(envelope["Message"]) if "Message" in envelope else envelope
        topic = str(envelope.get("TopicArn", ""))
    except (json.JSONDecodeError, KeyError, TypeError) as exc:
        raise BadMessage(f"not an SNS notification: {exc}") from exc
    if not isinstance(event, dict) or "event" not in event:
        raise BadMessage("notification without an event")
    deliver(event, operators=topic.endswith(get_settings().name("operators_topic")))


def recipients(event: dict[str, Any], operators: bool) -> list[Any]:
    """The profiles of the people an event concerns."""
    from chalicelib.accounts import repository as accounts
    from chalicelib.accounts.models import UserModel
    from chalicelib.tables import bind
    from chalicelib.teams import repository as teams

    if operators:
        bind(UserModel, "users_table")
        return [accounts.get_profile(u.user_id) for u in
                UserModel.scan(UserModel.site_admin == True)]  # noqa: E712 - pynamodb syntax
    if event.get("user_id"):
        return [accounts.get_profile(str(event["user_id"]))]
    team_id = event.get("team_id")
    if not team_id:
        return []
    return [accounts.get_profile(m.user_id) for m in teams.members(str(team_id))]


def deliver(event: dict[str, Any], operators: bool = False) -> int:
    """Write the event to each recipient's list and email those who did not opt out.

    Returns how many people were told.
    """
    from chalicelib.notify import inbox

    people = [p for p in recipients(event, operators) if p is not None]
    settings = get_settings()
    kind = str(event["event"])
    subject = str(event.get("subject") or kind.replace("_", " "))
    text = str(event.get("text") or "")
    link = event.get("details", {}).get("link") if isinstance(event.get("details"), dict) \
        else None
    for person in people:
        inbox.add(person.user_id, kind, subject, text, team_id=event.get("team_id"),
                  submission_id=event.get("submission_id"),
                  details=event.get("details") or {})
        if kind in person.email_opt_out or not person.email:
            continue
        body = f"{text}\n\n" + (f"{settings.portal_url.rstrip('/')}{link}\n\n" if link else "")
        body += ("You receive this because you are a member of the team. Choose which emails "
                 f"you get in your profile: {settings.portal_url.rstrip('/')}/workspace/profile")
        client("ses").send_email(
            Source=settings.mail_from, Destination={"ToAddresses": [person.email]},
            Message={"Subject": {"Data": f"[IMAGE Pool] {subject}"[:200]},
                     "Body": {"Text": {"Data": body}}})
        count("EmailsSent")
    logger().info("notification delivered", extra={"event": kind, "people": len(people)})
    return len(people)
