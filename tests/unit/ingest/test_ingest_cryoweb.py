"""CryoWeb dumps: the real example, view semantics, COPY data and malformed SQL."""

from __future__ import annotations

from pathlib import Path

import pytest

from chalicelib.ingest import UnreadableFile, parse_file
from chalicelib.ingest.sqlsplit import iter_statements
from chalicelib.records import AttributeValue, Material, Relationship, RelationshipType

SIRE, DAM, CHILD = "ANIMAL:::ID:::WF60/B0811", "ANIMAL:::ID:::WF60/6532", "ANIMAL:::ID:::WF001265"


def test_real_example(data_dir: Path) -> None:
    result = parse_file(data_dir / "cryoweb_test_data_only.sql")
    assert result.problems == [] and result.skipped == []
    animals = {r.id: r for r in result.records if r.material is Material.ORGANISM}
    samples = [r for r in result.records if r.material is Material.SPECIMEN]
    assert sorted(animals) == sorted([SIRE, DAM, CHILD])
    assert len(samples) == 1
    child = animals[CHILD]
    assert child.relationships == [Relationship(RelationshipType.CHILD_OF, SIRE),
                                   Relationship(RelationshipType.CHILD_OF, DAM)]
    assert animals[SIRE].relationships == [] and animals[DAM].relationships == []
    assert animals[SIRE].first("Sex") == AttributeValue("male")
    assert animals[DAM].first("Sex") == AttributeValue("female")
    assert child.first("Birth date") == AttributeValue("2003-01-16", "YYYY-MM-DD")
    assert child.first("Birth location latitude") == AttributeValue("52.034505",
                                                                    "decimal degrees")
    assert child.first("Birth location longitude") == AttributeValue("8.939664",
                                                                     "decimal degrees")
    assert child.first("Birth location accuracy") == AttributeValue("unknown accuracy level")
    assert animals[SIRE].first("Birth location accuracy") == AttributeValue(
        "missing geographic information")
    assert child.first("Supplied breed") == AttributeValue("Ostfriesisches Milchschaf")
    assert child.first("EFABIS Breed country") == AttributeValue("Germany")
    assert child.first("Species") == AttributeValue("Sheep", None, ("NCBITaxon_9940",))
    assert child.first("Alternative id") == AttributeValue("440")
    vessel = samples[0]
    assert vessel.id == "MA_052_KR_S_Snh_S03_Mariensee_WF001265_OMS_13.01.04"
    assert vessel.relationships == [Relationship(RelationshipType.DERIVED_FROM, CHILD)]
    assert vessel.first("Collection date") == AttributeValue("2004-01-13", "YYYY-MM-DD")
    # born 2003-01-16, collected 2004-01-13 (the old InjectTool computed it too)
    assert vessel.first("Animal age at collection") == AttributeValue("362", "day")
    assert vessel.first("Organism part") == AttributeValue("semen")
    assert vessel.first("Species") == AttributeValue("Sheep", None, ("NCBITaxon_9940",))


def test_malformed_sql_names_the_line(data_dir: Path) -> None:
    with pytest.raises(UnreadableFile) as err:
        parse_file(data_dir / "cryoweb_malformed.sql")
    p = err.value.problems[0]
    assert p.line == 230 and p.code == "bad-sql"
    assert "line 230" in p.message and "syntax error" in p.message


def _dump(tmp_path: Path, body: str, name: str = "dump.sql") -> Path:
    path = tmp_path / name
    path.write_text("--\n-- PostgreSQL database dump\n--\n\nSET client_encoding = 'UTF8';\n"
                    + body, encoding="utf-8")
    return path


