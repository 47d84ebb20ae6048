"""The two real BioSamples records (an animal and a blood sample from it).

What a faithful validator says: both are complete for every mandatory field, every term is
right, the sample is derived from the animal in the same species, and the animal's parents
are BioSamples accessions. Both lack some *recommended* fields, so both come out as
warnings, with no error: the animal lacks its birth location and coordinates (its
accuracy is "missing geographic information"), the sample its collection protocol, place
and coordinates, stages and storage processing.
"""

from __future__ import annotations

import json
from pathlib import Path

from validate_support import TODAY, ruleset, terms

from chalicelib.records import Material, Record, RelationshipType
from chalicelib.validate import Status, validate_submission
from chalicelib.validate.biosample import record_from_biosample

DATA = Path(__file__).resolve().parents[2] / "data" / "ingest"


def load(accession: str) -> Record:
    doc = json.loads((DATA / f"biosamples-{accession}.json").read_text(encoding="utf-8"))
    return record_from_biosample(doc)


def test_conversion() -> None:
    a = load("SAMEA6376980")
    assert (a.id, a.material, a.accession) == ("7", Material.ORGANISM, "SAMEA6376980")
    # the incoming "derived from" of the sample is not the animal's own relationship
    assert [(r.type, r.target) for r in a.relationships] == [
        (RelationshipType.CHILD_OF, "SAMEA6376991"), (RelationshipType.CHILD_OF, "SAMEA6376992")]
    assert a.attributes["taxId"][0].value == "9823"
    s = load("SAMEA6376982")
    assert s.material is Material.SPECIMEN
    assert [(r.type, r.target) for r in s.relationships] == [
        (RelationshipType.DERIVED_FROM, "SAMEA6376980")]


def test_animal_and_sample_validate_with_warnings_only() -> None:
    report = validate_submission([load("SAMEA6376980"), load("SAMEA6376982")], ruleset(),
                                 terms(), today=TODAY)
    animal, sample = report.records
    assert (animal.status, sample.status) == (Status.WARNING, Status.WARNING)
    assert {m.code for m in animal.messages} == {"missing_recommended"}
    assert {m.field for m in animal.messages} == {
        "Birth location", "Birth location latitude", "Birth location longitude"}
    assert {m.code for m in sample.messages} == {"missing_recommended"}
    assert {m.field for m in sample.messages} == {
        "Specimen collection protocol", "Collection place", "Collection place latitude",
        "Collection place longitude", "Developmental stage", "Physiological stage",
        "Sample storage processing"}
    assert report.summary() == {"pass": 0, "warning": 2, "error": 0}


def test_sample_is_checked_against_its_animal_through_the_accession() -> None:
    animal, sample = load("SAMEA6376980"), load("SAMEA6376982")
    animal.attributes["sex"][0] = type(animal.attributes["sex"][0])(
        "female", None, ("http://purl.obolibrary.org/obo/PATO_0000383",))
    sample.attributes["Organism part"][0] = type(sample.attributes["Organism part"][0])(
        "semen", None, ("http://purl.obolibrary.org/obo/UBERON_0001968",))
    report = validate_submission([animal, sample], ruleset(), terms(), today=TODAY)
    assert "semen_from_female" in report.records[1].codes()


def test_taxid_disagreeing_with_species_is_an_error() -> None:
    doc = json.loads((DATA / "biosamples-SAMEA6376980.json").read_text(encoding="utf-8"))
    doc["taxId"] = 9913
    report = validate_submission([record_from_biosample(doc)], ruleset(), terms(), today=TODAY)
    assert "taxon_mismatch" in report.records[0].codes()


def test_each_record_alone() -> None:
    for acc in ("SAMEA6376980", "SAMEA6376982"):
        report = validate_submission([load(acc)], ruleset(), terms(), today=TODAY)
        assert report.records[0].status is Status.WARNING


def test_a_batch_shares_equal_values_and_keeps_odd_ones_apart() -> None:
    def sample(**chars: list[dict[str, object]]) -> dict[str, object]:
        return {"accession": "SAMEA1", "characteristics": chars}

    cache: dict = {}
    one = record_from_biosample(sample(project=[{"text": "IMAGE"}],
                                       sex=[{"text": "male", "ontologyTerms": ["PATO_1"]}]),
                                cache)
    two = record_from_biosample(sample(project=[{"text": "IMAGE"}],
                                       sex=[{"text": "male", "ontologyTerms": ["PATO_2"]}]),
                                cache)
    assert one.attributes["project"][0] is two.attributes["project"][0]
    assert one.attributes["sex"][0].terms == ("PATO_1",)
    assert two.attributes["sex"][0].terms == ("PATO_2",)
    # malformed texts become strings and never share a value (1 == True as dict keys)
    odd = record_from_biosample(sample(a=[{"text": 1}], b=[{"text": True}],
                                       c=[{"text": "x", "ontologyTerms": [{"bad": 1}]}]),
                                cache)
    assert [odd.attributes[k][0].value for k in "ab"] == ["1", "True"]
    assert odd.attributes["c"][0].terms == ({"bad": 1},)
