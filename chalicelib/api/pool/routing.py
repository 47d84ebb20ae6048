"""The pool's blueprint, its route table and the one decorator every endpoint is made with.

:func:`route` registers a public GET route, rejects unknown parameters, turns
:class:`ApiError` and :class:`InvalidQuery` into 4xx answers and anything else into a
clean 500 (the traceback goes to the log), and records a :class:`RouteDoc` in
:data:`ROUTES`, the one description ``/openapi.json`` is generated from.
"""

from __future__ import annotations

import copy
import functools
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any

from chalice import Blueprint, Response

from chalicelib.api.pool.errors import ApiError
from chalicelib.api.pool.params import (
    MAX_TEXT_CHARS,
    MAX_TEXT_WORDS,
    TYPES,
    Params,
    filter_name,
)
from chalicelib.auth.access import public
from chalicelib.config import get_settings
from chalicelib.observability import api_logger
from chalicelib.search.port import MAX_PAGE_SIZE, InvalidQuery, SearchBackend


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


pool_api = ReusableBlueprint("chalicelib.api.pool")


def search_backend() -> SearchBackend:
    """The pool's search backend for the current settings (built once per settings; the
    factory imports the engine's client lazily)."""
    from chalicelib.search.factory import backend_from_settings

    return backend_from_settings(get_settings())


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


#: Every registered route, in registration order.
ROUTES: list[RouteDoc] = []

P_PAGE = Param("page", "Page number (1-based).", "integer")
P_PAGE_SIZE = Param("page_size", f"Items per page (at most {MAX_PAGE_SIZE}).", "integer")
P_SEARCH = Param("search", "Full-text search over every field.")
P_ORDERING = Param("ordering", "Sort field; prefix with '-' for descending.")
P_FORMAT = Param("format", "Accepted for compatibility with the old API (json, api).",
                 enum=("json", "api"))
P_Q = Param("q", f"Full-text search over every field (relevance-ranked; at most "
                 f"{MAX_TEXT_WORDS} words and {MAX_TEXT_CHARS} characters).")
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


def request_params() -> Params:
    """The current request's query parameters, each with all its values."""
    request = pool_api.current_request
    raw = request.query_params if request is not None else None
    if not raw:
        return {}
    return {key: list(raw.getlist(key)) for key in raw}


def route(path: str, summary: str, params: Iterable[Param] = (), *,
          field_filters: bool = False,
          produces: tuple[str, ...] = ("application/json",),
          tag: str = "pool") -> Callable[[Callable[..., Any]], Callable[..., Any]]:
    """Register a public GET route and its description (the OpenAPI source).

    The endpoint is called as ``fn(params, **path_params)``; with ``field_filters`` any
    filterable field (and ``<field>.gte``/``.lte``) is an accepted parameter too.
    """
    doc_params = tuple(params)

    def decorate(fn: Callable[..., Any]) -> Callable[..., Any]:
        allowed = {p.name for p in doc_params if p.where == "query"}

        @functools.wraps(fn)
        def view(**kwargs: Any) -> Any:
            try:
                given = request_params()
                unknown = sorted(k for k in given if k not in allowed and not (
                    field_filters and filter_name(k)))
                if unknown:
                    raise ApiError(400, f"unknown parameter(s) {', '.join(unknown)}; see "
                                        "/openapi.json")
                return fn(given, **kwargs)
            except ApiError as exc:
                return Response({"message": exc.message, "status": exc.status},
                                status_code=exc.status)
            except InvalidQuery as exc:
                return Response({"message": str(exc), "status": 400}, status_code=400)
            except Exception:  # the caller gets a clean 500, operators where it failed
                api_logger().exception("pool API failure")
                return Response({"message": "internal error", "status": 500},
                                status_code=500)

        public(view)
        pool_api.route(path, methods=["GET"], cors=True)(view)
        ROUTES.append(RouteDoc(path, summary, doc_params, field_filters, produces, tag, view))
        return fn

    return decorate
