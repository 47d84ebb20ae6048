"""IMAGE Template (xlsx) → records.

The zip directory is checked first so that a zip bomb is refused before anything is
decompressed. Sheets are then streamed (a large workbook is never held in memory whole) by
a fast reader of the sheet XML (below), or, for workbooks it does not handle, by openpyxl
in read-only mode: both give the same rows, so the same records and problems.
"""

from __future__ import annotations

import posixpath
import re
import xml.etree.ElementTree as ET
import zipfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any, Literal, Protocol

from chalicelib.ingest.common import (
    DECIMAL_DEGREES,
    Interner,
    cell_text,
    gc_paused,
    is_accession,
    normalize_date,
    parse_coordinate,
    parse_duration,
)
from chalicelib.ingest.errors import UnreadableFile
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

BREED_COLUMNS = ("Supplied breed", "EFABIS Breed country", "Species")
ANIMAL_COLUMNS = (
    "Animal id in data source", "Animal description", "Alternative animal ID",
    "Father id in data source", "Mother id in data source", "Breed", "Species", "Sex",
    "Birth date", "Birth location", "Birth location longitude", "Birth location latitude",
    "Birth location accuracy",
)
SAMPLE_COLUMNS = (
    "Sample id in data source", "Alternative sample ID", "Sample description",
    "Animal id in data source", "Specimen collection protocol", "availability",
    "Collection date", "Collection place latitude", "Collection place longitude",
    "Collection place", "Collection place accuracy", "Organism part", "Developmental stage",
    "Physiological stage", "Animal age at collection", "Sample storage",
    "Sample storage processing", "Sampling to preparation interval",
)
#: attributes whose values are (nearly) unique per record: not worth interning
UNIQUE_ATTRS = frozenset({"Data source ID", "Alternative id", "Description"})
SHEETS: dict[str, tuple[str, ...]] = {
    "breed": BREED_COLUMNS, "animal": ANIMAL_COLUMNS, "sample": SAMPLE_COLUMNS,
}

#: template column → ruleset attribute, for columns copied as plain text
ANIMAL_TEXT = {
    "Animal description": "Description",
    "Alternative animal ID": "Alternative id",
    "Sex": "Sex",
    "Birth location": "Birth location",
    "Birth location accuracy": "Birth location accuracy",
}
SAMPLE_TEXT = {
    "Alternative sample ID": "Alternative id",
    "Sample description": "Description",
    "Specimen collection protocol": "Specimen collection protocol",
    "availability": "Availability",
    "Collection place": "Collection place",
    "Collection place accuracy": "Collection place accuracy",
    "Organism part": "Organism part",
    "Developmental stage": "Developmental stage",
    "Physiological stage": "Physiological stage",
    "Sample storage": "Sample storage",
    "Sample storage processing": "Sample storage processing",
}

MAX_UNCOMPRESSED = 1024 * 1024 * 1024
"""Total uncompressed size an xlsx may claim (1 GiB)."""
MAX_RATIO = 100
"""Compression ratio above which a big member is treated as a zip bomb."""
RATIO_MIN_SIZE = 10 * 1024 * 1024
"""Members smaller than this are never called bombs (tiny XML compresses very well)."""


def _norm(header: object) -> str:
    return " ".join(str(header).split()).lower() if header is not None else ""


