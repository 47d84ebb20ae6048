"""IMAGE Template xlsx: records, located record problems, unreadable workbooks."""

from __future__ import annotations

import copy
import zipfile
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from conftest import ANIMALS, BREEDS, SAMPLES

from chalicelib.ingest import UnreadableFile, parse_file
from chalicelib.records import (
    AttributeValue,
    Level,
    Material,
    ParseResult,
    Problem,
    Record,
    Relationship,
    RelationshipType,
)


def by_id(result: ParseResult) -> dict[str, Record]:
    return {r.id: r for r in result.records}


def test_good_workbook_gives_records(xlsx: Callable[..., Path]) -> None:
    result = parse_file(xlsx())
    assert result.problems == []
    recs = by_id(result)
    assert sorted(recs) == ["A1", "A2", "A3", "S1", "S2"]
    a1, a2, a3, s1, s2 = (recs[k] for k in ("A1", "A2", "A3", "S1", "S2"))
    assert a1.material is Material.ORGANISM and s1.material is Material.SPECIMEN
    # a real Excel date cell becomes ISO text with the ruleset's units
    assert a1.first("Birth date") == AttributeValue("2019-11-05", "YYYY-MM-DD")
    assert a2.first("Birth date") == AttributeValue("2018-03", "YYYY-MM")
    assert a3.first("Birth date") == AttributeValue("2020", "YYYY")
    assert a1.first("Supplied breed") == AttributeValue("Cinta Senese")
    assert a1.first("EFABIS Breed country") == AttributeValue("Italy")
    assert a3.first("EFABIS Breed country") == AttributeValue("Germany")
    assert a1.first("Alternative id") == AttributeValue("alt-A1")
    assert a1.first("Data source ID") == AttributeValue("A1")
    assert a2.first("Birth location latitude") == AttributeValue("43.3188", "decimal degrees")
    assert a2.first("Birth location longitude") == AttributeValue("11.3308", "decimal degrees")
    assert a3.relationships == [Relationship(RelationshipType.CHILD_OF, "A1"),
                                Relationship(RelationshipType.CHILD_OF, "A2")]
    assert s1.relationships == [Relationship(RelationshipType.DERIVED_FROM, "A3")]
    assert s1.first("Animal age at collection") == AttributeValue("10", "month")
    assert s1.first("Sampling to preparation interval") == AttributeValue("2", "day")
    assert s1.first("Collection date") == AttributeValue("2021-02-03", "YYYY-MM-DD")
    assert s1.first("Availability") == AttributeValue("no longer available")
    assert s1.first("Sample storage") == AttributeValue("frozen, liquid nitrogen")
    assert s1.first("Species") == AttributeValue("Sus scrofa")
    assert s2.first("Collection date") == AttributeValue("2020", "YYYY")
    assert "Extra notes" not in s1.attributes


def _sheets() -> dict[str, list[dict[str, Any]]]:
    return {"breed": copy.deepcopy(BREEDS), "animal": copy.deepcopy(ANIMALS),
            "sample": copy.deepcopy(SAMPLES)}


def _only(result: ParseResult, code: str) -> Problem:
    found = [p for p in result.problems if p.code == code]
    assert len(found) == 1, result.problems
    return found[0]


def test_unknown_parent_is_located(xlsx: Callable[..., Path]) -> None:
    sheets = _sheets()
    sheets["animal"][2]["Mother id in data source"] = "NOPE"
    p = _only(parse_file(xlsx(sheets)), "unknown-parent")
    assert (p.sheet, p.row, p.column) == ("animal", 4, "Mother id in data source")
    assert "Unknown parent 'NOPE'" in p.message and p.level is Level.ERROR


def test_parent_may_be_an_accession(xlsx: Callable[..., Path]) -> None:
    sheets = _sheets()
    sheets["animal"][2]["Mother id in data source"] = "SAMEA6376991"
    assert parse_file(xlsx(sheets)).problems == []


def test_duplicate_ids_are_located(xlsx: Callable[..., Path]) -> None:
    sheets = _sheets()
    sheets["animal"].append(dict(sheets["animal"][0]))
    sheets["sample"].append(dict(sheets["sample"][1]))
    sheets["sample"].append({**sheets["sample"][1], "Sample id in data source": "A2"})
    result = parse_file(xlsx(sheets))
    dups = sorted((p.sheet, p.row, p.column) for p in result.problems
                  if p.code == "duplicate-id")
    assert dups == [("animal", 5, "Animal id in data source"),
                    ("sample", 4, "Sample id in data source"),
                    ("sample", 5, "Sample id in data source")]
    assert sum(r.id == "A1" for r in result.records) == 1


def test_sample_of_absent_animal(xlsx: Callable[..., Path]) -> None:
    sheets = _sheets()
    sheets["sample"][0]["Animal id in data source"] = "GHOST"
    p = _only(parse_file(xlsx(sheets)), "unknown-animal")
    assert (p.sheet, p.row, p.column) == ("sample", 2, "Animal id in data source")
    assert "'GHOST' is not in sheet 'animal'" in p.message


