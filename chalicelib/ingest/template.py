"""IMAGE Template (xlsx) → records.

Read with openpyxl in read-only (streaming) mode so a large workbook is never held in
memory whole; the zip directory is checked first so that a zip bomb is refused before
anything is decompressed.
"""

from __future__ import annotations

import zipfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from chalicelib.ingest.common import (
    DECIMAL_DEGREES,
    Interner,
    cell_text,
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


def _rows(ws: Any, sheet: str, display: str,
          ) -> tuple[dict[str, int], Iterator[tuple[int, tuple[Any, ...]]]]:
    """Header positions (by normalised name) and an iterator of (row number, values)."""
    it = ws.iter_rows(values_only=True)
    header = next(it, None) or ()
    positions: dict[str, int] = {}
    for idx, name in enumerate(header):
        key = _norm(name)
        if key and key not in positions:
            positions[key] = idx

    def gen() -> Iterator[tuple[int, tuple[Any, ...]]]:
        for number, values in enumerate(it, start=2):
            if values and any(v is not None and str(v).strip() != "" for v in values):
                yield number, values

    return positions, gen()


class _Row:
    """One spreadsheet row addressed by template column name."""

    __slots__ = ("number", "positions", "values")

    def __init__(self, number: int, values: tuple[Any, ...], positions: dict[str, int]):
        self.number = number
        self.values = values
        self.positions = positions

    def raw(self, column: str) -> Any:
        idx = self.positions.get(_norm(column))
        if idx is None or idx >= len(self.values):
            return None
        value = self.values[idx]
        if isinstance(value, str) and not value.strip():
            return None
        return value

    def text(self, column: str) -> str | None:
        return cell_text(self.raw(column))


class _TemplateParser:
    def __init__(self, display: str) -> None:
        self.display = display
        self.result = ParseResult()
        self.av = Interner()

    def problem(self, message: str, sheet: str, row: int, column: str | None,
                code: str, level: Level = Level.ERROR) -> None:
        self.result.problems.append(Problem(
            file=self.display, message=message, level=level, sheet=sheet, row=row,
            column=column, code=code))

    def add_date(self, rec: Record, row: _Row, sheet: str, column: str, attr: str) -> None:
        raw = row.raw(column)
        if raw is None:
            return
        norm = normalize_date(raw)
        if norm is None:
            self.problem(f"'{cell_text(raw)}' is not a date: write it as YYYY-MM-DD, YYYY-MM "
                         "or YYYY (or use a real date cell).", sheet, row.number, column,
                         "bad-date")
            return
        rec.attributes.setdefault(attr, []).append(self.av(norm[0], norm[1]))

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
        parsed = parse_duration(raw)
        if parsed is None:
            self.problem(f"'{cell_text(raw)}' is not a duration: write a number and a unit, "
                         "e.g. '10 months' (units: minutes, hours, days, weeks, months, "
                         "years).", sheet, row.number, column, "bad-duration")
            return
        rec.attributes.setdefault(column, []).append(self.av(parsed[0], parsed[1]))

    def parse(self, path: Path) -> ParseResult:
        import openpyxl  # imported here: only the template format needs it

        try:
            wb = openpyxl.load_workbook(path, read_only=True, data_only=True)
        except Exception as exc:  # openpyxl raises many kinds on a damaged workbook
            raise UnreadableFile.one(
                self.display, f"The workbook cannot be opened ({type(exc).__name__}: {exc}). "
                "Open it in Excel or LibreOffice and save it again as .xlsx.",
                code="broken-xlsx") from exc
        try:
            return self._parse_workbook(wb)
        finally:
            wb.close()

    def _parse_workbook(self, wb: Any) -> ParseResult:
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
            positions, rows = _rows(wb[by_name[sheet]], sheet, self.display)
            for column in columns:
                if _norm(column) not in positions:
                    missing.append(Problem(
                        file=self.display, sheet=sheet, row=1, column=column,
                        code="missing-column",
                        message=f"The column '{column}' is missing from row 1 of sheet "
                        f"'{sheet}': add it (it may stay empty)."))
            tables[sheet] = (positions, rows)
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
            breed, species = row.text("Supplied breed"), row.text("Species")
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
            breeds[key] = (breed, row.text("EFABIS Breed country"))
        return breeds

    def _animals(self, positions: dict[str, int], rows: Iterator[tuple[int, tuple[Any, ...]]],
                 *, breeds: dict[tuple[str, str], tuple[str, str | None]],
                 ) -> dict[str, Record]:
        sheet, av = "animal", self.av
        animals: dict[str, Record] = {}
        parents: list[tuple[Record, int, str, str]] = []
        for number, values in rows:
            row = _Row(number, values, positions)
            ident = row.text("Animal id in data source")
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
            attrs["Data source ID"] = [av(ident)]
            for column, attr in ANIMAL_TEXT.items():
                text = row.text(column)
                if text:
                    attrs.setdefault(attr, []).append(av(text))
            breed, species = row.text("Breed"), row.text("Species")
            if species:
                attrs["Species"] = [av(species)]
            else:
                self.problem("The animal has no Species: fill it in as in sheet 'breed'.",
                             sheet, number, "Species", "missing-value")
            if breed:
                found = breeds.get((breed.lower(), (species or "").lower()))
                if found is None:
                    self.problem(f"Breed '{breed}' of species '{species or ''}' is not in sheet "
                                 "'breed': add a row there or correct the Breed and Species "
                                 "cells.", sheet, number, "Breed", "unknown-breed")
                    attrs["Supplied breed"] = [av(breed)]
                else:
                    attrs["Supplied breed"] = [av(found[0])]
                    if found[1]:
                        attrs["EFABIS Breed country"] = [av(found[1])]
            else:
                self.problem("The animal has no Breed: fill it in as in sheet 'breed'.",
                             sheet, number, "Breed", "missing-value")
            self.add_date(rec, row, sheet, "Birth date", "Birth date")
            self.add_coordinate(rec, row, sheet, "Birth location longitude", 180)
            self.add_coordinate(rec, row, sheet, "Birth location latitude", 90)
            for column in ("Father id in data source", "Mother id in data source"):
                parent = row.text(column)
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
            ident = row.text("Sample id in data source")
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
            attrs["Data source ID"] = [av(ident)]
            animal_id = row.text("Animal id in data source")
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
                text = row.text(column)
                if text:
                    attrs.setdefault(attr, []).append(av(text))
            self.add_date(rec, row, sheet, "Collection date", "Collection date")
            self.add_coordinate(rec, row, sheet, "Collection place latitude", 90)
            self.add_coordinate(rec, row, sheet, "Collection place longitude", 180)
            self.add_duration(rec, row, sheet, "Animal age at collection")
            self.add_duration(rec, row, sheet, "Sampling to preparation interval")
            self.result.records.append(rec)


def parse(path: Path, display: str) -> ParseResult:
    """Parse an IMAGE Template workbook (the caller has checked size and format)."""
    check_zip(path, display)
    return _TemplateParser(display).parse(path)
