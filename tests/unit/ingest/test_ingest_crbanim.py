"""CRB-Anim CSV: the real example, encodings, delimiters, nulls and unreadable exports."""

from __future__ import annotations

from pathlib import Path

import pytest

from chalicelib.ingest import UnreadableFile, parse_file
from chalicelib.ingest.crbanim import MANDATORY
from chalicelib.records import AttributeValue, Level, Material, Relationship, RelationshipType


def test_real_example_counts(data_dir: Path) -> None:
    result = parse_file(data_dir / "crbanim_test_data.csv")
    animals = [r for r in result.records if r.material is Material.ORGANISM]
    samples = [r for r in result.records if r.material is Material.SPECIMEN]
    assert [a.id for a in animals] == ["ANIMAL:::2"]
    assert [s.id for s in samples] == ["FAKE726008", "FAKE760848"]
    assert result.problems == []
    assert len(result.skipped) == 1
    skipped = result.skipped[0]
    assert (skipped.row, skipped.column) == (4, "EBI_Biosample_identifier")
    assert "FAKE571911" in skipped.message and "FAKEA359353362" in skipped.message
    assert skipped.line == 8  # multi-line quoted fields: the third record starts on line 8


def test_real_example_attributes(data_dir: Path) -> None:
    recs = {r.id: r for r in parse_file(data_dir / "crbanim_test_data.csv").records}
    animal, s1, s2 = recs["ANIMAL:::2"], recs["FAKE726008"], recs["FAKE760848"]
    assert animal.first("EFABIS Breed country") == AttributeValue("Italy")
    assert animal.first("Supplied breed") == AttributeValue("White Leghorn")
    assert animal.first("Species") == AttributeValue("Capra hircus", None, ("NCBITaxon_9913",))
    assert animal.first("Birth date") == AttributeValue("2015-05-16", "YYYY-MM-DD")
    assert animal.first("Sex") == AttributeValue("Female")
    assert s1.relationships == [Relationship(RelationshipType.DERIVED_FROM, "ANIMAL:::2")]
    assert s1.first("Organism part") == AttributeValue("bone marrow")
    # body part 'unknown' → the sample type, with the term the file gives
    assert s2.first("Organism part") == AttributeValue("uterus", None, ("UBERON_0000479",))
    assert s1.first("Sample storage") == AttributeValue("frozen, -80 degrees Celsius freezer")
    assert s1.first("Publication DOI") == AttributeValue("10.1139/o09-005")
    assert "Publication DOI" not in s2.attributes
    assert s1.first("Collection date") == AttributeValue("1979-01-13", "YYYY-MM-DD")
    assert s1.first("Availability") == AttributeValue("mailto:mail@example.com")
    assert s1.first("Specimen collection protocol") == AttributeValue("http://www.stark.net/")


def test_latin1_semicolon_with_nulls(data_dir: Path) -> None:
    result = parse_file(data_dir / "crbanim_latin1_semicolon.csv")
    recs = {r.id: r for r in result.records}
    assert sorted(recs) == ["ANIMAL:::2", "FAKE726008", "FAKE760848"]
    assert recs["ANIMAL:::2"].first("Supplied breed") == AttributeValue("Mérinos d'Arles")
    assert recs["FAKE726008"].first("Sample storage") == AttributeValue(
        "frozen, -80 degrees Celsius freezer")
    assert len(result.skipped) == 1  # '\N' in EBI_Biosample_identifier is null, not an id


def _rewrite(src: Path, dst: Path, **changes: str) -> Path:
    """Copy the example, replacing cells of every data row by column name."""
    import csv
    import io

    rows = list(csv.reader(io.StringIO(src.read_text(encoding="utf-8"), newline="")))
    header = rows[0]
    for row in rows[1:]:
        for column, value in changes.items():
            row[header.index(column)] = value
    out = io.StringIO()
    csv.writer(out, lineterminator="\n").writerows(rows)
    dst.write_text(out.getvalue(), encoding="utf-8")
    return dst


def test_utf8_bom_and_unknown_sex(data_dir: Path, tmp_path: Path) -> None:
    path = _rewrite(data_dir / "crbanim_test_data.csv", tmp_path / "x.csv", sex="unknown",
                    EBI_Biosample_identifier="")
    path.write_bytes(b"\xef\xbb\xbf" + path.read_bytes())
    result = parse_file(path)
    animals = [r for r in result.records if r.material is Material.ORGANISM]
    assert len(animals) == 2
    assert animals[0].first("Sex") == AttributeValue("record of unknown sex")


