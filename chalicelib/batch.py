"""Run an SQS batch one message at a time and report partial failures.

Chalice has no option for partial batch responses (aws/chalice#2029): the handler returns
``{"batchItemFailures": [...]}`` itself and the packaged event source is configured with
``ReportBatchItemFailures`` (``infra/resources.yaml``), so one bad message never re-runs the
messages that succeeded.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from chalicelib.observability import flush_metrics, logger

RecordHandler = Callable[[str, str], None]
"""Processes one message: (message id, body). Raises to mark the message failed."""


def process_sqs_batch(event: dict[str, Any], handle: RecordHandler,
                      context: Any = None) -> dict[str, Any]:
    """Process every record of an SQS Lambda event; return the partial batch response."""
    from aws_lambda_powertools.utilities.batch import (
        BatchProcessor,
        EventType,
        process_partial_response,
    )
    from aws_lambda_powertools.utilities.data_classes.sqs_event import SQSRecord

    def record_handler(record: SQSRecord) -> None:
        log = logger()
        log.append_keys(message_id=record.message_id)
        try:
            handle(record.message_id, record.body)
        except Exception:
            log.exception("message failed", extra={"message_id": record.message_id})
            raise
        finally:
            log.remove_keys(["message_id", "submission_id"])

    processor = BatchProcessor(event_type=EventType.SQS,
                               raise_on_entire_batch_failure=False)
    try:
        response = process_partial_response(event=event, record_handler=record_handler,
                                            processor=processor, context=context)
    finally:
        flush_metrics()
    return dict(response)