def check_zip(path: Path, display: str, *, max_uncompressed: int = MAX_UNCOMPRESSED,
              max_ratio: float = MAX_RATIO) -> None:
    """Refuse broken zips and zip bombs by reading only the zip directory."""
    try:
        with zipfile.ZipFile(path) as zf:
            infos = zf.infolist()
    except (zipfile.BadZipFile, OSError, ValueError) as exc:
        raise UnreadableFile.one(
            display, f"The file is not a readable xlsx workbook (broken zip: {exc}). "
            "Open it in Excel or LibreOffice and save it again as .xlsx.",
            code="broken-xlsx") from exc
    total = sum(i.file_size for i in infos)
    if total > max_uncompressed:
        raise UnreadableFile.one(
            display, f"The workbook would expand to {total / 1_048_576:.0f} MB, over the "
            f"{max_uncompressed / 1_048_576:.0f} MB limit: split it into smaller files.",
            code="xlsx-too-large")
    for info in infos:
        ratio = info.file_size / max(info.compress_size, 1)
        if info.file_size >= RATIO_MIN_SIZE and ratio > max_ratio:
            raise UnreadableFile.one(
                display, f"The workbook member '{info.filename}' expands {ratio:.0f} times "
                "(a zip bomb?): it was refused. Save the workbook again from Excel.",
                code="xlsx-zip-bomb")
    names = {i.filename for i in infos}
    if "xl/workbook.xml" not in names:
        raise UnreadableFile.one(
            display, "The zip file is not an xlsx workbook (no xl/workbook.xml). Upload the "
            "IMAGE Template saved as .xlsx.", code="broken-xlsx")


class _Book(Protocol):
    """What the parser needs of a workbook: its sheet names and each sheet's rows."""

    sheetnames: list[str]

    def rows(self, name: str) -> Iterator[tuple[int, tuple[Any, ...]]]: ...

    def close(self) -> None: ...


class _OpenpyxlBook:
    """The reference reader: openpyxl's read-only workbook."""

    def __init__(self, path: Path, display: str) -> None:
        import openpyxl  # imported here: only the template format needs it

        try:
            self.wb = openpyxl.load_workbook(path, read_only=True, data_only=True)
        except Exception as exc:  # openpyxl raises many kinds on a damaged workbook
            raise UnreadableFile.one(
                display, f"The workbook cannot be opened ({type(exc).__name__}: {exc}). "
                "Open it in Excel or LibreOffice and save it again as .xlsx.",
                code="broken-xlsx") from exc
        self.sheetnames: list[str] = list(self.wb.sheetnames)

    def rows(self, name: str) -> Iterator[tuple[int, tuple[Any, ...]]]:
        return enumerate(self.wb[name].iter_rows(values_only=True), start=1)

    def close(self) -> None:
        self.wb.close()


def _rows(book: _Book, sheet: str,
          ) -> tuple[dict[str, int], Iterator[tuple[int, tuple[Any, ...]]]]:
    """Header positions (by normalised name) and an iterator of the non-empty rows as
    (row number, values)."""
    it = book.rows(sheet)
    first = next(it, None)
    header: tuple[Any, ...] = ()
    pushed: list[tuple[int, tuple[Any, ...]]] = []
    if first is not None:
        if first[0] == 1:
            header = first[1]
        else:
            pushed.append(first)
    positions: dict[str, int] = {}
    for idx, name in enumerate(header):
        key = _norm(name)
        if key and key not in positions:
            positions[key] = idx

    def gen() -> Iterator[tuple[int, tuple[Any, ...]]]:
        for number, values in pushed:
            if any(v is not None and str(v).strip() != "" for v in values):
                yield number, values
        for number, values in it:
            if values and any(v is not None and str(v).strip() != "" for v in values):
                yield number, values

    return positions, gen()


class _Row:
    """One spreadsheet row addressed by template column name: ``text[column]`` is the
    cell as stripped text (None when empty), ``raw(column)`` the cell's value."""

    __slots__ = ("number", "positions", "text", "values")

    def __init__(self, number: int, values: tuple[Any, ...], positions: dict[str, int]):
        self.number = number
        self.positions = positions  # template column (as spelled in SHEETS) → index
        if len(values) < len(positions):
            values = values + (None,) * (max(positions.values(), default=-1) + 1
                                         - len(values))
        self.values = values
        # one comprehension per row: far cheaper than a method call per cell
        self.text: dict[str, str | None] = {
            column: None if values[i] is None
            else (values[i].strip() or None) if values[i].__class__ is str
            else cell_text(values[i])
            for column, i in positions.items()}

    def raw(self, column: str) -> Any:
        value = self.values[self.positions[column]]
        if value.__class__ is str and not value.strip():
            return None
        return value


