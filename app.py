"""IMAGE Pool: the Chalice app, its HTTP routes and event handlers.

Thin on purpose: each handler parses its event, calls one function in ``chalicelib`` and
shapes the answer. Heavy libraries (boto3, pynamodb) are imported inside those functions
so that the API's cold start stays fast (``make bench`` measures it).
"""

from __future__ import annotations

from typing import Any

from chalice import BadRequestError, Chalice, CORSConfig, Response
from chalice.app import CloudWatchEvent, SQSEvent

from chalicelib.api.accounts import accounts_api
from chalicelib.api.operations import operations_api
from chalicelib.api.pool import pool_api
from chalicelib.api.records import XLSX, records_api
from chalicelib.api.submissions import submissions_api
from chalicelib.api.teams import teams_api
from chalicelib.auth.access import Access, Principal, bind_request_source, protected, public
from chalicelib.config import get_settings
from chalicelib.observability import api_logger

# configure_logs=False: the structured Powertools logger is the only log handler. Chalice
# logs a route's unexpected exception on app.log: that logger withholds request values.
app = Chalice(app_name="imagepool", configure_logs=False)
app.log = api_logger()
app.api.cors = CORSConfig(allow_origin="*", allow_headers=["Authorization", "Content-Type"],
                          max_age=600)

_settings = get_settings()


# --------------------------------------------------------------------------- HTTP API
# Routes live in one blueprint per area (chalicelib/api/); each declares who may call it
# (chalicelib/auth/access.py) and the access layer checks the token itself.
bind_request_source(lambda: app.current_request)
app.register_blueprint(accounts_api)
app.register_blueprint(teams_api)
app.register_blueprint(submissions_api)
app.register_blueprint(records_api)
app.register_blueprint(pool_api)
app.register_blueprint(operations_api)
app.api.binary_types.append(XLSX)


@app.route("/harvest", methods=["POST"])
@protected(Access.SITE_ADMIN)
def harvest_now(principal: Principal) -> Response:
    """An operator starts a harvest now (``{"mode": "full"}`` or incremental)."""
    from chalicelib.api.common import json_body
    from chalicelib.harvest.flow import start_harvest

    mode = json_body(app.current_request).get("mode", "incremental")
    if mode not in ("full", "incremental"):
        raise BadRequestError("mode must be full or incremental")
    return Response(start_harvest(mode=mode, trigger=f"operator {principal.email}"),
                    status_code=202)


@app.route("/health", methods=["GET"])
@public
def health() -> Response:
    """Readiness: 200 when every service the API needs answers, else 503 naming them."""
    from chalicelib.health import readiness

    found = readiness()
    body = {"status": "ok" if found["ready"] else "unavailable",
            "stage": get_settings().stage, "checks": found["checks"]}
    if not found["ready"]:
        down = [name for name, state in found["checks"].items() if state != "ok"]
        body["message"] = f"not ready: {', '.join(down)} not answering"
    return Response(body, status_code=200 if found["ready"] else 503)


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


@app.on_sqs_message(queue=_settings.queue_name("notify"), batch_size=10)
def notify_users(event: SQSEvent) -> dict[str, Any]:
    """Pipeline events (SNS → SQS) to the people concerned: in-app list and email."""
    from chalicelib.batch import process_sqs_batch
    from chalicelib.notify.delivery import handle_notify_message

    return process_sqs_batch(event.to_dict(), handle_notify_message, event.context)


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
