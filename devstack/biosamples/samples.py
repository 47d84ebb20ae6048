"""BioSamples sample rules: validation, server-set fields, rendering, curation, filters.

Pure functions over JSON-like dicts; the HTTP layer (``server.py``) calls them. The
messages are the ones the real service sends (see the project's BioSamples notes).
"""

from __future__ import annotations

import copy
import hashlib
import json
import re
from datetime import UTC, datetime, timedelta
from typing import Any

from devstack.biosamples.store import SearchQuery

ACCESSION_RE = re.compile(r"^SAM[END][AG]?[0-9]+$")
TAXON_RE = re.compile(r"NCBITaxon_(\d+)$")
INSTANT_RE = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d{1,9})?)?Z?$")
ORGANISM_KEYS = ("organism", "Organism", "species", "Species")
#: Fields the server computes; whatever a client sends for them is ignored.
SERVER_FIELDS = ("_links", "releaseDate", "updateDate", "taxId", "status", "submittedVia",
                 "create", "submitted", "update", "domain")
PRIVATE_MESSAGE = ("This sample is private and not available for browsing. If you think this "
                   "is an error and/or you should have access please contact the BioSamples "
                   "Helpdesk at biosamples@ebi.ac.uk")
MAX_PAGE = 500
MAX_SIZE = 200
SIZE_MESSAGE = ("Page size or page number is too large (max page = 500 and max page size = "
                "200). Please use 'cursor' to page through all results: "
                "https://www.ebi.ac.uk/biosamples/docs/references/api/search")


class ApiError(Exception):
    """An error answer: Spring JSON (``message``), a raw JSON body, or an empty body."""

    def __init__(self, status: int, message: str | None = None, *,
                 body: Any = None, empty: bool = False) -> None:
        super().__init__(message or str(status))
        self.status = status
        self.message = message
        self.body = body
        self.empty = empty


# -- time -----------------------------------------------------------------------------------

def parse_instant(value: Any, field_name: str) -> datetime:
    """Parse like BioSamples' ``CustomInstantDeserializer`` (append ``Z``, ``Instant.parse``).

    A date-only value (``2020-01-24``) fails, as on the real service.
    """
    if not isinstance(value, str) or not INSTANT_RE.match(value):
        raise ApiError(400, "JSON parse error: Cannot deserialize value of type "
                       f"`java.time.Instant` from String \"{value}\" (field '{field_name}'): "
                       f"Text '{value}Z' could not be parsed at index "
                       f"{min(len(str(value)), 10)}")
    text = value.rstrip("Z")
    if len(text) == 16:
        text += ":00"
    if "." in text:
        head, frac = text.split(".")
        text = f"{head}.{(frac + '000000')[:6]}"
    return datetime.fromisoformat(text).replace(tzinfo=UTC)


def format_instant(dt: datetime) -> str:
    """Java ``Instant.toString`` at millisecond precision."""
    dt = dt.astimezone(UTC)
    base = dt.strftime("%Y-%m-%dT%H:%M:%S")
    ms = dt.microsecond // 1000
    return f"{base}.{ms:03d}Z" if ms else f"{base}Z"


