"""The search port: one query model and one backend protocol for the pool.

Why a port: production runs on Amazon OpenSearch, local runs and small deployments on an
embedded SQLite file, and the API and the harvester must not care which. Both backends
pass the same contract suite (``tests/contract/search``).

Index management follows the alias pattern: a full harvest creates a new versioned index
(:func:`versioned_name`), bulk-loads it, and :meth:`SearchBackend.swap_alias` points the
public alias at it atomically; readers never see a half-built pool.
"""

from __future__ import annotations

import base64
import json
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any, Protocol, runtime_checkable

from chalicelib.search.mappings import DATE, FIELDS, FILTERABLE, KEYWORD, NUMBER

#: Largest page a search may ask for.
MAX_PAGE_SIZE = 1000
#: Deepest offset (page-number paging); deeper pages need cursors.
MAX_WINDOW = 10_000
#: Pseudo-field: sort by relevance.
SCORE = "_score"
#: Pseudo-field: sort by great-circle distance from ``SearchRequest.origin``.
DISTANCE = "_distance"


class InvalidQuery(ValueError):
    """The caller asked for something the model does not allow (the API answers 400)."""


class IndexingError(RuntimeError):
    """Some documents could not be indexed."""

    def __init__(self, message: str, errors: list[Any]) -> None:
        super().__init__(message)
        self.errors = errors


@dataclass(frozen=True, slots=True)
class Range:
    """Inclusive bounds on a date or number field (either may be open)."""

    gte: Any = None
    lte: Any = None


@dataclass(frozen=True, slots=True)
class BoundingBox:
    """A lat/lon box; ``left > right`` crosses the antimeridian."""

    top: float
    left: float
    bottom: float
    right: float

    def __post_init__(self) -> None:
        if not (-90 <= self.bottom <= self.top <= 90):
            raise InvalidQuery("bbox latitudes must satisfy -90 <= bottom <= top <= 90")
        if not (-180 <= self.left <= 180 and -180 <= self.right <= 180):
            raise InvalidQuery("bbox longitudes must lie in [-180, 180]")


@dataclass(frozen=True, slots=True)
class Radius:
    """Everything within ``km`` kilometres (great circle) of a point."""

    lat: float
    lon: float
    km: float

    def __post_init__(self) -> None:
        if not (-90 <= self.lat <= 90 and -180 <= self.lon <= 180):
            raise InvalidQuery("radius centre out of range")
        if not (0 < self.km <= 20_100):
            raise InvalidQuery("radius must be in (0, 20100] km")


@dataclass(frozen=True)
class Query:
    """What to match. Filters: AND across fields, OR among one field's values."""

    text: str | None = None
    filters: Mapping[str, tuple[Any, ...]] = field(default_factory=dict)
    ranges: Mapping[str, Range] = field(default_factory=dict)
    bbox: BoundingBox | None = None
    radius: Radius | None = None
    ids: tuple[str, ...] | None = None
    exists: tuple[str, ...] = ()

    def validate(self) -> None:
        """Raise :class:`InvalidQuery` for unknown fields or wrongly typed values."""
        for name, values in self.filters.items():
            _check_field(name, "filter")
            if not values:
                raise InvalidQuery(f"filter on {name!r} has no values")
            for value in values:
                coerce(name, value)
        for name, rng in self.ranges.items():
            if FIELDS.get(name) not in (DATE, NUMBER):
                raise InvalidQuery(f"range filters need a date or number field, not {name!r}")
            for bound in (rng.gte, rng.lte):
                if bound is not None:
                    coerce(name, bound)
        for name in self.exists:
            _check_field(name, "exists")

    def with_filter(self, name: str, *values: Any) -> Query:
        """A copy with one more field filter."""
        filters = dict(self.filters)
        filters[name] = tuple(values)
        return Query(self.text, filters, self.ranges, self.bbox, self.radius, self.ids,
                     self.exists)


