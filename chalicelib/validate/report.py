"""Validation results: per-record messages and status, and a submission report.

JSON shape of :meth:`ValidationReport.to_dict`::

    {
      "ruleset": "<ruleset version>",
      "summary": {"pass": 2, "warning": 5, "error": 1},
      "records": [
        {"id": "7", "material": "organism", "status": "warning",
         "messages": [{"level": "warning", "field": "Birth location",
                       "code": "missing_recommended",
                       "message": "Recommended field 'Birth location' is missing: ..."}]}
      ],
      "problems": [
        {"level": "error", "code": "bad_date", "field": "Birth date", "count": 3,
         "records": ["7", "8", "9"], "example": "<one message text>"}
      ]
    }

``code`` is a stable machine name (see :class:`Code`); ``message`` tells a person what to
change. ``problems`` groups every message by (code, field), errors first, then by count.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any

from chalicelib.records import Level


class Status(StrEnum):
    """A record's overall result: its worst message."""

    PASS = "pass"
    WARNING = "warning"
    ERROR = "error"


class Code(StrEnum):
    """Stable machine names of every problem the validator reports."""

    # record rules
    MISSING_MANDATORY = "missing_mandatory"
    MISSING_RECOMMENDED = "missing_recommended"
    NOT_IN_VALID_VALUES = "not_in_valid_values"
    BAD_UNIT = "bad_unit"
    BAD_DATE = "bad_date"
    BAD_NUMBER = "bad_number"
    BAD_URI = "bad_uri"
    BAD_DOI = "bad_doi"
    MISSING_TERM = "missing_term"
    UNKNOWN_TERM = "unknown_term"
    OBSOLETE_TERM = "obsolete_term"
    TERM_NOT_DESCENDANT = "term_not_descendant"
    TERM_LABEL_MISMATCH = "term_label_mismatch"
    TOO_MANY_VALUES = "too_many_values"
    UNKNOWN_ATTRIBUTE = "unknown_attribute"
    MATERIAL_MISMATCH = "material_mismatch"
    # context rules
    DUPLICATE_ID = "duplicate_id"
    UNRESOLVED_RELATIONSHIP = "unresolved_relationship"
    TOO_MANY_PARENTS = "too_many_parents"
    PARENT_SEX = "parent_sex"
    PARENT_SPECIES = "parent_species"
    SAMPLE_SPECIES = "sample_species"
    SEMEN_FROM_FEMALE = "semen_from_female"
    COORDINATES_ACCURACY = "coordinates_accuracy"
    COORDINATES_RANGE = "coordinates_range"
    DATE_IN_FUTURE = "date_in_future"
    BIRTH_AFTER_COLLECTION = "birth_after_collection"
    BREED_NOT_UNDER_SPECIES = "breed_not_under_species"
    TAXON_MISMATCH = "taxon_mismatch"


@dataclass(frozen=True, slots=True)
class Message:
    """One problem of one record. Immutable, so identical problems share one object."""

    level: Level
    field: str
    code: str
    message: str

    def to_dict(self) -> dict[str, str]:
        return {"level": self.level.value, "field": self.field, "code": self.code,
                "message": self.message}


def error(fld: str, code: Code, text: str) -> Message:
    return Message(Level.ERROR, fld, code.value, text)


def warning(fld: str, code: Code, text: str) -> Message:
    return Message(Level.WARNING, fld, code.value, text)


def status_of(messages: list[Message]) -> Status:
    """The worst level among ``messages``."""
    worst = Status.PASS
    for m in messages:
        if m.level is Level.ERROR:
            return Status.ERROR
        if m.level is Level.WARNING:
            worst = Status.WARNING
    return worst


@dataclass(slots=True)
class RecordResult:
    """The validation result of one record."""

    id: str
    material: str
    messages: list[Message] = field(default_factory=list)

    @property
    def status(self) -> Status:
        return status_of(self.messages)

    def codes(self) -> set[str]:
        """The distinct codes of this record's messages (handy in tests and UIs)."""
        return {m.code for m in self.messages}

    def to_dict(self) -> dict[str, Any]:
        return {"id": self.id, "material": self.material, "status": self.status.value,
                "messages": [m.to_dict() for m in self.messages]}


@dataclass(slots=True)
class ProblemGroup:
    """Every message sharing a (code, field): how many and which records."""

    level: Level
    code: str
    field: str
    count: int
    records: list[str]
    example: str

    def to_dict(self, max_ids: int | None = None) -> dict[str, Any]:
        ids = self.records if max_ids is None else self.records[:max_ids]
        return {"level": self.level.value, "code": self.code, "field": self.field,
                "count": self.count, "records": ids, "example": self.example}


_LEVEL_ORDER = {Level.ERROR: 0, Level.WARNING: 1, Level.INFO: 2}


@dataclass(slots=True)
class ValidationReport:
    """The result of validating one submission against one ruleset version."""

    ruleset: str
    records: list[RecordResult]

    def summary(self) -> dict[str, int]:
        """How many records passed, warned or failed."""
        counts = {Status.PASS.value: 0, Status.WARNING.value: 0, Status.ERROR.value: 0}
        for r in self.records:
            counts[r.status.value] += 1
        return counts

    @property
    def ok(self) -> bool:
        """True when no record has an error."""
        return all(r.status is not Status.ERROR for r in self.records)

    def problems(self) -> list[ProblemGroup]:
        """Messages grouped by (code, field), errors first, then most frequent first."""
        groups: dict[tuple[str, str, Level], ProblemGroup] = {}
        for r in self.records:
            for m in r.messages:
                key = (m.code, m.field, m.level)
                g = groups.get(key)
                if g is None:
                    groups[key] = ProblemGroup(m.level, m.code, m.field, 1, [r.id], m.message)
                else:
                    g.count += 1
                    if g.records[-1] != r.id:
                        g.records.append(r.id)
        return sorted(groups.values(),
                      key=lambda g: (_LEVEL_ORDER[g.level], -g.count, g.code, g.field))

    def by_id(self, record_id: str, material: str | None = None) -> RecordResult:
        """The first result for a record id (an animal and a sample may share an id:
        ``material`` tells them apart). KeyError when absent."""
        for r in self.records:
            if r.id == record_id and (material is None or r.material == material):
                return r
        raise KeyError(record_id)

    def to_dict(self, *, max_ids: int | None = None) -> dict[str, Any]:
        """The JSON shape documented in this module's docstring."""
        return {
            "ruleset": self.ruleset,
            "summary": self.summary(),
            "records": [r.to_dict() for r in self.records],
            "problems": [g.to_dict(max_ids) for g in self.problems()],
        }
