"""A submission's records: read, edit, "fix this" across many, delete, export; the
proposed ontology mappings; the empty IMAGE Template. Every change records who and when
(record history and the team's audit log) and sends the submission back to validation."""

from __future__ import annotations

from typing import Any

from chalice import BadRequestError, Blueprint, NotFoundError, Response

from chalicelib.api.common import error, json_body, text_field
from chalicelib.auth.access import Access, Principal, protected, public

records_api = Blueprint(__name__)

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def _request() -> Any:
    return records_api.current_request


def _revalidate(team_id: str, submission_id: str) -> None:
    from chalicelib.messages import StepMessage
    from chalicelib.queues import send_step

    send_step(StepMessage("validate", team_id, submission_id), "validation")


def _refused(exc: Any) -> Response:
    return error(exc.status, "edit_refused", exc.message)


def _ids(body: dict[str, Any]) -> list[str]:
    ids = body.get("record_ids")
    if not isinstance(ids, list) or not ids or not all(isinstance(i, str) for i in ids):
        raise BadRequestError("record_ids must be a non-empty list of record ids")
    if len(ids) > 10_000:
        raise BadRequestError("at most 10,000 records at once")
    return ids


@records_api.route("/teams/{team_id}/submissions/{submission_id}/records/{record_id}",
                   methods=["GET"])
@protected(Access.MEMBER)
def get_record(team_id: str, submission_id: str, record_id: str,
               principal: Principal) -> dict[str, Any]:
    from chalicelib.uid import repository

    if repository.get_submission(team_id, submission_id) is None:
        raise NotFoundError(f"no submission {submission_id} in team {team_id}")
    item = repository.get_record(submission_id, record_id)
    if item is None or item.team_id != team_id:
        raise NotFoundError(f"no record {record_id} in this submission")
    return repository.record_view(item)


@records_api.route("/teams/{team_id}/submissions/{submission_id}/records/{record_id}",
                   methods=["PATCH"])
@protected(Access.MEMBER)
def edit_record(team_id: str, submission_id: str, record_id: str,
                principal: Principal) -> Response:
    """``{"attributes": {"Sex": [{"value": "female"}], "Birth date": null}, "version": 3}``"""
    from chalicelib import audit
    from chalicelib.uid import repository

    body = json_body(_request(), ("attributes",))
    patch = body["attributes"]
    if not isinstance(patch, dict) or not patch:
        raise BadRequestError("attributes must map attribute names to a list of values "
                              "or null")
    version = body.get("version")
    if version is not None and not isinstance(version, int):
        raise BadRequestError("version must be a whole number")
    try:
        item = repository.edit_record(team_id, submission_id, record_id, patch,
                                      principal.email or principal.user_id, version)
    except repository.EditRefused as exc:
        return _refused(exc)
    audit.record(team_id, principal.user_id, principal.email, "record_edited",
                 submission_id, record=record_id, fields=sorted(patch))
    _revalidate(team_id, submission_id)
    return Response(repository.record_view(item))


@records_api.route("/teams/{team_id}/submissions/{submission_id}/records/{record_id}",
                   methods=["DELETE"])
@protected(Access.MEMBER)
def delete_record(team_id: str, submission_id: str, record_id: str,
                  principal: Principal) -> Response:
    return _delete(team_id, submission_id, [record_id], principal)


@records_api.route("/teams/{team_id}/submissions/{submission_id}/records/delete",
                   methods=["POST"])
@protected(Access.MEMBER)
def delete_records(team_id: str, submission_id: str, principal: Principal) -> Response:
    return _delete(team_id, submission_id, _ids(json_body(_request())), principal)


def _delete(team_id: str, submission_id: str, ids: list[str],
            principal: Principal) -> Response:
    from chalicelib import audit
    from chalicelib.uid import repository

    try:
        done = repository.delete_records(team_id, submission_id, ids,
                                         principal.email or principal.user_id)
    except repository.EditRefused as exc:
        return _refused(exc)
    if done == 0:
        raise NotFoundError("none of these records is in this submission")
    audit.record(team_id, principal.user_id, principal.email, "records_deleted",
                 submission_id, count=done)
    _revalidate(team_id, submission_id)
    return Response({"deleted": done})


