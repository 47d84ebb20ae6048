"""The project's own JSON export (``{"records": [Record.to_dict(), ...]}``) → records.

The export is what users download to edit offline; reading it back must give exactly the
records that were written, so every entry goes through ``Record.from_dict``.
"""

from __future__ import annotations

from pathlib import Path

from chalicelib.ingest.errors import UnreadableFile
from chalicelib.ingest.jsonload import load_json
from chalicelib.records import ParseResult, Problem, Record


def parse(path: Path, display: str) -> ParseResult:
    """Parse an IMAGE Pool JSON export (the caller has checked size and format)."""
    doc = load_json(path, display)
    items = doc.get("records") if isinstance(doc, dict) else doc
    if not isinstance(items, list):
        raise UnreadableFile.one(display, 'The JSON must be {"records": [...]} as IMAGE Pool '
                                 "exports it, or a list of records.", code="bad-json")
    result = ParseResult()
    seen: set[str] = set()
    for number, item in enumerate(items, start=1):
        try:
            if not isinstance(item, dict):
                raise TypeError("not an object")
            rec = Record.from_dict(item)
        except (KeyError, ValueError, TypeError, AttributeError) as exc:
            detail = f"missing field {exc}" if isinstance(exc, KeyError) else str(exc)
            result.problems.append(Problem(
                file=display, row=number, code="bad-record",
                message=f"Record {number} cannot be read ({detail}): it needs 'id', "
                "'material' ('organism' or 'specimen from organism') and 'attributes'."))
            continue
        if rec.id in seen:
            result.problems.append(Problem(
                file=display, row=number, column="id", code="duplicate-id",
                message=f"Record {number}: id '{rec.id}' is used by an earlier record (this one "
                "is ignored): give every record its own id."))
            continue
        seen.add(rec.id)
        result.records.append(rec)
    return result
