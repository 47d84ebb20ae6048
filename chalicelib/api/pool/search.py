"""What the old pool lacked: full-text search with facets, one full record, GeoJSON with
any filter, server-side map clusters."""

from __future__ import annotations

from typing import Any

from chalicelib.api.pool import params as p
from chalicelib.api.pool.errors import ApiError
from chalicelib.api.pool.geo import feature, only_located
from chalicelib.api.pool.links import url
from chalicelib.api.pool.params import Params
from chalicelib.api.pool.routing import (
    GEO_PARAMS,
    P_BBOX,
    P_CURSOR,
    P_FACET_SIZE,
    P_FACETS,
    P_FIELDS,
    P_ID,
    P_LAT,
    P_LNG,
    P_LON,
    P_Q,
    P_RAD,
    P_SIZE,
    P_SORT,
    P_TYPE,
    Param,
    route,
    search_backend,
)
from chalicelib.search.mappings import FIELDS, MAX_CLUSTER_ZOOM
from chalicelib.search.port import DISTANCE, MAX_PAGE_SIZE, SearchRequest, Sort

SEARCH_PARAMS = (P_Q, P_TYPE, P_SIZE, P_CURSOR, P_SORT, P_FACETS, P_FACET_SIZE, P_FIELDS,
                 Param("offset", "Skip this many matches (at most 10,000; prefer cursors).",
                       "integer"), *GEO_PARAMS)
#: Feature properties of /geojson when none are asked for.
DEFAULT_PROPERTIES = ["record_type", "species", "supplied_breed", "sex", "organism_part",
                      "derived_from"]


def known_fields(params: Params, name: str) -> list[str]:
    """The comma list ``name`` of field names; 400 naming any that is not a pool field."""
    fields = p.comma_list(params, name)
    unknown = [f for f in fields if f not in FIELDS]
    if unknown:
        raise ApiError(400, f"unknown field(s) in {name}: {', '.join(unknown)}")
    return fields


def _project(doc: dict[str, Any], fields: list[str]) -> dict[str, Any]:
    return {k: doc[k] for k in fields if k in doc} if fields else doc


@route("/search", "Full-text search with relevance, facets, filters on any field (repeat "
       "for OR), ranges (field.gte/field.lte), sort, pages up to 1,000 and cursors.",
       SEARCH_PARAMS, field_filters=True)
def search(params: Params) -> dict[str, Any]:
    query = p.query(params, text_param="q", kind=p.record_type(params), geo=True)
    fields = known_fields(params, "fields")
    request = SearchRequest(
        query=query, sort=p.sort_keys(p.comma_list(params, "sort")),
        size=p.whole_number(params, "size", 20, 0, MAX_PAGE_SIZE),
        cursor=p.one(params, "cursor"), offset=p.whole_number(params, "offset", 0, 0, 10_000),
        facets=tuple(p.comma_list(params, "facets")),
        facet_size=p.whole_number(params, "facet_size", 20, 1, 10_000),
        origin=p.centre(params))
    result = search_backend().search(request)
    nxt = url("/search", p.with_params(params, cursor=result.next_cursor, offset=None)) \
        if result.next_cursor else None
    return {"count": result.total, "next": nxt, "cursor": result.next_cursor,
            "facets": result.facets,
            "results": [_project(dict(d, url=url(f"/records/{d['id']}")), fields)
                        for d in result.hits]}


@route("/records/{id}", "The full pool document (typed values, links, quality verdict).",
       (P_ID,))
def record(params: Params, id: str) -> Any:
    doc = search_backend().get(id)
    if doc is None:
        raise ApiError(404, f"no record {id}")
    return doc


@route("/geojson", "Matches with coordinates as a GeoJSON FeatureCollection; every filter, "
       "bbox, radius and cursors.", (P_Q, P_TYPE, P_SIZE, P_CURSOR, P_SORT, *GEO_PARAMS,
                                     Param("properties", "Comma-separated feature properties.")),
       field_filters=True, produces=("application/geo+json",))
def geojson_search(params: Params) -> dict[str, Any]:
    query = only_located(p.query(params, text_param="q", kind=p.record_type(params),
                                 geo=True))
    centre = p.centre(params)
    props = known_fields(params, "properties") or DEFAULT_PROPERTIES
    sort = p.sort_keys(p.comma_list(params, "sort")) or ((Sort(DISTANCE),) if centre else ())
    result = search_backend().search(SearchRequest(
        query=query, sort=sort, size=p.whole_number(params, "size", 100, 0, MAX_PAGE_SIZE),
        cursor=p.one(params, "cursor"), origin=centre))
    features = [feature(d, d["record_type"], centre, props) for d in result.hits]
    for f in features:
        f["properties"]["url"] = url(f"/records/{f['id']}")
    nxt = url("/geojson", p.with_params(params, cursor=result.next_cursor)) \
        if result.next_cursor else None
    return {"type": "FeatureCollection", "count": result.total, "next": nxt,
            "cursor": result.next_cursor, "features": features}


@route("/map", "Server-side clusters for maps: one GeoJSON point per web-mercator tile "
       "with its count and centroid.",
       (P_Q, P_TYPE, P_BBOX, P_LAT, P_LNG, P_LON, P_RAD,
        Param("zoom", f"Map zoom 0-{MAX_CLUSTER_ZOOM} (tile size).", "integer")),
       field_filters=True, produces=("application/geo+json",))
def cluster_map(params: Params) -> dict[str, Any]:
    query = p.query(params, text_param="q", kind=p.record_type(params), geo=True)
    zoom = p.whole_number(params, "zoom", 3, 0, MAX_CLUSTER_ZOOM)
    cells = search_backend().clusters(query, zoom)
    return {"type": "FeatureCollection", "zoom": zoom, "count": sum(c.count for c in cells),
            "features": [{"type": "Feature", "id": c.key,
                          "geometry": {"type": "Point", "coordinates": [c.lon, c.lat]},
                          "properties": {"count": c.count, "tile": c.key}} for c in cells]}
