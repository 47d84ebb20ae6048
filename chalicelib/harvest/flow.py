"""The harvest step: IMAGE records from BioSamples into the Common Data Pool.

The schedule starts a run by queueing it, so that a run longer than one Lambda invocation
continues from a checkpoint through the harvest queue. The harvest itself is issue #7;
until then a harvest message fails loudly and ends in the dead-letter queue.
"""

from __future__ import annotations

import uuid
from typing import Any

from chalicelib.messages import HarvestMessage
from chalicelib.observability import logger


class StepNotAvailable(RuntimeError):
    """A pipeline step this deployment cannot perform yet."""


def start_harvest(*, mode: str, trigger: str) -> dict[str, Any]:
    """Queue a new harvest run; returns its id and the SQS message id."""
    from chalicelib.queues import send_harvest

    run_id = uuid.uuid4().hex
    message_id = send_harvest(HarvestMessage(mode=mode, run_id=run_id))
    logger().info("harvest queued", extra={"run_id": run_id, "mode": mode,
                                           "trigger": trigger})
    return {"run_id": run_id, "mode": mode, "message_id": message_id}


def handle_harvest_message(message_id: str, body: str) -> None:
    """Process one harvest message (a run or its continuation)."""
    message = HarvestMessage.from_json(body)
    logger().append_keys(run_id=message.run_id)
    raise StepNotAvailable("harvesting into the pool is not available yet (issue #7)")
