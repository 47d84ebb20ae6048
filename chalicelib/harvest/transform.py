"""BioSamples records → pool documents (pure: no HTTP, no storage).

Why this shape: the old Common Data Pool's JSON (``/backend/organism/<id>/`` and friends)
must keep working, so every document carries the old CDP field names and conventions
(strings, ``""``/``[]`` for unset values, ``*_ontology`` and ``*_unit`` companions, ``geom``
and ``dadis``). On top of that it carries what the old pool lacked: typed values
(``*_value`` dates and numbers, a ``location`` geo point), the species' common name, the
BioSamples and ENA links, reverse relationships (``children``, ``specimens``) and a
data-quality verdict from the IMAGE validator.

Relationships: BioSamples lists incoming links in the target's array too; only the
record's OWN (outgoing) links are read (``source == accession``); ``children`` and
``specimens`` are computed across the harvested set (:class:`ReverseLinks`).
"""

from __future__ import annotations

import hashlib
import re
from collections import defaultdict
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from functools import lru_cache
from typing import Any

import orjson

from chalicelib.harvest.dadis import DadisTable, common_name, default_table
from chalicelib.records import AttributeValue, Record
from chalicelib.validate import load_default_ruleset, load_default_terms
from chalicelib.validate.biosample import ValueCache, record_from_biosample
from chalicelib.validate.context import ContextChecker
from chalicelib.validate.report import Level, Message, status_of
from chalicelib.validate.rules import CompiledRuleset

ORGANISM = "organism"
SPECIMEN = "specimen"
FILE = "file"
MATERIALS = {"organism": ORGANISM, "specimen from organism": SPECIMEN}
ACCESSION = re.compile(r"^SAM(?:E[AG]?|N|D)\d+$")
ENA_ACCESSION = re.compile(r"\b((?:ER|SR|DR)[SRXZAP]\d{6,}|PRJ[EDN][A-Z]\d+|SAME[AG]?\d+)\b")
BIOSAMPLES_PAGE = "https://www.ebi.ac.uk/biosamples/samples/{}"

#: (CDP field, BioSamples characteristic, is-array, has-ontology, has-unit), in the old
#: CDP's field order (``image_backend/backend/models.py``).
Spec = tuple[str, str, bool, bool, bool]
COMMON_SPECS: tuple[Spec, ...] = (
    ("alternative_id", "Alternative id", False, False, False),
    ("project", "project", False, False, False),
    ("submission_title", "submission title", False, False, False),
    ("material", "material", False, True, False),
    ("person_last_name", "Person last name", True, False, False),
    ("person_email", "Person email", True, False, False),
    ("person_affiliation", "Person affiliation", True, False, False),
    ("person_role", "Person role", True, True, False),
    ("organization_name", "Organization name", True, False, False),
    ("organization_role", "Organization role", True, True, False),
    ("gene_bank_name", "Gene bank name", False, False, False),
    ("gene_bank_country", "Gene bank country", False, True, False),
    ("data_source_type", "Data source type", False, False, False),
    ("data_source_version", "Data source version", False, False, False),
    ("species", "Species", False, True, False),
    ("etag", "", False, False, False),
    ("submission_description", "submission description", False, False, False),
    ("person_first_name", "Person first name", True, False, False),
    ("organization_address", "Organization address", True, False, False),
    ("organization_country", "Organization country", True, True, False),
    ("description", "Description", False, False, False),
    ("person_initial", "Person initial", True, False, False),
    ("organization_uri", "Organization uri", True, False, False),
    ("publication_doi", "Publication DOI", False, False, False),
)
ORGANISM_SPECS: tuple[Spec, ...] = (
    ("supplied_breed", "Supplied breed", False, False, False),
    ("efabis_breed_country", "EFABIS Breed country", False, False, False),
    ("sex", "Sex", False, True, False),
    ("birth_location_accuracy", "Birth location accuracy", False, False, False),
    ("mapped_breed", "Mapped breed", False, True, False),
    ("birth_date", "Birth date", False, False, True),
    ("birth_location", "Birth location", False, False, False),
    ("birth_location_longitude", "Birth location longitude", False, False, True),
    ("birth_location_latitude", "Birth location latitude", False, False, True),
)
SPECIMEN_SPECS: tuple[Spec, ...] = (
    ("collection_place_accuracy", "Collection place accuracy", False, False, False),
    ("organism_part", "Organism part", False, True, False),
    ("specimen_collection_protocol", "Specimen collection protocol", False, False, False),
    ("collection_date", "Collection date", False, False, True),
    ("collection_place_latitude", "Collection place latitude", False, False, True),
    ("collection_place_longitude", "Collection place longitude", False, False, True),
    ("collection_place", "Collection place", False, False, False),
    ("developmental_stage", "Developmental stage", False, True, False),
    ("physiological_stage", "Physiological stage", False, True, False),
    ("availability", "Availability", False, False, False),
    ("sample_storage", "Sample storage", False, False, False),
    ("sample_storage_processing", "Sample storage processing", False, False, False),
    ("animal_age_at_collection", "Animal age at collection", False, False, True),
    ("sampling_to_preparation_interval", "Sampling to preparation interval", False, False,
     True),
)


