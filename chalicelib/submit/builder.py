"""Canonical record → BioSamples sample JSON (pure: no HTTP, no storage).

The shape follows the IMAGE records already in BioSamples (``SAMEA6376980`` animal,
``SAMEA6376982`` specimen): IMAGE attribute names as characteristics, with the few that the
old USI pipeline lower-cased (``project``, ``material``, ``sex``, ``organism``/``species``,
``submission title``, ``collection date`` ...), ontology terms as full IRIs, units as
``unit``, and ``child of`` / ``derived from`` as relationships between accessions.

**Sample names.** BioSamples does not need unique names, but the client recovers a lost
POST answer by searching for the name, so a name must identify one record of one team and
stay the same when a file is loaded again into the same submission. :func:`sample_name`
is ``IMAGE`` + ``A`` (animal) / ``S`` (sample) + 24 hex digits of
``sha256(team id, submission id, material, data source id)``, e.g.
``IMAGEA3F0C9D1E2B4A5968778695A4``: only letters and digits, so it is safe in a search
filter whatever the data source id looks like, and 96 bits make collisions negligible.
The data source id itself is kept readable in the ``title`` and ``Data source ID``
characteristics. On update the name the server holds is kept (:func:`merge_for_update`).
"""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from chalicelib.records import AttributeValue, Material, Record, Relationship, RelationshipType

OBO = "http://purl.obolibrary.org/obo/"
EFO = "http://www.ebi.ac.uk/efo/"
#: Ontologies whose terms do not live under the OBO PURL namespace.
IRI_BASES: dict[str, str] = {
    "EFO": EFO,
    "Orphanet": "http://www.orpha.net/ORDO/",
    "ORDO": "http://www.orpha.net/ORDO/",
}
ACCESSION_RE = re.compile(r"^SAM[END][AG]?[0-9]+$")
_TERM_RE = re.compile(r"^([A-Za-z][A-Za-z0-9]*)[_:]([A-Za-z0-9]+)$")

#: IMAGE attribute name → BioSamples characteristic name where they differ (as the IMAGE
#: records in BioSamples spell them; every other name is kept as it is).
CHARACTERISTIC_NAMES: dict[str, str] = {
    "Project": "project",
    "Submission title": "submission title",
    "Submission description": "submission description",
    "Sex": "sex",
    "Collection date": "collection date",
}
#: Attributes the builder writes itself (from the record's kind and relationships).
_HANDLED = {"Material", "Species", "Child of", "Derived from", "IMAGE submission id",
            "title"}
MATERIAL_TERMS = {Material.ORGANISM: "OBI_0100026", Material.SPECIMEN: "OBI_0001479"}
#: Attributes the submission facts give every record (``with_facts``).
FACT_ATTRIBUTES = ("Project", "Submission title", "Gene bank name", "Gene bank country",
                   "Data source type", "Data source version")
#: Top-level fields the server computes; never sent.
SERVER_FIELDS = ("_links", "releaseDate", "updateDate", "taxId", "status", "submittedVia",
                 "update", "domain")
#: Top-level fields kept from the stored sample when updating it.
KEPT_ON_UPDATE = ("name", "accession", "sraAccession", "create", "submitted",
                  "webinSubmissionAccountId", "data", "structuredData")
#: Far-future release that makes a sample private: BioSamples has no delete (InjectTool
#: pushed the release date forward the same way).
WITHDRAWN_RELEASE = datetime(3000, 1, 1, tzinfo=UTC)


class MissingFacts(ValueError):
    """The record lacks the submission facts the caller said it carries."""


def sample_name(team_id: str, submission_id: str, material: Material | str,
                record_id: str) -> str:
    """The stable, unique BioSamples name of a record (see the module docstring)."""
    kind = Material(material)
    raw = "\x1f".join((team_id, submission_id, kind.value, record_id)).encode("utf-8")
    prefix = "IMAGEA" if kind is Material.ORGANISM else "IMAGES"
    return prefix + hashlib.sha256(raw).hexdigest()[:24].upper()


