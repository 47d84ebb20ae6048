"""The empty IMAGE Template: sheets, headers, styling, drop-down lists; it parses empty."""

from __future__ import annotations

import io
from pathlib import Path

import openpyxl
import pytest

from chalicelib.ingest import parse_file, template
from chalicelib.ingest.template_file import LISTS_SHEET, README_SHEET, empty_template
from chalicelib.validate import load_default_ruleset
from chalicelib.validate.ruleset import Ruleset


@pytest.fixture(scope="module")
def ruleset() -> Ruleset:
    return load_default_ruleset()


@pytest.fixture(scope="module")
def workbook_bytes(ruleset: Ruleset) -> bytes:
    return empty_template(ruleset)


def _list_values(wb: openpyxl.Workbook, formula: str) -> list[str]:
    sheet, cells = formula.lstrip("=").rsplit("!", 1)
    ws = wb[sheet.strip("'")]
    return [c.value for row in ws[cells.replace("$", "")] for c in row]


def test_sheets_and_headers_are_exactly_the_templates(workbook_bytes: bytes) -> None:
    wb = openpyxl.load_workbook(io.BytesIO(workbook_bytes))
    assert wb.sheetnames == [README_SHEET, LISTS_SHEET, "breed", "animal", "sample"]
    assert wb[LISTS_SHEET].sheet_state == "hidden"
    for name, columns in template.SHEETS.items():
        ws = wb[name]
        header = [c.value for c in ws[1]]
        assert header == list(columns)
        assert ws.max_row == 1
        assert ws.freeze_panes == "A2"
        assert all(c.font.bold for c in ws[1])
        for idx, column in enumerate(columns, start=1):
            letter = openpyxl.utils.get_column_letter(idx)
            assert ws.column_dimensions[letter].width >= len(column)


def test_drop_down_lists_come_from_the_ruleset(workbook_bytes: bytes,
                                               ruleset: Ruleset) -> None:
    wb = openpyxl.load_workbook(io.BytesIO(workbook_bytes))
    found: dict[tuple[str, str], list[str]] = {}
    for sheet in ("animal", "sample"):
        ws = wb[sheet]
        header = [c.value for c in ws[1]]
        for dv in ws.data_validations.dataValidation:
            assert dv.type == "list"
            (rng,) = dv.sqref.ranges
            column = header[rng.min_col - 1]
            assert rng.min_row == 2 and rng.max_row == 1_048_576
            found[(sheet, column)] = _list_values(wb, dv.formula1)
    assert set(found) == {("animal", "Sex"), ("animal", "Birth location accuracy"),
                          ("sample", "availability"), ("sample", "Collection place accuracy"),
                          ("sample", "Sample storage"), ("sample", "Sample storage processing")}
    assert found[("animal", "Sex")] == ["male", "female", "record of unknown sex"]
    storage = ruleset.rule("Sample storage")
    assert storage is not None
    assert found[("sample", "Sample storage")] == list(storage.valid_values)
    assert "frozen, liquid nitrogen" in found[("sample", "Sample storage")]
    accuracy = ruleset.rule("Birth location accuracy")
    assert accuracy is not None
    assert found[("animal", "Birth location accuracy")] == list(accuracy.valid_values)
    assert found[("sample", "availability")] == ["no longer available"]


def test_empty_template_parses_with_zero_records(tmp_path: Path,
                                                 workbook_bytes: bytes) -> None:
    path = tmp_path / "IMAGE_template.xlsx"
    path.write_bytes(workbook_bytes)
    result = parse_file(path)
    assert result.records == [] and result.problems == [] and result.skipped == []
    fast = template.parse(path, path.name, engine="fast")
    ref = template.parse(path, path.name, engine="openpyxl")
    assert fast.records == ref.records == [] and fast.problems == ref.problems == []


def test_filled_in_template_parses(tmp_path: Path, workbook_bytes: bytes) -> None:
    wb = openpyxl.load_workbook(io.BytesIO(workbook_bytes))
    wb["breed"].append(["Sarda", "Italy", "Ovis aries"])
    wb["animal"].append(["A1", None, None, None, None, "Sarda", "Ovis aries", "female",
                         "2019-04", None, None, None, "missing geographic information"])
    path = tmp_path / "filled.xlsx"
    wb.save(path)
    result = parse_file(path)
    assert result.problems == []
    assert [r.id for r in result.records] == ["A1"]
