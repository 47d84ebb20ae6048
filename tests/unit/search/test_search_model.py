"""The query model's validation and the schema helpers (no engine needed)."""

from __future__ import annotations

import pytest

from chalicelib.search.mappings import (
    FIELDS,
    TEXT_FIELD,
    TILE_FIELDS,
    fold,
    full_text,
    mercator,
    opensearch_mapping,
    tile_keys,
)
from chalicelib.search.port import (
    BoundingBox,
    InvalidQuery,
    Query,
    Radius,
    SearchRequest,
    Sort,
    decode_cursor,
    encode_cursor,
    versioned_name,
)


def test_cursor_round_trip_and_tampering() -> None:
    values = ["Sus scrofa", 1.5, "\U0010ffff", -1.7e308, "SAMEA1"]
    assert decode_cursor(encode_cursor(values), 5) == values
    with pytest.raises(InvalidQuery):
        decode_cursor(encode_cursor(values), 2)
    with pytest.raises(InvalidQuery):
        decode_cursor("!!!", 1)


def test_effective_sort_defaults() -> None:
    assert SearchRequest().effective_sort() == (Sort("id"),)
    assert SearchRequest(query=Query(text="pig")).effective_sort() == (
        Sort("_score", True), Sort("id"))
    assert Sort.parse("-birth_date_value") == Sort("birth_date_value", True)
    with pytest.raises(InvalidQuery):
        Sort.parse("colour")


@pytest.mark.parametrize("make", [
    lambda: BoundingBox(top=95, left=0, bottom=0, right=1),
    lambda: Radius(0, 0, 0),
    lambda: SearchRequest(size=-1).validate(),
    lambda: SearchRequest(cursor="x", offset=5).validate(),
    lambda: SearchRequest(facet_size=0).validate(),
    lambda: SearchRequest(origin=(100.0, 0.0)).validate(),
    lambda: Query(filters={"species": ()}).validate(),
    lambda: Query(exists=("colour",)).validate(),
])
def test_out_of_bounds_requests(make: object) -> None:
    with pytest.raises(InvalidQuery):
        make()  # type: ignore[operator]


def test_mapping_is_strict_and_complete() -> None:
    mapping = opensearch_mapping()
    assert mapping["dynamic"] == "strict"
    props = mapping["properties"]
    assert set(props) == set(FIELDS) | {TEXT_FIELD, *TILE_FIELDS}
    # strings are plain keywords: all text search goes to the one analysed field
    assert props["species"] == {"type": "keyword", "ignore_above": 2048,
                                "eager_global_ordinals": True}  # a facet
    assert props["person_email"] == {"type": "keyword", "ignore_above": 2048}
    assert props[TEXT_FIELD]["type"] == "text"
    assert all(p.get("type") != "text" for name, p in props.items() if name != TEXT_FIELD)
    assert props["location"]["type"] == "geo_point"
    assert props["birth_date_value"]["type"] == "date"
    assert props["dadis"] == {"type": "object", "enabled": False}


def test_text_is_folded_and_tiles_nest() -> None:
    assert fold("Béarnaise CÔTE") == "bearnaise cote"
    text = full_text({"species": "Sus scrofa", "etag": '"abc"', "child_of": ["SAMEA1"]})
    assert "sus scrofa" in text and "samea1" in text and "abc" not in text
    keys = tile_keys(43.32, 11.33, 6)
    assert keys[0] == "0/0/0" and len(keys) == 7
    x, y = mercator(43.32, 11.33)
    assert keys[6] == f"6/{int(x * 64)}/{int(y * 64)}"
    for z in range(1, 7):  # each tile lies inside its parent
        _, px, py = map(int, keys[z - 1].split("/"))
        _, cx, cy = map(int, keys[z].split("/"))
        assert (cx // 2, cy // 2) == (px, py)


def test_versioned_names_sort_by_time() -> None:
    a = versioned_name("imagepool", tag="x")
    b = versioned_name("imagepool")
    assert a.startswith("imagepool-") and a.endswith("-x") and a[:-2] <= b


def test_list_fields_match_what_the_harvest_writes() -> None:
    """Doc-value reads rebuild lists from ``LIST_FIELDS``: it must agree with real documents."""
    from chalicelib.harvest import synthetic
    from chalicelib.harvest.transform import documents_for_page
    from chalicelib.search.mappings import LIST_FIELDS

    docs = documents_for_page(list(synthetic.generate(40)))
    assert {d["record_type"] for d in docs} == {"organism", "specimen"}
    lists = {k for d in docs for k, v in d.items()
             if isinstance(v, list) and FIELDS.get(k) == "keyword"}
    scalars = {k for d in docs for k, v in d.items()
               if isinstance(v, str) and FIELDS.get(k) == "keyword"}
    assert lists == LIST_FIELDS
    assert not scalars & LIST_FIELDS


def test_index_sort_fields_are_single_keyword_values_and_part_of_the_schema(
        monkeypatch: pytest.MonkeyPatch) -> None:
    """OpenSearch sorts an index on doc values; a list field would sort on its minimum."""
    from chalicelib.search import mappings

    assert all(FIELDS[f] == "keyword" and f not in mappings.LIST_FIELDS
               for f in mappings.INDEX_SORT)
    before = mappings.schema_version()
    monkeypatch.setattr(mappings, "INDEX_SORT", ("species",))
    mappings.schema_version.cache_clear()
    try:
        assert mappings.schema_version() != before  # a new order means a full rebuild
    finally:
        mappings.schema_version.cache_clear()
