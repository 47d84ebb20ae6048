"""The IMAGE metadata validator (pure: no AWS, no HTTP).

Use::

    from chalicelib.validate import (load_default_ruleset, load_default_terms,
                                     validate_submission)

    report = validate_submission(records, load_default_ruleset(), load_default_terms())
    report.to_dict()   # {"ruleset", "summary", "records", "problems"}: see report.py

Modules: ``ruleset`` (the standard, typed and checked), ``terms`` (ontology term store
port and in-memory store), ``rules`` (record rules), ``context`` (cross-record rules),
``report`` (results), ``enrich`` (free text → ontology terms), ``biosample`` (BioSamples
JSON → :class:`~chalicelib.records.Record`, for validating harvested records).
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date
from functools import lru_cache
from pathlib import Path

from chalicelib.records import Record
from chalicelib.validate.context import DEFAULT_FIELDS, ContextChecker, ContextFields
from chalicelib.validate.report import Code, Message, RecordResult, Status, ValidationReport
from chalicelib.validate.rules import CompiledRuleset
from chalicelib.validate.ruleset import Ruleset, RulesetError, load_ruleset
from chalicelib.validate.terms import InMemoryTermStore, Term, TermStore, seeded_store

DATA_DIR = Path(__file__).with_name("data")
DEFAULT_RULESET = DATA_DIR / "sample_ruleset.json"

__all__ = [
    "Code",
    "CompiledRuleset",
    "ContextFields",
    "InMemoryTermStore",
    "Message",
    "RecordResult",
    "Ruleset",
    "RulesetError",
    "Status",
    "Term",
    "TermStore",
    "ValidationReport",
    "load_default_ruleset",
    "load_default_terms",
    "validate_submission",
]


@lru_cache(maxsize=1)
def load_default_ruleset() -> Ruleset:
    """The IMAGE ruleset shipped with the code (``data/sample_ruleset.json``)."""
    return load_ruleset(DEFAULT_RULESET)


def load_default_terms(*obo_files: str | Path) -> InMemoryTermStore:
    """A new term store with the seed terms, plus any OBO / OBO-JSON files given."""
    store = seeded_store()
    for path in obo_files:
        if str(path).endswith(".json"):
            store.load_obojson(path)
        else:
            store.load_obo(path)
    return store


def validate_submission(records: Sequence[Record], ruleset: Ruleset, terms: TermStore, *,
                        today: date | None = None,
                        fields: ContextFields = DEFAULT_FIELDS) -> ValidationReport:
    """Validate a whole submission: record rules, then context rules, in linear time."""
    compiled = CompiledRuleset(ruleset, terms)
    plan_for = compiled.plan_for
    check = compiled.check_record
    plans = [plan_for(r) for r in records]
    results = [RecordResult(r.id, r.material.value, check(r, p))
               for r, p in zip(records, plans, strict=True)]
    context = ContextChecker(compiled, today=today, fields=fields).check(records, plans)
    for result, extra in zip(results, context, strict=True):
        if extra:
            result.messages.extend(extra)
    return ValidationReport(ruleset=ruleset.version, records=results)
