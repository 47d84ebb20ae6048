"""The search contract: every SearchBackend answers these the same way."""

from __future__ import annotations

from typing import Any

import pytest

from chalicelib.search.mappings import mercator
from chalicelib.search.port import (
    BoundingBox,
    IndexingError,
    InvalidQuery,
    Query,
    Radius,
    Range,
    SearchBackend,
    SearchRequest,
    Sort,
)
from tests.contract.search.conftest import CONTRACT_DOCS, SIENA, load

pytestmark = pytest.mark.integration

ORGS = Query(filters={"record_type": ("organism",)})


def ids(result_hits: list[dict[str, Any]]) -> list[str]:
    return [h["id"] for h in result_hits]


def search(backend: SearchBackend, **kwargs: Any) -> Any:
    return backend.search(SearchRequest(**kwargs))


def test_get_and_get_many(loaded: SearchBackend) -> None:
    doc = loaded.get("SAMEA1001")
    assert doc is not None and doc["supplied_breed"] == "Cinta Senese"
    assert doc["specimens"] == ["SAMEA1007", "SAMEA1008"]
    assert "all_text" not in doc
    assert loaded.get("SAMEA9999") is None
    assert ids(loaded.get_many(["SAMEA1003", "nope", "SAMEA1001"])) == ["SAMEA1003",
                                                                        "SAMEA1001"]


def test_filters_or_within_and_across_fields(loaded: SearchBackend) -> None:
    assert loaded.count(ORGS) == 6
    both = ORGS.with_filter("species", "Sus scrofa", "Bos taurus")
    assert loaded.count(both) == 5
    males = both.with_filter("sex", "male")
    assert sorted(ids(search(loaded, query=males).hits)) == ["SAMEA1001", "SAMEA1004",
                                                             "SAMEA1006"]
    parts = Query(filters={"organism_part": ("semen",), "species": ("Bos taurus",)})
    assert ids(search(loaded, query=parts).hits) == ["SAMEA1009"]
    # array fields match on any element
    assert ids(search(loaded, query=Query(filters={"child_of": ("SAMEA1006",)})).hits) == [
        "SAMEA1004"]


def test_ranges_on_dates_and_numbers(loaded: SearchBackend) -> None:
    recent = Query(ranges={"birth_date_value": Range(gte="2018-01-01")})
    assert sorted(ids(search(loaded, query=recent).hits)) == ["SAMEA1001", "SAMEA1002",
                                                              "SAMEA1004"]
    young = Query(ranges={"animal_age_at_collection_value": Range(lte=100)})
    assert sorted(ids(search(loaded, query=young).hits)) == ["SAMEA1008", "SAMEA1009"]
    window = Query(ranges={"animal_age_at_collection_value": Range(gte=100, lte=300)})
    assert loaded.count(window) == 2


def test_facets_come_with_the_page(loaded: SearchBackend) -> None:
    result = search(loaded, query=ORGS, size=2, facets=("species", "sex"))
    assert result.total == 6 and len(result.hits) == 2
    assert list(result.facets["species"].items()) == [("Bos taurus", 3), ("Sus scrofa", 2),
                                                      ("Ovis aries", 1)]
    assert result.facets["sex"] == {"female": 3, "male": 3}
    limited = search(loaded, query=ORGS, size=0, facets=("species",), facet_size=1)
    assert limited.facets["species"] == {"Bos taurus": 3} and limited.hits == []


def test_full_text_over_every_field_folds_accents(loaded: SearchBackend) -> None:
    assert ids(search(loaded, query=Query(text="tuscany")).hits) == ["SAMEA1001"]
    for text in ("bearnaise cow", "BÉARNAISE COW"):
        assert ids(search(loaded, query=Query(text=text)).hits) == ["SAMEA1003"]
    # words may come from different fields; all must match
    senese = search(loaded, query=Query(text="cinta senese boar"))
    assert ids(senese.hits) == ["SAMEA1001"]
    assert search(loaded, query=Query(text="cinta zebra")).total == 0
    # ids and ontology terms are words too
    assert "SAMEA1009" in ids(search(loaded, query=Query(text="SAMEA1009")).hits)
    assert loaded.count(Query(text="UBERON_0001968")) == 2
    with_filter = Query(text="semen", filters={"species": ("Sus scrofa",)})
    assert ids(search(loaded, query=with_filter).hits) == ["SAMEA1008"]