def _expand(specs: Sequence[Spec]) -> tuple[str, ...]:
    out: list[str] = []
    for name, _, _, ontology, unit in specs:
        out.append(name)
        if ontology:
            out.append(f"{name}_ontology")
        if unit:
            out.append(f"{name}_unit")
    return tuple(out)


#: The old CDP's JSON keys, in its order (``url`` is added by the API).
CDP_COMMON_FIELDS = ("data_source_id", *_expand(COMMON_SPECS))
CDP_ORGANISM_FIELDS = (*CDP_COMMON_FIELDS, *_expand(ORGANISM_SPECS), "child_of", "specimens",
                       "dadis", "geom")
CDP_SPECIMEN_FIELDS = (*CDP_COMMON_FIELDS, "derived_from", *_expand(SPECIMEN_SPECS), "geom")
#: The old detail shape of each record type.
CDP_FIELDS = {ORGANISM: CDP_ORGANISM_FIELDS, SPECIMEN: CDP_SPECIMEN_FIELDS}
#: The old CDP ``file/`` shape (one row per specimen, parallel arrays).
CDP_FILE_FIELDS = ("data_source_id", "file_name", "file_url", "file_size", "file_checksum",
                   "file_checksum_method")


def material_of(sample: dict[str, Any]) -> str | None:
    """``organism``/``specimen`` for IMAGE records, else None (e.g. private stubs)."""
    chars = sample.get("characteristics") or {}
    values = chars.get("material") or chars.get("Material") or []
    text = str(values[0].get("text", "")).strip().lower() if values else ""
    return MATERIALS.get(text)


def _lower_map(chars: dict[str, list[dict[str, Any]]]) -> dict[str, list[dict[str, Any]]]:
    out: dict[str, list[dict[str, Any]]] = {}
    for key, values in chars.items():
        out.setdefault(key.lower(), values)
    return out


class _Characteristics:
    """A record's characteristics by name: exact name first, then case-insensitive (the
    old importer's rule). The lower-case index is built on the first miss only."""

    __slots__ = ("_lower", "chars")

    def __init__(self, chars: dict[str, list[dict[str, Any]]]) -> None:
        self.chars = chars
        self._lower: dict[str, list[dict[str, Any]]] | None = None

    def get(self, name: str) -> list[dict[str, Any]]:
        found = self.chars.get(name)
        if found:
            return found
        if self._lower is None:
            self._lower = _lower_map(self.chars)
        return self._lower.get(name.lower()) or []


def _text(v: dict[str, Any]) -> str:
    return str(v.get("text", "") if v.get("text") is not None else "")


def _ontology(v: dict[str, Any]) -> str:
    terms = v.get("ontologyTerms") or []
    return str(terms[0]) if terms else ""


