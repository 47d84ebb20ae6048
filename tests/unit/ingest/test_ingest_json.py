"""BioSamples JSON and the project's own JSON export."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from chalicelib.ingest import UnreadableFile, parse_file
from chalicelib.records import (
    AttributeValue,
    Material,
    Record,
    Relationship,
    RelationshipType,
)


def test_biosamples_animal(data_dir: Path) -> None:
    result = parse_file(data_dir / "biosamples-SAMEA6376980.json")
    assert result.problems == []
    (rec,) = result.records
    assert rec.id == "7" and rec.accession == "SAMEA6376980"
    assert rec.material is Material.ORGANISM
    # only the record's own relationships; the sample's 'derived from' is dropped
    assert rec.relationships == [Relationship(RelationshipType.CHILD_OF, "SAMEA6376991"),
                                 Relationship(RelationshipType.CHILD_OF, "SAMEA6376992")]
    assert rec.first("Sex") == AttributeValue(
        "male", None, ("http://purl.obolibrary.org/obo/PATO_0000384",))
    assert rec.first("Species") == AttributeValue(
        "Sus scrofa", None, ("http://purl.obolibrary.org/obo/NCBITaxon_9823",))
    assert rec.first("Project") == AttributeValue("IMAGE")
    assert rec.first("Submission title") == AttributeValue("Test name collisions")
    assert rec.first("Birth date") == AttributeValue("2019-11-05", "YYYY-MM-DD")
    assert rec.attributes["Description"] == [AttributeValue("Animal 7")]
    for lower in ("sex", "material", "organism", "species", "title", "description"):
        assert lower not in rec.attributes
    assert "Material" not in rec.attributes


def test_biosamples_sample_and_array(data_dir: Path, tmp_path: Path) -> None:
    docs = [json.loads((data_dir / f"biosamples-SAMEA63769{n}.json").read_text())
            for n in ("80", "82")]
    docs[1]["characteristics"]["Data source ID"] = [{"text": "7s"}]
    path = tmp_path / "many.json"
    path.write_text(json.dumps(docs))
    result = parse_file(path)
    assert [r.id for r in result.records] == ["7", "7s"]
    sample = result.records[1]
    assert sample.material is Material.SPECIMEN
    assert sample.relationships == [Relationship(RelationshipType.DERIVED_FROM,
                                                 "SAMEA6376980")]
    assert sample.first("Collection date") == AttributeValue("2019-11-06", "YYYY-MM-DD")
    assert sample.first("Animal age at collection") == AttributeValue("1", "day")


def test_biosamples_duplicate_and_bad_material(data_dir: Path, tmp_path: Path) -> None:
    doc = json.loads((data_dir / "biosamples-SAMEA6376980.json").read_text())
    other = json.loads(json.dumps(doc))
    other["characteristics"]["material"] = [{"text": "cell culture"}]
    path = tmp_path / "dups.json"
    path.write_text(json.dumps([doc, doc, other]))
    result = parse_file(path)
    assert len(result.records) == 1
    assert [(p.row, p.code) for p in result.problems] == [(2, "duplicate-id"),
                                                          (3, "bad-material")]
    assert "cell culture" in result.problems[1].message


def _records() -> list[Record]:
    animal = Record("A1", Material.ORGANISM, accession="SAMEA1")
    animal.add("Sex", "male", terms=("PATO_0000384",))
    animal.add("Birth date", "2020-01-02", "YYYY-MM-DD")
    sample = Record("S1", Material.SPECIMEN,
                    relationships=[Relationship(RelationshipType.DERIVED_FROM, "A1")])
    sample.add("Organism part", "semen")
    return [animal, sample]


def test_export_round_trip(tmp_path: Path) -> None:
    path = tmp_path / "export.json"
    path.write_text(json.dumps({"records": [r.to_dict() for r in _records()]}))
    result = parse_file(path)
    assert result.records == _records() and result.problems == []


def test_export_bare_list_and_bad_record(tmp_path: Path) -> None:
    items = [r.to_dict() for r in _records()] + [{"id": "X", "material": "tissue"},
                                                 _records()[0].to_dict()]
    path = tmp_path / "list.json"
    path.write_text(json.dumps(items))
    result = parse_file(path, "json")
    assert [r.id for r in result.records] == ["A1", "S1"]
    assert [(p.row, p.code) for p in result.problems] == [(3, "bad-record"), (4, "duplicate-id")]


def test_broken_json_names_the_line(tmp_path: Path) -> None:
    path = tmp_path / "broken.json"
    path.write_text('{"records": [\n  {"id": "A1",\n  "material": }\n]}')
    with pytest.raises(UnreadableFile) as err:
        parse_file(path)
    assert err.value.problems[0].line == 3
    assert "not valid JSON" in err.value.problems[0].message