def test_unknown_storage_and_country_are_warnings(data_dir: Path, tmp_path: Path) -> None:
    path = _rewrite(data_dir / "crbanim_test_data.csv", tmp_path / "x.csv",
                    sample_storage_temperature="+4°C", country_of_origin="QQ")
    result = parse_file(path)
    storage = [p for p in result.problems if p.code == "unknown-storage"]
    assert [(p.row, p.column, p.level) for p in storage] == [
        (2, "sample_storage_temperature", Level.WARNING),
        (3, "sample_storage_temperature", Level.WARNING)]
    assert "+4°C" in storage[0].message
    country = [p for p in result.problems if p.code == "unknown-country"]
    assert len(country) == 1 and country[0].column == "country_of_origin"
    assert result.ok


def test_bad_date_and_duplicate_sample(data_dir: Path, tmp_path: Path) -> None:
    path = _rewrite(data_dir / "crbanim_test_data.csv", tmp_path / "x.csv",
                    sampling_date="13/01/1979", sample_identifier="SAME",
                    EBI_Biosample_identifier="")
    result = parse_file(path)
    dates = [(p.row, p.column) for p in result.problems if p.code == "bad-date"]
    assert dates == [(2, "sampling_date")]  # rows 3 and 4 are duplicates, ignored earlier
    dups = [(p.row, p.line, p.column) for p in result.problems if p.code == "duplicate-id"]
    assert dups == [(3, 5, "sample_identifier"), (4, 8, "sample_identifier")]


def test_missing_mandatory_columns_all_named(tmp_path: Path) -> None:
    present = [c for c in MANDATORY if c not in ("sex", "sampling_date")]
    path = tmp_path / "short.csv"
    path.write_text(",".join(["BRC_identifier", *present]) + "\nX" + "," * len(present) + "\n",
                    encoding="utf-8")
    with pytest.raises(UnreadableFile) as err:
        parse_file(path)
    assert sorted(str(p.column) for p in err.value.problems) == ["sampling_date", "sex"]
    assert all(p.row == 1 for p in err.value.problems)
    assert "missing: sex, sampling_date" in err.value.problems[0].message


def test_utf16_is_undecodable(data_dir: Path, tmp_path: Path) -> None:
    path = tmp_path / "utf16.csv"
    text = (data_dir / "crbanim_test_data.csv").read_text(encoding="utf-8")
    path.write_bytes(text.encode("utf-16"))
    with pytest.raises(UnreadableFile) as err:
        parse_file(path, "crbanim")
    assert err.value.problems[0].code == "bad-encoding"
    assert "UTF-8" in err.value.problems[0].message


def test_row_with_wrong_field_count(data_dir: Path, tmp_path: Path) -> None:
    path = tmp_path / "x.csv"
    lines = (data_dir / "crbanim_test_data.csv").read_text(encoding="utf-8").splitlines()
    path.write_text("\n".join([*lines, "only,three,fields"]) + "\n", encoding="utf-8")
    result = parse_file(path)
    bad = [p for p in result.problems if p.code == "bad-row"]
    assert [(p.row, p.line) for p in bad] == [(5, 11)]
    assert "3 fields but the header has 35" in bad[0].message


def test_a_latin1_row_among_utf8_rows_is_refused_naming_its_line(data_dir: Path,
                                                                 tmp_path: Path) -> None:
    """Once decoded whole as cp1252: every UTF-8 row came out garbled ('MÃ©rinos')."""
    path = _rewrite(data_dir / "crbanim_test_data.csv", tmp_path / "mixed.csv",
                    breed_name="Mérinos d'Arles")
    lines = path.read_bytes().split(b"\n")
    utf8_lines = [n for n, line in enumerate(lines, start=1) if "é".encode() in line]
    assert len(utf8_lines) == 3
    last = utf8_lines[-1]
    lines[last - 1] = lines[last - 1].decode("utf-8").encode("latin-1")
    path.write_bytes(b"\n".join(lines))
    with pytest.raises(UnreadableFile) as err:
        parse_file(path, "crbanim")
    problem = err.value.problems[0]
    assert (problem.code, problem.line) == ("mixed-encoding", last)
    assert f"line {utf8_lines[0]}" in problem.message and f"line {last}" in problem.message
    assert "CSV UTF-8" in problem.message


def test_a_file_wholly_latin1_is_still_read(data_dir: Path, tmp_path: Path) -> None:
    path = _rewrite(data_dir / "crbanim_test_data.csv", tmp_path / "latin.csv",
                    breed_name="Mérinos d'Arles")
    path.write_bytes(path.read_text(encoding="utf-8").encode("latin-1"))
    breeds = {r.first("Supplied breed") for r in parse_file(path).records
              if r.material is Material.ORGANISM}
    assert breeds == {AttributeValue("Mérinos d'Arles")}
