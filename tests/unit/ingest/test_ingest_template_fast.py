"""The fast sheet-XML reader of the IMAGE Template gives what openpyxl gives.

openpyxl's read-only mode is the reference: on every workbook below both engines must
produce the same rows, records and located problems, and the fast engine must not have
fallen back to openpyxl (``engine="fast"`` raises instead of falling back).
"""

from __future__ import annotations

import copy
import datetime as dt
import re
import zipfile
from pathlib import Path
from typing import Any

import openpyxl
import pytest
from conftest import ANIMALS, BREEDS, SAMPLES, write_xlsx
from openpyxl.utils.datetime import CALENDAR_MAC_1904

from chalicelib.ingest import template
from chalicelib.ingest.generate import generate
from chalicelib.records import ParseResult

_INLINE = re.compile(r'<c r="([A-Z]+\d+)"((?: [a-z]+="[^"]*")*) t="inlineStr"><is><t>'
                     r"([^<]*)</t></is></c>")


def _norm_rows(rows: list[tuple[int, tuple[Any, ...]]]) -> list[tuple[int, tuple[Any, ...]]]:
    """Rows without the empty ones, "" read as None, trailing empties dropped."""
    out = []
    for number, values in rows:
        cells = [None if v == "" else v for v in values]
        while cells and cells[-1] is None:
            cells.pop()
        if cells:
            out.append((number, tuple(cells)))
    return out


def assert_same(path: Path) -> ParseResult:
    """Both engines agree on the rows and the parse; return the parse."""
    fast_book = template._FastBook(path)
    ref_book = template._OpenpyxlBook(path, path.name)
    try:
        assert fast_book.sheetnames == ref_book.sheetnames
        for name in ref_book.sheetnames:
            fast_rows = _norm_rows(list(fast_book.rows(name)))
            ref_rows = _norm_rows(list(ref_book.rows(name)))
            assert fast_rows == ref_rows, name
    finally:
        fast_book.close()
        ref_book.close()
    fast = template.parse(path, path.name, engine="fast")
    ref = template.parse(path, path.name, engine="openpyxl")
    assert fast.records == ref.records
    assert fast.problems == ref.problems
    assert fast.skipped == ref.skipped
    return fast


def _sheets() -> dict[str, list[dict[str, Any]]]:
    return {"breed": copy.deepcopy(BREEDS), "animal": copy.deepcopy(ANIMALS),
            "sample": copy.deepcopy(SAMPLES)}


def to_shared_strings(path: Path, extra: dict[str, str] | None = None) -> Path:
    """Rewrite an openpyxl workbook as Excel writes it: text cells as shared strings
    (``t="s"``), with a sharedStrings.xml part. ``extra`` replaces given <si> bodies."""
    with zipfile.ZipFile(path) as zf:
        members = {i.filename: zf.read(i.filename) for i in zf.infolist()}
    table: dict[str, int] = {}

    def shared(m: re.Match[str]) -> str:
        idx = table.setdefault(m[3], len(table))
        return f'<c r="{m[1]}"{m[2]} t="s"><v>{idx}</v></c>'

    for name in [n for n in members if n.startswith("xl/worksheets/sheet")]:
        members[name] = _INLINE.sub(shared, members[name].decode()).encode()
    bodies = [f"<t>{text}</t>" for text in table]
    for text, body in (extra or {}).items():
        bodies[table[text]] = body
    members["xl/sharedStrings.xml"] = (
        '<?xml version="1.0" encoding="UTF-8"?>\n<sst xmlns="http://schemas.openxmlformats'
        f'.org/spreadsheetml/2006/main" count="{len(bodies)}" uniqueCount="{len(bodies)}">'
        + "".join(f"<si>{b}</si>" for b in bodies) + "</sst>").encode()
    rels = members["xl/_rels/workbook.xml.rels"].decode()
    members["xl/_rels/workbook.xml.rels"] = rels.replace(
        "</Relationships>",
        '<Relationship Id="rIdSST" Type="http://schemas.openxmlformats.org/officeDocument/'
        '2006/relationships/sharedStrings" Target="sharedStrings.xml"/></Relationships>',
    ).encode()
    types = members["[Content_Types].xml"].decode()
    members["[Content_Types].xml"] = types.replace(
        "</Types>",
        '<Override PartName="/xl/sharedStrings.xml" ContentType="application/vnd.openxml'
        'formats-officedocument.spreadsheetml.sharedStrings+xml"/></Types>').encode()
    out = path.with_name("shared-" + path.name)
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as zf:
        for name, data in members.items():
            zf.writestr(name, data)
    return out