def term_iri(term: str) -> str:
    """A term id (``PATO_0000384``, ``NCIT:C16761``) or IRI → the full IRI.

    OBO Foundry ontologies (NCBITaxon, PATO, UBERON, OBI, NCIT, LBO, GAZ ...) resolve under
    ``http://purl.obolibrary.org/obo/``; EFO under ``http://www.ebi.ac.uk/efo/``. IRIs and
    anything unrecognised pass through unchanged.
    """
    text = term.strip()
    if text.startswith(("http://", "https://", "mailto:")):
        return text
    match = _TERM_RE.match(text)
    if not match:
        return text
    prefix, local = match.groups()
    return f"{IRI_BASES.get(prefix, OBO)}{prefix}_{local}"


def format_release(when: datetime) -> str:
    """A full ISO instant in UTC, seconds precision (BioSamples rejects date-only)."""
    if when.tzinfo is None:
        when = when.replace(tzinfo=UTC)
    return when.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def _item(value: AttributeValue) -> dict[str, Any] | None:
    text = value.value.strip() if isinstance(value.value, str) else str(value.value)
    if not text:
        return None
    item: dict[str, Any] = {"text": text}
    terms = [term_iri(t) for t in value.terms if t and t.strip()]
    if terms:
        item["ontologyTerms"] = terms
    if value.units:
        item["unit"] = value.units
    return {k: item[k] for k in sorted(item)}


def _items(values: Iterable[AttributeValue]) -> list[dict[str, Any]]:
    return [i for i in (_item(v) for v in values) if i is not None]


@dataclass(slots=True)
class Built:
    """A built sample and the relationships it could not carry yet (target or source
    without an accession): the caller PUTs them once the accessions exist."""

    sample: dict[str, Any]
    unresolved: list[Relationship] = field(default_factory=list)


def resolve_target(target: str, accessions: Mapping[str, str]) -> str | None:
    """A relationship target as an accession: itself if it is one, else looked up by
    data source id; ``None`` when not accessioned yet."""
    if ACCESSION_RE.match(target):
        return target
    return accessions.get(target)


def build(record: Record, *, accessions: Mapping[str, str], release: datetime,
          facts_applied: bool = True, name: str | None = None) -> Built:
    """Build the sample and report the relationships left out (see :func:`build_sample`)."""
    if facts_applied:
        missing = [n for n in FACT_ATTRIBUTES if not record.attributes.get(n)]
        if missing:
            raise MissingFacts(f"record {record.id!r} lacks the submission facts "
                               f"{missing}: apply with_facts() before building")
    chars: dict[str, list[dict[str, Any]]] = {}
    for attr, values in record.attributes.items():
        if attr in _HANDLED:
            continue
        items = _items(values)
        if not items:
            continue
        chars.setdefault(CHARACTERISTIC_NAMES.get(attr, attr), []).extend(items)
        if attr == "Description":
            chars.setdefault("description", []).extend(items)
    chars["material"] = [{"ontologyTerms": [term_iri(MATERIAL_TERMS[record.material])],
                          "text": record.material.value}]
    species = _items(record.attributes.get("Species") or ())
    if species:
        chars["organism"] = species
        chars["species"] = [dict(i) for i in species]
    chars["title"] = [{"text": record.id}]
    chars.setdefault("project", [{"text": "IMAGE"}])
    derived = [r.target for r in record.relationships
               if r.type is RelationshipType.DERIVED_FROM]
    explicit = _items(record.attributes.get("Derived from") or ())
    if explicit:
        chars["Derived from"] = explicit
    elif derived:
        chars["Derived from"] = [{"text": t} for t in derived]

    relationships: list[dict[str, str]] = []
    unresolved: list[Relationship] = []
    seen: set[tuple[str, str]] = set()
    for rel in record.relationships:
        target = resolve_target(rel.target, accessions)
        if target is None or record.accession is None:
            unresolved.append(rel)
            continue
        if (rel.type.value, target) in seen:
            continue
        seen.add((rel.type.value, target))
        relationships.append({"source": record.accession, "type": rel.type.value,
                              "target": target})

    sample: dict[str, Any] = {
        "name": name or sample_name("", "", record.material, record.id),
        "release": format_release(release),
        "characteristics": {k: chars[k] for k in sorted(chars)},
    }
    if record.accession:
        sample["accession"] = record.accession
    if relationships:
        sample["relationships"] = relationships
    return Built(sample, unresolved)


