"""A team's submissions: create one with the facts files do not carry, get a presigned
upload URL, follow its status, read its records. Every route is keyed by the team in the
path, and the access layer has checked the caller belongs to it."""

from __future__ import annotations

import re
from typing import Any

from chalice import BadRequestError, Blueprint, NotFoundError, Response

from chalicelib.api.common import error, json_body, query_int, text_field
from chalicelib.auth.access import Access, Principal, protected

submissions_api = Blueprint(__name__)

#: Upload URLs are short-lived.
UPLOAD_URL_SECONDS = 900
_FILE_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._ ()+-]{0,199}$")
_EXTENSIONS = (".xlsx", ".csv", ".sql", ".json", ".txt")


def _request() -> Any:
    return submissions_api.current_request


def _params() -> dict[str, str]:
    request = _request()
    return dict((request.query_params if request is not None else None) or {})


def upload_target(team_id: str, submission_id: str, file_name: str) -> dict[str, Any]:
    """A presigned POST into ``uploads/<team>/<submission>/<file>``: only that key, at most
    the configured size, valid for 15 minutes."""
    from chalicelib.aws import client
    from chalicelib.config import get_settings

    if not _FILE_NAME.match(file_name) or not file_name.lower().endswith(_EXTENSIONS):
        raise BadRequestError(
            "file_name must be a plain file name (letters, digits, spaces, . _ - ( ) +) "
            f"ending in one of {', '.join(_EXTENSIONS)}")
    settings = get_settings()
    key = f"uploads/{team_id}/{submission_id}/{file_name}"
    post = client("s3").generate_presigned_post(
        Bucket=settings.name("uploads_bucket"), Key=key,
        Conditions=[["content-length-range", 1, settings.max_upload_bytes],
                    ["eq", "$key", key]],
        ExpiresIn=UPLOAD_URL_SECONDS)
    return {"method": "POST", "url": post["url"], "fields": post["fields"], "key": key,
            "max_bytes": settings.max_upload_bytes, "expires_in": UPLOAD_URL_SECONDS}


@submissions_api.route("/teams/{team_id}/submissions", methods=["POST"])
@protected(Access.MEMBER)
def create_submission(team_id: str, principal: Principal) -> Response:
    """Create a submission (status WAITING) and answer with where to upload its file."""
    from chalicelib import audit
    from chalicelib.uid import submissions

    body = json_body(_request(), ("title", "gene_bank_name", "gene_bank_country",
                                  "data_source_type", "data_source_version", "file_name"))
    try:
        facts = submissions.facts_from_request(body)
    except submissions.FactsError as exc:
        raise BadRequestError(str(exc)) from None
    file_name = text_field(body, "file_name")
    upload_target(team_id, "check", file_name)  # refuse a bad name before creating
    try:
        created = submissions.create(team_id, facts, principal.user_id)
    except submissions.DuplicateSubmission as exc:
        return error(409, "duplicate_submission", str(exc))
    audit.record(team_id, principal.user_id, principal.email, "submission_created",
                 created["submission_id"], title=facts.title)
    created["upload"] = upload_target(team_id, created["submission_id"], file_name)
    return Response(created, status_code=201)


@submissions_api.route("/teams/{team_id}/submissions", methods=["GET"])
@protected(Access.MEMBER)
def list_submissions(team_id: str, principal: Principal) -> dict[str, Any]:
    from chalicelib.uid import submissions

    return {"results": submissions.list_for_team(team_id)}


@submissions_api.route("/teams/{team_id}/submissions/{submission_id}", methods=["GET"])
@protected(Access.MEMBER)
def get_submission(team_id: str, submission_id: str, principal: Principal) -> dict[str, Any]:
    """A submission's status, facts, file, counts and last validation."""
    from chalicelib.uid import repository

    found = repository.submission_view(team_id, submission_id)
    if found is None:
        raise NotFoundError(f"no submission {submission_id} in team {team_id}")
    return found


@submissions_api.route("/teams/{team_id}/submissions/{submission_id}/upload",
                       methods=["POST"])
@protected(Access.MEMBER)
def new_upload(team_id: str, submission_id: str, principal: Principal) -> dict[str, Any]:
    """Where to upload a new version of the file (a reload)."""
    from chalicelib import audit
    from chalicelib.uid import repository
    from chalicelib.uid.status import BUSY, SubmissionStatus

    body = json_body(_request(), ("file_name",))
    sub = repository.get_submission(team_id, submission_id)
    if sub is None:
        raise NotFoundError(f"no submission {submission_id} in team {team_id}")
    if SubmissionStatus(sub.status) in BUSY:
        raise BadRequestError(f"the submission is {sub.status}: wait until it finishes")
    target = upload_target(team_id, submission_id, text_field(body, "file_name"))
    audit.record(team_id, principal.user_id, principal.email, "upload_requested",
                 submission_id, file=target["key"].rsplit("/", 1)[-1])
    return target


@submissions_api.route("/teams/{team_id}/submissions/{submission_id}/records",
                       methods=["GET"])
@protected(Access.MEMBER)
def list_records(team_id: str, submission_id: str, principal: Principal) -> Response:
    """The records of a submission, one page at a time (``?limit=&cursor=``)."""
    from chalicelib.uid import repository

    params = _params()
    limit = query_int(params, "limit", 100, 1, 1000)
    try:
        page = repository.records_page(team_id, submission_id, limit=limit,
                                       cursor=params.get("cursor"))
    except repository.BadCursor:
        raise BadRequestError("cursor is not one this list gave (use the 'next' of the "
                              "previous page, or leave it out to start again)") from None
    if page is None:
        raise NotFoundError(f"no submission {submission_id} in team {team_id}")
    return Response(page, status_code=200)