@records_api.route("/teams/{team_id}/submissions/{submission_id}/fix", methods=["POST"])
@protected(Access.MEMBER)
def fix_this(team_id: str, submission_id: str, principal: Principal) -> Response:
    """"Fix this": ``{"field", "value", "units"?, "terms"?, "record_ids": [...]}``."""
    from chalicelib import audit
    from chalicelib.uid import repository

    body = json_body(_request(), ("field", "value"))
    field = text_field(body, "field")
    value: dict[str, Any] = {"value": text_field(body, "value", 2000)}
    if body.get("units"):
        value["units"] = text_field(body, "units", 50)
    if body.get("terms"):
        if not isinstance(body["terms"], list):
            raise BadRequestError("terms must be a list of term ids")
        value["terms"] = [str(t) for t in body["terms"]]
    try:
        count = repository.fix_field(team_id, submission_id, field, value, _ids(body),
                                     principal.email or principal.user_id)
    except repository.EditRefused as exc:
        return _refused(exc)
    audit.record(team_id, principal.user_id, principal.email, "records_fixed",
                 submission_id, field=field, count=count)
    _revalidate(team_id, submission_id)
    return Response({"updated": count})


@records_api.route("/teams/{team_id}/submissions/{submission_id}/validate",
                   methods=["POST"])
@protected(Access.MEMBER)
def validate(team_id: str, submission_id: str, principal: Principal) -> Response:
    from chalicelib.uid import repository

    try:
        repository.editable(team_id, submission_id)
    except repository.EditRefused as exc:
        return _refused(exc)
    _revalidate(team_id, submission_id)
    return Response({"queued": True}, status_code=202)


@records_api.route("/teams/{team_id}/submissions/{submission_id}/export", methods=["GET"])
@protected(Access.MEMBER)
def export(team_id: str, submission_id: str, principal: Principal) -> Response:
    """The submission's records as the project's JSON or as an IMAGE Template workbook."""
    from chalicelib.ingest.export import to_json, to_template_xlsx
    from chalicelib.uid import repository

    request = _request()
    params = dict((request.query_params if request is not None else None) or {})
    kind = params.get("format", "json")
    if kind not in ("json", "xlsx"):
        raise BadRequestError("format must be json or xlsx")
    if repository.get_submission(team_id, submission_id) is None:
        raise NotFoundError(f"no submission {submission_id} in team {team_id}")
    records = list(repository.iter_records(submission_id))
    if kind == "json":
        return Response(to_json(records).decode("utf-8"), headers={
            "Content-Type": "application/json",
            "Content-Disposition": f'attachment; filename="{submission_id}.json"'})
    return Response(to_template_xlsx(records), headers={
        "Content-Type": XLSX,
        "Content-Disposition": f'attachment; filename="{submission_id}.xlsx"'})


@records_api.route("/template.xlsx", methods=["GET"])
@public
def empty_template() -> Response:
    """The empty IMAGE Template, generated from the ruleset, with drop-down lists."""
    from chalicelib.ingest.template_file import empty_template as build
    from chalicelib.validate import load_default_ruleset

    return Response(build(load_default_ruleset()), headers={
        "Content-Type": XLSX,
        "Content-Disposition": 'attachment; filename="IMAGE_sample_empty_template.xlsx"'})


@records_api.route("/teams/{team_id}/submissions/{submission_id}/mappings",
                   methods=["GET"])
@protected(Access.MEMBER)
def mappings(team_id: str, submission_id: str, principal: Principal) -> dict[str, Any]:
    """Free text the last validation could not map with certainty, with proposals."""
    from chalicelib.uid import repository

    sub = repository.get_submission(team_id, submission_id)
    if sub is None:
        raise NotFoundError(f"no submission {submission_id} in team {team_id}")
    return {"results": sub.mappings or []}