BASE = """
INSERT INTO unit (db_unit, ext_unit, ext_id) VALUES (1, 'ANIMAL', 'ID');
INSERT INTO codes (ext_code, class, db_code) VALUES ('m', 'SEX', 10);
INSERT INTO codes (ext_code, class, db_code) VALUES ('f', 'SEX', 11);
INSERT INTO codes (ext_code, class, db_code) VALUES ('Cattle', 'SPECIES', 20);
INSERT INTO codes (ext_code, class, db_code) VALUES ('Blood', 'CRYO_TYPE', 30);
INSERT INTO codes (ext_code, class, db_code) VALUES ('HF', 'BREED', 40);
INSERT INTO breeds_species (breed_id, db_breed, db_species, efabis_mcname, efabis_country)
    VALUES (1, 40, 20, 'Holstein; black & white', 'Netherlands');
INSERT INTO protocols (protocol_id, protocol_name, db_material_type) VALUES (5, 'p', 30);
"""


def test_multiline_strings_escapes_and_missing_animal(tmp_path: Path) -> None:
    body = BASE + (
        "INSERT INTO transfer (db_animal, ext_animal, db_unit) VALUES (100, 'it''s; odd', 1);\n"
        "INSERT INTO transfer (db_animal, ext_animal, db_unit) VALUES (101, E'tab\\there', 1);\n"
        "INSERT INTO animal (db_animal, db_sex, db_breed, db_species, birth_year, comment) "
        "VALUES (100, 10, 40, 20, '1999', 'line one;\n-- not a comment\nline three');\n"
        "INSERT INTO animal (db_animal, db_sex, db_breed, db_species, birth_dt) "
        "VALUES (101, 12, 40, 20, '2001-02-03'::date);\n"
        "INSERT INTO vessels (db_vessel, ext_vessel, db_animal, protocol_id, production_dt) "
        "VALUES (1, 'V1', 100, 5, '2005-06-07');\n"
        "INSERT INTO vessels (db_vessel, ext_vessel, db_animal, protocol_id, production_dt) "
        "VALUES (2, 'V2', 999, 5, NULL);\n")
    result = parse_file(_dump(tmp_path, body))
    recs = {r.id: r for r in result.records}
    assert sorted(recs) == ["ANIMAL:::ID:::it's; odd", "ANIMAL:::ID:::tab\there", "V1"]
    first = recs["ANIMAL:::ID:::it's; odd"]
    assert first.first("Birth date") == AttributeValue("1999", "YYYY")
    assert first.first("Supplied breed") == AttributeValue("Holstein; black & white")
    assert first.first("Species") == AttributeValue("Cattle", None, ("NCBITaxon_9913",))
    second = recs["ANIMAL:::ID:::tab\there"]
    assert second.first("Birth date") == AttributeValue("2001-02-03", "YYYY-MM-DD")
    assert recs["V1"].first("Organism part") == AttributeValue("blood")
    problems = {(p.code, p.column): p for p in result.problems}
    sex = problems[("bad-sex", "db_sex")]
    assert sex.line == 21 and "'m' or 'f'" in sex.message
    orphan = problems[("unknown-animal", "db_animal")]
    assert orphan.line == 23 and "V2" in orphan.message


def test_copy_format_is_read(tmp_path: Path) -> None:
    body = BASE + (
        "COPY transfer (db_animal, ext_animal, db_unit) FROM stdin;\n"
        "7\tBULL\\t1\t1\n8\tCOW\t1\n\\.\n"
        "COPY animal (db_animal, db_sire, db_dam, db_sex, db_breed, db_species) FROM stdin;\n"
        "7\t\\N\t\\N\t10\t40\t20\n8\t\\N\t\\N\t11\t40\t20\n9\t7\t8\t10\t40\t20\n\\.\n"
        "COPY transfer (db_animal, ext_animal, db_unit) FROM stdin;\n9\tCALF\t1\n\\.\n")
    result = parse_file(_dump(tmp_path, body))
    recs = {r.id: r for r in result.records}
    calf = recs["ANIMAL:::ID:::CALF"]
    assert calf.relationships == [
        Relationship(RelationshipType.CHILD_OF, "ANIMAL:::ID:::BULL\t1"),
        Relationship(RelationshipType.CHILD_OF, "ANIMAL:::ID:::COW")]


