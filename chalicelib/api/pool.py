"""The public, read-only API of the pool (a Chalice blueprint; app.py registers it).

Why it looks like this:

* ``/backend/...`` keeps the old Common Data Pool's paths and JSON shapes (``{count, next,
  previous, total_pages, results}`` pages, the same field names, GeoJSON feature
  collections, TSV downloads), so the existing IMAGE Portal and scripts keep working;
  several values per filter now work (repeat the parameter), ``specimen/`` and the GeoJSON
  endpoints gained attribute filters, and page sizes are capped at 1,000.
* New endpoints give what the old pool lacked: ``/search`` (full text with relevance,
  facets, any-field filters and sort, cursors for deep paging), ``/geojson`` (filters,
  bbox, radius, cursors), ``/map`` (server-side clusters), ``/download`` (every column, CSV,
  TSV or JSON, continued by cursor beyond Lambda's response limit), ``/quality`` (the
  validator's verdicts over the pool), ``/records/{id}`` (the full typed document) and
  ``/openapi.json`` – generated from :data:`ROUTES`, the one description every route is
  registered from.

Bad parameters give 400 with ``{"message": ...}``, never a 500. The backend comes from
:func:`search_backend` (built from :func:`chalicelib.config.get_settings`, cached).
"""

from __future__ import annotations

import copy
import csv
import functools
import io
import json
import logging
import math
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlencode

from chalice import Blueprint, Response

from chalicelib.auth.access import public
from chalicelib.config import get_settings
from chalicelib.harvest.dadis import SPECIES_COMMON_NAMES, DadisLink, default_table
from chalicelib.harvest.transform import (
    CDP_FILE_FIELDS,
    CDP_ORGANISM_FIELDS,
    CDP_SPECIMEN_FIELDS,
    FILE,
    ORGANISM,
    SPECIMEN,
)
from chalicelib.search.mappings import FIELDS, FILTERABLE, MAX_CLUSTER_ZOOM, OBJECT
from chalicelib.search.port import (
    DISTANCE,
    MAX_PAGE_SIZE,
    BoundingBox,
    InvalidQuery,
    Query,
    Radius,
    Range,
    SearchBackend,
    SearchRequest,
    SearchResult,
    Sort,
)

LOG = logging.getLogger(__name__)


class ReusableBlueprint(Blueprint):
    """A blueprint that can be registered on several apps (app.py and test apps).

    Chalice pops route options (``methods``, ``cors``) out of the blueprint's stored
    kwargs on the first registration, so a second app silently got routes without CORS;
    each registration here gets its own copy.
    """

    def _register_handler(self, handler_type: str, name: str, user_handler: Any,
                          wrapped_handler: Any, kwargs: dict[str, Any],
                          options: dict[Any, Any] | None = None) -> None:
        def deferred(app: Any, opts: dict[Any, Any]) -> None:
            app._register_handler(handler_type, name, user_handler, wrapped_handler,
                                  copy.deepcopy(kwargs), opts)

        self._deferred_registrations.append(deferred)


pool_api = ReusableBlueprint(__name__)

#: The old CDP's short list fields (``serializers.py`` OrganismSerializerShort and
#: SpecimenSerializerShort, cnr-ibba/IMAGE-CommonDataPool).
ORGANISM_SHORT = ("data_source_id", "species", "supplied_breed", "efabis_breed_country", "sex",
                  "birth_location_longitude", "birth_location_latitude")
SPECIMEN_SHORT = ("data_source_id", "species", "derived_from", "organism_part",
                  "collection_place_latitude", "collection_place_longitude")
#: The old download columns and the GeoJSON feature properties.
OLD_DOWNLOAD = {
    ORGANISM: (("ID", "data_source_id"), ("Species", "species"),
               ("Supplied breed", "supplied_breed"), ("Sex", "sex")),
    SPECIMEN: (("ID", "data_source_id"), ("Species", "species"),
               ("Derived from", "derived_from"), ("Organism part", "organism_part")),
}
GEO_PROPERTIES = {ORGANISM: ("species", "supplied_breed", "sex"),
                  SPECIMEN: ("species", "derived_from", "organism_part")}
CDP_FIELDS = {ORGANISM: CDP_ORGANISM_FIELDS, SPECIMEN: CDP_SPECIMEN_FIELDS}
#: The old summaries: output key → field.
SUMMARY_FIELDS = {
    ORGANISM: (("species", "species"), ("breed", "supplied_breed"), ("sex", "sex"),
               ("country", "efabis_breed_country")),
    SPECIMEN: (("species", "species"), ("organism_part", "organism_part")),
}
OLD_FILTERS = {ORGANISM: ("species", "supplied_breed", "efabis_breed_country", "sex"),
               SPECIMEN: ("species", "organism_part")}
#: Bytes one answer may carry (API Gateway/Lambda refuse bodies over 6 MB).
DOWNLOAD_BUDGET = 5_000_000
TYPES = (ORGANISM, SPECIMEN, FILE)


# ----------------------------------------------------------------------------- backend

def search_backend() -> SearchBackend:
    """The pool's search backend for the current settings (built once per settings; the
    factory imports the engine's client lazily)."""
    from chalicelib.search.factory import backend_from_settings

    return backend_from_settings(get_settings())


# ------------------------------------------------------------------ route description

class ApiError(Exception):
    """An answer other than 200, with a message for the caller."""

    def __init__(self, status: int, message: str) -> None:
        super().__init__(message)
        self.status = status
        self.message = message


