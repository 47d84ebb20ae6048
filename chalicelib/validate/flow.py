"""The validation step: a submission's records checked against the IMAGE standard.

Wired end to end (queue, handler, dead-letter queue); the validator is issue #5. Until it
is plugged in here a validation message fails loudly and ends in the dead-letter queue.
"""

from __future__ import annotations

from chalicelib.messages import StepMessage
from chalicelib.observability import logger


class StepNotAvailable(RuntimeError):
    """A pipeline step this deployment cannot perform yet."""


def handle_validation_message(message_id: str, body: str) -> None:
    """Process one validation message."""
    message = StepMessage.from_json(body)
    logger().append_keys(submission_id=message.submission_id, team_id=message.team_id)
    raise StepNotAvailable("validation is not available yet (issue #5)")
