"""BioSamples JSON → :class:`~chalicelib.records.Record`, so harvested or re-submitted
records can be validated like uploaded ones.

Characteristics become attributes under their BioSamples spelling (the validator matches
names case-insensitively); ``text``/``unit``/``ontologyTerms`` become value/units/terms.
Only relationships whose ``source`` is the record itself are kept (BioSamples also lists
incoming links). The top-level ``taxId`` is kept as a ``taxId`` attribute so the context
rules can compare it with Species.

Not :mod:`chalicelib.ingest.biosamples_json`, the upload reader: that one renames to the
ruleset's names, reports problems per record and drops what it cannot use; this one must
take any public record as it is (the pool's verdict is about the record, not a cleaned
copy) and runs once per harvested record, so it is lenient and allocation-light.
"""

from __future__ import annotations

from typing import Any

from chalicelib.records import AttributeValue, Material, Record, Relationship, RelationshipType

_REL_TYPES = {t.value: t for t in RelationshipType}


#: Interned values, shared by the records of one batch (see :func:`record_from_biosample`).
ValueCache = dict[tuple[Any, ...], AttributeValue]


def _value(v: dict[str, Any], cache: ValueCache) -> AttributeValue:
    text, unit, terms = v.get("text", ""), v.get("unit") or None, v.get("ontologyTerms")
    if type(text) is not str or not (unit is None or type(unit) is str):
        # malformed (a number, a list…): still a value, never shared (1 == True as keys)
        return AttributeValue(str(text), unit, tuple(terms or ()))
    key = (text, unit, *terms) if terms else (text, unit)
    try:
        return cache[key]
    except KeyError:
        value = cache[key] = AttributeValue(text, unit, tuple(terms or ()))
    except TypeError:  # an unhashable ontology term
        value = AttributeValue(text, unit, tuple(terms or ()))
    return value


def record_from_biosample(doc: dict[str, Any], cache: ValueCache | None = None) -> Record:
    """One BioSamples sample document as a Record (id = its Data source ID, else name).

    ``cache`` interns equal values across the records of a batch: most characteristics of
    a gene bank's records are the same (people, organization, project, units), and building
    one frozen value per characteristic was a quarter of a harvest's Python time.
    """
    cache = {} if cache is None else cache
    chars: dict[str, list[dict[str, Any]]] = doc.get("characteristics") or {}
    attributes: dict[str, list[AttributeValue]] = {}
    for name, values in chars.items():
        attributes[name] = [_value(v, cache) for v in values]
    lower = {k.lower(): k for k in attributes}
    material_key = lower.get("material")
    material_text = attributes[material_key][0].value if material_key else ""
    material = Material.SPECIMEN if material_text == Material.SPECIMEN.value \
        else Material.ORGANISM
    if doc.get("taxId") is not None and "taxid" not in lower:
        tax = str(doc["taxId"])
        attributes["taxId"] = [AttributeValue(tax, terms=(f"NCBITaxon_{tax}",))]
    accession = doc.get("accession") or None
    relationships = [
        Relationship(_REL_TYPES[r["type"].lower()], str(r["target"]))
        for r in doc.get("relationships") or []
        if r.get("source") == accession and str(r.get("type", "")).lower() in _REL_TYPES]
    id_key = lower.get("data source id")
    rid = attributes[id_key][0].value if id_key else str(doc.get("name") or accession or "")
    return Record(id=rid, material=material, attributes=attributes,
                  relationships=relationships, accession=accession)


def records_from_biosamples_docs(docs: list[dict[str, Any]]) -> list[Record]:
    """Records of a BioSamples JSON file, before or after submission.

    Before submission there are no accessions, so a relationship may name another record
    of the same file by its ``name`` (and its ``source`` is the record's own name): such
    targets become that record's id, so the context rules can resolve them.
    """
    records = [record_from_biosample(doc) for doc in docs]
    by_name = {str(doc.get("name")): rec.id for doc, rec in zip(docs, records, strict=True)
               if doc.get("name")}
    for doc, rec in zip(docs, records, strict=True):
        own = {doc.get("accession"), doc.get("name")} - {None}
        if doc.get("accession"):
            continue  # record_from_biosample kept the accessioned record's own links
        rec.relationships = [
            Relationship(_REL_TYPES[str(r["type"]).lower()],
                         by_name.get(str(r["target"]), str(r["target"])))
            for r in doc.get("relationships") or []
            if (r.get("source") in own or not r.get("source"))
            and str(r.get("type", "")).lower() in _REL_TYPES and r.get("target")]
    return records
