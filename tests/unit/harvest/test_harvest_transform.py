"""BioSamples → pool documents, on the real example records and synthetic ones."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from chalicelib.harvest import synthetic
from chalicelib.harvest.dadis import build_table, load_dadis_export
from chalicelib.harvest.transform import (
    CDP_ORGANISM_FIELDS,
    CDP_SPECIMEN_FIELDS,
    documents_for_page,
    parse_date,
    pool_documents,
    sample_document,
)
from chalicelib.search.mappings import FIELDS

DATA = Path(__file__).resolve().parents[2] / "data" / "ingest"


def example(acc: str) -> dict[str, Any]:
    """The real wwwdev records (the project's copies in tests/data/ingest)."""
    return dict(json.loads((DATA / f"biosamples-{acc}.json").read_text()))


@pytest.fixture(scope="module")
def docs() -> dict[str, dict[str, Any]]:
    samples = [example("SAMEA6376980"), example("SAMEA6376982")]
    return {d["id"]: d for d in pool_documents(samples)}


def test_organism_has_the_old_cdp_fields(docs: dict[str, dict[str, Any]]) -> None:
    doc = docs["SAMEA6376980"]
    assert set(CDP_ORGANISM_FIELDS) <= set(doc)
    assert doc["supplied_breed"] == "Cinta Senese" and doc["sex"] == "male"
    assert doc["sex_ontology"] == "http://purl.obolibrary.org/obo/PATO_0000384"
    assert doc["person_email"] == ["mailto:paolo.cozzi@ibba.cnr.it"]
    assert doc["organization_role_ontology"] == ["http://www.ebi.ac.uk/efo/EFO_0001741"]
    assert doc["birth_date"] == "2019-11-05" and doc["birth_date_unit"] == "YYYY-MM-DD"
    assert doc["birth_location_latitude"] == "" and doc["geom"] is None
    assert "location" not in doc
    assert doc["etag"].startswith('"') and doc["common_name"] == "Pig"
    assert doc["birth_date_value"] == "2019-11-05" and doc["tax_id"] == "9823"


def test_only_outgoing_links_and_computed_reverse_links(docs: dict[str, Any]) -> None:
    animal, sample = docs["SAMEA6376980"], docs["SAMEA6376982"]
    assert animal["child_of"] == ["SAMEA6376991", "SAMEA6376992"]
    # the incoming "derived from" in the animal's own array is not read as its link...
    assert "derived_from" not in animal
    # ...the specimen list is computed from the specimen's outgoing link
    assert animal["specimens"] == ["SAMEA6376982"] and animal["children"] == []
    assert sample["derived_from"] == "SAMEA6376980"
    alone = next(pool_documents([example("SAMEA6376980")]))
    assert alone["specimens"] == []


def test_specimen_fields_and_typed_values(docs: dict[str, Any]) -> None:
    doc = docs["SAMEA6376982"]
    assert set(CDP_SPECIMEN_FIELDS) <= set(doc)
    assert doc["organism_part"] == "blood"
    assert doc["animal_age_at_collection"] == "1" and doc["animal_age_at_collection_unit"] == "day"
    assert doc["animal_age_at_collection_value"] == 1.0
    assert doc["collection_date_value"] == "2019-11-06"


def test_quality_verdict_comes_from_the_validator(docs: dict[str, Any]) -> None:
    doc = docs["SAMEA6376980"]
    assert doc["quality_status"] == "warning" and doc["quality_errors"] == []
    assert "Birth location" in doc["quality_warnings"]
    assert doc["quality_codes"] == ["missing_recommended"]
    broken = synthetic.organism("SAMEA5", birth="2999-01-01")
    verdict = documents_for_page([broken])[0]
    assert verdict["quality_status"] == "error" and verdict["quality_errors"]


def test_same_local_ids_of_two_gene_banks_are_not_duplicates() -> None:
    a = synthetic.organism("SAMEA1", local_id="7", bank="Bank A")
    b = synthetic.organism("SAMEA2", local_id="7", bank="Bank B")
    c = synthetic.organism("SAMEA3", local_id="7", bank="Bank A")
    docs = {d["id"]: d for d in documents_for_page([a, b, c])}
    assert "duplicate_id" not in docs["SAMEA2"]["quality_codes"]
    assert "duplicate_id" in docs["SAMEA1"]["quality_codes"]


def test_geo_point_dadis_and_references() -> None:
    sample = synthetic.organism("SAMEA9", species=1, breed=1, country=1, lat=43.3, lon=-0.37)
    sample["externalReferences"] = [{"url": "https://www.ebi.ac.uk/ena/browser/view/ERS1234567"}]
    doc = sample_document(sample)
    assert doc is not None
    assert doc["location"] == {"lat": 43.3, "lon": -0.37}
    assert doc["geom"] == {"type": "Point", "coordinates": [-0.37, 43.3]}
    assert doc["dadis"]["most_common_name"] == "Béarnaise"
    assert doc["dadis_url"] == doc["dadis"]["dadis_url"]
    assert doc["ena_accessions"] == ["ERS1234567"]


def test_every_document_field_is_in_the_strict_schema() -> None:
    for doc in pool_documents(synthetic.generate(40)):
        assert set(doc) <= set(FIELDS), set(doc) - set(FIELDS)


def test_non_image_material_and_bad_values_are_skipped() -> None:
    stub = {"accession": "SAMEA1", "characteristics": {}}
    assert sample_document(stub) is None
    sample = synthetic.organism("SAMEA2", lat=95.0, lon=10.0)
    doc = sample_document(sample)
    assert doc is not None and doc["geom"] is None and "location" not in doc
    assert parse_date("2019-13") is None and parse_date("2019-02") == "2019-02-01"


def test_dadis_export_adds_links(tmp_path: Path) -> None:
    export = tmp_path / "Report_Export_Data.csv"
    export.write_text("DAD-IS export\nGenerated today\n"
                      "Species;Most common name;Transboundary name;Other name;Country;ISO3\n"
                      "Pig;Cinta Senese;;Cinta, Senese pig;Italy;ITA\n")
    table = load_dadis_export(export)
    link = table.lookup("Sus scrofa", "senese pig", "italy")
    assert link is not None and not link.is_custom and link.iso3 == "ITA"
    assert link.url.endswith("country=ITA&specie=Pig&breed=Cinta%20Senese")
    assert build_table().lookup("Sus scrofa", "Cinta Senese", "Italy") is None
    assert len(build_table().links) == 62
