"""Builders shared by the validator tests: a valid animal and a valid sample."""

from __future__ import annotations

from datetime import date
from functools import lru_cache

from chalicelib.records import AttributeValue, Material, Record, Relationship, RelationshipType
from chalicelib.validate import (
    InMemoryTermStore,
    Ruleset,
    ValidationReport,
    load_default_ruleset,
    load_default_terms,
    validate_submission,
)

TODAY = date(2024, 6, 1)


def standard(rid: str) -> dict[str, list[AttributeValue]]:
    def one(value: str, units: str | None = None, *terms: str) -> list[AttributeValue]:
        return [AttributeValue(value, units, tuple(terms))]

    return {
        "Data source ID": one(rid),
        "Alternative id": one(f"alt-{rid}"),
        "Project": one("IMAGE"),
        "Submission title": one("Test submission"),
        "Submission description": one("Records for the tests"),
        "Person last name": one("Cozzi"),
        "Person first name": one("Paolo"),
        "Person email": one("mailto:paolo.cozzi@ibba.cnr.it"),
        "Person affiliation": one("IBBA-CNR"),
        "Person role": one("submitter", None, "EFO_0001741"),
        "Organization name": one("IBBA-CNR"),
        "Organization address": one("Via Bassini 15, Milano"),
        "Organization country": one("Italy", None, "NCIT_C16761"),
        "Organization role": one("submitter", None, "EFO_0001741"),
        "Gene bank name": one("Cryoweb IT"),
        "Gene bank country": one("Italy", None, "NCIT_C16761"),
        "Data source type": one("CryoWeb"),
        "Data source version": one("2024-01-01"),
        "Species": one("Sus scrofa", None, "NCBITaxon_9823"),
    }


def animal(rid: str = "A1", *, sex: str = "male", parents: tuple[str, ...] = ()) -> Record:
    attrs = standard(rid)
    sex_term = {"male": "PATO_0000384", "female": "PATO_0000383"}[sex]
    attrs.update({
        "Material": [AttributeValue("organism", None, ("OBI_0100026",))],
        "Supplied breed": [AttributeValue("Bunte Bentheimer")],
        "EFABIS Breed country": [AttributeValue("Germany")],
        "Mapped breed": [AttributeValue("Bentheim Black Pied", None, ("LBO_0000347",))],
        "Sex": [AttributeValue(sex, None, (sex_term,))],
        "Birth date": [AttributeValue("2019-11-05", "YYYY-MM-DD")],
        "Birth location": [AttributeValue("Bentheim")],
        "Birth location latitude": [AttributeValue("52.3", "decimal degrees")],
        "Birth location longitude": [AttributeValue("7.16", "decimal degrees")],
        "Birth location accuracy": [AttributeValue("precise coordinates")],
    })
    rels = [Relationship(RelationshipType.CHILD_OF, p) for p in parents]
    return Record(rid, Material.ORGANISM, attrs, rels)


def sample(rid: str = "S1", of: str = "A1", *, part: tuple[str, str] = ("blood",
           "UBERON_0000178")) -> Record:
    attrs = standard(rid)
    attrs.update({
        "Material": [AttributeValue("specimen from organism", None, ("OBI_0001479",))],
        "Derived from": [AttributeValue(of)],
        "Specimen collection protocol": [AttributeValue("https://example.org/sop.pdf")],
        "Collection date": [AttributeValue("2021-03", "YYYY-MM")],
        "Collection place": [AttributeValue("Bentheim")],
        "Collection place latitude": [AttributeValue("52.3", "decimal degrees")],
        "Collection place longitude": [AttributeValue("7.16", "decimal degrees")],
        "Collection place accuracy": [AttributeValue("region level")],
        "Organism part": [AttributeValue(part[0], None, (part[1],))],
        "Developmental stage": [AttributeValue("adult", None, ("EFO_0001272",))],
        "Physiological stage": [AttributeValue("mature", None, ("PATO_0001701",))],
        "Animal age at collection": [AttributeValue("2", "years")],
        "Availability": [AttributeValue("mailto:genebank@example.org")],
        "Sample storage": [AttributeValue("frozen, liquid nitrogen")],
        "Sample storage processing": [
            AttributeValue("cryopreservation of live cells in liquid nitrogen")],
    })
    return Record(rid, Material.SPECIMEN, attrs,
                  [Relationship(RelationshipType.DERIVED_FROM, of)])


@lru_cache(maxsize=1)
def terms() -> InMemoryTermStore:
    return load_default_terms()


def ruleset() -> Ruleset:
    return load_default_ruleset()


def run(*records: Record, today: date = TODAY) -> ValidationReport:
    return validate_submission(list(records), ruleset(), terms(), today=today)


def codes(report: ValidationReport, rid: str, material: str | None = None) -> set[str]:
    return {m.code for r in report.records if r.id == rid
            and (material is None or r.material == material) for m in r.messages}


def messages(report: ValidationReport, rid: str, code: str) -> list[tuple[str, str, str]]:
    return [(m.level.value, m.field, m.message) for r in report.records if r.id == rid
            for m in r.messages if m.code == code]


def setv(record: Record, name: str, *values: AttributeValue) -> Record:
    record.attributes[name] = list(values)
    return record
