"""The submission step: a READY submission's records go to BioSamples, through SQS.

``start_submission`` (the API) plans batches in dependency order (parents, children,
samples) and queues one message per batch, plus one that re-sends records changed since
they were accessioned. The submit function runs each batch with the service
(``service.py``): POST without relationships, store each accession at once (conditional),
then PUT relationships when both ends have accessions. Records still waiting for a target
are retried by a delayed continuation message; an outage of BioSamples fails the message
so SQS retries it (and, after five, keeps it in the dead-letter queue for operators).
When no record is left to send, the submission becomes COMPLETED (or ERROR, naming the
records BioSamples refused) and the team is told.
"""

from __future__ import annotations

import time
from typing import Any

from chalicelib.config import get_settings
from chalicelib.messages import BadMessage, StepMessage
from chalicelib.observability import count, logger

#: Continuations of a batch waiting for relationship targets, before giving up.
MAX_ATTEMPTS = 20
#: The withdrawn records' release date (BioSamples has no delete).
WITHDRAW_UNTIL_YEAR = 3000
ALREADY_SUBMITTING = "this submission is already being submitted to BioSamples: follow " \
                     "its progress"


class SubmitRefused(Exception):
    """A submission that cannot start now: ``status`` for the API, message for people."""

    def __init__(self, status: int, message: str) -> None:
        super().__init__(message)
        self.status = status
        self.message = message


def _client(store: Any, ref: Any) -> Any:
    from chalicelib.submit.biosamples_client import BioSamplesClient

    settings = get_settings()
    creds = store.credentials(ref)
    return BioSamplesClient(settings.biosamples_url, settings.webin_auth_url, creds.username,
                            creds.password, repost_if_not_found=False, pool_size=32)


def start_submission(team_id: str, submission_id: str, who: str) -> dict[str, Any]:
    """Queue a READY submission for BioSamples; returns what was queued."""
    from chalicelib.queues import send_step
    from chalicelib.submit.ports import SubmissionRef
    from chalicelib.submit.service import plan
    from chalicelib.uid import repository
    from chalicelib.uid.status import SubmissionStatus
    from chalicelib.uid.submission_store import DynamoSubmissionStore

    sub = repository.get_submission(team_id, submission_id)
    if sub is None:
        raise SubmitRefused(404, f"no submission {submission_id} in team {team_id}")
    if sub.status == SubmissionStatus.SUBMITTED.value:
        raise SubmitRefused(409, ALREADY_SUBMITTING)
    if sub.status != SubmissionStatus.READY.value:
        raise SubmitRefused(409, f"only a READY submission can be submitted; this one is "
                                 f"{sub.status}: fix its errors and validate it first")
    store = DynamoSubmissionStore()
    ref = SubmissionRef(team_id, submission_id)
    try:
        store.credentials(ref)
    except LookupError:
        raise SubmitRefused(409, "the team has no BioSamples (Webin) account yet: a team "
                                 "admin sets it under the team's settings") from None
    batches = plan(store, ref)
    total = sum(len(b) for b in batches)
    try:  # a claim: of concurrent calls, only the first moves it and queues the records
        repository.set_status(team_id, submission_id, SubmissionStatus.SUBMITTED,
                              f"Sending {total} records to BioSamples",
                              only_from=SubmissionStatus.READY)
    except repository.StatusChanged:
        raise SubmitRefused(409, ALREADY_SUBMITTING) from None
    for number, keys in enumerate(batches):
        send_step(StepMessage("submit", team_id, submission_id,
                              {"keys": keys, "batch": number, "attempt": 0}), "submission")
    send_step(StepMessage("update", team_id, submission_id), "submission")
    count("SubmissionsStarted")
    return {"queued_records": total, "batches": len(batches), "by": who}


def request_withdrawal(team_id: str, submission_id: str, record_ids: list[str]) -> None:
    """Queue making records private (only the submit function holds the credentials)."""
    from chalicelib.queues import send_step

    send_step(StepMessage("withdraw", team_id, submission_id, {"keys": record_ids}),
              "submission")


def handle_submission_message(message_id: str, body: str) -> None:
    """Process one message of the submission queue."""
    message = StepMessage.from_json(body)
    logger().append_keys(submission_id=message.submission_id, team_id=message.team_id)
    handlers = {"submit": _submit_batch, "update": _update_changed, "withdraw": _withdraw}
    handler = handlers.get(message.step)
    if handler is None:
        raise BadMessage(f"unknown submission step {message.step!r}")
    handler(message)