def from_ts(ts: float) -> datetime:
    """Epoch seconds to an aware datetime truncated to milliseconds."""
    dt = datetime.fromtimestamp(ts, UTC)
    return dt.replace(microsecond=dt.microsecond // 1000 * 1000)


def parse_filter_date(value: str, end_of_day: bool) -> float:
    """A ``dt:`` filter bound: a date or an instant; date-only ``until`` = end of day."""
    value = value.strip()
    try:
        if len(value) == 10:
            dt = datetime.fromisoformat(value).replace(tzinfo=UTC)
            if end_of_day:
                dt += timedelta(days=1) - timedelta(milliseconds=1)
            return dt.timestamp()
        return parse_instant(value, "filter").timestamp()
    except (ValueError, ApiError) as exc:
        raise ApiError(400, f"Invalid date in filter: {value}") from exc


# -- validation -----------------------------------------------------------------------------

def validate_sample(body: Any, *, creating: bool) -> dict[str, Any]:
    """Check a submitted sample; raise :class:`ApiError` like the real service would."""
    if not isinstance(body, dict):
        raise ApiError(400, "JSON parse error: Cannot deserialize value of type "
                       "`uk.ac.ebi.biosamples.core.model.Sample` from non-object value")
    if creating:
        chars = body.get("characteristics")
        has_sra_attr = isinstance(chars, dict) and "SRA accession" in chars
        if body.get("accession") or body.get("sraAccession") or has_sra_attr:
            raise ApiError(400, "New sample submission should not contain an accession. "
                           "Please use PUT to update an existing sample")
        if body.get("data"):
            raise ApiError(400, "Sample contains structured data. Please submit structured "
                           "data separately using the structured data endpoints")
    name = body.get("name")
    if not isinstance(name, str) or not name.strip():
        raise ApiError(400, "Must provide name")
    if body.get("release") in (None, ""):
        raise ApiError(400, "Must provide release date in format YYYY-MM-DDTHH:MM:SS")
    parse_instant(body["release"], "release")
    for key in ("update", "create", "submitted"):
        if body.get(key) not in (None, ""):
            parse_instant(body[key], key)
    for rel in body.get("relationships") or []:
        if not isinstance(rel, dict):
            raise ApiError(400, "Relationship must be an object")
        for end in ("source", "target"):
            value = rel.get(end)
            if not isinstance(value, str) or not ACCESSION_RE.match(value):
                raise ApiError(400, f"Relationship validation failed: {end} '{value}' must be "
                               "an accession (SAMxxxxx)")
        if not isinstance(rel.get("type"), str) or not rel["type"].strip():
            raise ApiError(400, "Relationship validation failed: type must not be empty")
    schema_errors = minimal_schema_errors(body)
    if schema_errors:
        raise ApiError(400, body=schema_errors)
    return body


def minimal_schema_errors(body: dict[str, Any]) -> list[dict[str, Any]]:
    """The BSDC00001 checklist, as the ELIXIR biovalidator reports it."""
    chars = body.get("characteristics")
    if not isinstance(chars, dict):
        return [{"dataPath": "", "errors": ["should have required property 'characteristics'"]}]
    errors: list[dict[str, Any]] = []
    for key, items in chars.items():
        if not isinstance(items, list) or not all(isinstance(i, dict) for i in items):
            errors.append({"dataPath": f".characteristics['{key}']",
                           "errors": ["should be array of objects"]})
    found = False
    for key in ORGANISM_KEYS:
        items = chars.get(key)
        if isinstance(items, list) and items and all(
            isinstance(i, dict) and isinstance(i.get("text"), str) and i["text"].strip()
            for i in items
        ):
            found = True
    if not found:
        errors.append({"dataPath": ".characteristics",
                       "errors": ["should have required property 'organism'",
                                  "should have required property 'Organism'",
                                  "should have required property 'species'",
                                  "should have required property 'Species'",
                                  "should match some schema in anyOf"]})
    return errors


# -- building stored records ----------------------------------------------------------------

def _clean_item(item: dict[str, Any]) -> dict[str, Any]:
    return {k: item[k] for k in sorted(item) if item[k] is not None}


def normalise_characteristics(chars: dict[str, Any]) -> dict[str, list[dict[str, Any]]]:
    """Sort attribute names and item keys, as BioSamples serialises them."""
    return {name: [_clean_item(i) for i in chars[name]] for name in sorted(chars)}


def tax_id(chars: dict[str, Any]) -> int | None:
    """``taxId`` from the organism's ``NCBITaxon_N`` IRI."""
    for key in ORGANISM_KEYS:
        for item in chars.get(key) or []:
            for iri in item.get("ontologyTerms") or []:
                match = TAXON_RE.search(str(iri))
                if match:
                    return int(match.group(1))
    return None


def build_record(body: dict[str, Any], *, accession: str, sra: str, owner: str | None,
                 create: str, submitted: str, update: str,
                 domain: str | None = None) -> dict[str, Any]:
    """The stored record: the submission plus the server-set fields."""
    chars = dict(body.get("characteristics") or {})
    chars["SRA accession"] = [{"text": sra}]
    chars = normalise_characteristics(chars)
    record: dict[str, Any] = {"name": body["name"], "accession": accession,
                              "sraAccession": sra}
    if domain:
        record["domain"] = domain
    if owner:
        record["webinSubmissionAccountId"] = owner
    record["release"] = format_instant(parse_instant(body["release"], "release"))
    record["update"] = update
    record["submitted"] = submitted
    record["create"] = create
    record["characteristics"] = chars
    rels = [{"source": r["source"], "type": r["type"], "target": r["target"]}
            for r in body.get("relationships") or []]
    if rels:
        record["relationships"] = rels
    for key in ("externalReferences", "organization", "contact", "publications", "data",
                "certificates", "structuredData"):
        if body.get(key):
            record[key] = body[key]
    return record


def record_from_loaded(raw: dict[str, Any]) -> tuple[dict[str, Any], list[tuple[str, str, str]]]:
    """Turn a downloaded BioSamples JSON record into a stored record.

    Returns the record (outgoing relationships only) and every relationship it lists
    (incoming ones included, so targets show them even if the source is not loaded).
    """
    accession = raw["accession"]
    all_rels = [(r["source"], r["type"], r["target"]) for r in raw.get("relationships") or []
                if isinstance(r, dict)]
    record = {k: v for k, v in raw.items() if k not in ("_links", "releaseDate", "updateDate",
                                                        "taxId", "status", "submittedVia")}
    record["characteristics"] = normalise_characteristics(raw.get("characteristics") or {})
    record["relationships"] = [{"source": s, "type": t, "target": g} for s, t, g in all_rels
                               if s == accession]
    if not record["relationships"]:
        del record["relationships"]
    sra = raw.get("sraAccession")
    if not sra:
        sra_items = record["characteristics"].get("SRA accession") or []
        if sra_items:
            record["sraAccession"] = sra_items[0].get("text")
    release = parse_instant(raw["release"], "release")
    record["release"] = format_instant(release)
    record.setdefault("update", record.get("create") or record["release"])
    record.setdefault("create", record["update"])
    return record, all_rels


# -- curation -------------------------------------------------------------------------------

def curation_hash(curation: dict[str, Any]) -> str:
    """Content hash of a curation (SHA-256 of its canonical JSON)."""
    canon = {k: curation.get(k) or [] for k in (
        "attributesPre", "attributesPost", "externalReferencesPre", "externalReferencesPost",
        "relationshipsPre", "relationshipsPost")}
    return hashlib.sha256(json.dumps(canon, sort_keys=True).encode()).hexdigest()


def link_hash(sample: str, chash: str, webin: str | None) -> str:
    """Hash of a curation link (sample + curation + submitter)."""
    return hashlib.sha256(f"{sample}|{chash}|{webin or ''}".encode()).hexdigest()


def _attr_matches(item: dict[str, Any], attr: dict[str, Any]) -> bool:
    return item.get("text") == attr.get("value")


def apply_curations(record: dict[str, Any], links: list[dict[str, Any]]) -> dict[str, Any]:
    """Apply curation links in creation order; a curation whose ``Pre`` values are not
    all present is skipped."""
    if not links:
        return record
    out = copy.deepcopy(record)
    chars: dict[str, list[dict[str, Any]]] = out.setdefault("characteristics", {})
    for link in links:
        cur = link.get("curation") or {}
        pre = cur.get("attributesPre") or []
        if not all(any(_attr_matches(i, a) for i in chars.get(a.get("type", ""), []))
                   for a in pre):
            continue
        for attr in pre:
            items = chars.get(attr["type"], [])
            for i, item in enumerate(items):
                if _attr_matches(item, attr):
                    del items[i]
                    break
            if not items:
                chars.pop(attr["type"], None)
        for attr in cur.get("attributesPost") or []:
            new: dict[str, Any] = {"text": attr.get("value")}
            if attr.get("iri"):
                new["ontologyTerms"] = list(attr["iri"])
            if attr.get("unit"):
                new["unit"] = attr["unit"]
            chars.setdefault(attr["type"], []).append(_clean_item(new))
        refs = out.get("externalReferences") or []
        pre_urls = {r.get("url") for r in cur.get("externalReferencesPre") or []}
        refs = [r for r in refs if r.get("url") not in pre_urls]
        refs += list(cur.get("externalReferencesPost") or [])
        if refs:
            out["externalReferences"] = refs
        rels = out.get("relationships") or []
        pre_rels = [(r.get("source"), r.get("type"), r.get("target"))
                    for r in cur.get("relationshipsPre") or []]
        rels = [r for r in rels if (r["source"], r["type"], r["target"]) not in pre_rels]
        rels += list(cur.get("relationshipsPost") or [])
        if rels:
            out["relationships"] = rels
    out["characteristics"] = normalise_characteristics(chars)
    return out


# -- rendering ------------------------------------------------------------------------------

def render(record: dict[str, Any], *, base: str, now: float, release_ts: float,
           incoming: list[tuple[str, str, str]], links: list[dict[str, Any]] | None,
           collection_self: bool = False) -> dict[str, Any]:
    """The JSON a client sees: server-derived fields, reverse relationships, HAL links."""
    rec = apply_curations(record, links) if links else record
    acc = rec["accession"]
    out: dict[str, Any] = {}
    for key in ("name", "accession", "sraAccession", "domain", "webinSubmissionAccountId"):
        if rec.get(key):
            out[key] = rec[key]
    taxid = tax_id(rec.get("characteristics") or {})
    if taxid is not None:
        out["taxId"] = taxid
    out["status"] = "PRIVATE" if release_ts > now else "PUBLIC"
    for key in ("release", "update", "submitted"):
        if rec.get(key):
            out[key] = rec[key]
    out["characteristics"] = rec.get("characteristics") or {}
    rels = list(rec.get("relationships") or [])
    seen = {(r["source"], r["type"], r["target"]) for r in rels}
    for src, typ, tgt in incoming:
        if (src, typ, tgt) not in seen:
            rels.append({"source": src, "type": typ, "target": tgt})
            seen.add((src, typ, tgt))
    if rels:
        out["relationships"] = rels
    for key in ("externalReferences", "organization", "contact", "publications", "data",
                "certificates", "structuredData"):
        if rec.get(key):
            out[key] = rec[key]
    out["releaseDate"] = str(rec.get("release", ""))[:10]
    out["updateDate"] = str(rec.get("update", ""))[:10]
    out["submittedVia"] = rec.get("submittedVia", "JSON_API")
    if rec.get("create"):
        out["create"] = rec["create"]
    samples = f"{base}/biosamples/samples"
    self_href = samples if collection_self else f"{samples}/{acc}"
    out["_links"] = {
        "self": {"href": self_href},
        "applyCurations": {"href": f"{samples}/{acc}{{?applyCurations}}", "templated": True},
        "curationLinks": {"href": f"{samples}/{acc}/curationlinks"},
        "curationLink": {"href": f"{samples}/{acc}/curationlinks/{{hash}}", "templated": True},
        "structuredData": {"href": f"{base}/biosamples/structureddata/{acc}"},
    }
    return out


# -- filters --------------------------------------------------------------------------------

def _range(spec: str) -> tuple[float | None, float | None]:
    match = re.fullmatch(r"(?:from=(.*?))?(?:until=(.*))?", spec.strip())
    if not match or not (match.group(1) or match.group(2)):
        raise ApiError(400, f"Invalid date range filter: {spec}")
    lo = parse_filter_date(match.group(1), False) if match.group(1) else None
    hi = parse_filter_date(match.group(2), True) if match.group(2) else None
    return lo, hi


def parse_filters(filters: list[str], text: str | None) -> SearchQuery:
    """Parse ``filter`` values (already URL-decoded, so ``+`` is a space)."""
    q = SearchQuery(text=text or None)
    for raw in filters:
        kind, _, rest = raw.partition(":")
        if kind == "attr" and rest:
            name, sep, value = rest.partition(":")
            q.attrs.append((name, value if sep else None))
        elif kind == "name" and rest:
            q.names.append(rest)
        elif kind == "acc" and rest:
            q.accessions.append(rest)
        elif kind in ("rel", "rrel") and rest:
            rtype, sep, other = rest.partition(":")
            if not sep:
                raise ApiError(400, f"Invalid relationship filter: {raw}")
            (q.rels if kind == "rel" else q.rrels).append((rtype, other))
        elif kind == "dt" and rest:
            which, _, spec = rest.partition(":")
            if which == "update":
                q.update_range = _range(spec)
            elif which == "release":
                q.release_range = _range(spec)
            else:
                raise ApiError(400, f"Unsupported date filter: {raw}")
        elif kind == "dom" and rest:
            q.domains.append(rest)
        else:
            raise ApiError(400, f"Unsupported filter: {raw}")
    return q