def test_breed_not_in_breed_sheet(xlsx: Callable[..., Path]) -> None:
    sheets = _sheets()
    sheets["animal"][1]["Species"] = "Bos taurus"
    p = _only(parse_file(xlsx(sheets)), "unknown-breed")
    assert (p.sheet, p.row, p.column) == ("animal", 3, "Breed")
    assert "Cinta Senese" in p.message and "Bos taurus" in p.message


@pytest.mark.parametrize("bad", ["05/11/2019", "2019-02-30", "yesterday"])
def test_bad_date_cell(xlsx: Callable[..., Path], bad: str) -> None:
    sheets = _sheets()
    sheets["sample"][1]["Collection date"] = bad
    result = parse_file(xlsx(sheets))
    p = _only(result, "bad-date")
    assert (p.sheet, p.row, p.column) == ("sample", 3, "Collection date")
    assert "YYYY-MM-DD" in p.message
    assert "Collection date" not in by_id(result)["S2"].attributes


def test_bad_duration_and_coordinate(xlsx: Callable[..., Path]) -> None:
    sheets = _sheets()
    sheets["sample"][0]["Animal age at collection"] = "10"
    sheets["animal"][1]["Birth location latitude"] = "north"
    result = parse_file(xlsx(sheets))
    d = _only(result, "bad-duration")
    assert (d.sheet, d.row, d.column) == ("sample", 2, "Animal age at collection")
    c = _only(result, "bad-coordinate")
    assert (c.sheet, c.row, c.column) == ("animal", 3, "Birth location latitude")


def test_missing_sheets_are_all_named(xlsx: Callable[..., Path]) -> None:
    path = xlsx({"animal": ANIMALS, "Sheet9": []})
    with pytest.raises(UnreadableFile) as err:
        parse_file(path)
    missing = sorted(p.sheet for p in err.value.problems if p.sheet)
    assert missing == ["breed", "sample"]
    assert all("is missing" in p.message for p in err.value.problems)


def test_missing_columns_are_all_named(xlsx: Callable[..., Path]) -> None:
    from chalicelib.ingest.template import ANIMAL_COLUMNS, BREED_COLUMNS, SAMPLE_COLUMNS

    columns = {"breed": BREED_COLUMNS[:2],
               "animal": tuple(c for c in ANIMAL_COLUMNS if c != "Sex"),
               "sample": SAMPLE_COLUMNS}
    with pytest.raises(UnreadableFile) as err:
        parse_file(xlsx(columns=columns))
    located = sorted((p.sheet, p.row, p.column) for p in err.value.problems)
    assert located == [("animal", 1, "Sex"), ("breed", 1, "Species")]


def test_broken_zip(tmp_path: Path, xlsx: Callable[..., Path]) -> None:
    good = xlsx().read_bytes()
    broken = tmp_path / "broken.xlsx"
    broken.write_bytes(good[: len(good) // 2])
    with pytest.raises(UnreadableFile) as err:
        parse_file(broken)
    assert err.value.problems[0].code == "broken-xlsx"
    assert "save it again as .xlsx" in err.value.problems[0].message


def test_zip_without_workbook(tmp_path: Path) -> None:
    path = tmp_path / "notes.xlsx"
    with zipfile.ZipFile(path, "w") as zf:
        zf.writestr("readme.txt", "hello")
    with pytest.raises(UnreadableFile):
        parse_file(path)


def test_zip_bomb_refused_before_opening(tmp_path: Path) -> None:
    path = tmp_path / "bomb.xlsx"
    with zipfile.ZipFile(path, "w", compression=zipfile.ZIP_DEFLATED) as zf:
        zf.writestr("xl/workbook.xml", '<workbook><sheets><sheet name="breed"/></sheets>'
                    "</workbook>")
        with zf.open("xl/worksheets/sheet1.xml", "w") as member:
            chunk = b"\0" * (1 << 20)
            for _ in range(24):
                member.write(chunk)
    assert path.stat().st_size < 1_000_000
    with pytest.raises(UnreadableFile) as err:
        parse_file(path)
    p = err.value.problems[0]
    assert p.code == "xlsx-zip-bomb" and "sheet1.xml" in p.message


def test_xlsx_named_csv_is_refused(xlsx: Callable[..., Path]) -> None:
    with pytest.raises(UnreadableFile) as err:
        parse_file(xlsx(name="upload.csv"))
    assert err.value.problems[0].code == "extension-mismatch"
    assert "'.csv'" in err.value.problems[0].message


def test_old_xls_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "old.xls"
    path.write_bytes(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\0" * 600)
    with pytest.raises(UnreadableFile) as err:
        parse_file(path)
    assert "save it as .xlsx" in err.value.problems[0].message