def test_relevance_ranks_the_better_match_first(loaded: SearchBackend) -> None:
    # "Bearnaise" is the breed of SAMEA1003 and also in its description
    result = search(loaded, query=Query(text="bearnaise"))
    assert ids(result.hits)[0] == "SAMEA1003"


def test_sort_on_any_field_missing_last(loaded: SearchBackend) -> None:
    desc = search(loaded, query=ORGS, sort=(Sort("birth_date_value", True),))
    assert ids(desc.hits) == ["SAMEA1004", "SAMEA1001", "SAMEA1002", "SAMEA1003",
                              "SAMEA1005", "SAMEA1006"]
    everything = search(loaded, sort=(Sort.parse("birth_date_value"),), size=100)
    assert ids(everything.hits)[:2] == ["SAMEA1006", "SAMEA1005"]
    assert set(ids(everything.hits)[6:]) == {"SAMEA1007", "SAMEA1008", "SAMEA1009",
                                             "SAMEA1010"}
    breed = search(loaded, query=ORGS, sort=(Sort.parse("-supplied_breed"),))
    assert [h["supplied_breed"] for h in breed.hits] == [
        "Lacaune", "Holstein Friesian", "Holstein Friesian", "Duroc", "Cinta Senese",
        "Bearnaise"]
    assert ids(breed.hits)[1:3] == ["SAMEA1004", "SAMEA1006"]  # ties broken by id
    age = search(loaded, query=Query(exists=("animal_age_at_collection_value",)),
                 sort=(Sort.parse("-animal_age_at_collection_value"),))
    assert ids(age.hits) == ["SAMEA1010", "SAMEA1007", "SAMEA1008", "SAMEA1009"]


@pytest.mark.parametrize("sort", [(), (Sort("species"),), (Sort("birth_date_value", True),),
                                  (Sort("sex", True), Sort("common_name"))])
def test_cursors_walk_every_match_once(loaded: SearchBackend, sort: tuple[Sort, ...]) -> None:
    seen: list[str] = []
    cursor = None
    full = search(loaded, sort=sort, size=100)
    for _ in range(10):
        page = search(loaded, sort=sort, size=3, cursor=cursor)
        seen += ids(page.hits)
        cursor = page.next_cursor
        if cursor is None:
            break
    assert seen == ids(full.hits)
    assert len(seen) == len(CONTRACT_DOCS)


def test_cursor_with_relevance(loaded: SearchBackend) -> None:
    query = Query(text="IMAGE")
    full = search(loaded, query=query, size=100)
    first = search(loaded, query=query, size=4)
    second = search(loaded, query=query, size=4, cursor=first.next_cursor)
    assert ids(first.hits) + ids(second.hits) == ids(full.hits)[:8]


def test_offset_pages(loaded: SearchBackend) -> None:
    full = ids(search(loaded, size=100).hits)
    assert ids(search(loaded, size=3, offset=3).hits) == full[3:6]


@pytest.mark.parametrize("request_", [
    SearchRequest(size=1001),
    SearchRequest(query=Query(filters={"no_such_field": ("x",)})),
    SearchRequest(query=Query(ranges={"species": Range(gte="a")})),
    SearchRequest(query=Query(ranges={"birth_date_value": Range(gte="yesterday")})),
    SearchRequest(query=Query(filters={"file_size": ("big",)})),
    SearchRequest(cursor="not-a-cursor"),
    SearchRequest(offset=9990, size=20),
    SearchRequest(facets=("birth_date_value",)),
    SearchRequest(sort=(Sort("_score"),)),
])
def test_invalid_requests_are_refused(loaded: SearchBackend, request_: SearchRequest) -> None:
    with pytest.raises(InvalidQuery):
        loaded.search(request_)


