"""GeoJSON features of pool documents, and the "has coordinates" restriction."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from chalicelib.api.pool.links import url
from chalicelib.harvest.transform import ORGANISM, SPECIMEN
from chalicelib.search.port import BoundingBox, Query

#: The old CDP's feature properties per record type.
GEO_PROPERTIES = {ORGANISM: ("species", "supplied_breed", "sex"),
                  SPECIMEN: ("species", "derived_from", "organism_part")}


def only_located(query: Query) -> Query:
    """Restrict to documents with coordinates (the old GeoJSON's ``geom IS NOT NULL``)."""
    if query.bbox or query.radius:
        return query
    world = BoundingBox(top=90, left=-180, bottom=-90, right=180)
    return Query(query.text, query.filters, query.ranges, world, None, query.ids,
                 query.exists)


def feature(doc: dict[str, Any], kind: str, centre: tuple[float, float] | None,
            properties: Iterable[str] | None = None) -> dict[str, Any]:
    """A located document as a GeoJSON Feature; ``distance`` (km) from ``centre`` if given."""
    # imported here, not at the top: a cold start of every other endpoint skips them
    import geojson

    from chalicelib.search.sqlite_backend import haversine_km

    loc = doc["location"]
    props: dict[str, Any] = {"url": url(f"/backend/{kind}.geojson/{doc['id']}/")}
    for name in properties if properties is not None else GEO_PROPERTIES.get(kind, ()):
        props[name] = doc.get(name, "")
    if centre is not None:
        props["distance"] = f"{haversine_km(centre[0], centre[1], loc['lat'], loc['lon']):.3f}"
    built = geojson.Feature(id=doc["id"], geometry=geojson.Point((loc["lon"], loc["lat"])),
                            properties=props)
    return {"id": built["id"], "type": "Feature", "geometry": dict(built["geometry"]),
            "properties": built["properties"]}
