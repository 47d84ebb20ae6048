"""Fixtures for the ingest parser tests: paths of the shipped examples and an xlsx builder."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from pathlib import Path
from typing import Any

import openpyxl
import pytest

from chalicelib.ingest.template import ANIMAL_COLUMNS, BREED_COLUMNS, SAMPLE_COLUMNS

DATA = Path(__file__).resolve().parents[2] / "data" / "ingest"

BREEDS: list[dict[str, Any]] = [
    {"Supplied breed": "Cinta Senese", "EFABIS Breed country": "Italy", "Species": "Sus scrofa"},
    {"Supplied breed": "Bentheimer", "EFABIS Breed country": "Germany", "Species": "Sus scrofa"},
]
ANIMALS: list[dict[str, Any]] = [
    {"Animal id in data source": "A1", "Alternative animal ID": "alt-A1", "Breed": "Cinta Senese",
     "Species": "Sus scrofa", "Sex": "male", "Birth date": dt.datetime(2019, 11, 5),
     "Birth location accuracy": "missing geographic information"},
    {"Animal id in data source": "A2", "Alternative animal ID": "alt-A2", "Breed": "Cinta Senese",
     "Species": "Sus scrofa", "Sex": "female", "Birth date": "2018-03",
     "Birth location": "Siena", "Birth location latitude": 43.3188,
     "Birth location longitude": 11.3308, "Birth location accuracy": "precise coordinates"},
    {"Animal id in data source": "A3", "Alternative animal ID": "alt-A3",
     "Father id in data source": "A1", "Mother id in data source": "A2",
     "Breed": "Bentheimer", "Species": "Sus scrofa", "Sex": "male", "Birth date": 2020,
     "Birth location accuracy": "missing geographic information"},
]
SAMPLES: list[dict[str, Any]] = [
    {"Sample id in data source": "S1", "Alternative sample ID": "alt-S1",
     "Animal id in data source": "A3", "availability": "no longer available",
     "Collection date": dt.date(2021, 2, 3), "Collection place accuracy": "country level",
     "Collection place": "Italy", "Organism part": "semen",
     "Animal age at collection": "10 months", "Sample storage": "frozen, liquid nitrogen",
     "Sampling to preparation interval": "2 days"},
    {"Sample id in data source": "S2", "Alternative sample ID": "alt-S2",
     "Animal id in data source": "A1", "Collection date": "2020",
     "Collection place accuracy": "missing geographic information", "Organism part": "blood"},
]

Sheets = dict[str, list[dict[str, Any]]]


def write_xlsx(path: Path, sheets: Sheets | None = None,
               columns: dict[str, tuple[str, ...]] | None = None) -> Path:
    """Write a template workbook: one sheet per key, headers in row 1."""
    sheets = sheets if sheets is not None else {
        "breed": BREEDS, "animal": ANIMALS, "sample": SAMPLES}
    columns = columns or {"breed": BREED_COLUMNS, "animal": ANIMAL_COLUMNS,
                          "sample": SAMPLE_COLUMNS}
    wb = openpyxl.Workbook()
    wb.remove(wb.active)
    for name, rows in sheets.items():
        ws = wb.create_sheet(name)
        header = [*columns.get(name, ()), "Extra notes"]
        ws.append(header)
        for row in rows:
            ws.append([row.get(h) for h in header])
    wb.save(path)
    return path


@pytest.fixture
def xlsx(tmp_path: Path) -> Callable[..., Path]:
    def build(sheets: Sheets | None = None, name: str = "template.xlsx",
              columns: dict[str, tuple[str, ...]] | None = None) -> Path:
        return write_xlsx(tmp_path / name, sheets, columns)

    return build


@pytest.fixture
def data_dir() -> Path:
    return DATA