@records_api.route("/teams/{team_id}/mappings", methods=["POST"])
@protected(Access.MEMBER)
def decide_mapping(team_id: str, principal: Principal) -> Response:
    """Confirm ``{"kind", "text", "term"}`` or reject (``"term": null``) a proposal; the
    team's next validations use the decision."""
    from chalicelib import audit
    from chalicelib.uid.mappings import remember

    body = json_body(_request(), ("kind", "text"))
    term = body.get("term")
    if term is not None and (not isinstance(term, str) or not term.strip()):
        raise BadRequestError("term must be a term id (e.g. UBERON_0001977) or null")
    try:
        remember(team_id, text_field(body, "kind", 40), text_field(body, "text"), term,
                 principal.email or principal.user_id)
    except ValueError as exc:
        raise BadRequestError(str(exc)) from None
    audit.record(team_id, principal.user_id, principal.email,
                 "mapping_confirmed" if term else "mapping_rejected",
                 kind=body["kind"], text=body["text"], term=term)
    return Response({"kind": body["kind"], "text": body["text"], "term": term},
                    status_code=201)


@records_api.route("/teams/{team_id}/submissions/{submission_id}/submit", methods=["POST"])
@protected(Access.MEMBER)
def submit(team_id: str, submission_id: str, principal: Principal) -> Response:
    """Send a READY submission to BioSamples (in the background; watch ``/progress``)."""
    from chalicelib import audit
    from chalicelib.submit.flow import SubmitRefused, start_submission

    try:
        queued = start_submission(team_id, submission_id, principal.email)
    except SubmitRefused as exc:
        return error(exc.status, "submit_refused", exc.message)
    audit.record(team_id, principal.user_id, principal.email, "submitted_to_biosamples",
                 submission_id, records=queued["queued_records"])
    return Response(queued, status_code=202)


@records_api.route("/teams/{team_id}/submissions/{submission_id}/progress", methods=["GET"])
@protected(Access.MEMBER)
def progress(team_id: str, submission_id: str, principal: Principal) -> dict[str, Any]:
    """How far the submission to BioSamples is: done / total, and the refused records."""
    from chalicelib.submit.ports import SubmissionRef
    from chalicelib.uid import repository
    from chalicelib.uid.submission_store import DynamoSubmissionStore

    sub = repository.get_submission(team_id, submission_id)
    if sub is None:
        raise NotFoundError(f"no submission {submission_id} in team {team_id}")
    store = DynamoSubmissionStore()
    ref = SubmissionRef(team_id, submission_id)
    state = store.progress(ref)
    return {"status": sub.status, "message": sub.status_message, "done": state.done,
            "total": state.total, "pending": state.pending, "errors": store.errors(ref)}


@records_api.route("/teams/{team_id}/submissions/{submission_id}/records/{record_id}/withdraw",
                   methods=["POST"])
@protected(Access.TEAM_ADMIN)
def withdraw(team_id: str, submission_id: str, record_id: str,
             principal: Principal) -> Response:
    """Make an accessioned record private in BioSamples (it has no delete). Needs
    ``{"confirm": true}``: the record disappears from public view."""
    from chalicelib import audit
    from chalicelib.submit.flow import request_withdrawal
    from chalicelib.uid import repository

    body = json_body(_request())
    if body.get("confirm") is not True:
        raise BadRequestError('withdrawing hides the record from everyone: send '
                              '{"confirm": true} to go ahead')
    item = repository.get_record(submission_id, record_id)
    if item is None or item.team_id != team_id:
        raise NotFoundError(f"no record {record_id} in this submission")
    if not item.accession:
        raise BadRequestError("this record is not in BioSamples: delete it instead")
    request_withdrawal(team_id, submission_id, [record_id])
    audit.record(team_id, principal.user_id, principal.email, "withdrawal_requested",
                 submission_id, record=record_id, accession=item.accession)
    return Response({"queued": True, "accession": item.accession}, status_code=202)
