"""The harvest step: IMAGE records from BioSamples into the Common Data Pool.

The daily schedule (and an operator, through the API) queues a run; the harvest function
works for at most ``HARVEST_TIME_BUDGET`` seconds (under the Lambda limit) and, when the
run is not finished, queues its own continuation, which resumes from the checkpoint the
harvester saved. Anomalies (BioSamples answering HTML, a sudden drop in counts) stop the
alias swap, so the pool keeps its previous content, and the operators are told.
"""

from __future__ import annotations

import uuid
from typing import Any

from chalicelib.messages import HarvestMessage
from chalicelib.observability import count, logger

#: Seconds one invocation may harvest before handing over to a continuation.
TIME_BUDGET = 700.0


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
    run_harvest(message.mode, run_id=message.run_id)


def run_harvest(mode: str, *, run_id: str = "", time_budget: float = TIME_BUDGET
                ) -> dict[str, Any]:
    """Harvest for at most ``time_budget`` seconds; continue through the queue if needed."""
    from chalicelib.harvest.dadis_store import current_table
    from chalicelib.harvest.dynamo_state import DynamoRunStateStore
    from chalicelib.harvest.harvester import harvester_from_settings
    from chalicelib.notify.publisher import publish
    from chalicelib.queues import send_harvest

    harvester = harvester_from_settings(DynamoRunStateStore(), dadis=current_table())
    result = harvester.run(mode, time_budget=time_budget)
    counts = dict(result.counts)
    count("HarvestedRecords", float(sum(v for v in counts.values() if isinstance(v, int))))
    if result.status == "partial":
        send_harvest(HarvestMessage(mode=mode, run_id=run_id or result.run_id))
    if result.anomalies:
        text = "; ".join(a.message for a in result.anomalies)
        publish("harvest_anomaly", team_id="operators", submission_id=None,
                subject="Harvest stopped: the pool was left as it was", text=text,
                details={"run_id": result.run_id, "anomalies": [
                    {"kind": a.kind, "message": a.message} for a in result.anomalies]},
                operators=True)
    logger().info("harvest step done", extra={"status": result.status, "counts": counts,
                                              "swapped": result.swapped})
    return {"run_id": result.run_id, "status": result.status, "swapped": result.swapped,
            "counts": counts, "anomalies": [a.kind for a in result.anomalies]}
