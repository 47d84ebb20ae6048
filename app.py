"""IMAGE Pool: the Chalice app, its HTTP routes and event handlers.

Thin on purpose: each handler parses its event, calls one function in ``chalicelib`` and
shapes the answer. Heavy libraries (boto3, pynamodb) are imported inside those functions
so that the API's cold start stays fast (``make bench`` measures it).
"""

from __future__ import annotations

from typing import Any

from chalice import Chalice, CORSConfig, NotFoundError, Response
from chalice.app import CloudWatchEvent, SQSEvent

from chalicelib.config import get_settings

# configure_logs=False: the structured Powertools logger is the only log handler.
app = Chalice(app_name="imagepool", configure_logs=False)
app.api.cors = CORSConfig(allow_origin="*", max_age=600)

_settings = get_settings()


# --------------------------------------------------------------------------- HTTP API
@app.route("/health", methods=["GET"])
def health() -> dict[str, Any]:
    """Liveness: the API answers and knows its stage."""
    return {"status": "ok", "stage": get_settings().stage}


@app.route("/teams/{team_id}/submissions/{submission_id}", methods=["GET"])
def get_submission(team_id: str, submission_id: str) -> dict[str, Any]:
    """A submission's status, file and counts."""
    from chalicelib.uid import repository

    found = repository.submission_view(team_id, submission_id)
    if found is None:
        raise NotFoundError(f"no submission {submission_id} in team {team_id}")
    return found


@app.route("/teams/{team_id}/submissions/{submission_id}/records", methods=["GET"])
def list_records(team_id: str, submission_id: str) -> Response:
    """The records of a submission, one page at a time (``?limit=&cursor=``)."""
    from chalicelib.uid import repository

    request = app.current_request
    params = dict((request.query_params if request is not None else None) or {})
    try:
        limit = min(max(int(params.get("limit", "100")), 1), 1000)
    except ValueError:
        return Response({"message": "limit must be a whole number from 1 to 1000"},
                        status_code=400)
    page = repository.records_page(team_id, submission_id, limit=limit,
                                   cursor=params.get("cursor"))
    if page is None:
        raise NotFoundError(f"no submission {submission_id} in team {team_id}")
    return Response(page, status_code=200)


# ----------------------------------------------------------------------- queue handlers
@app.on_sqs_message(queue=_settings.queue_name("ingest"), batch_size=1)
def ingest_upload(event: SQSEvent) -> dict[str, Any]:
    """S3 → SQS: read each uploaded file into the UID."""
    from chalicelib.batch import process_sqs_batch
    from chalicelib.ingest.flow import handle_upload_message

    return process_sqs_batch(event.to_dict(), handle_upload_message, event.context)


@app.on_sqs_message(queue=_settings.queue_name("validation"), batch_size=5)
def validate_submission(event: SQSEvent) -> dict[str, Any]:
    """Validate the records of a submission against the IMAGE standard."""
    from chalicelib.batch import process_sqs_batch
    from chalicelib.validate.flow import handle_validation_message

    return process_sqs_batch(event.to_dict(), handle_validation_message, event.context)


@app.on_sqs_message(queue=_settings.queue_name("submission"), batch_size=10)
def submit_records(event: SQSEvent) -> dict[str, Any]:
    """Send a batch of a submission's records to BioSamples."""
    from chalicelib.batch import process_sqs_batch
    from chalicelib.submit.flow import handle_submission_message

    return process_sqs_batch(event.to_dict(), handle_submission_message, event.context)


@app.on_sqs_message(queue=_settings.queue_name("harvest"), batch_size=1)
def harvest_pool(event: SQSEvent) -> dict[str, Any]:
    """Harvest IMAGE records from BioSamples into the pool, from a checkpoint."""
    from chalicelib.batch import process_sqs_batch
    from chalicelib.harvest.flow import handle_harvest_message

    return process_sqs_batch(event.to_dict(), handle_harvest_message, event.context)


@app.schedule("rate(1 day)")
def harvest_daily(event: CloudWatchEvent) -> dict[str, Any]:
    """Start the daily harvest: the work itself runs through the harvest queue."""
    from chalicelib.harvest.flow import start_harvest

    return start_harvest(mode="incremental", trigger=event.event_id)