@dataclass(frozen=True)
class Param:
    """One query or path parameter (drives validation and the OpenAPI description)."""

    name: str
    description: str
    type: str = "string"
    repeated: bool = False
    enum: tuple[str, ...] = ()
    where: str = "query"


@dataclass(frozen=True)
class RouteDoc:
    """One route: path, summary, parameters, and whether field filters are accepted."""

    path: str
    summary: str
    params: tuple[Param, ...] = ()
    field_filters: bool = False
    produces: tuple[str, ...] = ("application/json",)
    tag: str = "pool"
    view: Callable[..., Any] | None = field(default=None, compare=False)


ROUTES: list[RouteDoc] = []

P_PAGE = Param("page", "Page number (1-based).", "integer")
P_PAGE_SIZE = Param("page_size", f"Items per page (at most {MAX_PAGE_SIZE}).", "integer")
P_SEARCH = Param("search", "Full-text search over every field.")
P_ORDERING = Param("ordering", "Sort field; prefix with '-' for descending.")
P_FORMAT = Param("format", "Accepted for compatibility with the old API (json, api).",
                 enum=("json", "api"))
P_Q = Param("q", "Full-text search over every field (relevance-ranked).")
P_TYPE = Param("type", "Record type.", enum=TYPES)
P_SIZE = Param("size", f"Items per page (at most {MAX_PAGE_SIZE}).", "integer")
P_CURSOR = Param("cursor", "Opaque cursor from the previous page's 'cursor' (deep paging).")
P_SORT = Param("sort", "Comma-separated sort fields; '-' prefix for descending; "
                       "'_score' (relevance) and '_distance' (needs lat/lon).")
P_FACETS = Param("facets", "Comma-separated keyword fields to count values of.")
P_FACET_SIZE = Param("facet_size", "Values per facet (default 20).", "integer")
P_BBOX = Param("bbox", "min_lon,min_lat,max_lon,max_lat (GeoJSON order).")
P_LAT = Param("lat", "Latitude of the centre (with lng/lon and rad).", "number")
P_LNG = Param("lng", "Longitude of the centre.", "number")
P_LON = Param("lon", "Longitude of the centre (alias of lng).", "number")
P_RAD = Param("rad", "Radius in km around lat/lng.", "number")
P_FIELDS = Param("fields", "Comma-separated fields to return (default: all).")
P_ID = Param("id", "BioSamples accession.", where="path")
GEO_PARAMS = (P_BBOX, P_LAT, P_LNG, P_LON, P_RAD)


def route(path: str, summary: str, params: Iterable[Param] = (), *,
          field_filters: bool = False,
          produces: tuple[str, ...] = ("application/json",),
          tag: str = "pool") -> Callable[[Callable[..., Any]], Callable[..., Any]]:
    """Register a public GET route and its description (the OpenAPI source)."""
    doc_params = tuple(params)

    def decorate(fn: Callable[..., Any]) -> Callable[..., Any]:
        allowed = {p.name for p in doc_params if p.where == "query"}

        @functools.wraps(fn)
        def view(**kwargs: Any) -> Any:
            try:
                params = _query_params()
                unknown = sorted(k for k in params if k not in allowed and not (
                    field_filters and _filter_name(k)))
                if unknown:
                    raise ApiError(400, f"unknown parameter(s) {', '.join(unknown)}; see "
                                        "/openapi.json")
                return fn(params, **kwargs)
            except ApiError as exc:
                return Response({"message": exc.message, "status": exc.status},
                                status_code=exc.status)
            except InvalidQuery as exc:
                return Response({"message": str(exc), "status": 400}, status_code=400)
            except Exception:  # the caller gets a clean 500, operators the traceback
                LOG.exception("pool API failure on %s", path)
                return Response({"message": "internal error", "status": 500},
                                status_code=500)

        public(view)
        pool_api.route(path, methods=["GET"], cors=True)(view)
        ROUTES.append(RouteDoc(path, summary, doc_params, field_filters, produces, tag, view))
        return fn

    return decorate


def _filter_name(key: str) -> str | None:
    """The field a filter parameter names (``species``, ``birth_date_value.gte``)."""
    name = key.rsplit(".", 1)[0] if key.endswith((".gte", ".lte")) else key
    return name if name in FILTERABLE else None


def _query_params() -> dict[str, list[str]]:
    request = pool_api.current_request
    raw = request.query_params if request is not None else None
    if not raw:
        return {}
    return {key: list(raw.getlist(key)) for key in raw}


def _one(params: dict[str, list[str]], name: str) -> str | None:
    values = params.get(name)
    if not values:
        return None
    if len(values) > 1:
        raise ApiError(400, f"give {name!r} only once")
    return values[0]


def _int(params: dict[str, list[str]], name: str, default: int, low: int, high: int) -> int:
    raw = _one(params, name)
    if raw is None or raw == "":
        return default
    try:
        value = int(raw)
    except ValueError:
        raise ApiError(400, f"{name} must be a whole number from {low} to {high}") from None
    if not low <= value <= high:
        raise ApiError(400, f"{name} must be a whole number from {low} to {high}")
    return value


def _float(params: dict[str, list[str]], name: str) -> float | None:
    raw = _one(params, name)
    if raw is None or raw == "":
        return None
    try:
        value = float(raw)
    except ValueError:
        raise ApiError(400, f"{name} must be a number") from None
    if not math.isfinite(value):
        raise ApiError(400, f"{name} must be a finite number")
    return value