def _columns(positions: dict[str, int], sheet: str) -> dict[str, int]:
    """Template column name → index, from the normalised header positions."""
    return {c: positions[_norm(c)] for c in SHEETS[sheet] if _norm(c) in positions}


class _TemplateParser:
    def __init__(self, display: str) -> None:
        self.display = display
        self.result = ParseResult()
        self.av = Interner()
        # dates and durations repeat a lot: their parsed value per (type, cell value)
        self._dates: dict[tuple[type, Any], AttributeValue | None] = {}
        self._durations: dict[tuple[type, Any], AttributeValue | None] = {}

    def problem(self, message: str, sheet: str, row: int, column: str | None,
                code: str, level: Level = Level.ERROR) -> None:
        self.result.problems.append(Problem(
            file=self.display, message=message, level=level, sheet=sheet, row=row,
            column=column, code=code))

    def add_date(self, rec: Record, row: _Row, sheet: str, column: str, attr: str) -> None:
        raw = row.raw(column)
        if raw is None:
            return
        key = (raw.__class__, raw)
        if key in self._dates:
            value = self._dates[key]
        else:
            norm = normalize_date(raw)
            value = self.av(norm[0], norm[1]) if norm is not None else None
            if len(self._dates) < 100_000:
                self._dates[key] = value
        if value is None:
            self.problem(f"'{cell_text(raw)}' is not a date: write it as YYYY-MM-DD, YYYY-MM "
                         "or YYYY (or use a real date cell).", sheet, row.number, column,
                         "bad-date")
            return
        rec.attributes.setdefault(attr, []).append(value)

    def add_coordinate(self, rec: Record, row: _Row, sheet: str, column: str,
                       limit: float) -> None:
        raw = row.raw(column)
        if raw is None:
            return
        text = parse_coordinate(raw, limit=limit)
        if text is None:
            self.problem(f"'{cell_text(raw)}' is not a coordinate: write decimal degrees "
                         f"between -{limit:g} and {limit:g}, e.g. 45.4642.", sheet,
                         row.number, column, "bad-coordinate")
            return
        rec.attributes.setdefault(column, []).append(AttributeValue(text, DECIMAL_DEGREES))

    def add_duration(self, rec: Record, row: _Row, sheet: str, column: str) -> None:
        raw = row.raw(column)
        if raw is None:
            return
        key = (raw.__class__, raw)
        if key in self._durations:
            value = self._durations[key]
        else:
            parsed = parse_duration(raw)
            value = self.av(parsed[0], parsed[1]) if parsed is not None else None
            if len(self._durations) < 100_000:
                self._durations[key] = value
        if value is None:
            self.problem(f"'{cell_text(raw)}' is not a duration: write a number and a unit, "
                         "e.g. '10 months' (units: minutes, hours, days, weeks, months, "
                         "years).", sheet, row.number, column, "bad-duration")
            return
        rec.attributes.setdefault(column, []).append(value)

    def parse_book(self, wb: _Book) -> ParseResult:
        by_name = {_norm(n): n for n in wb.sheetnames}
        missing: list[Problem] = []
        for sheet in SHEETS:
            if sheet not in by_name:
                missing.append(Problem(
                    file=self.display, sheet=sheet, code="missing-sheet",
                    message=f"The sheet '{sheet}' is missing: the IMAGE Template needs the "
                    f"sheets {', '.join(SHEETS)} (found: {', '.join(wb.sheetnames) or 'none'})."))
        if missing:
            raise UnreadableFile(missing)
        tables = {}
        for sheet, columns in SHEETS.items():
            positions, rows = _rows(wb, by_name[sheet])
            for column in columns:
                if _norm(column) not in positions:
                    missing.append(Problem(
                        file=self.display, sheet=sheet, row=1, column=column,
                        code="missing-column",
                        message=f"The column '{column}' is missing from row 1 of sheet "
                        f"'{sheet}': add it (it may stay empty)."))
            tables[sheet] = (_columns(positions, sheet), rows)
        if missing:
            raise UnreadableFile(missing)
        breeds = self._breeds(*tables["breed"])
        animals = self._animals(*tables["animal"], breeds=breeds)
        self._samples(*tables["sample"], animals=animals)
        return self.result

    def _breeds(self, positions: dict[str, int], rows: Iterator[tuple[int, tuple[Any, ...]]],
                ) -> dict[tuple[str, str], tuple[str, str | None]]:
        breeds: dict[tuple[str, str], tuple[str, str | None]] = {}
        for number, values in rows:
            row = _Row(number, values, positions)
            breed, species = row.text["Supplied breed"], row.text["Species"]
            if not breed or not species:
                column = "Supplied breed" if not breed else "Species"
                self.problem(f"The breed row has no '{column}': fill it in or delete the row.",
                             "breed", number, column, "missing-value")
                continue
            key = (breed.lower(), species.lower())
            if key in breeds:
                self.problem(f"Breed '{breed}' of species '{species}' is listed twice: delete "
                             "one of the rows.", "breed", number, "Supplied breed",
                             "duplicate-breed", Level.WARNING)
                continue
            breeds[key] = (breed, row.text["EFABIS Breed country"])
        return breeds

    def _animals(self, positions: dict[str, int], rows: Iterator[tuple[int, tuple[Any, ...]]],
                 *, breeds: dict[tuple[str, str], tuple[str, str | None]],
                 ) -> dict[str, Record]:
        sheet, av = "animal", self.av
        animals: dict[str, Record] = {}
        parents: list[tuple[Record, int, str, str]] = []
        for number, values in rows:
            row = _Row(number, values, positions)
            ident = row.text["Animal id in data source"]
            if not ident:
                self.problem("The animal has no 'Animal id in data source': give every animal "
                             "an id unique in the file.", sheet, number,
                             "Animal id in data source", "missing-id")
                continue
            if ident in animals:
                self.problem(f"Animal id '{ident}' is used twice (this row is ignored): give "
                             "every animal its own id.", sheet, number,
                             "Animal id in data source", "duplicate-id")
                continue
            rec = Record(id=ident, material=Material.ORGANISM)
            attrs = rec.attributes
            attrs["Data source ID"] = [AttributeValue(ident)]
            for column, attr in ANIMAL_TEXT.items():
                text = row.text[column]
                if text:
                    attrs.setdefault(attr, []).append(
                        AttributeValue(text) if attr in UNIQUE_ATTRS else av.text(text))
            breed, species = row.text["Breed"], row.text["Species"]
            if species:
                attrs["Species"] = [av.text(species)]
            else:
                self.problem("The animal has no Species: fill it in as in sheet 'breed'.",
                             sheet, number, "Species", "missing-value")
            if breed:
                found = breeds.get((breed.lower(), (species or "").lower()))
                if found is None:
                    self.problem(f"Breed '{breed}' of species '{species or ''}' is not in sheet "
                                 "'breed': add a row there or correct the Breed and Species "
                                 "cells.", sheet, number, "Breed", "unknown-breed")
                    attrs["Supplied breed"] = [av.text(breed)]
                else:
                    attrs["Supplied breed"] = [av.text(found[0])]
                    if found[1]:
                        attrs["EFABIS Breed country"] = [av.text(found[1])]
            else:
                self.problem("The animal has no Breed: fill it in as in sheet 'breed'.",
                             sheet, number, "Breed", "missing-value")
            self.add_date(rec, row, sheet, "Birth date", "Birth date")
            self.add_coordinate(rec, row, sheet, "Birth location longitude", 180)
            self.add_coordinate(rec, row, sheet, "Birth location latitude", 90)
            for column in ("Father id in data source", "Mother id in data source"):
                parent = row.text[column]
                if parent:
                    rec.relationships.append(Relationship(RelationshipType.CHILD_OF, parent))
                    parents.append((rec, number, column, parent))
            animals[ident] = rec
            self.result.records.append(rec)
        for rec, number, column, parent in parents:
            if parent == rec.id:
                self.problem(f"Animal '{rec.id}' is given as its own parent: correct "
                             f"'{column}'.", sheet, number, column, "self-parent")
            elif parent not in animals and not is_accession(parent):
                self.problem(f"Unknown parent '{parent}': add that animal to sheet 'animal' "
                             f"or give its BioSamples accession (SAMEA...) in '{column}'.",
                             sheet, number, column, "unknown-parent")
        return animals

    def _samples(self, positions: dict[str, int], rows: Iterator[tuple[int, tuple[Any, ...]]],
                 *, animals: dict[str, Record]) -> None:
        sheet, av = "sample", self.av
        seen: set[str] = set()
        for number, values in rows:
            row = _Row(number, values, positions)
            ident = row.text["Sample id in data source"]
            if not ident:
                self.problem("The sample has no 'Sample id in data source': give every sample "
                             "an id unique in the file.", sheet, number,
                             "Sample id in data source", "missing-id")
                continue
            if ident in seen or ident in animals:
                other = "an animal" if ident in animals else "another sample"
                self.problem(f"Sample id '{ident}' is already used by {other} (this row is "
                             "ignored): give every animal and sample its own id.", sheet,
                             number, "Sample id in data source", "duplicate-id")
                continue
            seen.add(ident)
            rec = Record(id=ident, material=Material.SPECIMEN)
            attrs = rec.attributes
            attrs["Data source ID"] = [AttributeValue(ident)]
            animal_id = row.text["Animal id in data source"]
            if not animal_id:
                self.problem("The sample has no 'Animal id in data source': write the id of "
                             "the animal it was taken from.", sheet, number,
                             "Animal id in data source", "missing-animal")
            else:
                rec.relationships.append(Relationship(RelationshipType.DERIVED_FROM, animal_id))
                animal = animals.get(animal_id)
                if animal is not None:
                    if "Species" in animal.attributes:
                        attrs["Species"] = list(animal.attributes["Species"])
                elif not is_accession(animal_id):
                    self.problem(f"Animal '{animal_id}' is not in sheet 'animal': add it there "
                                 "or correct the sample's animal id.", sheet, number,
                                 "Animal id in data source", "unknown-animal")
            for column, attr in SAMPLE_TEXT.items():
                text = row.text[column]
                if text:
                    attrs.setdefault(attr, []).append(
                        AttributeValue(text) if attr in UNIQUE_ATTRS else av.text(text))
            self.add_date(rec, row, sheet, "Collection date", "Collection date")
            self.add_coordinate(rec, row, sheet, "Collection place latitude", 90)
            self.add_coordinate(rec, row, sheet, "Collection place longitude", 180)
            self.add_duration(rec, row, sheet, "Animal age at collection")
            self.add_duration(rec, row, sheet, "Sampling to preparation interval")
            self.result.records.append(rec)


