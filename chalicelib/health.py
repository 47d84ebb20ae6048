"""Readiness: whether every service the API needs answers now (``GET /health``).

Each check touches one dependency (a read that changes nothing) with one attempt and a
two-second timeout, all at once; one that has not answered within :data:`CHECK_SECONDS`
counts as down. The answer names each check and says only "ok" or "unavailable": what
went wrong goes to the log, for operators.
"""

from __future__ import annotations

from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor, wait
from typing import Any

from chalicelib.config import get_settings

#: How long the whole check may take.
CHECK_SECONDS = 3.0


def _database() -> None:
    """DynamoDB: read an item that never exists."""
    from chalicelib.aws import probe_client

    probe_client("dynamodb").get_item(TableName=get_settings().name("users_table"),
                                      Key={"user_id": {"S": "health#probe"}})


def _queues() -> None:
    from chalicelib.aws import probe_client

    probe_client("sqs").get_queue_url(QueueName=get_settings().queue_name("ingest"))


def _uploads() -> None:
    from chalicelib.aws import probe_client

    probe_client("s3").head_bucket(Bucket=get_settings().name("uploads_bucket"))


def _accounts() -> None:
    """Cognito: the signing keys every token check needs."""
    import json
    import urllib.request

    with urllib.request.urlopen(get_settings().jwks_url, timeout=2) as answer:
        if not json.loads(answer.read()).get("keys"):
            raise LookupError("the user pool publishes no signing keys")


def _search() -> None:
    from chalicelib.search.factory import backend_from_settings

    backend_from_settings().current_index()


CHECKS: dict[str, Callable[[], None]] = {
    "database": _database, "queues": _queues, "uploads": _uploads, "accounts": _accounts,
    "search": _search}


def readiness(checks: dict[str, Callable[[], None]] | None = None) -> dict[str, Any]:
    """``{"ready": bool, "checks": {name: "ok" | "unavailable"}}``."""
    from chalicelib.observability import logger

    checks = checks or CHECKS
    pool = ThreadPoolExecutor(max_workers=len(checks), thread_name_prefix="health")
    futures = {name: pool.submit(check) for name, check in checks.items()}
    wait(futures.values(), timeout=CHECK_SECONDS)
    pool.shutdown(wait=False, cancel_futures=True)  # a hung check is not waited for
    results = {}
    for name, future in futures.items():
        answered = future.done() and not future.cancelled()
        if answered and future.exception() is None:
            results[name] = "ok"
            continue
        reason = type(future.exception()).__name__ if answered else "no answer"
        logger().warning("readiness check failed", extra={"check": name, "reason": reason})
        results[name] = "unavailable"
    return {"ready": all(v == "ok" for v in results.values()), "checks": results}