def _check_field(name: str, what: str) -> None:
    if name not in FILTERABLE:
        raise InvalidQuery(f"cannot {what} on unknown field {name!r}")


def coerce(name: str, value: Any) -> Any:
    """A filter value in the field's type (numbers as float, dates as ISO strings)."""
    kind = FIELDS.get(name)
    if kind == NUMBER:
        try:
            return float(value)
        except (TypeError, ValueError):
            raise InvalidQuery(f"{name!r} takes numbers, not {value!r}") from None
    if kind == DATE:
        text = str(value)
        try:
            datetime.strptime(text[:10], "%Y-%m-%d")
        except ValueError:
            raise InvalidQuery(f"{name!r} takes dates (YYYY-MM-DD), not {value!r}") from None
        return text[:10]
    return str(value)


@dataclass(frozen=True, slots=True)
class Sort:
    """One sort key; ``_score`` sorts by relevance (text queries only)."""

    field: str
    descending: bool = False

    @classmethod
    def parse(cls, spec: str) -> Sort:
        """``field`` or ``-field`` (descending)."""
        spec = spec.strip()
        sort = cls(spec[1:], True) if spec.startswith("-") else cls(spec, False)
        if sort.field not in (SCORE, DISTANCE):
            _check_field(sort.field, "sort")
        return sort


@dataclass(frozen=True)
class SearchRequest:
    """A page of matches, optionally with facet counts."""

    query: Query = field(default_factory=Query)
    sort: tuple[Sort, ...] = ()
    size: int = 20
    cursor: str | None = None
    offset: int = 0
    facets: tuple[str, ...] = ()
    facet_size: int = 20
    #: (lat, lon) the ``_distance`` sort measures from.
    origin: tuple[float, float] | None = None

    def validate(self) -> None:
        """Raise :class:`InvalidQuery` for anything out of bounds."""
        self.query.validate()
        if not (0 <= self.size <= MAX_PAGE_SIZE):
            raise InvalidQuery(f"size must be between 0 and {MAX_PAGE_SIZE}")
        if self.offset < 0 or self.offset + self.size > MAX_WINDOW:
            raise InvalidQuery(f"offset + size must stay within {MAX_WINDOW}; use a cursor "
                               "to go deeper")
        if self.cursor and self.offset:
            raise InvalidQuery("use either a cursor or an offset, not both")
        for name in self.facets:
            if FIELDS.get(name) != KEYWORD:
                raise InvalidQuery(f"facets need a keyword field, not {name!r}")
        if not (1 <= self.facet_size <= 10_000):
            raise InvalidQuery("facet_size must be between 1 and 10000")
        for sort in self.sort:
            if sort.field == SCORE and not self.query.text:
                raise InvalidQuery("sorting by _score needs a text query")
            if sort.field == DISTANCE and self.origin is None:
                raise InvalidQuery("sorting by _distance needs an origin (lat, lon)")
            if sort.field not in (SCORE, DISTANCE):
                _check_field(sort.field, "sort")
        if self.origin is not None and not (-90 <= self.origin[0] <= 90
                                            and -180 <= self.origin[1] <= 180):
            raise InvalidQuery("origin out of range")

    def effective_sort(self) -> tuple[Sort, ...]:
        """The sort applied: relevance for text queries, else id; always ends with id."""
        sort = self.sort or ((Sort(SCORE, True),) if self.query.text else ())
        if not any(s.field == "id" for s in sort):
            sort = (*sort, Sort("id"))
        return sort


@dataclass
class SearchResult:
    """One page: total matches, documents, facet counts and the next page's cursor."""

    total: int
    hits: list[dict[str, Any]]
    facets: dict[str, dict[str, int]] = field(default_factory=dict)
    next_cursor: str | None = None


@dataclass(frozen=True, slots=True)
class Cluster:
    """A map cell (``zoom/x/y`` web-mercator tile) with its count and centroid."""

    key: str
    count: int
    lat: float
    lon: float