# -- the fast reader ------------------------------------------------------------------------
# openpyxl's read-only mode builds a dict per cell and, for workbooks written without a
# <dimension> (openpyxl's own write-only mode, many exporters), reads every sheet twice;
# a 300,000-row Template took over 90 s. The reader below streams each sheet's XML out of
# the zip in blocks, cuts it at </row>, and reads the cells of ordinary rows with one
# regular expression. Any row it does not fully recognise (formulas, rich text, entities,
# carriage returns, cells without a reference...) is parsed by ElementTree and openpyxl's
# own cell reader, and anything unusual about the workbook as a whole (prefixed XML,
# chartsheets, CDATA, comments, another encoding) makes ``parse`` use openpyxl for the
# whole file, so both paths give the same values, row numbers and problems.

_MAIN_NS = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
_DOC_REL_NS = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
_PKG_REL_NS = "http://schemas.openxmlformats.org/package/2006/relationships"
_M = "{" + _MAIN_NS + "}"
_BLOCK = 4 << 20
_CELL = re.compile(
    r'<c r="([A-Z]{1,3})\d+"((?: [A-Za-z][\w:]*="[^"]*")*) ?'
    r'(?:/>|>(?:<v>([^<&\r]*)</v>|<is><t>([^<&\r]*)</t></is>)?</c>)')
