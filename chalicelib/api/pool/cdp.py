"""The old Common Data Pool's endpoints under ``/backend/``, in its paths and JSON shapes.

``{count, next, previous, total_pages, results}`` pages, the same field names, GeoJSON
feature collections and TSV downloads, so the existing IMAGE Portal and scripts keep
working. Beyond the old API: several values per filter (repeat the parameter), attribute
filters on ``specimen/`` and the GeoJSON lists, page sizes to 1,000, a working file
download.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterable
from typing import Any

from chalice import Response

from chalicelib.api.pool import params as p
from chalicelib.api.pool.download import download_page
from chalicelib.api.pool.errors import ApiError
from chalicelib.api.pool.geo import feature, only_located
from chalicelib.api.pool.links import page_links, url
from chalicelib.api.pool.params import Params
from chalicelib.api.pool.routing import (
    GEO_PARAMS,
    P_CURSOR,
    P_FORMAT,
    P_ID,
    P_ORDERING,
    P_PAGE,
    P_PAGE_SIZE,
    P_SEARCH,
    Param,
    route,
    search_backend,
)
from chalicelib.harvest.dadis import SPECIES_COMMON_NAMES, DadisLink, default_table
from chalicelib.harvest.transform import (
    CDP_FIELDS,
    CDP_FILE_FIELDS,
    FILE,
    ORGANISM,
    SPECIMEN,
)
from chalicelib.search.port import (
    DISTANCE,
    MAX_PAGE_SIZE,
    Query,
    SearchRequest,
    SearchResult,
    Sort,
)

#: The old short list fields (``serializers.py`` OrganismSerializerShort and
#: SpecimenSerializerShort, cnr-ibba/IMAGE-CommonDataPool).
SHORT_FIELDS = {
    ORGANISM: ("data_source_id", "species", "supplied_breed", "efabis_breed_country", "sex",
               "birth_location_longitude", "birth_location_latitude"),
    SPECIMEN: ("data_source_id", "species", "derived_from", "organism_part",
               "collection_place_latitude", "collection_place_longitude"),
}
#: The old download columns: (header, field).
OLD_DOWNLOAD = {
    ORGANISM: (("ID", "data_source_id"), ("Species", "species"),
               ("Supplied breed", "supplied_breed"), ("Sex", "sex")),
    SPECIMEN: (("ID", "data_source_id"), ("Species", "species"),
               ("Derived from", "derived_from"), ("Organism part", "organism_part")),
}
#: The old summaries: output key → field.
SUMMARY_FIELDS = {
    ORGANISM: (("species", "species"), ("breed", "supplied_breed"), ("sex", "sex"),
               ("country", "efabis_breed_country")),
    SPECIMEN: (("species", "species"), ("organism_part", "organism_part")),
}
#: Deepest record a numbered page may reach (the engines' ``max_result_window``).
PAGE_WINDOW = 10_000


# --------------------------------------------------------------------------- shapes

def dadis_view(link: dict[str, Any] | None) -> dict[str, Any] | None:
    """A DAD-IS link as the old API showed it (its own URL instead of its id)."""
    if not link:
        return None
    out = {"url": url(f"/backend/dadis_link/{link.get('id')}/")}
    out.update({k: v for k, v in link.items() if k != "id"})
    return out


def cdp_record(doc: dict[str, Any]) -> dict[str, Any]:
    """A pool document in the old CDP's detail shape (same keys, same order)."""
    kind = doc["record_type"]
    out: dict[str, Any] = {"url": url(f"/backend/{kind}/{doc['id']}/")}
    for name in CDP_FIELDS[kind]:
        value = doc.get(name)
        if name == "dadis":
            out[name] = dadis_view(value)
        elif name == "geom":
            out[name] = value
        else:
            out[name] = value if value is not None else (
                [] if name in ("child_of", "specimens") else "")
    return out


