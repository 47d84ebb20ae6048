"""DAD-IS breed links an operator loaded from a DAD-IS export, kept in DynamoDB (the
``dictionaries`` table, ``kind = "dadis"``) so every harvest uses them with the built-in
custom links."""

from __future__ import annotations

from collections.abc import Iterable, Mapping

from chalicelib.accounts.models import DictionaryModel
from chalicelib.harvest.dadis import DadisTable, build_table
from chalicelib.tables import bind

KIND = "dadis"


def save_rows(rows: Iterable[Mapping[str, str]]) -> int:
    """Store export rows (one per breed, species and country); returns how many."""
    bind(DictionaryModel, "dictionaries_table")
    count = 0
    with DictionaryModel.batch_write() as batch:
        for row in rows:
            key = "|".join(str(row.get(k, "")).strip().lower()
                           for k in ("species", "most_common_name", "country", "iso3"))
            if key.strip("|"):
                batch.save(DictionaryModel(KIND, key, label=str(row.get("most_common_name",
                                                                           "")),
                                           data=dict(row)))
                count += 1
    return count


def stored_rows() -> list[dict[str, str]]:
    bind(DictionaryModel, "dictionaries_table")
    return [dict(item.data or {}) for item in DictionaryModel.query(KIND)]


def current_table() -> DadisTable:
    """The built-in custom links plus every row operators loaded."""
    table = build_table()
    table.extend_from_export(stored_rows())
    return table