def test_unterminated_string(tmp_path: Path) -> None:
    body = BASE + "INSERT INTO unit (db_unit, ext_unit, ext_id) VALUES (2, 'open, 'x');\n"
    with pytest.raises(UnreadableFile) as err:
        parse_file(_dump(tmp_path, body))
    p = err.value.problems[0]
    assert p.line == 16 and "truncated or a quote is not closed" in p.message


def test_bad_utf8_byte_names_the_line(tmp_path: Path) -> None:
    path = _dump(tmp_path, BASE)
    path.write_bytes(path.read_bytes() + b"INSERT INTO unit (db_unit) VALUES ('\xff');\n")
    with pytest.raises(UnreadableFile) as err:
        parse_file(path)
    p = err.value.problems[0]
    assert p.code == "bad-encoding" and p.line == 16


def test_batches_fall_back_on_an_error_and_keep_the_line(tmp_path: Path) -> None:
    rows = "".join(f"INSERT INTO unit (db_unit, ext_unit, ext_id) VALUES ({i}, 'U', 'x');\n"
                   for i in range(50))
    rows += "INSERT INTO unit (db_unit, ext_unit, ext_id) VALUES (50, 'U' 'x');\n"  # 2 values
    rows += "INSERT INTO unit (db_unit, ext_unit, ext_id) VALUES (51, 'U', 'x',);\n"
    with pytest.raises(UnreadableFile) as err:
        parse_file(_dump(tmp_path, rows))
    assert err.value.problems[0].line == 56


def test_splitter_yields_statements_with_first_lines(tmp_path: Path) -> None:
    path = _dump(tmp_path, "SELECT 1; SELECT 2;\nSELECT $$a;b$$\n;\n/* c; */ SELECT 3;\n")
    got = [(kind, line, text) for kind, line, text in iter_statements(path, "x")]
    assert [g[1] for g in got] == [5, 6, 6, 7, 9]
    assert got[3][2] == "SELECT $$a;b$$\n;"


def test_age_at_collection_needs_two_full_dates_in_order(tmp_path: Path) -> None:
    body = BASE + (
        "INSERT INTO transfer (db_animal, ext_animal, db_unit) VALUES (1, 'A', 1);\n"
        "INSERT INTO transfer (db_animal, ext_animal, db_unit) VALUES (2, 'B', 1);\n"
        "INSERT INTO animal (db_animal, db_sex, db_breed, db_species, birth_dt) "
        "VALUES (1, 10, 40, 20, '2010-03-01');\n"
        "INSERT INTO animal (db_animal, db_sex, db_breed, db_species, birth_year) "
        "VALUES (2, 11, 40, 20, '2009');\n"
        "INSERT INTO vessels (db_vessel, ext_vessel, db_animal, protocol_id, production_dt) "
        "VALUES (1, 'ON_TIME', 1, 5, '2012-03-01');\n"
        "INSERT INTO vessels (db_vessel, ext_vessel, db_animal, protocol_id, production_dt) "
        "VALUES (2, 'TOO_EARLY', 1, 5, '2009-12-31');\n"
        "INSERT INTO vessels (db_vessel, ext_vessel, db_animal, protocol_id, production_dt) "
        "VALUES (3, 'YEAR_ONLY', 2, 5, '2012-03-01');\n")
    result = parse_file(_dump(tmp_path, body))
    recs = {r.id: r for r in result.records}
    assert recs["ON_TIME"].first("Animal age at collection") == AttributeValue("731", "day")
    assert recs["TOO_EARLY"].first("Animal age at collection") is None
    assert recs["YEAR_ONLY"].first("Animal age at collection") is None  # 2009 is too vague
    [early] = [p for p in result.problems if p.code == "collected-before-birth"]
    assert early.column == "production_dt" and early.line == 21
    assert "TOO_EARLY" in early.message and "before its animal" in early.message