def file_rows(specimens: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Specimens with files, in the old ``Files`` shape (parallel arrays)."""
    wanted = [f for s in specimens for f in s.get("files") or []]
    files = {f["id"]: f for f in search_backend().get_many(wanted)}
    rows = []
    for s in specimens:
        mine = [files[f] for f in s.get("files") or [] if f in files]
        row: dict[str, Any] = {"data_source_id": s["id"]}
        for name in CDP_FILE_FIELDS[1:]:
            key = "file_size_human" if name == "file_size" else name
            row[name] = [str(f.get(key, "")) for f in mine]
        rows.append(row)
    return rows


# ---------------------------------------------------------------------------- pages

def paged(params: Params, query: Query, default_size: int,
          ordering: Iterable[str] = ()) -> tuple[SearchResult, int, int]:
    """One numbered page of matches: (result, page, number of pages)."""
    size = p.whole_number(params, "page_size", default_size, 1, MAX_PAGE_SIZE)
    page = p.whole_number(params, "page", 1, 1, 1_000_000)
    offset = (page - 1) * size
    if offset + size > PAGE_WINDOW:
        raise ApiError(400, f"pages beyond the {PAGE_WINDOW:,}th record need cursors: use "
                            "/search with 'cursor'")
    result = search_backend().search(SearchRequest(query=query, size=size, offset=offset,
                                                   sort=p.sort_keys(ordering)))
    pages = max(1, math.ceil(result.total / size))
    if page > pages and result.total:
        raise ApiError(404, "Invalid page.")
    return result, page, pages


def cdp_page(params: Params, result: SearchResult, page: int, pages: int,
             rows: list[Any]) -> dict[str, Any]:
    """The old page envelope around ``rows``."""
    nxt, prev = page_links(params, page, pages)
    return {"next": nxt, "previous": prev, "count": result.total, "total_pages": pages,
            "results": rows}


def old_query(params: Params, kind: str) -> Query:
    """The old list parameters (``search`` and field filters) of one record type."""
    return p.query(params, text_param="search", kind=kind)


# ------------------------------------------------------------------------ endpoints

@route("/backend", "Map of the old API's endpoints to their URLs.", (P_FORMAT,), tag="cdp")
def backend_root(params: Params) -> dict[str, Any]:
    names = ("organism", "organism_short", "organism/summary", "organism/graphical_summary",
             "organism.geojson", "specimen", "specimen_short", "specimen/summary",
             "specimen/graphical_summary", "specimen.geojson", "file", "species",
             "dadis_link")
    return {name: url(f"/backend/{name}/") for name in names}


def _register(kind: str) -> None:
    """The old endpoints of one record type (organism or specimen)."""
    short = SHORT_FIELDS[kind]
    list_params = (P_PAGE, P_PAGE_SIZE, P_SEARCH, P_ORDERING, P_FORMAT)

    @route(f"/backend/{kind}", f"{kind.title()}s, 5 per page, in the old shape; filter on any "
           "field (repeat a parameter for several values).", list_params, field_filters=True,
           tag="cdp")
    def listing(params: Params) -> dict[str, Any]:
        result, page, pages = paged(params, old_query(params, kind), 5,
                                    p.comma_list(params, "ordering"))
        return cdp_page(params, result, page, pages, [cdp_record(d) for d in result.hits])

    @route(f"/backend/{kind}_short", f"{kind.title()}s with the old short field list.",
           list_params, field_filters=True, tag="cdp")
    def listing_short(params: Params) -> dict[str, Any]:
        result, page, pages = paged(params, old_query(params, kind), 5,
                                    p.comma_list(params, "ordering"))
        rows = [{k: d.get(k, "") for k in short} for d in result.hits]
        return cdp_page(params, result, page, pages, rows)

    @route(f"/backend/{kind}/summary", "Value counts, the old summary shape.",
           (P_SEARCH, P_FORMAT), field_filters=True, tag="cdp")
    def summary(params: Params) -> dict[str, Any]:
        fields = SUMMARY_FIELDS[kind]
        counts = search_backend().summary(old_query(params, kind), [f for _, f in fields])
        return {key: counts[f] for key, f in fields}

    @route(f"/backend/{kind}/graphical_summary", "Counts for charts and every coordinate.",
           (P_FORMAT,), tag="cdp")
    def graphical_summary(params: Params) -> dict[str, Any]:
        backend = search_backend()
        query = Query(filters={"record_type": (kind,)})
        coordinates = [[f"{d['location']['lon']:.6f}", f"{d['location']['lat']:.6f}"]
                       for d in backend.iterate(query, fields=("location",))
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
    def download(params: Params) -> Response:
        columns = OLD_DOWNLOAD[kind]
        return download_page(params, old_query(params, kind), [c for c, _ in columns],
                             [f for _, f in columns], "tsv", f"IMAGE_{kind}s.txt")

    @route(f"/backend/{kind}/{{id}}", f"One {kind} in the old detail shape.",
           (P_ID, P_FORMAT), tag="cdp")
    def detail(params: Params, id: str) -> Any:
        doc = search_backend().get(id)
        if doc is None or doc.get("record_type") != kind:
            raise ApiError(404, "Not found.")
        return cdp_record(doc)

    geo_params = (P_PAGE, P_PAGE_SIZE, P_SEARCH, *GEO_PARAMS, P_FORMAT)

    @route(f"/backend/{kind}.geojson", f"{kind.title()}s with coordinates as GeoJSON; lat/lng "
           "order by distance, rad (km) limits it; attribute filters and bbox work too.",
           geo_params, field_filters=True, produces=("application/geo+json",), tag="cdp")
    def geojson_list(params: Params) -> dict[str, Any]:
        query = p.query(params, text_param="search", kind=kind, geo=True)
        query = Query(query.text, query.filters, query.ranges, query.bbox, query.radius,
                      exists=("species",))
        centre = p.centre(params)
        size = p.whole_number(params, "page_size", 10, 1, MAX_PAGE_SIZE)
        page = p.whole_number(params, "page", 1, 1, 1_000_000)
        if (page - 1) * size + size > PAGE_WINDOW:
            raise ApiError(400, f"pages beyond the {PAGE_WINDOW:,}th feature need cursors: "
                                "use /geojson")
        sort = (Sort(DISTANCE),) if centre else ()
        result = search_backend().search(SearchRequest(
            query=only_located(query), size=size, offset=(page - 1) * size, sort=sort,
            origin=centre))
        pages = max(1, math.ceil(result.total / size))
        nxt, prev = page_links(params, page, pages)
        return {"type": "FeatureCollection", "count": result.total, "next": nxt,
                "previous": prev,
                "features": [feature(d, kind, centre) for d in result.hits]}

    @route(f"/backend/{kind}.geojson/{{id}}", f"One {kind} as a GeoJSON Feature.",
           (P_ID, P_FORMAT), produces=("application/geo+json",), tag="cdp")
    def geojson_one(params: Params, id: str) -> Any:
        doc = search_backend().get(id)
        if doc is None or doc.get("record_type") != kind or not doc.get("location"):
            raise ApiError(404, "Not found.")
        return feature(doc, kind, None)


for _kind in (ORGANISM, SPECIMEN):
    _register(_kind)


@route("/backend/file", "Specimens with data files (old shape, 10 per page).",
       (P_PAGE, P_PAGE_SIZE, P_ORDERING, P_FORMAT), tag="cdp")
def file_list(params: Params) -> dict[str, Any]:
    query = Query(filters={"record_type": (SPECIMEN,)}, exists=("files",))
    ordering = [o for o in p.comma_list(params, "ordering") if o.lstrip("-") != "file_name"]
    result, page, pages = paged(params, query, 10, ordering)
    return cdp_page(params, result, page, pages, file_rows(result.hits))


@route("/backend/file/download", "TSV of every data file (the old one was broken).",
       (P_CURSOR,), produces=("text/tab-separated-values",), tag="cdp")
def file_download(params: Params) -> Response:
    columns = ["specimen", "file_name", "file_url", "file_size", "file_checksum",
               "file_checksum_method", "ena_accession", "study_accession"]
    return download_page(params, Query(filters={"record_type": (FILE,)}), columns, columns,
                         "tsv", "IMAGE_files.txt")


@route("/backend/file/{id}", "The data files of one specimen (old shape).", (P_ID, P_FORMAT),
       tag="cdp")
def file_detail(params: Params, id: str) -> Any:
    doc = search_backend().get(id)
    if doc is None or doc.get("record_type") != SPECIMEN or not doc.get("files"):
        raise ApiError(404, f"no files for {id}")
    return file_rows([doc])[0]


@route("/backend/species", "Scientific and common names of the pool's species.", (P_FORMAT,),
       tag="cdp")
def species_list(params: Params) -> list[dict[str, str]]:
    return [{"scientific_name": k, "common_name": v} for k, v in SPECIES_COMMON_NAMES.items()]


def _dadis_record(link: DadisLink) -> dict[str, Any]:
    view = dadis_view(link.to_dict())
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
def dadis_list(params: Params) -> dict[str, Any]:
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
    custom = p.one(params, "is_custom")
    if custom is not None:
        if custom.lower() not in ("true", "false"):
            raise ApiError(400, "is_custom must be True or False")
        tests.append(lambda x: x.is_custom == (custom.lower() == "true"))
    text = (p.one(params, "search") or "").lower()
    if text:
        tests.append(lambda x: any(text in n.lower() for n in x.names() if n))
    found = [x for x in links if all(t(x) for t in tests)]
    size = p.whole_number(params, "page_size", 10, 1, MAX_PAGE_SIZE)
    pages = max(1, math.ceil(len(found) / size))
    page = p.whole_number(params, "page", 1, 1, pages)
    nxt, prev = page_links(params, page, pages)
    return {"next": nxt, "previous": prev, "count": len(found), "total_pages": pages,
            "results": [_dadis_record(x) for x in found[(page - 1) * size:page * size]]}


@route("/backend/dadis_link/{id}", "One DAD-IS breed link.",
       (Param("id", "Link number.", "integer", where="path"), P_FORMAT), tag="cdp")
def dadis_detail(params: Params, id: str) -> Any:
    link = default_table().by_id(int(id)) if id.isdigit() else None
    if link is None:
        raise ApiError(404, "Not found.")
    return _dadis_record(link)