def _csv(params: dict[str, list[str]], name: str) -> list[str]:
    out: list[str] = []
    for value in params.get(name, []):
        out += [v.strip() for v in value.split(",") if v.strip()]
    return out


def _query(params: dict[str, list[str]], *, text_param: str, kind: str | None,
           geo: bool = False) -> Query:
    """The query parameters as a :class:`Query` (filters, ranges, text, geo)."""
    filters: dict[str, tuple[str, ...]] = {}
    ranges: dict[str, Range] = {}
    for key, values in params.items():
        name = _filter_name(key)
        if name is None:
            continue
        if key.endswith(".gte") or key.endswith(".lte"):
            old = ranges.get(name, Range())
            bound = values[-1]
            ranges[name] = Range(bound, old.lte) if key.endswith(".gte") else Range(old.gte,
                                                                                    bound)
        else:
            filters[name] = tuple(values)
    if kind is not None:
        filters["record_type"] = (kind,)
    text = _one(params, text_param)
    bbox = radius = None
    if geo:
        raw_bbox = _one(params, "bbox")
        if raw_bbox:
            try:
                left, bottom, right, top = (float(v) for v in raw_bbox.split(","))
            except ValueError:
                raise ApiError(400, "bbox must be min_lon,min_lat,max_lon,max_lat") from None
            bbox = BoundingBox(top=top, left=left, bottom=bottom, right=right)
        centre = _centre(params)
        rad = _float(params, "rad")
        if rad is not None:
            if centre is None:
                raise ApiError(400, "rad needs lat and lng")
            radius = Radius(centre[0], centre[1], rad)
    return Query(text=text or None, filters=filters, ranges=ranges, bbox=bbox, radius=radius)


def _centre(params: dict[str, list[str]]) -> tuple[float, float] | None:
    lat = _float(params, "lat")
    lon = _float(params, "lng")
    if lon is None:
        lon = _float(params, "lon")
    if (lat is None) != (lon is None):
        raise ApiError(400, "give both lat and lng")
    if lat is None or lon is None:
        return None
    if not (-90 <= lat <= 90 and -180 <= lon <= 180):
        raise ApiError(400, "lat must be in [-90, 90] and lng in [-180, 180]")
    return lat, lon


def _sort(specs: Iterable[str]) -> tuple[Sort, ...]:
    return tuple(Sort.parse(s) for s in specs)


def _kind(params: dict[str, list[str]], default: str | None = None) -> str | None:
    kind = _one(params, "type") or default
    if kind is not None and kind not in TYPES:
        raise ApiError(400, f"type must be one of {', '.join(TYPES)}")
    return kind


# ------------------------------------------------------------------------------ urls

def _base() -> str:
    """The API's own base URL, for the absolute links the old API gave."""
    request = pool_api.current_request
    headers = request.headers if request is not None else {}
    host = headers.get("host") or headers.get("Host")
    if not host:
        return ""
    proto = headers.get("x-forwarded-proto") or (
        "http" if host.startswith(("localhost", "127.0.0.1")) else "https")
    stage = ""
    context = getattr(request, "context", None) or {}
    if ".amazonaws.com" in host and context.get("stage"):
        stage = f"/{context['stage']}"
    # A proxy in front (the local stack serves the API under /api) says where it mounts it.
    prefix = (headers.get("x-forwarded-prefix") or "").rstrip("/")
    return f"{proto}://{host}{stage}{prefix}"


def _url(path: str, params: dict[str, list[str]] | None = None) -> str:
    query = urlencode([(k, v) for k, vs in (params or {}).items() for v in vs])
    return f"{_base()}{path}{'?' + query if query else ''}"


def _path() -> str:
    """The current list path, with the old API's trailing slash under /backend."""
    request = pool_api.current_request
    path = str(request.path if request is not None else "/")
    return path + "/" if path.startswith("/backend") and not path.endswith("/") else path


def _with(params: dict[str, list[str]], **changes: Any) -> dict[str, list[str]]:
    out = dict(params)
    for key, value in changes.items():
        if value is None:
            out.pop(key, None)
        else:
            out[key] = [str(value)]
    return out


# --------------------------------------------------------------------------- shapes

def _dadis_view(link: dict[str, Any] | None) -> dict[str, Any] | None:
    if not link:
        return None
    out = {"url": _url(f"/backend/dadis_link/{link.get('id')}/")}
    out.update({k: v for k, v in link.items() if k != "id"})
    return out


def cdp_record(doc: dict[str, Any]) -> dict[str, Any]:
    """A pool document in the old CDP's detail shape (same keys, same order)."""
    kind = doc["record_type"]
    out: dict[str, Any] = {"url": _url(f"/backend/{kind}/{doc['id']}/")}
    for name in CDP_FIELDS[kind]:
        value = doc.get(name)
        if name == "dadis":
            out[name] = _dadis_view(value)
        elif name == "geom":
            out[name] = value
        else:
            out[name] = value if value is not None else (
                [] if name in ("child_of", "specimens") else "")
    return out


def _page_links(params: dict[str, list[str]], page: int, pages: int) -> tuple[str | None,
                                                                               str | None]:
    path = _path()
    nxt = _url(path, _with(params, page=page + 1)) if page < pages else None
    prev = None
    if page > 1:
        prev = _url(path, _with(params, page=page - 1 if page > 2 else None))
    return nxt, prev


