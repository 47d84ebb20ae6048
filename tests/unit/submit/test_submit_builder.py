"""The BioSamples JSON builder: shape of the real IMAGE records, IRIs, names, merging."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta, timezone
from pathlib import Path
from typing import Any

import pytest

from chalicelib.records import Material, Record, Relationship, RelationshipType
from chalicelib.submission_facts import Organization, Person, SubmissionFacts, with_facts
from chalicelib.submit.builder import (
    MissingFacts,
    build,
    build_sample,
    format_release,
    merge_for_update,
    own_relationships,
    sample_digest,
    sample_name,
    strip_server_fields,
    term_iri,
    withdrawn,
    without_relationships,
)

DATA = Path(__file__).resolve().parents[2] / "data" / "ingest"
RELEASE = datetime(2020, 1, 14, tzinfo=UTC)

FACTS = SubmissionFacts(
    title="Test name collisions", description="Test name collisions with relationship",
    gene_bank_name="Cryoweb IT", gene_bank_country="Italy",
    gene_bank_country_term="NCIT_C16761", data_source_type="Template",
    data_source_version="0.3",
    people=(Person(last_name="Cozzi", email="paolo.cozzi@ibba.cnr.it", affiliation="IBBA-CNR",
                   first_name="Paolo", initials="PC"),),
    organizations=(Organization(name="IBBA-CNR",
                                address="Via E. Bassini, 15 / Via A. Corti 12, 20133 Milano",
                                uri="http://www.ibba.cnr.it/", country="Italy",
                                country_term="NCIT_C16761"),),
)


def example(accession: str) -> dict[str, Any]:
    doc: dict[str, Any] = json.loads(
        (DATA / f"biosamples-{accession}.json").read_text("utf-8"))
    return doc


def animal_7() -> Record:
    """The animal of SAMEA6376980 as a parser gives it (no facts yet)."""
    rec = Record("7", Material.ORGANISM, accession="SAMEA6376980")
    rec.add("Data source ID", "7")
    rec.add("Alternative id", "7")
    rec.add("Description", "Animal 7")
    rec.add("Species", "Sus scrofa", terms=("NCBITaxon_9823",))
    rec.add("Supplied breed", "Cinta Senese")
    rec.add("EFABIS Breed country", "Italy")
    rec.add("Mapped breed", "pig breed", terms=("LBO_0000003",))
    rec.add("Sex", "male", terms=("PATO:0000384",))
    rec.add("Birth date", "2019-11-05", units="YYYY-MM-DD")
    rec.add("Birth location accuracy", "missing geographic information")
    rec.relationships = [Relationship(RelationshipType.CHILD_OF, "5"),
                         Relationship(RelationshipType.CHILD_OF, "6")]
    return rec


def sample_7() -> Record:
    """The specimen of SAMEA6376982."""
    rec = Record("7", Material.SPECIMEN, accession="SAMEA6376982")
    rec.add("Data source ID", "7")
    rec.add("Alternative id", "7")
    rec.add("Species", "Sus scrofa", terms=("http://purl.obolibrary.org/obo/NCBITaxon_9823",))
    rec.add("Organism part", "blood", terms=("UBERON_0000178",))
    rec.add("Collection date", "2019-11-06", units="YYYY-MM-DD")
    rec.add("Collection place accuracy", "missing geographic information")
    rec.add("Animal age at collection", "1", units="day")
    rec.add("Availability", "no longer available")
    rec.add("Sample storage", "frozen, -20 degrees Celsius freezer")
    rec.relationships = [Relationship(RelationshipType.DERIVED_FROM, "7")]
    return rec


@pytest.mark.parametrize(("record", "accession", "accessions"), [
    (animal_7, "SAMEA6376980", {"5": "SAMEA6376991", "6": "SAMEA6376992"}),
    (sample_7, "SAMEA6376982", {"7": "SAMEA6376980"}),
])
def test_shape_matches_the_real_image_records(record: Any, accession: str,
                                              accessions: dict[str, str]) -> None:
    real = example(accession)
    release = datetime.fromisoformat(real["release"].replace("Z", "+00:00"))
    built = build_sample(with_facts(record(), FACTS), accessions=accessions, release=release,
                         name=real["name"])
    expected_chars = dict(real["characteristics"])
    # the InjectTool's own submission id means nothing outside it: not sent
    del expected_chars["IMAGE submission id"]
    assert built["characteristics"] == expected_chars
    assert list(built["characteristics"]) == sorted(built["characteristics"])
    assert built["relationships"] == own_relationships(real)
    assert built["accession"] == real["accession"]
    assert built["release"] == real["release"]
    assert built["name"] == real["name"]
    assert set(built) == {"name", "release", "characteristics", "relationships", "accession"}


def test_term_iris_per_ontology() -> None:
    assert term_iri("NCBITaxon_9913") == "http://purl.obolibrary.org/obo/NCBITaxon_9913"
    assert term_iri("PATO:0000383") == "http://purl.obolibrary.org/obo/PATO_0000383"
    assert term_iri("UBERON_0000178") == "http://purl.obolibrary.org/obo/UBERON_0000178"
    assert term_iri("NCIT_C16761") == "http://purl.obolibrary.org/obo/NCIT_C16761"
    assert term_iri("LBO_0000003") == "http://purl.obolibrary.org/obo/LBO_0000003"
    assert term_iri("OBI_0100026") == "http://purl.obolibrary.org/obo/OBI_0100026"
    assert term_iri("EFO_0001741") == "http://www.ebi.ac.uk/efo/EFO_0001741"
    assert term_iri("EFO:0001272") == "http://www.ebi.ac.uk/efo/EFO_0001272"
    assert term_iri(" http://www.ebi.ac.uk/efo/EFO_0001741 ") == \
        "http://www.ebi.ac.uk/efo/EFO_0001741"
    assert term_iri("not a term") == "not a term"


def test_release_is_a_full_utc_instant() -> None:
    assert format_release(datetime(2024, 5, 6, 7, 8, 9, 123456, tzinfo=UTC)) == \
        "2024-05-06T07:08:09Z"
    cet = timezone(timedelta(hours=1))
    assert format_release(datetime(2024, 1, 1, 0, 30, tzinfo=cet)) == "2023-12-31T23:30:00Z"
    assert format_release(datetime(2024, 1, 1)) == "2024-01-01T00:00:00Z"


def test_name_is_stable_unique_and_search_safe() -> None:
    a = sample_name("team-1", "sub-1", Material.ORGANISM, "ANIMAL:::ID:::1 x")
    assert a == sample_name("team-1", "sub-1", "organism", "ANIMAL:::ID:::1 x")
    assert a.startswith("IMAGEA") and len(a) == 30 and a.isalnum()
    others = {
        sample_name("team-2", "sub-1", Material.ORGANISM, "ANIMAL:::ID:::1 x"),
        sample_name("team-1", "sub-2", Material.ORGANISM, "ANIMAL:::ID:::1 x"),
        sample_name("team-1", "sub-1", Material.SPECIMEN, "ANIMAL:::ID:::1 x"),
        sample_name("team-1", "sub-1", Material.ORGANISM, "ANIMAL:::ID:::1"),
    }
    assert a not in others and len(others) == 4
    assert sample_name("t", "s", Material.SPECIMEN, "1").startswith("IMAGES")


def test_new_record_has_no_accession_and_reports_unresolved_relationships() -> None:
    rec = with_facts(animal_7(), FACTS)
    rec.accession = None
    result = build(rec, accessions={"5": "SAMEA1"}, release=RELEASE, name="N")
    assert "accession" not in result.sample and "relationships" not in result.sample
    # no source accession yet: every relationship waits
    assert [r.target for r in result.unresolved] == ["5", "6"]


def test_relationships_to_accessions_only_and_unresolved_left_out() -> None:
    rec = with_facts(animal_7(), FACTS)
    rec.relationships.append(Relationship(RelationshipType.SAME_AS, "SAMEA42"))
    rec.relationships.append(Relationship(RelationshipType.CHILD_OF, "5"))  # repeated
    result = build(rec, accessions={"5": "SAMEA6376991"}, release=RELEASE, name="N")
    assert result.sample["relationships"] == [
        {"source": "SAMEA6376980", "type": "child of", "target": "SAMEA6376991"},
        {"source": "SAMEA6376980", "type": "same as", "target": "SAMEA42"},
    ]
    assert [(r.type.value, r.target) for r in result.unresolved] == [("child of", "6")]


def test_missing_facts_are_refused_unless_told() -> None:
    with pytest.raises(MissingFacts, match="Gene bank name"):
        build_sample(animal_7(), accessions={}, release=RELEASE)
    sample = build_sample(animal_7(), accessions={}, release=RELEASE, facts_applied=False)
    assert sample["characteristics"]["project"] == [{"text": "IMAGE"}]
    assert sample["name"].startswith("IMAGEA")


def test_empty_values_and_units_and_no_species() -> None:
    rec = Record("x", Material.SPECIMEN)
    rec.add("Sampling to preparation interval", "3", units="day")
    rec.add("Developmental stage", "", terms=("EFO_0001272",))
    sample = build_sample(rec, accessions={}, release=RELEASE, facts_applied=False)
    chars = sample["characteristics"]
    assert chars["Sampling to preparation interval"] == [{"text": "3", "unit": "day"}]
    assert "Developmental stage" not in chars
    assert "organism" not in chars  # BioSamples will refuse it: the service reports that
    assert chars["material"] == [{
        "ontologyTerms": ["http://purl.obolibrary.org/obo/OBI_0001479"],
        "text": "specimen from organism"}]


def test_post_body_has_neither_relationships_nor_accession() -> None:
    sample = build_sample(with_facts(animal_7(), FACTS),
                          accessions={"5": "SAMEA1", "6": "SAMEA2"}, release=RELEASE)
    body = without_relationships(sample)
    assert "relationships" not in body and "accession" not in body
    assert body["characteristics"] == sample["characteristics"]


def test_strip_server_fields_drops_computed_fields_and_incoming_links() -> None:
    real = example("SAMEA6376980")
    stripped = strip_server_fields(real)
    for key in ("_links", "releaseDate", "updateDate", "taxId", "submittedVia", "update",
                "domain"):
        assert key not in stripped
    assert stripped["create"] == real["create"]
    assert all(r["source"] == "SAMEA6376980" for r in stripped["relationships"])
    assert len(stripped["relationships"]) == 2


def test_merge_keeps_server_fields_and_replaces_the_rest() -> None:
    server = example("SAMEA6376980")
    server.update({"sraAccession": "ERS1", "submitted": "2019-12-04T15:15:41.936Z",
                   "webinSubmissionAccountId": "Webin-1"})
    server["characteristics"]["SRA accession"] = [{"text": "ERS1"}]
    new = build_sample(with_facts(animal_7(), FACTS), accessions={"5": "SAMEA6376991"},
                       release=datetime(2030, 1, 1, tzinfo=UTC), name="IMAGEAOTHER")
    new["characteristics"]["Supplied breed"] = [{"text": "Nero Siciliano"}]
    body = merge_for_update(server, new)
    assert body["name"] == server["name"]  # the stored name stays
    for key in ("accession", "sraAccession", "create", "submitted",
                "webinSubmissionAccountId", "release"):
        assert body[key] == server[key]
    assert body["characteristics"]["SRA accession"] == [{"text": "ERS1"}]
    assert body["characteristics"]["Supplied breed"] == [{"text": "Nero Siciliano"}]
    assert "IMAGE submission id" not in body["characteristics"]  # replaced, not merged
    assert body["relationships"] == [
        {"source": "SAMEA6376980", "type": "child of", "target": "SAMEA6376991"}]
    for key in ("_links", "taxId", "releaseDate", "updateDate", "status", "domain"):
        assert key not in body
    moved = merge_for_update(server, new, keep_release=False)
    assert moved["release"] == "2030-01-01T00:00:00Z"


def test_withdrawn_moves_release_far_ahead_and_keeps_content() -> None:
    server = example("SAMEA6376982")
    body = withdrawn(server)
    assert body["release"].startswith("3000-")
    assert body["characteristics"] == server["characteristics"]
    assert body["relationships"] == own_relationships(server)


def test_digest_ignores_release_and_server_fields_but_sees_content() -> None:
    rec = with_facts(animal_7(), FACTS)
    one = build_sample(rec, accessions={"5": "SAMEA1", "6": "SAMEA2"}, release=RELEASE)
    later = build_sample(rec, accessions={"5": "SAMEA1", "6": "SAMEA2"},
                         release=RELEASE + timedelta(days=3))
    assert sample_digest(one) == sample_digest(later)
    assert sample_digest(one) == sample_digest({**one, "_links": {}, "create": "x"})
    changed = json.loads(json.dumps(one))
    changed["characteristics"]["sex"][0]["text"] = "female"
    assert sample_digest(changed) != sample_digest(one)
    fewer = build_sample(rec, accessions={"5": "SAMEA1"}, release=RELEASE)
    assert sample_digest(fewer) != sample_digest(one)