def test_conftest_workbook_dates_numbers_extra_columns(tmp_path: Path) -> None:
    result = assert_same(write_xlsx(tmp_path / "t.xlsx"))
    assert len(result.records) == 5 and result.problems == []
    a1 = next(r for r in result.records if r.id == "A1")
    assert a1.first("Birth date") is not None
    assert a1.first("Birth date").value == "2019-11-05"  # type: ignore[union-attr]


@pytest.mark.parametrize("seed", [3, 11])
def test_generated_workbook_with_mistakes(tmp_path: Path, seed: int) -> None:
    path = tmp_path / "gen.xlsx"
    generate(150, 2, "template", seed, path, error_share=0.25)
    result = assert_same(path)
    assert len(result.problems) > 10
    assert all(p.sheet and p.row for p in result.problems)


def test_shared_strings_rich_text_entities_and_spaces(tmp_path: Path) -> None:
    sheets = _sheets()
    sheets["breed"][0]["Supplied breed"] = "Cinta & Senese"
    for animal in sheets["animal"][:2]:
        animal["Breed"] = "Cinta & Senese"
    sheets["animal"][2]["Animal description"] = "  padded <text>  "
    sheets["sample"][0]["Sample description"] = "rich"
    sheets["sample"][1]["Sample description"] = "phonetic"
    path = write_xlsx(tmp_path / "t.xlsx", sheets)
    shared = to_shared_strings(path, extra={
        "rich": "<r><t>ri</t></r><r><rPr><b/></rPr><t>ch text</t></r>",
        "phonetic": "<t>base</t><rPh sb=\"0\" eb=\"1\"><t>yomi</t></rPh>",
    })
    with zipfile.ZipFile(shared) as zf:
        sheet = zf.read("xl/worksheets/sheet3.xml").decode()
    assert 't="s"' in sheet and "inlineStr" not in sheet
    result = assert_same(shared)
    recs = {r.id: r for r in result.records}
    assert recs["A1"].first("Supplied breed").value == "Cinta & Senese"  # type: ignore[union-attr]
    assert recs["S1"].first("Description").value == "rich text"  # type: ignore[union-attr]
    assert recs["S2"].first("Description").value == "base"  # type: ignore[union-attr]
    assert recs["A3"].first("Description").value == "padded <text>"  # type: ignore[union-attr]