_INLINE = ' t="inlineStr"'
_ATTR = re.compile(r'([\w:]+)="([^"]*)"')
_ROW_NUMBER = re.compile(r'\sr="([^"]*)"')
_WORKSHEET_TAG = re.compile(r"<worksheet\b[^>]*>")
_DIMENSION = re.compile(r'<dimension\s+ref="([^"]*)"\s*/>')
_XML_DECL_ENCODING = re.compile(rb'^<\?xml[^>]*encoding=["\']([^"\']+)["\']')

Values = tuple[Any, ...]


class _NotSimple(Exception):
    """The fast reader met something it does not handle: read the workbook with openpyxl."""


def _cast_number(value: str) -> int | float:
    """A number cell's text as openpyxl reads it."""
    if "." in value or "E" in value or "e" in value:
        return float(value)
    return int(value)


def _bool_attr(value: str | None) -> bool:
    """An xsd:boolean attribute as openpyxl's ``Bool`` descriptor reads it."""
    return bool(value) and value not in ("false", "f", "0")


class _FastBook:
    """A workbook opened for the fast reader (same interface as ``_OpenpyxlBook``)."""

    def __init__(self, path: Path) -> None:
        self.zf = zipfile.ZipFile(path)
        try:
            self._load()
        except _NotSimple:
            self.zf.close()
            raise
        except (KeyError, ValueError, IndexError, TypeError, ET.ParseError) as exc:
            self.zf.close()
            raise _NotSimple(f"{type(exc).__name__}: {exc}") from exc

    def close(self) -> None:
        self.zf.close()

    def _xml(self, name: str) -> ET.Element:
        return ET.fromstring(self.zf.read(name))

    def _load(self) -> None:
        from openpyxl.styles.numbers import (
            builtin_format_code,
            is_date_format,
            is_timedelta_format,
        )
        from openpyxl.utils.datetime import CALENDAR_MAC_1904, WINDOWS_EPOCH

        book = self._xml("xl/workbook.xml")
        if book.tag != _M + "workbook":
            raise _NotSimple("workbook.xml has another namespace")
        props = book.find(_M + "workbookPr")
        self.epoch = (CALENDAR_MAC_1904 if props is not None
                      and _bool_attr(props.get("date1904")) else WINDOWS_EPOCH)
        rels: dict[str, tuple[str, str]] = {}
        for rel in self._xml("xl/_rels/workbook.xml.rels").iter(
                "{" + _PKG_REL_NS + "}Relationship"):
            target = rel.get("Target", "")
            path = target[1:] if target.startswith("/") else posixpath.normpath(
                posixpath.join("xl", target))
            rels[rel.get("Id", "")] = (rel.get("Type", "").rsplit("/", 1)[-1], path)
        self.sheets: dict[str, str] = {}
        for sheet in book.iter(_M + "sheet"):
            kind, path = rels[sheet.get("{" + _DOC_REL_NS + "}id", "")]
            if kind != "worksheet":
                raise _NotSimple(f"sheet of type {kind}")
            self.sheets[sheet.get("name", "")] = path
        self.sheetnames = list(self.sheets)
        by_kind = {kind: path for kind, path in rels.values()}
        self.shared: list[str] = []
        if "sharedStrings" in by_kind and by_kind["sharedStrings"] in self.zf.namelist():
            self.shared = self._shared_strings(by_kind["sharedStrings"])
        self.date_formats: set[int] = set()
        self.timedelta_formats: set[int] = set()
        if "styles" in by_kind and by_kind["styles"] in self.zf.namelist():
            styles = self._xml(by_kind["styles"])
            custom = {int(n.get("numFmtId", "")): n.get("formatCode", "")
                      for n in styles.iter(_M + "numFmt")}
            xfs = styles.find(_M + "cellXfs")
            for idx, xf in enumerate(xfs if xfs is not None else ()):
                num = int(xf.get("numFmtId", "0"))
                fmt = custom[num] if num in custom else builtin_format_code(num)
                if is_date_format(fmt):
                    self.date_formats.add(idx)
                if is_timedelta_format(fmt):
                    self.timedelta_formats.add(idx)

    def _shared_strings(self, name: str) -> list[str]:
        from openpyxl.cell.text import Text

        strings: list[str] = []
        si, t = _M + "si", _M + "t"
        with self.zf.open(name) as src:
            for _, node in ET.iterparse(src):
                if node.tag == si:
                    if len(node) == 1 and node[0].tag == t:
                        text = node[0].text or ""
                    else:
                        text = Text.from_tree(node).content
                    strings.append(text.replace("x005F_", ""))
                    node.clear()
        return strings

    def rows(self, name: str) -> Iterator[tuple[int, Values]]:
        """(row number, values) of the sheet's rows, as openpyxl's read-only
        ``iter_rows(values_only=True)`` gives them (empty rows may be left out)."""
        from openpyxl.utils.cell import column_index_from_string, range_boundaries
        from openpyxl.utils.datetime import from_excel, from_ISO8601
        from openpyxl.worksheet._reader import WorkSheetParser

        with self.zf.open(self.sheets[name]) as src:
            head = src.read(_BLOCK)
            m = _XML_DECL_ENCODING.match(head)
            if m and m[1].decode("ascii").lower().replace("-", "") != "utf8":
                raise _NotSimple("sheet XML is not UTF-8")
            while b"<sheetData" not in head:
                more = src.read(_BLOCK)
                if not more:
                    return
                head += more
            at = head.index(b"<sheetData")
            prolog = head[:at].decode("utf-8")
            root = _WORKSHEET_TAG.search(prolog)
            if root is None or f'xmlns="{_MAIN_NS}"' not in root[0]:
                raise _NotSimple("worksheet element is prefixed or in another namespace")
            max_row: int | None = None
            max_col: int | None = None
            dim = _DIMENSION.search(prolog)
            if dim:
                _, _, max_col, max_row = range_boundaries(dim[1])
            slow = WorkSheetParser(None, self.shared, data_only=True, epoch=self.epoch,
                                   date_formats=self.date_formats,
                                   timedelta_formats=self.timedelta_formats)
            wrap_open, wrap_close = root[0], "</worksheet>"
            columns: dict[str, int] = {}
            attrs_cache: dict[str, tuple[str, int]] = {}
            shared, epoch = self.shared, self.epoch
            date_formats, timedelta_formats = self.date_formats, self.timedelta_formats
            counter = 1
            last = 0
            end_tag = head.index(b">", at) + 1
            if head[end_tag - 2:end_tag] == b"/>":
                return  # <sheetData/>
            buf = head[end_tag:]
            done = False
            while not done:
                cut = buf.rfind(b"</row>")
                stop = buf.find(b"</sheetData>")
                if stop >= 0:
                    chunk, done = buf[:stop], True
                elif cut >= 0:
                    chunk, buf = buf[:cut + 6], buf[cut + 6:]
                else:
                    chunk = b""
                if not done:
                    more = src.read(_BLOCK)
                    if not more and cut < 0:
                        raise _NotSimple("sheet XML ends inside sheetData")
                    buf += more
                    if not chunk:
                        continue
                text = chunk.decode("utf-8")
                if "<![CDATA[" in text or "<!--" in text or "<?" in text:
                    raise _NotSimple("CDATA, comment or processing instruction in sheetData")
                for piece in text.split("</row>"):
                    parts = piece.split("<row")
                    if parts[0].strip():
                        raise _NotSimple("text outside rows")
                    for n, part in enumerate(parts[1:], start=2):
                        if n == len(parts) and not part.rstrip().endswith("/>"):
                            break
                        # an empty <row .../>: it only moves openpyxl's row counters
                        if not part.rstrip().endswith("/>") or part.count(">") != 1:
                            raise _NotSimple("unexpected text between rows")
                        rm = _ROW_NUMBER.search(" " + part)
                        last = int(rm[1]) if rm else last + 1
                        if max_row is not None and last > max_row:
                            return
                        counter = max(counter, last + 1)
                    else:
                        continue
                    start = len(piece) - len(parts[-1]) - 4
                    close = piece.index(">", start)
                    row_attrs = piece[start + 4:close]
                    content = piece[close + 1:]
                    found = _CELL.findall(content)
                    if len(found) == content.count("<c ") and "<c>" not in content \
                            and "<c\n" not in content and "<c\t" not in content:
                        rm = _ROW_NUMBER.search(" " + row_attrs)
                        idx = int(rm[1]) if rm else last + 1
                        cells: list[tuple[int, Any]] = []
                        append = cells.append
                        for letters, attrs, v, inline in found:
                            try:
                                col = columns[letters]
                            except KeyError:
                                col = columns[letters] = column_index_from_string(letters)
                            if attrs == _INLINE:  # the usual text cell
                                append((col, inline or None))
                                continue
                            try:
                                kind, style_id = attrs_cache[attrs]
                            except KeyError:
                                got = dict(_ATTR.findall(attrs))
                                kind, style_id = attrs_cache[attrs] = (
                                    got.get("t", "n"), int(got.get("s", "0") or "0"))
                            value: Any
                            if kind == "inlineStr":
                                value = inline or None
                            elif not v:
                                value = None
                            elif kind == "n":
                                value = _cast_number(v)
                                if style_id in date_formats:
                                    try:
                                        value = from_excel(
                                            value, epoch,
                                            timedelta=style_id in timedelta_formats)
                                    except (OverflowError, ValueError):
                                        value = "#VALUE!"
                            elif kind == "s":
                                value = shared[int(v)]
                            elif kind == "b":
                                value = bool(int(v))
                            elif kind == "d":
                                value = from_ISO8601(v)
                            else:
                                value = v
                            append((col, value))
                    else:
                        element = ET.fromstring(wrap_open + piece[start:] + "</row>"
                                                + wrap_close)[0]
                        slow.row_counter = last
                        idx, parsed = slow.parse_row(element)
                        cells = [(c["column"], c["value"]) for c in parsed]
                    last = idx
                    if max_row is not None and idx > max_row:
                        return
                    if counter > idx:
                        continue  # openpyxl drops a row that comes after a later one
                    counter = idx + 1
                    if not cells:
                        continue
                    width = max_col or cells[-1][0]
                    values: list[Any] = [None] * width
                    for col, value in cells:
                        if col <= width:
                            values[col - 1] = value
                    yield idx, tuple(values)


Engine = Literal["auto", "fast", "openpyxl"]
_FAST_FAILURES = (_NotSimple, ValueError, IndexError, KeyError, TypeError, ET.ParseError,
                  zipfile.BadZipFile, OSError)


def parse(path: Path, display: str, *, engine: Engine = "auto") -> ParseResult:
    """Parse an IMAGE Template workbook (the caller has checked size and format).

    ``engine``: "auto" reads with the fast reader and falls back to openpyxl when the
    workbook holds something the fast reader does not handle; "fast" raises instead of
    falling back; "openpyxl" is the reference reader (tests compare the two).
    """
    check_zip(path, display)
    with gc_paused():
        if engine != "openpyxl":
            try:
                fast = _FastBook(path)
                try:
                    return _TemplateParser(display).parse_book(fast)
                finally:
                    fast.close()
            except _FAST_FAILURES:
                if engine == "fast":
                    raise
        book = _OpenpyxlBook(path, display)
        try:
            return _TemplateParser(display).parse_book(book)
        finally:
            book.close()
