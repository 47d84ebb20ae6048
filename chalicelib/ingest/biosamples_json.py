"""BioSamples JSON (one sample or an array of samples) → records.

BioSamples spells characteristics as submitters did (``sex``, ``collection date``,
``organism``) and lists relationships of other records too, so names are matched to the
ruleset case-insensitively and only relationships whose source is the record are kept.

This is the *upload* reader: a partner's file becomes UID records under the ruleset's
names, and every oddity is a problem with its record number. The harvest reads public
BioSamples records with :mod:`chalicelib.validate.biosample` instead, which keeps the
submitters' spelling (the pool shows records as they are), never rejects a record, and
interns values across a page for speed.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from chalicelib.ingest.common import RULESET_NAMES, Interner
from chalicelib.ingest.errors import UnreadableFile
from chalicelib.ingest.jsonload import load_json
from chalicelib.records import (
    Level,
    Material,
    ParseResult,
    Problem,
    Record,
    Relationship,
    RelationshipType,
)

CANONICAL = {name.lower(): name for name in RULESET_NAMES}
#: characteristic names that are not ruleset names but carry a ruleset attribute
ALIASES = {"organism": "Species"}
#: BioSamples bookkeeping that is not IMAGE metadata (title repeats the name; the
#: InjectTool submission id means nothing here); Material becomes ``Record.material``;
#: Derived from / Child of are carried by the relationships
DROPPED = {"title", "image submission id", "material", "derived from", "child of"}
RELATIONSHIP_TYPES = {t.value: t for t in RelationshipType}


def parse(path: Path, display: str) -> ParseResult:
    """Parse BioSamples JSON (the caller has checked size and format)."""
    doc = load_json(path, display)
    items = doc if isinstance(doc, list) else [doc]
    if isinstance(doc, dict) and isinstance(doc.get("_embedded"), dict):
        items = doc["_embedded"].get("samples") or []  # a BioSamples search page
    if not all(isinstance(i, dict) for i in items):
        raise UnreadableFile.one(display, "The JSON must be one BioSamples sample (an object) "
                                 "or a list of samples.", code="bad-json")
    result = ParseResult()
    av = Interner()
    seen: set[str] = set()
    for number, item in enumerate(items, start=1):
        rec = _record(item, number, display, result, av)
        if rec is None:
            continue
        if rec.id in seen:
            result.problems.append(Problem(
                file=display, row=number, column="Data source ID", code="duplicate-id",
                message=f"Record {number}: id '{rec.id}' is used by an earlier record (this "
                "one is ignored): give every record its own Data source ID."))
            continue
        seen.add(rec.id)
        result.records.append(rec)
    return result


def _problem(result: ParseResult, display: str, number: int, column: str | None,
             message: str, code: str, level: Level = Level.ERROR) -> None:
    result.problems.append(Problem(file=display, row=number, column=column, code=code,
                                   level=level, message=message))


def _record(item: dict[str, Any], number: int, display: str, result: ParseResult,
            av: Interner) -> Record | None:
    chars = item.get("characteristics") or {}
    if not isinstance(chars, dict):
        _problem(result, display, number, "characteristics", f"Record {number}: "
                 "'characteristics' must be an object.", "bad-json")
        return None
    lowered = {str(k).strip().lower(): v for k, v in reversed(list(chars.items()))}
    material_text = _first_text(lowered.get("material"))
    try:
        material = Material((material_text or "").strip().lower())
    except ValueError:
        _problem(result, display, number, "material",
                 f"Record {number} ({item.get('accession') or item.get('name')}): material "
                 f"'{material_text}' is neither 'organism' nor 'specimen from organism': it "
                 "is ignored.", "bad-material")
        return None
    ident = _first_text(lowered.get("data source id")) or item.get("name")
    if not ident:
        _problem(result, display, number, "Data source ID", f"Record {number} has neither a "
                 "'Data source ID' characteristic nor a name: it is ignored.", "missing-id")
        return None
    accession = item.get("accession") or None
    rec = Record(id=str(ident), material=material, accession=accession)
    for name, values in chars.items():
        key = str(name).strip().lower()
        if key in DROPPED:
            continue
        canonical = CANONICAL.get(key) or ALIASES.get(key) or str(name)
        if key in ALIASES and ALIASES[key].lower() in lowered:
            continue  # e.g. 'organism' when 'species' is also given
        if canonical in rec.attributes:
            continue  # 'Description' and 'description': keep the first spelling
        if not isinstance(values, list):
            values = [values]
        for value in values:
            if not isinstance(value, dict) or value.get("text") is None:
                _problem(result, display, number, str(name), f"Record {number}: "
                         f"characteristic '{name}' has a value without text: it is ignored.",
                         "bad-value", Level.WARNING)
                continue
            terms = tuple(str(t) for t in value.get("ontologyTerms") or ())
            rec.attributes.setdefault(canonical, []).append(
                av(str(value["text"]), value.get("unit") or None, terms))
    source_ids = {s for s in (accession, item.get("name")) if s}
    for rel in item.get("relationships") or []:
        if not isinstance(rel, dict) or rel.get("source") not in source_ids:
            continue
        rtype = RELATIONSHIP_TYPES.get(str(rel.get("type", "")).strip().lower())
        if rtype is None or not rel.get("target"):
            _problem(result, display, number, "relationships", f"Record {number}: "
                     f"relationship '{rel.get('type')}' to '{rel.get('target')}' is not one "
                     "IMAGE uses (child of, derived from, same as): it is ignored.",
                     "unknown-relationship", Level.WARNING)
            continue
        rec.relationships.append(Relationship(rtype, str(rel["target"])))
    return rec


def _first_text(values: Any) -> str | None:
    if isinstance(values, list) and values and isinstance(values[0], dict):
        text = values[0].get("text")
        return str(text) if text is not None else None
    return None