def build_sample(record: Record, *, accessions: Mapping[str, str], release: datetime,
                 facts_applied: bool = True, name: str | None = None) -> dict[str, Any]:
    """The BioSamples JSON of a record.

    ``accessions`` maps data source ids of the submission's (animal) records to their
    accessions; relationship targets that are already accessions are used as they are;
    the others are left out (see :func:`build` for the list). ``accession`` appears only
    when the record has one (an update). ``name`` is :func:`sample_name` of the record's
    team and submission; without it a name scoped to the data source id alone is used
    (previews only: not unique per team). ``facts_applied`` says the record carries the
    submission facts; a record without them raises :class:`MissingFacts`.
    """
    return build(record, accessions=accessions, release=release,
                 facts_applied=facts_applied, name=name).sample


def without_relationships(sample: dict[str, Any]) -> dict[str, Any]:
    """The sample to POST: BioSamples needs an accession as the relationship source."""
    return {k: v for k, v in sample.items() if k not in ("relationships", "accession")}


def own_relationships(sample: dict[str, Any]) -> list[dict[str, str]]:
    """A stored sample's outgoing relationships (BioSamples also lists incoming ones)."""
    acc = sample.get("accession")
    return [dict(r) for r in sample.get("relationships") or []
            if isinstance(r, dict) and r.get("source") == acc]


def strip_server_fields(sample: dict[str, Any]) -> dict[str, Any]:
    """A stored sample without what the server computes (links, dates it derives, taxId,
    status, incoming relationships): what can be written back."""
    out = {k: v for k, v in sample.items() if k not in SERVER_FIELDS}
    rels = own_relationships(sample)
    if rels:
        out["relationships"] = rels
    else:
        out.pop("relationships", None)
    return out


def merge_for_update(server_sample: dict[str, Any], new_sample: dict[str, Any], *,
                     keep_release: bool = True) -> dict[str, Any]:
    """The body of a PUT replacing ``server_sample`` (read with ``applyCurations=false``)
    by ``new_sample``.

    Kept from the server: name, accession, SRA accession (field and characteristic),
    create/submitted, owner, structured data, and the release date unless
    ``keep_release`` is false (an update does not move a public record's release; a
    withdrawal does). Everything else (characteristics, relationships, external
    references ...) is replaced: BioSamples PUT is a full replacement.
    """
    body = {k: v for k, v in strip_server_fields(new_sample).items()
            if k not in KEPT_ON_UPDATE}
    for key in KEPT_ON_UPDATE:
        if server_sample.get(key) not in (None, ""):
            body[key] = server_sample[key]
    if keep_release and server_sample.get("release"):
        body["release"] = server_sample["release"]
    chars = dict(new_sample.get("characteristics") or {})
    chars.pop("SRA accession", None)
    stored_sra = (server_sample.get("characteristics") or {}).get("SRA accession")
    if stored_sra:
        chars["SRA accession"] = stored_sra
    body["characteristics"] = {k: chars[k] for k in sorted(chars)}
    return body


def withdrawn(server_sample: dict[str, Any], until: datetime = WITHDRAWN_RELEASE
              ) -> dict[str, Any]:
    """The PUT body that makes a stored sample private (release moved to ``until``)."""
    body = strip_server_fields(server_sample)
    body["release"] = format_release(until)
    return merge_for_update(server_sample, body, keep_release=False)


def sample_digest(sample: dict[str, Any]) -> str:
    """Hash of what a sample says (release, accession and server fields excluded): equal
    digests mean nothing to send."""
    body = {k: v for k, v in strip_server_fields(sample).items()
            if k not in ("release", "accession", "sraAccession", "create", "submitted",
                         "webinSubmissionAccountId")}
    chars = dict(body.get("characteristics") or {})
    chars.pop("SRA accession", None)
    body["characteristics"] = chars
    body["relationships"] = sorted((r["type"], r["target"])
                                   for r in body.get("relationships") or [])
    raw = json.dumps(body, sort_keys=True, ensure_ascii=False).encode("utf-8")
    return hashlib.sha256(raw).hexdigest()