def _submit_batch(message: StepMessage) -> None:
    from chalicelib.queues import send_step_later
    from chalicelib.submit.ports import SubmissionRef
    from chalicelib.submit.service import submit_batch
    from chalicelib.uid.submission_store import DynamoSubmissionStore

    keys = message.params.get("keys")
    if not isinstance(keys, list) or not all(isinstance(k, str) for k in keys):
        raise BadMessage("a submit message needs a list of record keys")
    attempt = int(message.params.get("attempt", 0))
    store = DynamoSubmissionStore()
    ref = SubmissionRef(message.team_id, message.submission_id)
    outcome = submit_batch(store, _client(store, ref), ref, keys)
    count("RecordsAccessioned", len(outcome.created) + len(outcome.adopted))
    count("RecordsRejected", len(outcome.errors))
    waiting = list(dict.fromkeys(outcome.pending + outcome.busy))
    if waiting:
        if attempt + 1 >= MAX_ATTEMPTS:
            for key in outcome.pending:
                store.mark_error(ref, key, "its parents or animal never got an accession: "
                                           "check them, then submit again")
        else:
            send_step_later(StepMessage("submit", message.team_id, message.submission_id,
                                        {"keys": waiting, "batch": message.params.get("batch"),
                                         "attempt": attempt + 1}),
                            "submission", delay_seconds=min(5 * (attempt + 1), 900))
    _finish_if_done(store, ref)


def _update_changed(message: StepMessage) -> None:
    from chalicelib.submit.ports import SubmissionRef
    from chalicelib.submit.service import update_changed
    from chalicelib.uid.submission_store import DynamoSubmissionStore

    store = DynamoSubmissionStore()
    ref = SubmissionRef(message.team_id, message.submission_id)
    outcome = update_changed(store, _client(store, ref), ref)
    count("RecordsUpdated", len(outcome.updated))
    _finish_if_done(store, ref)


def _withdraw(message: StepMessage) -> None:
    from datetime import UTC, datetime

    from chalicelib.submit.ports import SubmissionRef
    from chalicelib.submit.service import withdraw
    from chalicelib.uid.submission_store import DynamoSubmissionStore

    keys = message.params.get("keys")
    if not isinstance(keys, list) or not keys:
        raise BadMessage("a withdraw message needs record keys")
    store = DynamoSubmissionStore()
    ref = SubmissionRef(message.team_id, message.submission_id)
    withdraw(store, _client(store, ref), ref, keys,
             until=datetime(WITHDRAW_UNTIL_YEAR, 1, 1, tzinfo=UTC))
    count("RecordsWithdrawn", len(keys))


def _finish_if_done(store: Any, ref: Any) -> None:
    """When nothing is left to send: COMPLETED, or ERROR naming the refused records."""
    from chalicelib.notify.publisher import publish
    from chalicelib.uid import repository
    from chalicelib.uid.status import SubmissionStatus

    progress = store.progress(ref)
    if not progress.finished:
        return
    sub = repository.get_submission(ref.team_id, ref.submission_id)
    if sub is None or sub.status != SubmissionStatus.SUBMITTED.value:
        return  # another batch finished it first
    if progress.errors:
        status, event = SubmissionStatus.ERROR, "submission_failed"
        text = (f"{progress.done} of {progress.total} records are in BioSamples; "
                f"{progress.errors} were refused: see each record's message, fix, and "
                "submit again")
    else:
        status, event = SubmissionStatus.COMPLETED, "submission_completed"
        text = f"All {progress.done} records are in BioSamples, with accessions"
    repository.set_status(ref.team_id, ref.submission_id, status, text,
                          counts={"accessioned": progress.done, "refused": progress.errors})
    publish(event, team_id=ref.team_id, submission_id=ref.submission_id,
            subject=f"Submission to BioSamples {'completed' if not progress.errors else 'failed'}",
            text=text, details={"done": progress.done, "total": progress.total,
                                "errors": progress.errors,
                                "link": f"/workspace/submissions/{ref.submission_id}"})
    logger().info("submission finished", extra={"status": status.value,
                                                "at": time.time()})
