"""Send messages to the pipeline's queues (the SQS adapter for the flows)."""

from __future__ import annotations

from chalicelib.aws import client, queue_url
from chalicelib.messages import HarvestMessage, StepMessage


def send_step(message: StepMessage, queue: str) -> str:
    """Queue a step for a submission; returns the SQS message id."""
    answer = client("sqs").send_message(QueueUrl=queue_url(queue), MessageBody=message.to_json())
    return str(answer["MessageId"])


def send_harvest(message: HarvestMessage) -> str:
    """Queue a harvest run or its continuation."""
    answer = client("sqs").send_message(QueueUrl=queue_url("harvest"),
                                        MessageBody=message.to_json())
    return str(answer["MessageId"])


def send_step_later(message: StepMessage, queue: str, delay_seconds: int) -> str:
    """Queue a step to run after a delay (at most 15 minutes, SQS's limit)."""
    answer = client("sqs").send_message(QueueUrl=queue_url(queue),
                                        MessageBody=message.to_json(),
                                        DelaySeconds=max(0, min(int(delay_seconds), 900)))
    return str(answer["MessageId"])
