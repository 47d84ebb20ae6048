"""Structured JSON logs and EMF metrics (AWS Lambda Powertools), shared by every handler.

Logs carry a correlation id: the submission id when a message concerns one, so that one
submission's way through ingest, validation and submission reads as one story. A failure
of an HTTP route is logged without any request value (:func:`api_logger`).
"""

from __future__ import annotations

import logging
import traceback
from functools import lru_cache
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from aws_lambda_powertools import Logger, Metrics

SERVICE = "imagepool"


@lru_cache(maxsize=1)
def logger() -> Logger:
    """The process-wide structured logger."""
    from aws_lambda_powertools import Logger

    from chalicelib.config import get_settings

    settings = get_settings()
    stream = open(settings.log_file, "a", encoding="utf-8", buffering=1) \
        if settings.log_file else None  # noqa: SIM115 - lives as long as the process
    return Logger(service=SERVICE, level=settings.log_level, stream=stream)


class WithoutRequestValues(logging.Filter):
    """Strip from a log record whatever may quote a request value: the message's arguments
    (a path) and the exception's text (botocore echoes a parameter it refuses, ``int()``
    its input, so a password sent as a list would land in the log). The exception's type
    and the traceback's frames stay: they say where it failed."""

    MESSAGE = "unexpected failure in an API route (details withheld: they may quote " \
              "request values)"

    def filter(self, record: logging.LogRecord) -> bool:
        if record.exc_info and record.exc_info[1] is not None:
            exc = record.exc_info[1]
            record.error_type = type(exc).__name__
            record.frames = "".join(traceback.format_tb(exc.__traceback__))
        record.exc_info = record.exc_text = None
        record.stack_info = None
        record.msg, record.args = self.MESSAGE, ()
        return True


def api_logger() -> logging.Logger:
    """The logger of the HTTP API's unexpected failures (Chalice's ``app.log`` and the pool
    API's): every record passes :class:`WithoutRequestValues`."""
    log = logging.getLogger(f"{SERVICE}.api")
    if not any(isinstance(f, WithoutRequestValues) for f in log.filters):
        log.addFilter(WithoutRequestValues())
    return log


@lru_cache(maxsize=1)
def metrics() -> Metrics:
    """The process-wide EMF metrics recorder (flushed by the batch runner)."""
    from aws_lambda_powertools import Metrics

    from chalicelib.config import get_settings

    return Metrics(namespace=get_settings().metrics_namespace, service=SERVICE)


def count(name: str, value: float = 1) -> None:
    """Add to a count metric."""
    from aws_lambda_powertools.metrics import MetricUnit

    metrics().add_metric(name=name, unit=MetricUnit.Count, value=value)


def flush_metrics() -> None:
    """Write the buffered metrics as one EMF blob (no-op when nothing was recorded)."""
    m = metrics()
    if not m.metric_set:
        return
    from chalicelib.config import get_settings

    log_file = get_settings().log_file
    if log_file:  # locally, keep the terminal for the stack's own summary
        import json

        with open(log_file, "a", encoding="utf-8") as handle:
            handle.write(json.dumps(m.serialize_metric_set()) + "\n")
        m.clear_metrics()
    else:
        m.flush_metrics()
