"""The validation step: a submission's records checked against the IMAGE standard.

Runs after every upload and every edit (a message on the validation queue). Free text is
first mapped to ontology terms where the match is certain (enrichment), then every record
is checked; each record keeps its own result, the submission keeps the counts and the
problems grouped by (code, field), and becomes READY (no errors) or NEED_REVISION.
"""

from __future__ import annotations

import time
from typing import Any

from chalicelib.messages import StepMessage
from chalicelib.observability import count, logger
from chalicelib.records import Record
from chalicelib.uid.status import SubmissionStatus
from chalicelib.validate import (
    InMemoryTermStore,
    Ruleset,
    ValidationReport,
    load_default_ruleset,
    load_default_terms,
    validate_submission,
)
from chalicelib.validate.enrich import Enricher, enrich_record, fold

#: Statuses from which a submission may be validated; others are busy or have no records.
VALIDATABLE = frozenset({SubmissionStatus.LOADED, SubmissionStatus.VALIDATING,
                         SubmissionStatus.READY, SubmissionStatus.NEED_REVISION,
                         SubmissionStatus.COMPLETED})
#: Record ids kept per problem group on the submission (the rest are counted).
MAX_IDS_PER_PROBLEM = 200


_TERMS_TTL = 900.0
_terms_cache: list[tuple[float, InMemoryTermStore]] = []


def _terms() -> InMemoryTermStore:
    """The seed terms plus the ones operators loaded (DynamoDB), kept 15 minutes."""
    now = time.monotonic()
    if _terms_cache and now - _terms_cache[0][0] < _TERMS_TTL:
        return _terms_cache[0][1]
    from chalicelib.config import get_settings
    from chalicelib.validate.ols import resolving
    from chalicelib.validate.term_table import load_into

    store = load_default_terms()
    load_into(store)
    store = resolving(store, get_settings().ols_url)
    _terms_cache[:] = [(now, store)]
    return store


def handle_validation_message(message_id: str, body: str) -> None:
    """Process one validation message."""
    message = StepMessage.from_json(body)
    logger().append_keys(submission_id=message.submission_id, team_id=message.team_id)
    validate_stored_submission(message.team_id, message.submission_id)


def check_records(records: list[Record], ruleset: Ruleset | None = None,
                  terms: InMemoryTermStore | None = None, *,
                  confirmed: dict[str, dict[str, str]] | None = None,
                  rejected: set[tuple[str, str]] | None = None,
                  ) -> tuple[ValidationReport, list[dict[str, Any]]]:
    """Enrich (certain matches and the team's confirmed mappings only) and validate
    records; pure, used by the CLI too. Returns the report and the open proposals
    (``[{kind, text, proposals: [...]}]``, minus those the team rejected)."""
    terms = terms or _terms()
    enricher = Enricher(terms, confirmed=confirmed)
    open_questions: dict[tuple[str, str], dict[str, Any]] = {}
    for record in records:
        for outcome in enrich_record(record, enricher):
            if outcome.applied is not None or not outcome.proposals:
                continue
            key = (outcome.kind.value, fold(outcome.text))
            if key in (rejected or set()) or key in open_questions:
                continue
            open_questions[key] = {"kind": outcome.kind.value, "text": outcome.text,
                                   "proposals": [m.to_dict() for m in outcome.proposals[:5]]}
    report = validate_submission(records, ruleset or load_default_ruleset(), terms)
    return report, list(open_questions.values())


def validate_stored_submission(team_id: str, submission_id: str) -> dict[str, Any] | None:
    """Validate a submission's records in the UID and record the outcome.

    Returns the summary, or None when the submission is gone or not validatable now (a
    new upload in flight queues its own validation afterwards).
    """
    from chalicelib.notify.publisher import publish
    from chalicelib.uid import repository

    log = logger()
    sub = repository.get_submission(team_id, submission_id)
    if sub is None:
        log.warning("validation requested for a submission that does not exist")
        return None
    if SubmissionStatus(sub.status) not in VALIDATABLE:
        log.info("submission not validatable now", extra={"status": sub.status})
        return None
    repository.set_status(team_id, submission_id, SubmissionStatus.VALIDATING,
                          "Checking the records against the IMAGE standard")
    from chalicelib.submission_facts import with_facts
    from chalicelib.uid.mappings import team_mappings
    from chalicelib.uid.submissions import facts_of

    facts = facts_of(team_id, submission_id)
    records = [with_facts(r, facts) for r in repository.iter_records(submission_id)]
    confirmed, rejected = team_mappings(team_id)
    report, proposals = check_records(records, confirmed=confirmed, rejected=rejected)
    repository.save_validation(submission_id, report.records, ruleset=report.ruleset)
    summary = report.summary()
    problems = [g.to_dict(MAX_IDS_PER_PROBLEM) for g in report.problems()]
    status = SubmissionStatus.READY if report.ok else SubmissionStatus.NEED_REVISION
    text = (f"Validation against the IMAGE standard ({report.ruleset}): "
            f"{summary['pass']} passed, {summary['warning']} with warnings, "
            f"{summary['error']} with errors")
    repository.finish_validation(team_id, submission_id, status, text,
                                 summary=summary, problems=problems, ruleset=report.ruleset,
                                 mappings=proposals)
    count("SubmissionsValidated")
    count("RecordsValidated", len(records))
    publish("validation_finished", team_id=team_id, submission_id=submission_id,
            subject=f"Validation finished: {status.value.replace('_', ' ').lower()}",
            text=text, details={"summary": summary, "status": status.value,
                                "link": f"/workspace/submissions/{submission_id}"})
    return {"status": status.value, "summary": summary}