def test_geo_bounding_box(loaded: SearchBackend) -> None:
    italy = Query(bbox=BoundingBox(top=47.1, left=6.6, bottom=36.6, right=18.5))
    assert sorted(ids(search(loaded, query=italy).hits)) == ["SAMEA1001", "SAMEA1006",
                                                             "SAMEA1007"]
    pacific = Query(bbox=BoundingBox(top=10, left=170, bottom=-10, right=-170))
    assert loaded.count(pacific) == 0
    west = Query(bbox=BoundingBox(top=60, left=-10, bottom=40, right=5))  # Pau + Amsterdam
    assert sorted(ids(search(loaded, query=west).hits)) == ["SAMEA1003", "SAMEA1004"]
    with pytest.raises(InvalidQuery):
        BoundingBox(top=10, left=0, bottom=20, right=5)


def test_geo_radius(loaded: SearchBackend) -> None:
    near = Query(radius=Radius(SIENA[0], SIENA[1], 50))
    assert sorted(ids(search(loaded, query=near).hits)) == ["SAMEA1001", "SAMEA1007"]
    wider = Query(radius=Radius(SIENA[0], SIENA[1], 400), filters={"record_type": (
        "organism",)})
    assert sorted(ids(search(loaded, query=wider).hits)) == ["SAMEA1001", "SAMEA1006"]


def test_sort_by_distance(loaded: SearchBackend) -> None:
    request = SearchRequest(query=Query(filters={"record_type": ("organism",)},
                                        exists=("species",)),
                            sort=(Sort.parse("_distance"),), origin=SIENA, size=4)
    first = loaded.search(request)
    # Siena, Milan, Pau, Berlin, Amsterdam; the animal without a location comes last
    assert ids(first.hits) == ["SAMEA1001", "SAMEA1006", "SAMEA1003", "SAMEA1002"]
    rest = loaded.search(SearchRequest(query=request.query, sort=request.sort, origin=SIENA,
                                       size=4, cursor=first.next_cursor))
    assert ids(rest.hits) == ["SAMEA1004", "SAMEA1005"]
    with pytest.raises(InvalidQuery):
        loaded.search(SearchRequest(sort=(Sort("_distance"),)))


def test_clusters_are_mercator_tiles_with_counts_and_centroids(loaded: SearchBackend) -> None:
    cells = loaded.clusters(Query(), zoom=6)
    assert sum(c.count for c in cells) == 6  # documents with a location
    by_key = {c.key: c for c in cells}
    mx, my = mercator(*SIENA)
    siena = by_key[f"6/{int(mx * 64)}/{int(my * 64)}"]
    assert siena.count == 2 and len(cells) == 5  # the Siena animal and its sample
    assert siena.lat == pytest.approx(SIENA[0] + 0.005, abs=1e-3)
    assert siena.lon == pytest.approx(SIENA[1] + 0.005, abs=1e-3)
    assert cells[0] == siena
    europe = loaded.clusters(Query(), zoom=4)
    assert [c.count for c in europe] == [5, 1]  # Pau lies west of the zoom-4 tile
    pigs = loaded.clusters(Query(filters={"species": ("Sus scrofa",)}), zoom=0)
    assert [(c.key, c.count) for c in pigs] == [("0/0/0", 3)]
    with pytest.raises(InvalidQuery):
        loaded.clusters(Query(), zoom=19)


def test_iterate_streams_every_match(loaded: SearchBackend) -> None:
    got = [d["id"] for d in loaded.iterate(ORGS, batch=2)]
    assert sorted(got) == ["SAMEA1001", "SAMEA1002", "SAMEA1003", "SAMEA1004", "SAMEA1005",
                           "SAMEA1006"]
    assert len(got) == len(set(got))