def _paged(params: dict[str, list[str]], query: Query, default_size: int,
           ordering: Iterable[str] = ()) -> tuple[SearchResult, int, int]:
    size = _int(params, "page_size", default_size, 1, MAX_PAGE_SIZE)
    page = _int(params, "page", 1, 1, 1_000_000)
    offset = (page - 1) * size
    if offset + size > 10_000:
        raise ApiError(400, "pages beyond the 10,000th record need cursors: use /search "
                            "with 'cursor'")
    result = search_backend().search(SearchRequest(query=query, size=size, offset=offset,
                                                   sort=_sort(ordering)))
    pages = max(1, math.ceil(result.total / size))
    if page > pages and result.total:
        raise ApiError(404, "Invalid page.")
    return result, page, pages


def _cdp_page(params: dict[str, list[str]], result: SearchResult, page: int, pages: int,
              rows: list[Any]) -> dict[str, Any]:
    nxt, prev = _page_links(params, page, pages)
    return {"next": nxt, "previous": prev, "count": result.total, "total_pages": pages,
            "results": rows}


def _old_query(params: dict[str, list[str]], kind: str) -> Query:
    return _query(params, text_param="search", kind=kind)


# ----------------------------------------------------------------- old CDP endpoints

@route("/backend", "Map of the old API's endpoints to their URLs.", (P_FORMAT,), tag="cdp")
def backend_root(params: dict[str, list[str]]) -> dict[str, Any]:
    names = ("organism", "organism_short", "organism/summary", "organism/graphical_summary",
             "organism.geojson", "specimen", "specimen_short", "specimen/summary",
             "specimen/graphical_summary", "specimen.geojson", "file", "species",
             "dadis_link")
    return {name: _url(f"/backend/{name}/") for name in names}


def _register_cdp(kind: str) -> None:
    """The old endpoints of one record type (organism or specimen)."""
    short = ORGANISM_SHORT if kind == ORGANISM else SPECIMEN_SHORT
    list_params = (P_PAGE, P_PAGE_SIZE, P_SEARCH, P_ORDERING, P_FORMAT)

    @route(f"/backend/{kind}", f"{kind.title()}s, 5 per page, in the old shape; filter on any "
           "field (repeat a parameter for several values).", list_params, field_filters=True,
           tag="cdp")
    def listing(params: dict[str, list[str]]) -> dict[str, Any]:
        result, page, pages = _paged(params, _old_query(params, kind), 5,
                                     _csv(params, "ordering"))
        return _cdp_page(params, result, page, pages, [cdp_record(d) for d in result.hits])

    @route(f"/backend/{kind}_short", f"{kind.title()}s with the old short field list.",
           list_params, field_filters=True, tag="cdp")
    def listing_short(params: dict[str, list[str]]) -> dict[str, Any]:
        result, page, pages = _paged(params, _old_query(params, kind), 5,
                                     _csv(params, "ordering"))
        rows = [{k: d.get(k, "") for k in short} for d in result.hits]
        return _cdp_page(params, result, page, pages, rows)

    @route(f"/backend/{kind}/summary", "Value counts, the old summary shape.",
           (P_SEARCH, P_FORMAT), field_filters=True, tag="cdp")
    def summary(params: dict[str, list[str]]) -> dict[str, Any]:
        fields = SUMMARY_FIELDS[kind]
        counts = search_backend().summary(_old_query(params, kind), [f for _, f in fields])
        return {key: counts[f] for key, f in fields}

    @route(f"/backend/{kind}/graphical_summary", "Counts for charts and every coordinate.",
           (P_FORMAT,), tag="cdp")
    def graphical_summary(params: dict[str, list[str]]) -> dict[str, Any]:
        backend = search_backend()
        query = Query(filters={"record_type": (kind,)})
        coordinates = [[f"{d['location']['lon']:.6f}", f"{d['location']['lat']:.6f}"]
                       for d in backend.iterate(Query(filters={"record_type": (kind,)},
                                                      exists=()), fields=("location",))
                       if d.get("location")]
        if kind == ORGANISM:
            counts = backend.summary(query, ["species", "efabis_breed_country"])
            breeds: dict[str, dict[str, int]] = {}
            for species in counts["species"]:
                breeds[species] = backend.summary(query.with_filter("species", species),
                                                  ["supplied_breed"])["supplied_breed"]
            return {"species": counts["species"], "breeds": breeds,
                    "countries": counts["efabis_breed_country"], "coordinates": coordinates}
        counts = backend.summary(query, ["organism_part"])
        return {"organism_part": counts["organism_part"], "coordinates": coordinates}

    @route(f"/backend/{kind}/download", "TSV of ID and three fields (old download; use "
           "/download for every column).", (P_SEARCH, P_CURSOR), field_filters=True,
           produces=("text/tab-separated-values",), tag="cdp")
    def download(params: dict[str, list[str]]) -> Response:
        columns = OLD_DOWNLOAD[kind]
        return _download(params, _old_query(params, kind), [c for c, _ in columns],
                         [f for _, f in columns], "tsv", f"IMAGE_{kind}s.txt")

    @route(f"/backend/{kind}/{{id}}", f"One {kind} in the old detail shape.",
           (P_ID, P_FORMAT), tag="cdp")
    def detail(params: dict[str, list[str]], id: str) -> Any:
        doc = search_backend().get(id)
        if doc is None or doc.get("record_type") != kind:
            raise ApiError(404, "Not found.")
        return cdp_record(doc)

    geo_params = (P_PAGE, P_PAGE_SIZE, P_SEARCH, *GEO_PARAMS, P_FORMAT)

    @route(f"/backend/{kind}.geojson", f"{kind.title()}s with coordinates as GeoJSON; lat/lng "
           "order by distance, rad (km) limits it; attribute filters and bbox work too.",
           geo_params, field_filters=True, produces=("application/geo+json",), tag="cdp")
    def geojson_list(params: dict[str, list[str]]) -> dict[str, Any]:
        query = _query(params, text_param="search", kind=kind, geo=True)
        query = Query(query.text, query.filters, query.ranges, query.bbox, query.radius,
                      exists=("species",))
        centre = _centre(params)
        size = _int(params, "page_size", 10, 1, MAX_PAGE_SIZE)
        page = _int(params, "page", 1, 1, 1_000_000)
        if (page - 1) * size + size > 10_000:
            raise ApiError(400, "pages beyond the 10,000th feature need cursors: use /geojson")
        sort = (Sort(DISTANCE),) if centre else ()
        result = search_backend().search(SearchRequest(
            query=_only_located(query), size=size, offset=(page - 1) * size, sort=sort,
            origin=centre))
        pages = max(1, math.ceil(result.total / size))
        nxt, prev = _page_links(params, page, pages)
        return {"type": "FeatureCollection", "count": result.total, "next": nxt,
                "previous": prev,
                "features": [_feature(d, kind, centre) for d in result.hits]}

    @route(f"/backend/{kind}.geojson/{{id}}", f"One {kind} as a GeoJSON Feature.",
           (P_ID, P_FORMAT), produces=("application/geo+json",), tag="cdp")
    def geojson_one(params: dict[str, list[str]], id: str) -> Any:
        doc = search_backend().get(id)
        if doc is None or doc.get("record_type") != kind or not doc.get("location"):
            raise ApiError(404, "Not found.")
        return _feature(doc, kind, None)

    del listing, listing_short, summary, graphical_summary, download, detail
    del geojson_list, geojson_one