def encode_cursor(values: list[Any]) -> str:
    """An opaque cursor from the last hit's sort values."""
    raw = json.dumps(values, separators=(",", ":")).encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def decode_cursor(cursor: str, length: int) -> list[Any]:
    """The sort values in a cursor; :class:`InvalidQuery` if it is not one of ours."""
    try:
        raw = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4))
        values = json.loads(raw)
    except (ValueError, TypeError):
        raise InvalidQuery("malformed cursor") from None
    if not isinstance(values, list) or len(values) != length:
        raise InvalidQuery("cursor does not belong to this sort order")
    return values


def versioned_name(alias: str, when: datetime | None = None, tag: str = "") -> str:
    """A new index name behind ``alias``: ``<alias>-<UTC timestamp>[-tag]``."""
    stamp = (when or datetime.now(UTC)).strftime("%Y%m%d%H%M%S%f")
    return f"{alias}-{stamp}{'-' + tag if tag else ''}".lower()


@runtime_checkable
class SearchBackend(Protocol):
    """What the pool needs from a search engine.

    ``index=None`` means "the index the alias points at"; the harvester passes the new
    index's name while building it.
    """

    alias: str

    # -- index management --------------------------------------------------------------
    def create_index(self, name: str) -> None:
        """Create an empty index with the explicit mapping, tuned for bulk loading."""
        ...

    def bulk_index(self, index: str, docs: Iterable[dict[str, Any]]) -> int:
        """Add or replace documents (by ``id``); returns how many were indexed."""
        ...

    def update_fields(self, index: str, updates: Iterable[tuple[str, dict[str, Any]]]) -> int:
        """Merge fields into existing documents; missing ids are skipped. Returns count."""
        ...

    def delete_documents(self, index: str, ids: Iterable[str]) -> int:
        """Remove documents by id; returns how many existed."""
        ...

    def finish_loading(self, index: str) -> None:
        """Make everything loaded visible and restore the serving settings."""
        ...

    def optimize(self, index: str) -> None:
        """Compact a fully loaded index before it serves (once, after a full build)."""
        ...

    def swap_alias(self, index: str) -> list[str]:
        """Point the alias at ``index`` atomically; returns the indexes it left."""
        ...

    def current_index(self) -> str | None:
        """The index behind the alias, or None before the first swap."""
        ...

    def list_indexes(self) -> list[str]:
        """Every index of this alias's family (``<alias>-*``), oldest first."""
        ...

    def drop_index(self, name: str) -> None:
        """Delete an index (never the one the alias points at)."""
        ...

    # -- reading -----------------------------------------------------------------------
    def get(self, doc_id: str, index: str | None = None) -> dict[str, Any] | None:
        """One document by id, or None."""
        ...

    def get_many(self, ids: Iterable[str], index: str | None = None) -> list[dict[str, Any]]:
        """The documents that exist among ``ids``, in the order asked."""
        ...

    def search(self, request: SearchRequest, index: str | None = None) -> SearchResult:
        """A page of matches with facet counts, sorted, from an offset or a cursor."""
        ...

    def count(self, query: Query, index: str | None = None) -> int:
        """How many documents match."""
        ...

    def summary(self, query: Query, fields: Iterable[str], size: int = 1000,
                index: str | None = None) -> dict[str, dict[str, int]]:
        """Value counts of keyword fields over the matches (facets without hits)."""
        ...

    def clusters(self, query: Query, zoom: int, index: str | None = None) -> list[Cluster]:
        """Matches with a location, grouped into web-mercator tiles at ``zoom``."""
        ...

    def iterate(self, query: Query, index: str | None = None, batch: int = 1000,
                fields: Sequence[str] | None = None) -> Iterator[dict[str, Any]]:
        """Every match, in the backend's storage order and bounded memory (downloads,
        reverse-link passes); ``fields`` keeps only those fields of each document
        (``id`` always)."""
        ...

    def close(self) -> None:
        """Release connections."""
        ...