def parse_date(text: str) -> str | None:
    """An IMAGE date (YYYY-MM-DD, YYYY-MM or YYYY) as an ISO date, else None."""
    text = text.strip()
    for fmt, pad in (("%Y-%m-%d", ""), ("%Y-%m", "-01"), ("%Y", "-01-01")):
        try:
            datetime.strptime(text, fmt)
        except ValueError:
            continue
        return text + pad
    return None


def parse_number(text: str) -> float | None:
    """A finite number, else None."""
    try:
        value = float(text)
    except (TypeError, ValueError):
        return None
    return value if value == value and abs(value) != float("inf") else None


def parse_point(lat_text: str, lon_text: str) -> tuple[float, float] | None:
    """(lat, lon) when both parse and are in range (the old CDP's ``check_coordinates``)."""
    lat, lon = parse_number(lat_text), parse_number(lon_text)
    if lat is None or lon is None or not (-90 <= lat <= 90 and -180 <= lon <= 180):
        return None
    return lat, lon


def _instant_date(value: Any) -> str | None:
    text = str(value or "")[:10]
    try:
        date.fromisoformat(text)
    except ValueError:
        return None
    return text


def etag_of(sample: dict[str, Any]) -> str:
    """A stable content tag (the old CDP stored BioSamples' ETag header; cursor pages have
    none, so the content is hashed instead)."""
    body = {k: v for k, v in sample.items() if k != "_links"}
    digest = hashlib.blake2b(orjson.dumps(body, option=orjson.OPT_SORT_KEYS),
                             digest_size=16).hexdigest()
    return f'"{digest}"'


@dataclass(frozen=True, slots=True)
class Verdict:
    """The data-quality verdict of one record: worst level and the broken rules."""

    status: str
    messages: tuple[dict[str, str], ...] = ()

    def fields(self) -> dict[str, Any]:
        """The document fields the verdict becomes."""
        errors = sorted({m["field"] for m in self.messages if m["level"] == "error"})
        warnings = sorted({m["field"] for m in self.messages if m["level"] == "warning"})
        return {"quality_status": self.status, "quality_errors": errors,
                "quality_warnings": warnings,
                "quality_codes": sorted({m["code"] for m in self.messages}),
                "quality_messages": list(self.messages)}


UNCHECKED = Verdict("unchecked")


class QualityChecker:
    """Runs the IMAGE validator over harvested records, batch by batch.

    The compiled ruleset is built once (validating records one call at a time would cost
    ~0.5 ms each). Context rules run per submission inside a batch, so two gene banks'
    records that share a local id do not count as duplicates.
    """

    def __init__(self, compiled: CompiledRuleset | None = None) -> None:
        self.compiled = compiled or _default_compiled()
        self._context: ContextChecker | None = None

    def _context_checker(self) -> ContextChecker:
        """One context checker per day: it caches per-plan keys and parsed dates (a new one
        per batch recomputed them and left its keys in every plan), and "today" stays
        today."""
        today = date.today()
        if self._context is None or self._context.today != today:
            self._context = ContextChecker(self.compiled, today=today)
        return self._context

    def check(self, samples: Sequence[dict[str, Any]]) -> list[Verdict]:
        """One verdict per sample, in order."""
        values: ValueCache = {}
        records = [record_from_biosample(s, values) for s in samples]
        plans = [self.compiled.plan_for(r) for r in records]
        messages: list[list[Message]] = [self.compiled.check_record(r, p)
                                         for r, p in zip(records, plans, strict=True)]
        groups: dict[str, list[int]] = defaultdict(list)
        for i, record in enumerate(records):
            groups[_submission_key(record)].append(i)
        checker = self._context_checker()
        for positions in groups.values():
            extra = checker.check([records[i] for i in positions], [plans[i] for i in positions])
            for i, more in zip(positions, extra, strict=True):
                if more:
                    messages[i].extend(more)
        return [Verdict(status_of(m).value,
                        tuple(x.to_dict() for x in m if x.level is not Level.INFO))
                for m in messages]


def _submission_key(record: Record) -> str:
    sub = _attribute(record, "IMAGE submission id")
    bank = _attribute(record, "Gene bank name")
    return f"{sub[0].value if sub else ''}\x00{bank[0].value if bank else ''}"


