"""Creating and listing a team's submissions, with the facts files do not carry."""

from __future__ import annotations

import uuid
from typing import Any

from chalicelib.submission_facts import Organization, Person, SubmissionFacts
from chalicelib.uid.models import SubmissionModel
from chalicelib.uid.repository import now, submission_view
from chalicelib.uid.status import SubmissionStatus
from chalicelib.uid.tables import bind

DATA_SOURCE_TYPES = ("CryoWeb", "CRB-Anim", "Template")


class FactsError(ValueError):
    """Submission facts that cannot be accepted; the message says what to change."""


class DuplicateSubmission(ValueError):
    """The team already has a submission for this gene bank and data source version."""


def _text(data: dict[str, Any], key: str, max_len: int = 500, required: bool = False) -> str:
    value = data.get(key, "")
    if value is None:
        value = ""
    if not isinstance(value, str) or len(value) > max_len:
        raise FactsError(f"{key} must be text of at most {max_len} characters")
    if required and not value.strip():
        raise FactsError(f"{key} is required")
    return value.strip()


def facts_from_request(body: dict[str, Any]) -> SubmissionFacts:
    """Check and build the facts of a new submission from an API request."""
    kind = _text(body, "data_source_type", 20, True)
    match = {t.lower(): t for t in DATA_SOURCE_TYPES}.get(kind.lower())
    if match is None:
        raise FactsError(f"data_source_type must be one of {', '.join(DATA_SOURCE_TYPES)}")
    people = []
    for number, person in enumerate(body.get("people") or [], start=1):
        if not isinstance(person, dict):
            raise FactsError(f"people[{number}] must be an object")
        try:
            people.append(Person(
                last_name=_text(person, "last_name", 200, True),
                email=_text(person, "email", 200, True),
                affiliation=_text(person, "affiliation", 200, True),
                role=_text(person, "role", 50) or "submitter",
                first_name=_text(person, "first_name", 200),
                initials=_text(person, "initials", 20)))
        except FactsError as exc:
            raise FactsError(f"people[{number}]: {exc}") from None
    organizations = []
    for number, org in enumerate(body.get("organizations") or [], start=1):
        if not isinstance(org, dict):
            raise FactsError(f"organizations[{number}] must be an object")
        try:
            organizations.append(Organization(
                name=_text(org, "name", 200, True), role=_text(org, "role", 50) or "submitter",
                address=_text(org, "address", 500), uri=_text(org, "uri", 500),
                country=_text(org, "country", 100)))
        except FactsError as exc:
            raise FactsError(f"organizations[{number}]: {exc}") from None
    return SubmissionFacts(
        title=_text(body, "title", 200, True),
        description=_text(body, "description", 2000),
        gene_bank_name=_text(body, "gene_bank_name", 200, True),
        gene_bank_country=_text(body, "gene_bank_country", 100, True),
        data_source_type=match,
        data_source_version=_text(body, "data_source_version", 50, True),
        people=tuple(people), organizations=tuple(organizations))


def create(team_id: str, facts: SubmissionFacts, created_by: str) -> dict[str, Any]:
    """A new WAITING submission; one per (gene bank, country, data source, version)."""
    bind()
    for existing in SubmissionModel.query(team_id):
        other = existing.facts or {}
        same = all(str(other.get(k, "")).lower() == str(getattr(facts, k)).lower()
                   for k in ("gene_bank_name", "gene_bank_country", "data_source_type",
                             "data_source_version"))
        if same:
            raise DuplicateSubmission(
                f"the team already has submission {existing.submission_id} for this gene "
                "bank and data source version: upload a new file to it instead")
    submission_id = f"sub-{uuid.uuid4().hex[:12]}"
    stamp = now()
    SubmissionModel(team_id, submission_id, title=facts.title, facts=facts.to_dict(),
                    created_by=created_by, status=SubmissionStatus.WAITING.value,
                    status_message="Waiting for the file", created_at=stamp,
                    updated_at=stamp).save()
    view = submission_view(team_id, submission_id)
    assert view is not None
    return view


def list_for_team(team_id: str) -> list[dict[str, Any]]:
    """A team's submissions, newest first, without their problem lists."""
    bind()
    out = []
    for item in SubmissionModel.query(team_id):
        out.append({"submission_id": item.submission_id, "title": item.title,
                    "status": item.status, "message": item.status_message,
                    "counts": item.counts or {},
                    "summary": (item.validation or {}).get("summary"),
                    "created_at": item.created_at.isoformat(),
                    "updated_at": item.updated_at.isoformat()})
    return sorted(out, key=lambda s: s["created_at"], reverse=True)


def facts_of(team_id: str, submission_id: str) -> SubmissionFacts | None:
    """The facts of a submission (None for one created without them)."""
    from chalicelib.uid.repository import get_submission

    sub = get_submission(team_id, submission_id)
    if sub is None or not sub.facts:
        return None
    return SubmissionFacts.from_dict(sub.facts)
