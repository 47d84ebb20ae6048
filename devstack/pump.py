"""The local event pump: what Lambda's event source mappings and EventBridge do on AWS.

moto cannot run Lambda functions (no Docker), so the local stack delivers events to the
handlers itself. The wiring is read from the Chalice app (``app.event_sources``), the
same declarations that ``chalice package`` turns into event source mappings, so nothing
is listed twice. For each SQS source the pump long-polls the queue on the moto server,
builds the Lambda SQS event (distinct message ids, receive counts, ARNs), calls the
handler, deletes the messages that succeeded and leaves the ``batchItemFailures`` to come
back, so moto's redrive policy moves poison messages to the dead-letter queue after
``maxReceiveCount`` receives. Schedules (``rate(...)``) fire on their period.
"""

from __future__ import annotations

import hashlib
import re
import threading
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from chalice.app import ScheduledEventConfig, ScheduleExpression, SQSEventConfig
from chalice.local import LambdaContext

from chalicelib.config import Settings

ACCOUNT_ID = "123456789012"
Handler = Callable[[dict[str, Any], Any], Any]

_RATE = re.compile(r"^rate\((\d+) (minute|minutes|hour|hours|day|days)\)$")
_UNIT_SECONDS = {"minute": 60, "hour": 3600, "day": 86400}


def rate_seconds(expression: str | ScheduleExpression) -> float:
    """Seconds between firings of a ``rate(N unit)`` expression."""
    text = expression if isinstance(expression, str) else expression.to_string()
    match = _RATE.match(text.strip())
    if match is None:
        raise ValueError(f"the local pump runs rate(...) schedules only, not {text!r}")
    return int(match[1]) * _UNIT_SECONDS[match[2].rstrip("s")]


@dataclass
class QueueSource:
    """One SQS event source: the queue and the handler it feeds."""

    function: str
    queue: str
    batch_size: int
    handler: Handler
    url: str = ""
    arn: str = ""


@dataclass
class ScheduleSource:
    """One scheduled handler and its period."""

    function: str
    period: float
    handler: Handler
    rule: str = ""


@dataclass
class PumpStats:
    """What the pump delivered, for the tests and the status page."""

    delivered: int = 0
    succeeded: int = 0
    failed: int = 0
    invocations: int = 0
    scheduled: int = 0
    errors: list[str] = field(default_factory=list)


def discover(app: Any, module: Any) -> tuple[list[QueueSource], list[ScheduleSource]]:
    """The app's SQS and schedule event sources, with their handler callables."""
    queues: list[QueueSource] = []
    schedules: list[ScheduleSource] = []
    for source in app.event_sources:
        handler = getattr(module, source.handler_string.split(".")[-1])
        if isinstance(source, SQSEventConfig):
            if not source.queue:
                raise ValueError(f"{source.name}: only queues given by name are pumped")
            queues.append(QueueSource(source.name, source.queue,
                                      min(int(source.batch_size), 10), handler))
        elif isinstance(source, ScheduledEventConfig):
            schedules.append(ScheduleSource(source.name,
                                            rate_seconds(source.schedule_expression),
                                            handler))
        else:
            raise ValueError(f"{source.name}: event source {type(source).__name__} "
                             "is not pumped locally")
    return queues, schedules


def _lambda_attributes(attrs: dict[str, Any]) -> dict[str, Any]:
    keep = ("ApproximateReceiveCount", "SentTimestamp", "SenderId",
            "ApproximateFirstReceiveTimestamp")
    return {k: str(attrs[k]) for k in keep if k in attrs}


def _lambda_message_attributes(attrs: dict[str, Any]) -> dict[str, Any]:
    out = {}
    for name, value in attrs.items():
        out[name] = {"dataType": value.get("DataType", "String"),
                     "stringValue": value.get("StringValue"),
                     "binaryValue": value.get("BinaryValue"),
                     "stringListValues": [], "binaryListValues": []}
    return out


def sqs_event(messages: list[dict[str, Any]], arn: str, region: str) -> dict[str, Any]:
    """The event Lambda gives an SQS-triggered function for these received messages."""
    return {"Records": [{
        "messageId": m["MessageId"],
        "receiptHandle": m["ReceiptHandle"],
        "body": m["Body"],
        "attributes": _lambda_attributes(m.get("Attributes", {})),
        "messageAttributes": _lambda_message_attributes(m.get("MessageAttributes", {})),
        "md5OfBody": m.get("MD5OfBody") or hashlib.md5(m["Body"].encode()).hexdigest(),
        "eventSource": "aws:sqs",
        "eventSourceARN": arn,
        "awsRegion": region,
    } for m in messages]}


def scheduled_event(rule_arn: str, region: str) -> dict[str, Any]:
    """The event EventBridge gives a scheduled function."""
    return {"version": "0", "id": str(uuid.uuid4()), "detail-type": "Scheduled Event",
            "source": "aws.events", "account": ACCOUNT_ID,
            "time": datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ"), "region": region,
            "resources": [rule_arn], "detail": {}}


