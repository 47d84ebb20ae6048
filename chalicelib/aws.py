"""boto3 clients for the current stage, created once and reused.

The one place that builds boto3 clients, so that the endpoint (a moto server locally, the
real services on AWS) and region come from :mod:`chalicelib.config` everywhere. boto3 is
imported lazily: it costs ~150 ms and the API's cold start should not pay for it on routes
that never touch AWS.
"""

from __future__ import annotations

import logging
import threading
from typing import Any

from chalicelib.config import Settings, get_settings

_lock = threading.Lock()
_clients: dict[tuple[str, str | None, str], Any] = {}

# botocore's and urllib3's debug logs print whole request bodies, secrets included (a
# team's Webin password on its way to Secrets Manager), and pynamodb's every item: they
# never log below WARNING, whatever level the rest of the process runs at.
for _noisy in ("botocore", "boto3", "urllib3", "s3transfer", "pynamodb"):
    logging.getLogger(_noisy).setLevel(logging.WARNING)


#: The clients the work uses retry for up to a minute; a readiness probe asks once.
_WORK = {"retries": {"max_attempts": 5, "mode": "standard"}, "connect_timeout": 5,
         "read_timeout": 30}
_PROBE = {"retries": {"total_max_attempts": 1}, "connect_timeout": 2, "read_timeout": 2}


def _cached(name: str, service: str, settings: Settings, config: dict[str, Any]) -> Any:
    key = (name, settings.endpoint_url, settings.region)
    found = _clients.get(key)
    if found is not None:
        return found
    with _lock:
        found = _clients.get(key)
        if found is None:
            import boto3  # lazy: see module docstring
            from botocore.config import Config

            found = boto3.session.Session().client(
                service,  # type: ignore[call-overload]
                region_name=settings.region,
                endpoint_url=settings.endpoint_url,
                config=Config(**config),
            )
            _clients[key] = found
    return found


def client(service: str, settings: Settings | None = None) -> Any:
    """A boto3 client for ``service`` pointed at the stage's endpoint."""
    return _cached(service, service, settings or get_settings(), _WORK)


def probe_client(service: str, settings: Settings | None = None) -> Any:
    """A client for a readiness check: one attempt, two-second timeouts."""
    return _cached(f"probe:{service}", service, settings or get_settings(), _PROBE)


def queue_url(step: str, settings: Settings | None = None) -> str:
    """The URL of the queue that feeds a pipeline step, looked up once."""
    settings = settings or get_settings()
    key = ("queue-url:" + settings.queue_name(step), settings.endpoint_url, settings.region)
    url = _clients.get(key)
    if url is None:
        url = client("sqs", settings).get_queue_url(
            QueueName=settings.queue_name(step))["QueueUrl"]
        _clients[key] = url
    return str(url)


def reset_clients() -> None:
    """Forget every cached client (tests that restart the moto server call this)."""
    with _lock:
        _clients.clear()
