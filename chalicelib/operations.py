"""What operators need to see and do about the pipeline: the dead-letter queues.

A message that failed five times waits in its step's dead-letter queue (on AWS an alarm
also tells the operators). Operators list them here, read why, and send them back to the
step once the cause is fixed.
"""

from __future__ import annotations

from typing import Any

from chalicelib.aws import client
from chalicelib.config import QUEUES, get_settings


def _url(name: str) -> str:
    return str(client("sqs").get_queue_url(QueueName=name)["QueueUrl"])


def dead_letters(peek: int = 10) -> list[dict[str, Any]]:
    """Every step's dead-letter queue: how many messages wait, and the first few."""
    settings = get_settings()
    sqs = client("sqs")
    out = []
    for step in QUEUES:
        url = _url(settings.dlq_name(step))
        depth = int(sqs.get_queue_attributes(
            QueueUrl=url, AttributeNames=["ApproximateNumberOfMessages"]
        )["Attributes"]["ApproximateNumberOfMessages"])
        samples = []
        if depth and peek:
            # Visibility 0: reading does not hide them from the next look or a redrive.
            answer = sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=min(peek, 10),
                                         VisibilityTimeout=0, AttributeNames=["All"])
            for message in answer.get("Messages", []):
                samples.append({"id": message["MessageId"], "body": message["Body"][:2000],
                                "receives": message.get("Attributes", {}).get(
                                    "ApproximateReceiveCount")})
        out.append({"step": step, "queue": settings.dlq_name(step), "waiting": depth,
                    "messages": samples})
    return out


def redrive(step: str, limit: int = 1000) -> int:
    """Send a step's dead letters back to its queue; returns how many moved."""
    if step not in QUEUES:
        raise ValueError(f"step must be one of {', '.join(QUEUES)}")
    settings = get_settings()
    sqs = client("sqs")
    source, target = _url(settings.dlq_name(step)), _url(settings.queue_name(step))
    moved = 0
    while moved < limit:
        answer = sqs.receive_message(QueueUrl=source, MaxNumberOfMessages=10,
                                     VisibilityTimeout=60)
        messages = answer.get("Messages", [])
        if not messages:
            break
        for message in messages:
            sqs.send_message(QueueUrl=target, MessageBody=message["Body"])
            sqs.delete_message(QueueUrl=source, ReceiptHandle=message["ReceiptHandle"])
            moved += 1
    return moved