def _only_located(query: Query) -> Query:
    """Restrict to documents with coordinates (the old GeoJSON's ``geom IS NOT NULL``)."""
    if query.bbox or query.radius:
        return query
    world = BoundingBox(top=90, left=-180, bottom=-90, right=180)
    return Query(query.text, query.filters, query.ranges, world, None, query.ids,
                 query.exists)


def _feature(doc: dict[str, Any], kind: str, centre: tuple[float, float] | None,
             properties: Iterable[str] | None = None) -> dict[str, Any]:
    import geojson

    from chalicelib.search.sqlite_backend import haversine_km

    loc = doc["location"]
    props: dict[str, Any] = {"url": _url(f"/backend/{kind}.geojson/{doc['id']}/")}
    for name in properties if properties is not None else GEO_PROPERTIES.get(kind, ()):
        props[name] = doc.get(name, "")
    if centre is not None:
        props["distance"] = f"{haversine_km(centre[0], centre[1], loc['lat'], loc['lon']):.3f}"
    feature = geojson.Feature(id=doc["id"], geometry=geojson.Point((loc["lon"], loc["lat"])),
                              properties=props)
    return {"id": feature["id"], "type": "Feature", "geometry": dict(feature["geometry"]),
            "properties": feature["properties"]}


for _kind_name in (ORGANISM, SPECIMEN):
    _register_cdp(_kind_name)