def test_iterate_can_read_only_some_fields(loaded: SearchBackend) -> None:
    got = {d["id"]: d for d in loaded.iterate(ORGS, fields=("child_of", "sex"))}
    assert len(got) == 6
    assert all(set(d) <= {"id", "child_of", "sex"} for d in got.values())
    assert got["SAMEA1004"]["child_of"] == ["SAMEA1003", "SAMEA1006"]  # lists stay lists
    assert got["SAMEA1001"]["child_of"] == []
    assert got["SAMEA1004"]["sex"] == "male"  # one value stays one value
    assert "supplied_breed" not in got["SAMEA1001"]
    # a field without doc values (an object) is read from the stored document instead
    with_geom = {d["id"]: d for d in loaded.iterate(ORGS, fields=("geom", "sex"))}
    assert with_geom["SAMEA1004"]["geom"]["type"] == "Point"


def test_optimize_keeps_every_answer(fresh: SearchBackend) -> None:
    index = load(fresh, CONTRACT_DOCS)
    request = SearchRequest(query=Query(text="cinta"), facets=("species", "sex"), size=50)
    before = fresh.search(request)
    fresh.optimize(index)
    after = fresh.search(request)
    assert before.total > 0
    assert (after.total, ids(after.hits), after.facets) == (before.total, ids(before.hits),
                                                            before.facets)


def test_summary_aggregations(loaded: SearchBackend) -> None:
    summary = loaded.summary(Query(filters={"record_type": ("specimen",)}),
                             ["organism_part", "species"])
    assert summary == {"organism_part": {"blood": 2, "semen": 2},
                       "species": {"Bos taurus": 2, "Sus scrofa": 2}}


def test_empty_pool_answers_empty(fresh: SearchBackend) -> None:
    assert fresh.current_index() is None
    assert fresh.search(SearchRequest(facets=("species",))).total == 0
    assert fresh.get("SAMEA1001") is None
    assert fresh.count(Query()) == 0
    assert list(fresh.iterate(Query())) == []


def test_alias_swap_is_atomic_and_old_indexes_can_go(fresh: SearchBackend) -> None:
    first = load(fresh, CONTRACT_DOCS[:4])
    assert fresh.current_index() == first and fresh.count(Query()) == 4
    from chalicelib.search.port import versioned_name

    second = versioned_name(fresh.alias, tag="b")
    fresh.create_index(second)
    fresh.bulk_index(second, CONTRACT_DOCS)
    fresh.finish_loading(second)
    # readers still see the first index while the second is built
    assert fresh.count(Query()) == 4
    assert fresh.count(Query(), index=second) == len(CONTRACT_DOCS)
    assert fresh.swap_alias(second) == [first]
    assert fresh.current_index() == second and fresh.count(Query()) == len(CONTRACT_DOCS)
    assert fresh.list_indexes() == [first, second]
    with pytest.raises(ValueError):
        fresh.drop_index(second)
    fresh.drop_index(first)
    assert fresh.list_indexes() == [second]


def test_updates_and_deletes(fresh: SearchBackend) -> None:
    name = load(fresh, CONTRACT_DOCS)
    assert fresh.update_fields(name, [("SAMEA1005", {"children": ["SAMEA2000"]}),
                                      ("SAMEA4040", {"children": []})]) == 1
    fresh.finish_loading(name)
    assert ids(search(fresh, query=Query(filters={"children": ("SAMEA2000",)})).hits) == [
        "SAMEA1005"]
    # the full text stays intact after a partial update
    assert fresh.count(Query(text="Lacaune")) == 1
    replaced = dict(CONTRACT_DOCS[0], description="now from Umbria")
    fresh.bulk_index(name, [replaced])
    assert fresh.delete_documents(name, ["SAMEA1002", "SAMEA4040"]) == 1
    fresh.finish_loading(name)
    assert fresh.get("SAMEA1002") is None
    assert fresh.count(Query(text="umbria")) == 1 and fresh.count(Query(text="tuscany")) == 0
    assert fresh.count(Query()) == len(CONTRACT_DOCS) - 1


def test_strict_schema_refuses_unknown_fields(fresh: SearchBackend) -> None:
    name = load(fresh, [])
    with pytest.raises(IndexingError):
        fresh.bulk_index(name, [dict(CONTRACT_DOCS[0], surprise="x")])