def _attribute(record: Record, name: str) -> list[AttributeValue]:
    """Values of an attribute by its usual spelling, else case-insensitively."""
    found = record.attributes.get(name)
    if found is not None:
        return found
    wanted = name.lower()
    return next((v for k, v in record.attributes.items() if k.lower() == wanted), [])


@lru_cache(maxsize=1)
def _default_compiled() -> CompiledRuleset:
    return CompiledRuleset(load_default_ruleset(), load_default_terms())


def _fill(doc: dict[str, Any], specs: Sequence[Spec], chars: _Characteristics) -> None:
    for name, source, is_array, ontology, unit in specs:
        if not source:
            continue
        values = chars.get(source)
        if name == "species" and not values:
            values = chars.get("organism")
        if is_array:
            doc[name] = [_text(v) for v in values]
            if ontology:
                doc[f"{name}_ontology"] = [_ontology(v) for v in values]
        else:
            first = values[0] if values else {}
            doc[name] = _text(first)
            if ontology:
                doc[f"{name}_ontology"] = _ontology(first)
            if unit:
                doc[f"{name}_unit"] = str(first.get("unit") or "")


def _outgoing(sample: dict[str, Any], kind: str) -> list[str]:
    acc = sample.get("accession")
    out = []
    for rel in sample.get("relationships") or []:
        if rel.get("source") == acc and str(rel.get("type", "")).lower() == kind:
            target = str(rel.get("target", ""))
            if ACCESSION.match(target) and target not in out:
                out.append(target)
    return out


def predicted_reverse_links(sample: dict[str, Any]) -> dict[str, list[str]]:
    """An animal's ``children`` and ``specimens`` as BioSamples lists them (the incoming
    ``child of`` / ``derived from`` links on the record itself).

    Only a guess of the links :class:`ReverseLinks` computes across the harvested set
    (the linking records may be private, withdrawn or not IMAGE ones); callers must
    reconcile it with the computed links.
    """
    acc = sample.get("accession")
    children: set[str] = set()
    specimens: set[str] = set()
    for rel in sample.get("relationships") or []:
        source = rel.get("source")
        if rel.get("target") != acc or source == acc or not isinstance(source, str):
            continue
        kind = str(rel.get("type", "")).lower()
        if kind == "child of":
            children.add(source)
        elif kind == "derived from":
            specimens.add(source)
    return {"children": sorted(children), "specimens": sorted(specimens)}


def sample_document(sample: dict[str, Any], *, dadis: DadisTable | None = None,
                    verdict: Verdict = UNCHECKED) -> dict[str, Any] | None:
    """One BioSamples record as a pool document, or None if it is not an IMAGE
    organism/specimen (wrong material, no accession). Reverse links start empty."""
    kind = material_of(sample)
    acc = sample.get("accession")
    if kind is None or not acc:
        return None
    chars = _Characteristics(sample.get("characteristics") or {})
    doc: dict[str, Any] = {"data_source_id": acc}
    _fill(doc, COMMON_SPECS, chars)
    doc["etag"] = etag_of(sample)
    species = doc["species"]
    if kind == ORGANISM:
        _fill(doc, ORGANISM_SPECS, chars)
        doc["child_of"] = _outgoing(sample, "child of")
        doc["specimens"] = []
        doc["children"] = []
        link = (dadis or default_table()).lookup(species, doc["supplied_breed"],
                                                 doc["efabis_breed_country"])
        doc["dadis"] = link.to_dict() if link else None
        doc["dadis_url"] = link.url if link else ""
        point = parse_point(doc["birth_location_latitude"], doc["birth_location_longitude"])
        when = parse_date(doc["birth_date"])
        if when:
            doc["birth_date_value"] = when
    else:
        _fill(doc, SPECIMEN_SPECS, chars)
        parents = _outgoing(sample, "derived from")
        doc["derived_from"] = parents[0] if parents else ""
        doc["files"] = []
        point = parse_point(doc["collection_place_latitude"], doc["collection_place_longitude"])
        when = parse_date(doc["collection_date"])
        if when:
            doc["collection_date_value"] = when
        for name in ("animal_age_at_collection", "sampling_to_preparation_interval"):
            number = parse_number(doc[name])
            if number is not None:
                doc[f"{name}_value"] = number
    if point is not None:
        doc["geom"] = {"type": "Point", "coordinates": [point[1], point[0]]}
        doc["location"] = {"lat": point[0], "lon": point[1]}
    else:
        doc["geom"] = None
    refs = [str(r.get("url")) for r in sample.get("externalReferences") or [] if r.get("url")]
    ena = sorted({m for url in refs for m in ENA_ACCESSION.findall(url)})
    submission = chars.get("IMAGE submission id")
    doc.update({
        "id": acc,
        "record_type": kind,
        "name": str(sample.get("name") or ""),
        "common_name": common_name(species),
        "submission_id": _text(submission[0]) if submission else "",
        "biosamples_url": BIOSAMPLES_PAGE.format(acc),
        "external_references": refs,
        "ena_accessions": ena,
    })
    if sample.get("taxId") is not None:
        doc["tax_id"] = str(sample["taxId"])
    for key, target in (("release", "release_date"), ("update", "update_date")):
        value = _instant_date(sample.get(key))
        if value:
            doc[target] = value
    doc.update(verdict.fields())
    return doc


