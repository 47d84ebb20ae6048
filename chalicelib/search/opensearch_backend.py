"""The production search backend: Amazon OpenSearch Service (or any OpenSearch 2.x).

Why these choices:

* explicit, strict mapping from :mod:`chalicelib.search.mappings` (text fields with a
  ``.keyword`` sub-field, ``geo_point``, dates) so a malformed document fails loudly;
* each harvest loads a new versioned index with ``refresh_interval: -1`` and no replicas
  (AWS's advice for bulk loads), restores serving settings, then swaps the alias in one
  ``_aliases`` call, so readers never see a half-built pool;
* bulk writes go through ``helpers.streaming_bulk`` (bounded memory, 429 retries);
* deep paging uses ``search_after`` on (sort keys…, id), never ``from`` beyond 10,000.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from typing import Any

from opensearchpy import OpenSearch, helpers
from opensearchpy.exceptions import NotFoundError, RequestError

from chalicelib.search.mappings import (
    FIELDS,
    GEO_FIELD,
    KEYWORD,
    MAX_CLUSTER_ZOOM,
    TEXT_FIELD,
    TILES_FIELD,
    fold,
    full_text,
    opensearch_mapping,
    tile_keys,
)
from chalicelib.search.port import (
    DISTANCE,
    SCORE,
    Cluster,
    IndexingError,
    InvalidQuery,
    Query,
    SearchRequest,
    SearchResult,
    coerce,
    decode_cursor,
    encode_cursor,
)


def _field(name: str) -> str:
    """The indexed field filters and sorts use (``.keyword`` for strings)."""
    return f"{name}.keyword" if FIELDS.get(name) == KEYWORD else name


def build_query(q: Query) -> dict[str, Any]:
    """The OpenSearch query DSL for a :class:`Query`."""
    q.validate()
    must: list[dict[str, Any]] = []
    filters: list[dict[str, Any]] = []
    if q.text is not None:
        must.append({"match": {TEXT_FIELD: {"query": fold(q.text), "operator": "and"}}})
    for name, values in q.filters.items():
        filters.append({"terms": {_field(name): [coerce(name, v) for v in values]}})
    for name, rng in q.ranges.items():
        bounds = {}
        if rng.gte is not None:
            bounds["gte"] = coerce(name, rng.gte)
        if rng.lte is not None:
            bounds["lte"] = coerce(name, rng.lte)
        filters.append({"range": {name: bounds}})
    for name in q.exists:
        filters.append({"exists": {"field": _field(name)}})
    if q.ids is not None:
        filters.append({"ids": {"values": list(q.ids)}})
    if q.bbox is not None:
        b = q.bbox
        filters.append({"geo_bounding_box": {GEO_FIELD: {
            "top_left": {"lat": b.top, "lon": b.left},
            "bottom_right": {"lat": b.bottom, "lon": b.right}}}})
    if q.radius is not None:
        r = q.radius
        filters.append({"geo_distance": {"distance": f"{r.km}km", "distance_type": "arc",
                                         GEO_FIELD: {"lat": r.lat, "lon": r.lon}}})
    if not must and not filters:
        return {"match_all": {}}
    return {"bool": {"must": must, "filter": filters}}


class OpenSearchBackend:
    """:class:`~chalicelib.search.port.SearchBackend` on an OpenSearch cluster."""

    def __init__(self, client: OpenSearch, alias: str = "imagepool", *,
                 replicas: int = 0, refresh_interval: str = "1s", shards: int = 1) -> None:
        self.client = client
        self.alias = alias
        self.replicas = replicas
        self.refresh_interval = refresh_interval
        self.shards = shards

    # -- index management ----------------------------------------------------------------

    def create_index(self, name: str) -> None:
        """New index with the strict mapping, tuned for loading (no refresh, no replica)."""
        self.client.indices.create(index=name, body={
            "settings": {"index": {"number_of_shards": self.shards, "number_of_replicas": 0,
                                   "refresh_interval": "-1", "max_result_window": 10_000}},
            "mappings": opensearch_mapping()})

    def _actions(self, index: str, docs: Iterable[dict[str, Any]]) -> Iterator[dict[str, Any]]:
        for doc in docs:
            source = dict(doc)
            source[TEXT_FIELD] = full_text(doc)
            point = doc.get(GEO_FIELD)
            if isinstance(point, dict):
                source[TILES_FIELD] = tile_keys(float(point["lat"]), float(point["lon"]))
            yield {"_op_type": "index", "_index": index, "_id": doc["id"], "_source": source}

    def bulk_index(self, index: str, docs: Iterable[dict[str, Any]]) -> int:
        """Stream documents in bulk requests of 500 (at most 10 MB)."""
        ok_count = 0
        errors: list[Any] = []
        for ok, item in helpers.streaming_bulk(
                self.client, self._actions(index, docs), chunk_size=500,
                max_chunk_bytes=10 * 1024 * 1024, raise_on_error=False,
                raise_on_exception=True, max_retries=5, initial_backoff=1):
            if ok:
                ok_count += 1
            elif len(errors) < 20:
                errors.append(item)
        if errors:
            raise IndexingError(f"{len(errors)}+ documents were rejected: {errors[0]}", errors)
        return ok_count

    def update_fields(self, index: str, updates: Iterable[tuple[str, dict[str, Any]]]) -> int:
        """Merge fields by re-indexing whole documents (so ``all_text`` stays right)."""
        pending: dict[str, dict[str, Any]] = {}
        total = 0
        for doc_id, fields in updates:
            pending[doc_id] = fields
            if len(pending) >= 500:
                total += self._merge(index, pending)
                pending = {}
        if pending:
            total += self._merge(index, pending)
        return total

    def _merge(self, index: str, pending: dict[str, dict[str, Any]]) -> int:
        docs = self.get_many(pending, index=index)
        for doc in docs:
            doc.update(pending[doc["id"]])
        return self.bulk_index(index, docs) if docs else 0

    def delete_documents(self, index: str, ids: Iterable[str]) -> int:
        """Delete by id (missing ids are not errors)."""
        actions = ({"_op_type": "delete", "_index": index, "_id": i} for i in ids)
        removed = 0
        for ok, _ in helpers.streaming_bulk(self.client, actions, raise_on_error=False,
                                            chunk_size=500):
            removed += int(ok)
        return removed

    def finish_loading(self, index: str) -> None:
        """Restore refresh and replicas, then refresh so everything is searchable."""
        self.client.indices.put_settings(index=index, body={"index": {
            "refresh_interval": self.refresh_interval,
            "number_of_replicas": self.replicas}})
        self.client.indices.refresh(index=index)

    def _aliased(self) -> list[str]:
        try:
            return sorted(self.client.indices.get_alias(name=self.alias))
        except NotFoundError:
            return []

    def swap_alias(self, index: str) -> list[str]:
        """One ``_aliases`` call: remove the alias from its indexes, add it to ``index``."""
        old = [i for i in self._aliased() if i != index]
        actions: list[dict[str, Any]] = [{"remove": {"index": i, "alias": self.alias}}
                                         for i in old]
        actions.append({"add": {"index": index, "alias": self.alias}})
        self.client.indices.update_aliases(body={"actions": actions})
        return old

    def current_index(self) -> str | None:
        """The aliased index."""
        names = self._aliased()
        return names[0] if names else None

    def list_indexes(self) -> list[str]:
        """This alias's family, oldest first (names embed a UTC timestamp)."""
        try:
            names = self.client.indices.get(index=f"{self.alias}-*")
        except NotFoundError:
            return []
        return sorted(names)

    def drop_index(self, name: str) -> None:
        """Delete an index other than the aliased one."""
        if name in self._aliased():
            raise ValueError(f"{name!r} is behind the alias {self.alias!r}")
        self.client.indices.delete(index=name)

    def refresh(self, index: str | None = None) -> None:
        """Make recent writes searchable now (tests, small incremental runs)."""
        self.client.indices.refresh(index=index or self.alias)

    # -- reading -------------------------------------------------------------------------

    def get(self, doc_id: str, index: str | None = None) -> dict[str, Any] | None:
        """One document by id."""
        try:
            found = self.client.get(index=index or self.alias, id=doc_id)
        except NotFoundError:
            return None
        return dict(found["_source"])

    def get_many(self, ids: Iterable[str], index: str | None = None) -> list[dict[str, Any]]:
        """Existing documents among ``ids``, in order (``_mget``)."""
        wanted = list(dict.fromkeys(ids))
        if not wanted:
            return []
        try:
            answer = self.client.mget(index=index or self.alias, body={"ids": wanted})
        except NotFoundError:
            return []
        return [dict(d["_source"]) for d in answer["docs"] if d.get("found")]

    def _search(self, body: dict[str, Any], index: str | None) -> dict[str, Any] | None:
        try:
            result: dict[str, Any] = self.client.search(index=index or self.alias, body=body)
        except NotFoundError:
            return None
        except RequestError as exc:
            raise InvalidQuery(f"the search engine refused the query: {exc.error}") from exc
        return result

    @staticmethod
    def _sort(request: SearchRequest) -> list[dict[str, Any]]:
        out: list[dict[str, Any]] = []
        for s in request.effective_sort():
            order = "desc" if s.descending else "asc"
            if s.field == SCORE:
                out.append({"_score": {"order": order}})
            elif s.field == DISTANCE and request.origin is not None:
                out.append({"_geo_distance": {
                    GEO_FIELD: {"lat": request.origin[0], "lon": request.origin[1]},
                    "order": order, "unit": "km", "distance_type": "arc"}})
            else:
                out.append({_field(s.field): {"order": order, "missing": "_last",
                                              "mode": "max" if s.descending else "min"}})
        return out

    def search(self, request: SearchRequest, index: str | None = None) -> SearchResult:
        """A page with facets; ``search_after`` for cursors."""
        request.validate()
        sort = self._sort(request)
        body: dict[str, Any] = {"query": build_query(request.query), "size": request.size,
                                "sort": sort, "track_total_hits": True}
        if request.offset:
            body["from"] = request.offset
        if request.cursor:
            body["search_after"] = decode_cursor(request.cursor, len(sort))
        if request.facets:
            body["aggs"] = {f"f_{name}": {"terms": {"field": _field(name),
                                                    "size": request.facet_size}}
                            for name in request.facets}
        answer = self._search(body, index)
        if answer is None:
            return SearchResult(0, [], {f: {} for f in request.facets}, None)
        raw_hits = answer["hits"]["hits"]
        hits = [dict(h["_source"]) for h in raw_hits]
        facets = {name: {str(b["key"]): int(b["doc_count"])
                         for b in answer["aggregations"][f"f_{name}"]["buckets"]}
                  for name in request.facets}
        next_cursor = None
        if request.size and len(raw_hits) == request.size:
            next_cursor = encode_cursor(list(raw_hits[-1]["sort"]))
        return SearchResult(int(answer["hits"]["total"]["value"]), hits, facets, next_cursor)

    def count(self, query: Query, index: str | None = None) -> int:
        """Number of matches."""
        try:
            answer = self.client.count(index=index or self.alias,
                                       body={"query": build_query(query)})
        except NotFoundError:
            return 0
        return int(answer["count"])

    def summary(self, query: Query, fields: Iterable[str], size: int = 1000,
                index: str | None = None) -> dict[str, dict[str, int]]:
        """Terms aggregations without hits."""
        names = list(fields)
        for name in names:
            if FIELDS.get(name) != KEYWORD:
                raise InvalidQuery(f"facets need a keyword field, not {name!r}")
        result = self.search(SearchRequest(query=query, size=0, facets=tuple(names),
                                           facet_size=size), index)
        return result.facets

    def clusters(self, query: Query, zoom: int, index: str | None = None) -> list[Cluster]:
        """Terms buckets over the precomputed tile keys of ``zoom``, with ``geo_centroid``
        (the same cells ``geotile_grid`` would give; see ``mappings.TILES_FIELD``)."""
        if not 0 <= zoom <= MAX_CLUSTER_ZOOM:
            raise InvalidQuery(f"zoom must be between 0 and {MAX_CLUSTER_ZOOM}")
        body = {"query": build_query(query), "size": 0, "aggs": {"cells": {
            "terms": {"field": TILES_FIELD, "include": f"{zoom}/.*", "size": 65_535},
            "aggs": {"centre": {"geo_centroid": {"field": GEO_FIELD}}}}}}
        answer = self._search(body, index)
        if answer is None:
            return []
        out = [Cluster(str(b["key"]), int(b["doc_count"]),
                       float(b["centre"]["location"]["lat"]),
                       float(b["centre"]["location"]["lon"]))
               for b in answer["aggregations"]["cells"]["buckets"]]
        out.sort(key=lambda c: (-c.count, c.key))
        return out

    def iterate(self, query: Query, index: str | None = None,
                batch: int = 1000) -> Iterator[dict[str, Any]]:
        """Every match by id, ``search_after`` page by page."""
        body: dict[str, Any] = {"query": build_query(query), "size": batch,
                                "sort": [{"id.keyword": "asc"}], "track_total_hits": False}
        while True:
            answer = self._search(body, index)
            if answer is None:
                return
            hits = answer["hits"]["hits"]
            for hit in hits:
                yield dict(hit["_source"])
            if len(hits) < batch:
                return
            body["search_after"] = hits[-1]["sort"]

    def close(self) -> None:
        """Close the HTTP connections."""
        self.client.close()