class EventPump:
    """Delivers queue messages and schedules to the app's handlers until stopped."""

    def __init__(self, app: Any, module: Any, sqs: Any, settings: Settings, *,
                 wait_seconds: int = 1, retry_after_seconds: int = 2,
                 log: Callable[[str], None] | None = None) -> None:
        self.sqs = sqs
        self.settings = settings
        self.wait_seconds = wait_seconds
        self.retry_after_seconds = retry_after_seconds
        self.queues, self.schedules = discover(app, module)
        for source in self.queues:
            source.url = sqs.get_queue_url(QueueName=source.queue)["QueueUrl"]
            source.arn = f"arn:aws:sqs:{settings.region}:{ACCOUNT_ID}:{source.queue}"
        for sched in self.schedules:
            sched.rule = (f"arn:aws:events:{settings.region}:{ACCOUNT_ID}:rule/"
                          f"{settings.prefix}-{sched.function}")
        self.stats = PumpStats()
        self._stop = threading.Event()
        self._threads: list[threading.Thread] = []
        self._lock = threading.Lock()
        self._busy = 0
        self._log = log or (lambda _msg: None)

    # -------------------------------------------------------------------- delivery
    def poll_once(self, source: QueueSource, wait_seconds: int | None = None) -> int:
        """Receive one batch from a queue and deliver it; returns messages delivered."""
        answer = self.sqs.receive_message(
            QueueUrl=source.url, MaxNumberOfMessages=source.batch_size,
            WaitTimeSeconds=self.wait_seconds if wait_seconds is None else wait_seconds,
            AttributeNames=["All"], MessageAttributeNames=["All"])
        messages = answer.get("Messages", [])
        if not messages:
            return 0
        with self._lock:
            self._busy += 1
        try:
            self._deliver(source, messages)
        finally:
            with self._lock:
                self._busy -= 1
        return len(messages)

    def _deliver(self, source: QueueSource, messages: list[dict[str, Any]]) -> None:
        event = sqs_event(messages, source.arn, self.settings.region)
        context = LambdaContext(source.function, memory_size=1024, max_runtime_ms=900_000)
        failed_ids: set[str]
        try:
            response = source.handler(event, context)
            failures = (response or {}).get("batchItemFailures", []) \
                if isinstance(response, dict) else []
            failed_ids = {f["itemIdentifier"] for f in failures}
        except Exception as exc:  # an unhandled error fails the whole batch, as on AWS
            failed_ids = {m["MessageId"] for m in messages}
            self._record_error(f"{source.function}: {type(exc).__name__}: {exc}")
        done = [m for m in messages if m["MessageId"] not in failed_ids]
        if done:
            self.sqs.delete_message_batch(QueueUrl=source.url, Entries=[
                {"Id": str(i), "ReceiptHandle": m["ReceiptHandle"]}
                for i, m in enumerate(done)])
        for m in messages:
            if m["MessageId"] in failed_ids:
                # Locally, retry after seconds rather than the queue's long visibility
                # timeout; the receive count still grows towards the dead-letter queue.
                self.sqs.change_message_visibility(
                    QueueUrl=source.url, ReceiptHandle=m["ReceiptHandle"],
                    VisibilityTimeout=self.retry_after_seconds)
        with self._lock:
            self.stats.invocations += 1
            self.stats.delivered += len(messages)
            self.stats.succeeded += len(done)
            self.stats.failed += len(messages) - len(done)
        if len(done) < len(messages):
            self._log(f"{source.function}: {len(messages) - len(done)} of {len(messages)} "
                      "message(s) failed; they come back, then go to the dead-letter queue "
                      "(details in handlers.log)")

    def fire(self, function: str) -> Any:
        """Run one scheduled handler now."""
        for sched in self.schedules:
            if sched.function == function:
                context = LambdaContext(function, memory_size=512, max_runtime_ms=30_000)
                result = sched.handler(scheduled_event(sched.rule, self.settings.region),
                                       context)
                with self._lock:
                    self.stats.scheduled += 1
                return result
        raise KeyError(f"no scheduled function {function!r}")

    def _record_error(self, text: str) -> None:
        with self._lock:
            self.stats.errors.append(text)
            del self.stats.errors[:-100]
        self._log(f"error: {text}")

    # ------------------------------------------------------------------ lifecycle
    def start(self) -> None:
        """Start one polling thread per queue and one for the schedules."""
        for source in self.queues:
            thread = threading.Thread(target=self._poll_forever, args=(source,),
                                      name=f"pump-{source.function}", daemon=True)
            thread.start()
            self._threads.append(thread)
        if self.schedules:
            thread = threading.Thread(target=self._schedule_forever, name="pump-schedules",
                                      daemon=True)
            thread.start()
            self._threads.append(thread)

    def stop(self, timeout: float = 5) -> None:
        self._stop.set()
        for thread in self._threads:
            thread.join(timeout)

    def _poll_forever(self, source: QueueSource) -> None:
        while not self._stop.is_set():
            try:
                self.poll_once(source)
            except Exception as exc:  # the moto server went away, or a network hiccup
                self._record_error(f"polling {source.queue}: {exc}")
                self._stop.wait(1)

    def _schedule_forever(self) -> None:
        next_run = {s.function: time.monotonic() + s.period for s in self.schedules}
        while not self._stop.wait(0.5):
            now = time.monotonic()
            for sched in self.schedules:
                if now >= next_run[sched.function]:
                    next_run[sched.function] = now + sched.period
                    try:
                        self.fire(sched.function)
                    except Exception as exc:
                        self._record_error(f"{sched.function}: {exc}")

    def drain(self, timeout: float = 30) -> None:
        """Deliver until every queue is empty and nothing is in flight (tests, demo).

        Messages waiting out a retry delay count as not empty.
        """
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self._threads:
                time.sleep(0.2)
            else:
                for source in self.queues:
                    self.poll_once(source, wait_seconds=0)
            if self._idle():
                return
        raise TimeoutError(f"queues not drained after {timeout} s")

    def _idle(self) -> bool:
        with self._lock:
            if self._busy:
                return False
        for source in self.queues:
            attrs = self.sqs.get_queue_attributes(
                QueueUrl=source.url,
                AttributeNames=["ApproximateNumberOfMessages",
                                "ApproximateNumberOfMessagesNotVisible"])["Attributes"]
            if int(attrs["ApproximateNumberOfMessages"]) or \
                    int(attrs["ApproximateNumberOfMessagesNotVisible"]):
                return False
        return True
