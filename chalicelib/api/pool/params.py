"""Query parameters of the pool API → validated values and :class:`Query` objects.

Plain functions of a ``{name: [values…]}`` dict (a parameter may repeat), so they know
nothing of Chalice; every bad value raises :class:`ApiError` 400 naming the parameter and
what it must be.
"""

from __future__ import annotations

import math
from collections.abc import Iterable

from chalicelib.api.pool.errors import ApiError
from chalicelib.harvest.transform import FILE, ORGANISM, SPECIMEN
from chalicelib.search.mappings import FILTERABLE
from chalicelib.search.port import BoundingBox, Query, Radius, Range, Sort

Params = dict[str, list[str]]

#: The record types a ``type`` parameter may name.
TYPES = (ORGANISM, SPECIMEN, FILE)
#: Longest full-text search: every word is a term the engine matches against every field,
#: so 20,000 words took 11-13 s; a real search is a few words.
MAX_TEXT_CHARS = 500
MAX_TEXT_WORDS = 32


def filter_name(key: str) -> str | None:
    """The field a filter parameter names (``species``, ``birth_date_value.gte``)."""
    name = key.rsplit(".", 1)[0] if key.endswith((".gte", ".lte")) else key
    return name if name in FILTERABLE else None


def one(params: Params, name: str) -> str | None:
    """The single value of ``name`` (None when absent; 400 when repeated)."""
    values = params.get(name)
    if not values:
        return None
    if len(values) > 1:
        raise ApiError(400, f"give {name!r} only once")
    return values[0]


def whole_number(params: Params, name: str, default: int, low: int, high: int) -> int:
    """``name`` as an integer in [low, high] (``default`` when absent or empty)."""
    raw = one(params, name)
    if raw is None or raw == "":
        return default
    try:
        value = int(raw)
    except ValueError:
        raise ApiError(400, f"{name} must be a whole number from {low} to {high}") from None
    if not low <= value <= high:
        raise ApiError(400, f"{name} must be a whole number from {low} to {high}")
    return value


def number(params: Params, name: str) -> float | None:
    """``name`` as a finite float (None when absent or empty)."""
    raw = one(params, name)
    if raw is None or raw == "":
        return None
    try:
        value = float(raw)
    except ValueError:
        raise ApiError(400, f"{name} must be a number") from None
    if not math.isfinite(value):
        raise ApiError(400, f"{name} must be a finite number")
    return value


def comma_list(params: Params, name: str) -> list[str]:
    """Every comma-separated item of every value of ``name``, blanks dropped."""
    out: list[str] = []
    for value in params.get(name, []):
        out += [v.strip() for v in value.split(",") if v.strip()]
    return out


def text(params: Params, name: str) -> str | None:
    """The full-text search of ``name``, within :data:`MAX_TEXT_WORDS` and
    :data:`MAX_TEXT_CHARS` (None when absent or blank)."""
    value = one(params, name)
    if value is None or not value.strip():
        return None
    if len(value) > MAX_TEXT_CHARS or len(value.split()) > MAX_TEXT_WORDS:
        raise ApiError(400, f"{name} may have at most {MAX_TEXT_WORDS} words and "
                            f"{MAX_TEXT_CHARS} characters: narrow the search with filters")
    return value


def centre(params: Params) -> tuple[float, float] | None:
    """``(lat, lon)`` from lat and lng (or lon), or None when neither is given."""
    lat = number(params, "lat")
    lon = number(params, "lng")
    if lon is None:
        lon = number(params, "lon")
    if (lat is None) != (lon is None):
        raise ApiError(400, "give both lat and lng")
    if lat is None or lon is None:
        return None
    if not (-90 <= lat <= 90 and -180 <= lon <= 180):
        raise ApiError(400, "lat must be in [-90, 90] and lng in [-180, 180]")
    return lat, lon


def query(params: Params, *, text_param: str, kind: str | None, geo: bool = False) -> Query:
    """The query parameters as a :class:`Query` (filters, ranges, text, and with ``geo``
    the bbox and the radius around lat/lng)."""
    filters: dict[str, tuple[str, ...]] = {}
    ranges: dict[str, Range] = {}
    for key, values in params.items():
        name = filter_name(key)
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
    words = text(params, text_param)
    bbox = radius = None
    if geo:
        raw_bbox = one(params, "bbox")
        if raw_bbox:
            try:
                left, bottom, right, top = (float(v) for v in raw_bbox.split(","))
            except ValueError:
                raise ApiError(400, "bbox must be min_lon,min_lat,max_lon,max_lat") from None
            bbox = BoundingBox(top=top, left=left, bottom=bottom, right=right)
        middle = centre(params)
        rad = number(params, "rad")
        if rad is not None:
            if middle is None:
                raise ApiError(400, "rad needs lat and lng")
            radius = Radius(middle[0], middle[1], rad)
    return Query(text=words, filters=filters, ranges=ranges, bbox=bbox, radius=radius)


def sort_keys(specs: Iterable[str]) -> tuple[Sort, ...]:
    """``["-birth_date_value", "id"]`` → sort keys."""
    return tuple(Sort.parse(s) for s in specs)


def record_type(params: Params, default: str | None = None) -> str | None:
    """The ``type`` parameter (one of :data:`TYPES`) or ``default``."""
    kind = one(params, "type") or default
    if kind is not None and kind not in TYPES:
        raise ApiError(400, f"type must be one of {', '.join(TYPES)}")
    return kind


def with_params(params: Params, **changes: object) -> Params:
    """A copy of ``params`` with some set to one value (or dropped, for None)."""
    out = dict(params)
    for key, value in changes.items():
        if value is None:
            out.pop(key, None)
        else:
            out[key] = [str(value)]
    return out
