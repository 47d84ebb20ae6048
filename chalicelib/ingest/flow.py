"""The ingest step: an uploaded file becomes records in the UID.

S3 puts ``uploads/<team>/<submission>/<file>``; the notification reaches the ingest queue;
this flow reads the file with the parser of its format and stores the records. A file that
cannot be read leaves the earlier records exactly as they were and the submission in
ERROR with located problems; a readable one goes on to validation.
"""

from __future__ import annotations

import re
import tempfile
from pathlib import Path

from chalicelib.aws import client
from chalicelib.config import get_settings
from chalicelib.messages import BadMessage, StepMessage, UploadedObject, uploaded_objects
from chalicelib.observability import count, logger
from chalicelib.records import Level, ParseResult, Problem
from chalicelib.uid.status import SubmissionStatus

UPLOAD_KEY = re.compile(
    r"^uploads/(?P<team>[A-Za-z0-9][A-Za-z0-9_-]{0,63})/"
    r"(?P<submission>[A-Za-z0-9][A-Za-z0-9_-]{0,63})/(?P<file>[^/]{1,255})$"
)


def handle_upload_message(message_id: str, body: str) -> None:
    """Process one SQS message carrying an S3 event notification."""
    for obj in uploaded_objects(body):
        ingest_object(obj)


def ingest_object(obj: UploadedObject) -> None:
    """Read one uploaded object into its submission."""
    from chalicelib.uid import repository

    log = logger()
    match = UPLOAD_KEY.match(obj.key)
    if match is None:
        log.warning("object outside uploads/<team>/<submission>/<file> ignored",
                    extra={"key": obj.key})
        count("UploadsIgnored")
        return
    team_id, submission_id, file_name = match["team"], match["submission"], match["file"]
    log.append_keys(submission_id=submission_id, team_id=team_id)
    settings = get_settings()
    if obj.bucket != settings.name("uploads_bucket"):
        raise BadMessage(f"event from unexpected bucket {obj.bucket!r}")
    if not repository.begin_processing(team_id, submission_id, key=obj.key,
                                       file_name=file_name, size=obj.size, etag=obj.etag):
        log.info("upload already processed; duplicate delivery ignored")
        count("UploadsDuplicate")
        return

    if obj.size > settings.max_upload_bytes:
        _fail(team_id, submission_id, file_name, [Problem(
            file=file_name,
            message=(f"the file is {obj.size:,} bytes; the limit is "
                     f"{settings.max_upload_bytes:,} bytes. Split it into smaller files."),
            code="file_too_large")])
        return

    from chalicelib.ingest import UnreadableFile, parse_file

    with tempfile.TemporaryDirectory(prefix="ingest-") as tmp:
        # Keep the extension: readers such as openpyxl check it.
        local = Path(tmp) / ("upload" + Path(file_name).suffix.lower())
        client("s3").download_file(obj.bucket, obj.key, str(local))
        try:
            result = parse_file(local, display_name=file_name)
        except UnreadableFile as exc:
            _fail(team_id, submission_id, file_name, list(exc.problems))
            return
        except Exception:  # a parser bug must not leave the submission PROCESSING
            log.exception("parser crashed")
            _fail(team_id, submission_id, file_name, [Problem(
                file=file_name, code="internal_error",
                message=("the file could not be read because of an error on our side; "
                         "the operators have been told. Your earlier data is unchanged."))])
            return
    _load(team_id, submission_id, file_name, result)


def _fail(team_id: str, submission_id: str, file_name: str, problems: list[Problem]) -> None:
    from chalicelib.notify.publisher import publish
    from chalicelib.uid import repository

    first = problems[0].message if problems else "the file could not be read"
    message = f"{file_name} could not be loaded: {first}"
    repository.finish_processing(team_id, submission_id, SubmissionStatus.ERROR, message,
                                 problems=problems)
    count("UploadsFailed")
    publish("upload_failed", team_id=team_id, submission_id=submission_id,
            subject=f"Upload failed: {file_name}", text=message,
            details={"problems": [p.to_dict() for p in problems[:20]]})


def _load(team_id: str, submission_id: str, file_name: str, result: ParseResult) -> None:
    from chalicelib.notify.publisher import publish
    from chalicelib.queues import send_step
    from chalicelib.uid import repository

    errors = [p for p in result.problems if p.level is Level.ERROR]
    too_large = [Problem(file=file_name, message=(
        f"record {r.id} is too large to store ({repository.MAX_RECORD_BYTES:,} bytes at "
        "most); shorten its longest values"), code="record_too_large")
        for r in result.records if repository.record_too_large(r)]
    if errors or too_large:
        _fail(team_id, submission_id, file_name, too_large + errors + [
            p for p in result.problems if p.level is not Level.ERROR])
        return
    outcome = repository.store_records(team_id, submission_id, result.records)
    animals = sum(1 for r in result.records if r.material.value == "organism")
    counts = {"animals": animals, "samples": len(result.records) - animals,
              "skipped": len(result.skipped), **outcome.as_counts()}
    message = (f"{file_name}: {counts['animals']} animals and {counts['samples']} samples "
               f"loaded ({outcome.added} new, {outcome.changed} changed, "
               f"{outcome.unchanged} unchanged, {outcome.removed} removed"
               + (f"; {len(result.skipped)} rows skipped" if result.skipped else "") + ")")
    repository.finish_processing(team_id, submission_id, SubmissionStatus.LOADED, message,
                                 problems=[*result.problems, *result.skipped], counts=counts)
    count("UploadsLoaded")
    count("RecordsLoaded", len(result.records))
    send_step(StepMessage("validate", team_id, submission_id), "validation")
    publish("upload_loaded", team_id=team_id, submission_id=submission_id,
            subject=f"Upload processed: {file_name}", text=message, details=counts)

