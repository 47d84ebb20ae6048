"""The submission step: a submission's records go to BioSamples.

Wired end to end (queue, handler, dead-letter queue); the BioSamples submission itself is
issue #6. Until then a submission message fails loudly, so it lands in the dead-letter
queue where operators see it, instead of being dropped as if it had been sent.
"""

from __future__ import annotations

from chalicelib.messages import StepMessage
from chalicelib.observability import logger


class StepNotAvailable(RuntimeError):
    """A pipeline step this deployment cannot perform yet."""


def handle_submission_message(message_id: str, body: str) -> None:
    """Process one submission message."""
    message = StepMessage.from_json(body)
    logger().append_keys(submission_id=message.submission_id, team_id=message.team_id)
    raise StepNotAvailable("submission to BioSamples is not available yet (issue #6)")