def _file_rows(specimens: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Specimens with files, in the old ``Files`` shape (parallel arrays)."""
    backend = search_backend()
    wanted = [f for s in specimens for f in s.get("files") or []]
    files = {f["id"]: f for f in backend.get_many(wanted)}
    rows = []
    for s in specimens:
        mine = [files[f] for f in s.get("files") or [] if f in files]
        row: dict[str, Any] = {"data_source_id": s["id"]}
        for name in CDP_FILE_FIELDS[1:]:
            key = "file_size_human" if name == "file_size" else name
            row[name] = [str(f.get(key, "")) for f in mine]
        rows.append(row)
    return rows


@route("/backend/file", "Specimens with data files (old shape, 10 per page).",
       (P_PAGE, P_PAGE_SIZE, P_ORDERING, P_FORMAT), tag="cdp")
def file_list(params: dict[str, list[str]]) -> dict[str, Any]:
    query = Query(filters={"record_type": (SPECIMEN,)}, exists=("files",))
    ordering = [o for o in _csv(params, "ordering") if o.lstrip("-") != "file_name"]
    result, page, pages = _paged(params, query, 10, ordering)
    return _cdp_page(params, result, page, pages, _file_rows(result.hits))


@route("/backend/file/download", "TSV of every data file (the old one was broken).",
       (P_CURSOR,), produces=("text/tab-separated-values",), tag="cdp")
def file_download(params: dict[str, list[str]]) -> Response:
    columns = ["specimen", "file_name", "file_url", "file_size", "file_checksum",
               "file_checksum_method", "ena_accession", "study_accession"]
    return _download(params, Query(filters={"record_type": (FILE,)}), columns, columns, "tsv",
                     "IMAGE_files.txt")


@route("/backend/file/{id}", "The data files of one specimen (old shape).", (P_ID, P_FORMAT),
       tag="cdp")
def file_detail(params: dict[str, list[str]], id: str) -> Any:
    doc = search_backend().get(id)
    if doc is None or doc.get("record_type") != SPECIMEN or not doc.get("files"):
        raise ApiError(404, f"no files for {id}")
    return _file_rows([doc])[0]


@route("/backend/species", "Scientific and common names of the pool's species.", (P_FORMAT,),
       tag="cdp")
def species_list(params: dict[str, list[str]]) -> list[dict[str, str]]:
    return [{"scientific_name": k, "common_name": v} for k, v in SPECIES_COMMON_NAMES.items()]


def _dadis_record(link: DadisLink) -> dict[str, Any]:
    view = _dadis_view(link.to_dict())
    assert view is not None
    return view


@route("/backend/dadis_link", "DAD-IS breed links (10 per page).",
       (P_PAGE, P_PAGE_SIZE, P_SEARCH, P_FORMAT,
        Param("species__common_name", "Species common name.", repeated=True),
        Param("species__scientific_name", "Species scientific name.", repeated=True),
        Param("supplied_breed", "Supplied breed.", repeated=True),
        Param("country", "Country.", repeated=True),
        Param("is_custom", "True for hand-curated links.", enum=("True", "False"))),
       tag="cdp")
def dadis_list(params: dict[str, list[str]]) -> dict[str, Any]:
    links = default_table().links
    tests: list[Callable[[DadisLink], bool]] = []
    for key, getter in (("species__scientific_name", lambda x: x.species),
                        ("species__common_name", lambda x: SPECIES_COMMON_NAMES.get(
                            x.species, "")),
                        ("supplied_breed", lambda x: x.supplied_breed),
                        ("country", lambda x: x.country)):
        if key in params:
            wanted = set(params[key])
            tests.append(lambda x, g=getter, w=wanted: g(x) in w)  # type: ignore[misc]
    custom = _one(params, "is_custom")
    if custom is not None:
        if custom.lower() not in ("true", "false"):
            raise ApiError(400, "is_custom must be True or False")
        tests.append(lambda x: x.is_custom == (custom.lower() == "true"))
    text = (_one(params, "search") or "").lower()
    if text:
        tests.append(lambda x: any(text in n.lower() for n in x.names() if n))
    found = [x for x in links if all(t(x) for t in tests)]
    size = _int(params, "page_size", 10, 1, MAX_PAGE_SIZE)
    pages = max(1, math.ceil(len(found) / size))
    page = _int(params, "page", 1, 1, pages)
    nxt, prev = _page_links(params, page, pages)
    return {"next": nxt, "previous": prev, "count": len(found), "total_pages": pages,
            "results": [_dadis_record(x) for x in found[(page - 1) * size:page * size]]}


@route("/backend/dadis_link/{id}", "One DAD-IS breed link.",
       (Param("id", "Link number.", "integer", where="path"), P_FORMAT), tag="cdp")
def dadis_detail(params: dict[str, list[str]], id: str) -> Any:
    link = default_table().by_id(int(id)) if id.isdigit() else None
    if link is None:
        raise ApiError(404, "Not found.")
    return _dadis_record(link)


# ------------------------------------------------------------------- new endpoints

SEARCH_PARAMS = (P_Q, P_TYPE, P_SIZE, P_CURSOR, P_SORT, P_FACETS, P_FACET_SIZE, P_FIELDS,
                 Param("offset", "Skip this many matches (at most 10,000; prefer cursors).",
                       "integer"), *GEO_PARAMS)


def _project(doc: dict[str, Any], fields: list[str]) -> dict[str, Any]:
    return {k: doc[k] for k in fields if k in doc} if fields else doc


@route("/search", "Full-text search with relevance, facets, filters on any field (repeat "
       "for OR), ranges (field.gte/field.lte), sort, pages up to 1,000 and cursors.",
       SEARCH_PARAMS, field_filters=True)
def search(params: dict[str, list[str]]) -> dict[str, Any]:
    query = _query(params, text_param="q", kind=_kind(params), geo=True)
    centre = _centre(params)
    fields = _csv(params, "fields")
    unknown = [f for f in fields if f not in FIELDS]
    if unknown:
        raise ApiError(400, f"unknown field(s) in fields: {', '.join(unknown)}")
    request = SearchRequest(
        query=query, sort=_sort(_csv(params, "sort")), size=_int(params, "size", 20, 0,
                                                                 MAX_PAGE_SIZE),
        cursor=_one(params, "cursor"), offset=_int(params, "offset", 0, 0, 10_000),
        facets=tuple(_csv(params, "facets")), facet_size=_int(params, "facet_size", 20, 1,
                                                              10_000),
        origin=centre)
    result = search_backend().search(request)
    nxt = _url("/search", _with(params, cursor=result.next_cursor, offset=None)) \
        if result.next_cursor else None
    return {"count": result.total, "next": nxt, "cursor": result.next_cursor,
            "facets": result.facets,
            "results": [_project(dict(d, url=_url(f"/records/{d['id']}")), fields)
                        for d in result.hits]}


@route("/records/{id}", "The full pool document (typed values, links, quality verdict).",
       (P_ID,))
def record(params: dict[str, list[str]], id: str) -> Any:
    doc = search_backend().get(id)
    if doc is None:
        raise ApiError(404, f"no record {id}")
    return doc


@route("/geojson", "Matches with coordinates as a GeoJSON FeatureCollection; every filter, "
       "bbox, radius and cursors.", (P_Q, P_TYPE, P_SIZE, P_CURSOR, P_SORT, *GEO_PARAMS,
                                     Param("properties", "Comma-separated feature properties.")),
       field_filters=True, produces=("application/geo+json",))
def geojson_search(params: dict[str, list[str]]) -> dict[str, Any]:
    kind = _kind(params)
    query = _only_located(_query(params, text_param="q", kind=kind, geo=True))
    centre = _centre(params)
    props = _csv(params, "properties") or ["record_type", "species", "supplied_breed", "sex",
                                           "organism_part", "derived_from"]
    unknown = [f for f in props if f not in FIELDS]
    if unknown:
        raise ApiError(400, f"unknown field(s) in properties: {', '.join(unknown)}")
    sort = _sort(_csv(params, "sort")) or ((Sort(DISTANCE),) if centre else ())
    result = search_backend().search(SearchRequest(
        query=query, sort=sort, size=_int(params, "size", 100, 0, MAX_PAGE_SIZE),
        cursor=_one(params, "cursor"), origin=centre))
    features = [_feature(d, d["record_type"], centre, props) for d in result.hits]
    for f in features:
        f["properties"]["url"] = _url(f"/records/{f['id']}")
    nxt = _url("/geojson", _with(params, cursor=result.next_cursor)) \
        if result.next_cursor else None
    return {"type": "FeatureCollection", "count": result.total, "next": nxt,
            "cursor": result.next_cursor, "features": features}


@route("/map", "Server-side clusters for maps: one GeoJSON point per web-mercator tile "
       "with its count and centroid.",
       (P_Q, P_TYPE, P_BBOX, P_LAT, P_LNG, P_LON, P_RAD,
        Param("zoom", f"Map zoom 0-{MAX_CLUSTER_ZOOM} (tile size).", "integer")),
       field_filters=True, produces=("application/geo+json",))
def cluster_map(params: dict[str, list[str]]) -> dict[str, Any]:
    query = _query(params, text_param="q", kind=_kind(params), geo=True)
    zoom = _int(params, "zoom", 3, 0, MAX_CLUSTER_ZOOM)
    cells = search_backend().clusters(query, zoom)
    return {"type": "FeatureCollection", "zoom": zoom, "count": sum(c.count for c in cells),
            "features": [{"type": "Feature", "id": c.key,
                          "geometry": {"type": "Point", "coordinates": [c.lon, c.lat]},
                          "properties": {"count": c.count, "tile": c.key}} for c in cells]}


def _columns(kind: str | None) -> list[str]:
    """Every column of a record type, CDP fields first."""
    base = list(CDP_FIELDS.get(kind or "", CDP_ORGANISM_FIELDS + tuple(
        f for f in CDP_SPECIMEN_FIELDS if f not in CDP_ORGANISM_FIELDS)))
    if kind == FILE:
        base = ["id", "specimen", "file_name", "file_url", "file_size", "file_size_human",
                "file_checksum", "file_checksum_method", "ena_accession", "ena_type",
                "study_accession", "species"]
    extra = [f for f in FIELDS if f not in base and FIELDS[f] != OBJECT and f != "location"]
    cols = [c for c in base if FIELDS.get(c) != OBJECT] + extra
    if kind != FILE:
        cols += ["latitude", "longitude"]
    return cols


def _cell(doc: dict[str, Any], name: str) -> str:
    if name in ("latitude", "longitude"):
        loc = doc.get("location")
        return str(loc["lat" if name == "latitude" else "lon"]) if loc else ""
    value = doc.get(name, "")
    if isinstance(value, list):
        return "|".join(str(v) for v in value)
    return "" if value is None else str(value)


def _download(params: dict[str, list[str]], query: Query, header: list[str],
              columns: list[str], fmt: str, filename: str) -> Response:
    """A download page: rows until the byte budget, then a ``Link: rel=next`` cursor."""
    backend = search_backend()
    cursor = _one(params, "cursor")
    out = io.StringIO()
    writer = None
    if fmt in ("csv", "tsv"):
        writer = csv.writer(out, delimiter="\t" if fmt == "tsv" else ",", lineterminator="\n")
        if not cursor:
            writer.writerow(header)
    else:
        out.write("[")
    first = True
    next_cursor: str | None = None
    for page in _pages(backend, query, cursor):
        for doc in page.hits:
            if writer is not None:
                writer.writerow([_cell(doc, c) for c in columns])
            else:
                out.write(("" if first else ",\n") + json.dumps(doc, separators=(",", ":")))
            first = False
        next_cursor = page.next_cursor
        if out.tell() >= DOWNLOAD_BUDGET:
            break
    else:
        next_cursor = None
    if writer is None:
        out.write("]\n")
    ctype = {"csv": "text/csv", "tsv": "text/tab-separated-values",
             "json": "application/json"}[fmt]
    headers: dict[str, str | list[str]] = {"Content-Type": f"{ctype}; charset=utf-8",
               "Content-Disposition": f'attachment; filename="{filename}"'}
    if next_cursor:
        link = _url(_path(), _with(params, cursor=next_cursor))
        headers["Link"] = f'<{link}>; rel="next"'
        headers["X-Next-Cursor"] = next_cursor
    return Response(out.getvalue(), status_code=200, headers=headers)


def _pages(backend: SearchBackend, query: Query, cursor: str | None) -> Iterator[SearchResult]:
    """Consecutive pages of 1,000 by id (the download's stream)."""
    while True:
        page = backend.search(SearchRequest(query=query, size=MAX_PAGE_SIZE, cursor=cursor,
                                            sort=(Sort("id"),)))
        yield page
        if not page.next_cursor:
            return
        cursor = page.next_cursor


@route("/download", "Every column of any filtered result as CSV, TSV or JSON; large results "
       "continue through the 'Link: rel=next' header (cursor).",
       (P_Q, P_TYPE, P_CURSOR, *GEO_PARAMS,
        Param("format", "Output format.", enum=("csv", "tsv", "json"))),
       field_filters=True, produces=("text/csv", "text/tab-separated-values",
                                     "application/json"))
def download(params: dict[str, list[str]]) -> Response:
    kind = _kind(params)
    fmt = _one(params, "format") or "csv"
    if fmt not in ("csv", "tsv", "json"):
        raise ApiError(400, "format must be csv, tsv or json")
    query = _query(params, text_param="q", kind=kind, geo=True)
    columns = _columns(kind)
    ext = {"csv": "csv", "tsv": "txt", "json": "json"}[fmt]
    return _download(params, query, columns, columns, fmt, f"IMAGE_{kind or 'records'}.{ext}")


@route("/quality", "Data quality of the pool: verdicts of the IMAGE validator, broken rules "
       "by field, per type and per gene bank.", (P_Q, P_TYPE), field_filters=True)
def quality(params: dict[str, list[str]]) -> dict[str, Any]:
    backend = search_backend()
    query = _query(params, text_param="q", kind=_kind(params))
    if "record_type" not in query.filters:  # data files carry no verdict
        query = query.with_filter("record_type", ORGANISM, SPECIMEN)
    counts = backend.summary(query, ["quality_status", "record_type", "quality_errors",
                                     "quality_warnings", "quality_codes"], size=200)
    by_type = {}
    for kind in counts["record_type"]:
        by_type[kind] = backend.summary(query.with_filter("record_type", kind),
                                        ["quality_status"])["quality_status"]
    failing = backend.summary(query.with_filter("quality_status", "error"),
                              ["gene_bank_name"], size=200)["gene_bank_name"]
    total = sum(counts["record_type"].values())
    return {"count": total, "status": counts["quality_status"], "by_type": by_type,
            "errors_by_field": counts["quality_errors"],
            "warnings_by_field": counts["quality_warnings"],
            "codes": counts["quality_codes"], "gene_banks_with_errors": failing,
            "ruleset": "IMAGE sample ruleset (chalicelib/validate/data/sample_ruleset.json)"}


# ---------------------------------------------------------------------------- OpenAPI

def openapi_spec() -> dict[str, Any]:
    """OpenAPI 3.0 description of every route in :data:`ROUTES`."""
    paths: dict[str, Any] = {}
    for r in ROUTES:
        parameters = []
        for p in r.params:
            schema: dict[str, Any] = {"type": p.type}
            if p.enum:
                schema["enum"] = list(p.enum)
            if p.repeated:
                schema = {"type": "array", "items": schema}
            parameters.append({"name": p.name, "in": p.where, "required": p.where == "path",
                               "description": p.description, "schema": schema,
                               **({"explode": True} if p.repeated else {})})
        if r.field_filters:
            parameters.append({
                "name": "filters", "in": "query", "required": False, "style": "form",
                "explode": True, "schema": {"type": "object", "additionalProperties": {
                    "type": "array", "items": {"type": "string"}}},
                "description": "Any field as a parameter filters on it; repeat it for OR. "
                               "Date and number fields also take <field>.gte / <field>.lte. "
                               f"Fields: {', '.join(sorted(FILTERABLE))}."})
        content = {ctype: {"schema": {"type": "object"} if "json" in ctype else {
            "type": "string"}} for ctype in r.produces}
        error = {"description": "Bad parameters", "content": {"application/json": {
            "schema": {"$ref": "#/components/schemas/Error"}}}}
        operation = {"summary": r.summary, "tags": [r.tag],
                     "operationId": (r.view.__name__ if r.view else r.path) + "_"
                     + r.path.strip("/").replace("/", "_").replace(".", "_").replace(
                         "{", "").replace("}", ""),
                     "parameters": parameters,
                     "responses": {"200": {"description": "OK", "content": content},
                                   "400": error, "404": {"description": "Not found"}}}
        paths[r.path if r.path.startswith("/backend") is False else r.path + "/"] = {
            "get": operation}
    paths["/openapi.json"] = {"get": {"summary": "This description.", "tags": ["meta"],
                                      "operationId": "openapi",
                                      "responses": {"200": {"description": "OpenAPI 3"}}}}
    return {"openapi": "3.0.3",
            "info": {"title": "IMAGE Pool – public pool API", "version": "1.0.0",
                     "description": __doc__.split("\n\n")[0] if __doc__ else ""},
            "servers": [{"url": _base() or "/"}],
            "paths": paths,
            "components": {"schemas": {"Error": {"type": "object", "properties": {
                "message": {"type": "string"}, "status": {"type": "integer"}},
                "required": ["message"]}}}}


@pool_api.route("/openapi.json", methods=["GET"], cors=True)
@public
def openapi() -> dict[str, Any]:
    """The OpenAPI 3 description, generated from the route table."""
    return openapi_spec()