def test_real_date_cells_formats_1904_bools_formulas_and_gaps(tmp_path: Path) -> None:
    wb = openpyxl.Workbook()
    wb.epoch = CALENDAR_MAC_1904
    wb.remove(wb.active)
    ws = wb.create_sheet("breed")
    ws.append(list(template.BREED_COLUMNS))
    ws.append(["Cinta Senese", "Italy", "Sus scrofa"])
    ws = wb.create_sheet("animal")
    ws.append([*template.ANIMAL_COLUMNS, "Flag", "Formula"])
    ws.append(["A1", None, True, None, None, "Cinta Senese", "Sus scrofa", "male",
               dt.datetime(2019, 11, 5, 10, 30), None, 11.5, 43, None, False, "=1+1"])
    ws.cell(row=2, column=9).number_format = "dd/mm/yyyy hh:mm"
    ws.append([])  # a gap: the next animal is on row 4
    ws.append(["A2", None, None, None, None, "Cinta Senese", "Sus scrofa", "female",
               dt.date(2018, 3, 1), None, "east", -91, None])
    ws.cell(row=4, column=9).number_format = "yyyy-mm-dd"
    ws = wb.create_sheet("sample")
    ws.append(list(template.SAMPLE_COLUMNS))
    ws.cell(row=3, column=1, value="S1")  # row 2 left empty
    ws.cell(row=3, column=4, value="A2")
    ws.cell(row=3, column=7, value=dt.date(2021, 1, 2))
    ws.cell(row=3, column=15, value=10)
    ws.cell(row=3, column=40, value="far extra column")
    wb.create_sheet("notes").append(["ignored"])
    path = tmp_path / "dates.xlsx"
    wb.save(path)
    with zipfile.ZipFile(path) as zf:
        assert b'date1904="1"' in zf.read("xl/workbook.xml")
    result = assert_same(path)
    recs = {r.id: r for r in result.records}
    assert recs["A1"].first("Birth date").value == "2019-11-05"  # type: ignore[union-attr]
    assert recs["A2"].first("Birth date").value == "2018-03-01"  # type: ignore[union-attr]
    assert recs["A1"].first("Alternative id").value == "true"  # type: ignore[union-attr]
    assert recs["S1"].first("Collection date").value == "2021-01-02"  # type: ignore[union-attr]
    located = sorted((p.sheet, p.row, p.column, p.code) for p in result.problems)
    assert ("animal", 4, "Birth location longitude", "bad-coordinate") in located
    assert ("animal", 4, "Birth location latitude", "bad-coordinate") in located
    assert ("sample", 3, "Animal age at collection", "bad-duration") in located


def test_unusual_workbook_falls_back_to_openpyxl(tmp_path: Path) -> None:
    path = write_xlsx(tmp_path / "t.xlsx")
    with zipfile.ZipFile(path) as zf:
        members = {i.filename: zf.read(i.filename) for i in zf.infolist()}
    sheet = members["xl/worksheets/sheet2.xml"].decode()
    assert "<t>alt-A1</t>" in sheet
    members["xl/worksheets/sheet2.xml"] = sheet.replace(
        "<t>alt-A1</t>", "<t><![CDATA[alt-A1]]></t>").encode()
    cdata = tmp_path / "cdata.xlsx"
    with zipfile.ZipFile(cdata, "w") as zf:
        for name, data in members.items():
            zf.writestr(name, data)
    with pytest.raises(template._NotSimple):
        template.parse(cdata, "cdata.xlsx", engine="fast")
    auto = template.parse(cdata, "cdata.xlsx")
    ref = template.parse(cdata, "cdata.xlsx", engine="openpyxl")
    assert auto.records == ref.records and auto.problems == ref.problems
    a1 = next(r for r in auto.records if r.id == "A1")
    assert a1.first("Alternative id").value == "alt-A1"  # type: ignore[union-attr]


def test_rows_the_regex_does_not_take_are_read_one_by_one(tmp_path: Path) -> None:
    """Cells with attributes in another order, a carriage return or a character
    reference go through ElementTree and openpyxl's own cell reader, row by row."""
    path = write_xlsx(tmp_path / "t.xlsx")
    with zipfile.ZipFile(path) as zf:
        members = {i.filename: zf.read(i.filename) for i in zf.infolist()}
    sheet = members["xl/worksheets/sheet2.xml"].decode()
    sheet = sheet.replace('<c r="C2" t="inlineStr"><is><t>alt-A1</t></is></c>',
                          '<c t="inlineStr" r="C2"><is><t>alt-&#65;1</t></is></c>')
    sheet = sheet.replace("<t>alt-A2</t>", "<t>alt\r\nA2</t>")
    assert "&#65;" in sheet and "\r\n" in sheet
    members["xl/worksheets/sheet2.xml"] = sheet.encode()
    odd = tmp_path / "odd.xlsx"
    with zipfile.ZipFile(odd, "w") as zf:
        for name, data in members.items():
            zf.writestr(name, data)
    result = assert_same(odd)
    recs = {r.id: r for r in result.records}
    assert recs["A1"].first("Alternative id").value == "alt-A1"  # type: ignore[union-attr]
    assert recs["A2"].first("Alternative id").value == "alt\nA2"  # type: ignore[union-attr]
