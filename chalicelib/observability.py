"""Structured JSON logs and EMF metrics (AWS Lambda Powertools), shared by every handler.

Logs carry a correlation id: the submission id when a message concerns one, so that one
submission's way through ingest, validation and submission reads as one story.
"""

from __future__ import annotations

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