def documents_for_page(samples: Sequence[dict[str, Any]], *, dadis: DadisTable | None = None,
                       checker: QualityChecker | None = None) -> list[dict[str, Any]]:
    """Transform one page of samples (validated together), skipping non-IMAGE ones."""
    kept = [s for s in samples if material_of(s) and s.get("accession")]
    verdicts = (checker or QualityChecker()).check(kept) if kept else []
    docs = []
    for sample, verdict in zip(kept, verdicts, strict=True):
        doc = sample_document(sample, dadis=dadis, verdict=verdict)
        if doc is not None:
            docs.append(doc)
    return docs


@dataclass
class ReverseLinks:
    """Children and specimens of each animal, computed from everyone's outgoing links."""

    children: dict[str, list[str]] = field(default_factory=lambda: defaultdict(list))
    specimens: dict[str, list[str]] = field(default_factory=lambda: defaultdict(list))

    def add(self, doc: dict[str, Any]) -> None:
        """Record the outgoing links of one document."""
        if doc.get("record_type") == ORGANISM:
            for parent in doc.get("child_of") or []:
                self.children[parent].append(doc["id"])
        elif doc.get("record_type") == SPECIMEN and doc.get("derived_from"):
            self.specimens[doc["derived_from"]].append(doc["id"])

    def partial(self, accession: str) -> dict[str, Any]:
        """The reverse-link fields of an animal."""
        return {"children": sorted(self.children.get(accession, ())),
                "specimens": sorted(self.specimens.get(accession, ()))}

    def targets(self) -> set[str]:
        """Every accession some record points to."""
        return set(self.children) | set(self.specimens)


def pool_documents(samples: Iterable[dict[str, Any]], *, dadis: DadisTable | None = None,
                   batch: int = 500) -> Iterator[dict[str, Any]]:
    """Every IMAGE sample as a pool document, with reverse links filled in.

    Reverse links need the whole set, so documents are buffered (not the raw samples);
    the harvester, which must bound its memory, instead indexes page by page and fills
    reverse links from the new index afterwards.
    """
    checker = QualityChecker()
    docs: list[dict[str, Any]] = []
    pending: list[dict[str, Any]] = []
    for sample in samples:
        pending.append(sample)
        if len(pending) >= batch:
            docs.extend(documents_for_page(pending, dadis=dadis, checker=checker))
            pending = []
    if pending:
        docs.extend(documents_for_page(pending, dadis=dadis, checker=checker))
    links = ReverseLinks()
    for doc in docs:
        links.add(doc)
    for doc in docs:
        if doc["record_type"] == ORGANISM:
            doc.update(links.partial(doc["id"]))
        yield doc
