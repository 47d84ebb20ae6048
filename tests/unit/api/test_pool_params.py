"""The pool API's parameter parsing: plain functions, no Chalice, no backend."""

from __future__ import annotations

import pytest

from chalicelib.api.pool import params as p
from chalicelib.api.pool.errors import ApiError
from chalicelib.search.port import BoundingBox, Radius, Range, Sort


def test_filters_ranges_text_and_type_become_one_query() -> None:
    query = p.query({"species": ["Bos taurus", "Sus scrofa"], "birth_date_value.gte": ["2019"],
                     "birth_date_value.lte": ["2020"], "q": ["tuscany"], "page": ["2"]},
                    text_param="q", kind="organism")
    assert query.text == "tuscany"
    assert query.filters == {"species": ("Bos taurus", "Sus scrofa"),
                             "record_type": ("organism",)}
    assert query.ranges == {"birth_date_value": Range("2019", "2020")}
    assert query.bbox is None and query.radius is None  # geo only when asked for


def test_geo_parameters_give_bbox_and_radius() -> None:
    query = p.query({"bbox": ["10,40,12,45"], "lat": ["43.3"], "lng": ["11.3"], "rad": ["5"]},
                    text_param="q", kind=None, geo=True)
    assert query.bbox == BoundingBox(top=45, left=10, bottom=40, right=12)
    assert query.radius == Radius(43.3, 11.3, 5.0)


@pytest.mark.parametrize(("params", "message"), [
    ({"bbox": ["1,2,3"]}, "bbox must be min_lon,min_lat,max_lon,max_lat"),
    ({"rad": ["5"]}, "rad needs lat and lng"),
    ({"lat": ["43"]}, "give both lat and lng"),
    ({"lat": ["91"], "lng": ["0"]}, "lat must be in [-90, 90]"),
    ({"lat": ["nan"], "lng": ["0"]}, "lat must be a finite number"),
    ({"lat": ["north"], "lng": ["0"]}, "lat must be a number"),
    ({"q": ["a", "b"]}, "give 'q' only once"),
])
def test_bad_geo_and_text_parameters_name_the_fix(params: dict[str, list[str]],
                                                  message: str) -> None:
    with pytest.raises(ApiError) as caught:
        p.query(params, text_param="q", kind=None, geo=True)
    assert caught.value.status == 400 and message in caught.value.message


def test_whole_number_bounds_and_defaults() -> None:
    assert p.whole_number({}, "size", 20, 0, 1000) == 20
    assert p.whole_number({"size": [""]}, "size", 20, 0, 1000) == 20
    assert p.whole_number({"size": ["1000"]}, "size", 20, 0, 1000) == 1000
    for bad in ("1001", "-1", "ten", "2.5"):
        with pytest.raises(ApiError, match="size must be a whole number from 0 to 1000"):
            p.whole_number({"size": [bad]}, "size", 20, 0, 1000)


def test_filter_names_only_for_pool_fields() -> None:
    assert p.filter_name("species") == "species"
    assert p.filter_name("birth_date_value.gte") == "birth_date_value"
    assert p.filter_name("page") is None and p.filter_name("nope.lte") is None


def test_lists_sorts_types_and_rewritten_params() -> None:
    assert p.comma_list({"facets": ["species, sex", ",breed"]}, "facets") == [
        "species", "sex", "breed"]
    assert p.sort_keys(["-birth_date_value", "id"]) == (
        Sort("birth_date_value", descending=True), Sort("id"))
    assert p.record_type({}, "organism") == "organism"
    with pytest.raises(ApiError, match="type must be one of organism, specimen, file"):
        p.record_type({"type": ["cow"]})
    given = {"q": ["x"], "page": ["2"]}
    assert p.with_params(given, page=3, q=None) == {"page": ["3"]}
    assert given == {"q": ["x"], "page": ["2"]}  # the caller's dict is left alone
