"""The embedded search backend: one SQLite file, standard library only.

Why: local runs, tests and small deployments need the pool's full query model without an
OpenSearch cluster, and Lambda/CI must not download SQLite extensions. The stdlib build
has FTS5 (full text, BM25 relevance) and R*Tree (geo boxes), which is all this needs.

Layout per index (``ix<N>_`` prefix; names live in ``meta_indexes``, the alias in
``meta_aliases`` so a swap is one UPDATE in one transaction):

* ``docs(rid, id, doc)`` – the JSON documents;
* ``terms(field, value, rid)`` – one row per distinct value of every filterable field,
  indexed both ways: (field, value, rid) serves filters and facet counts, (rid, field,
  value) serves per-document sort keys;
* ``fts`` – FTS5 over the folded full text (rowid = rid);
* ``geo(rid, lat, lon, mx, my)`` + ``rtree`` – points with precomputed web-mercator
  coordinates, so map clustering is integer arithmetic in SQL.

A search first intersects the condition subqueries into a temporary table of matching
rows, then counts, facets and pages from it with keyset (search_after) cursors. The
common shapes (text and/or filters, relevance or id order, low-cardinality facets) are
answered from cached bitmaps instead (:mod:`chalicelib.search.sqlite_fast`): same
results, a few ms at 100,000 documents; ``meta_generations`` holds a token every write
transaction renews, so no process serves a stale cache.
"""

from __future__ import annotations

import itertools
import json
import math
import re
import sqlite3
import threading
import time
from collections.abc import Iterable, Iterator, Sequence
from pathlib import Path
from typing import Any

from chalicelib.search.mappings import (
    DATE,
    FIELDS,
    GEO_FIELD,
    ID_FIELD,
    KEYWORD,
    MAX_CLUSTER_ZOOM,
    NUMBER,
    fold,
    full_text,
    mercator,
    values_of,
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
from chalicelib.search.sqlite_fast import FastIndex

EARTH_RADIUS_KM = 6371.0087714  # the mean radius OpenSearch's arc distance uses
_INDEXED_KINDS = (KEYWORD, DATE, NUMBER)
_NAME = re.compile(r"^[a-z0-9][a-z0-9_.\-]{0,200}$")
#: Sort sentinels so that documents without the field come last in both directions.
_LAST_ASC = "\U0010ffff"
_LAST_DESC = -1.7e308


def haversine_km(lat1: float, lon1: float, lat2: float, lon2: float) -> float:
    """Great-circle distance in km."""
    p1, p2 = math.radians(lat1), math.radians(lat2)
    dp, dl = p2 - p1, math.radians(lon2 - lon1)
    a = math.sin(dp / 2) ** 2 + math.cos(p1) * math.cos(p2) * math.sin(dl / 2) ** 2
    return 2 * EARTH_RADIUS_KM * math.asin(min(1.0, math.sqrt(a)))


def _tokens(text: str) -> list[str]:
    return re.findall(r"\w+", fold(text))


class SqliteBackend:
    """:class:`~chalicelib.search.port.SearchBackend` on one SQLite file."""

    def __init__(self, path: str | Path, alias: str = "imagepool") -> None:
        self.path = str(path)
        self.alias = alias
        if self.path != ":memory:":
            Path(self.path).parent.mkdir(parents=True, exist_ok=True)
        self._local = threading.local()
        self._temp = itertools.count()
        with self._tx() as db:
            db.execute("CREATE TABLE IF NOT EXISTS meta_indexes (name TEXT PRIMARY KEY, "
                       "n INTEGER NOT NULL UNIQUE, created REAL NOT NULL)")
            db.execute("CREATE TABLE IF NOT EXISTS meta_aliases (alias TEXT PRIMARY KEY, "
                       "name TEXT NOT NULL)")
            db.execute("CREATE TABLE IF NOT EXISTS meta_generations (prefix TEXT PRIMARY KEY, "
                       "token BLOB NOT NULL)")
        self._fast = FastIndex()

    # -- connections ---------------------------------------------------------------------

    @property
    def db(self) -> sqlite3.Connection:
        """This thread's connection (SQLite connections are not shared across threads)."""
        conn: sqlite3.Connection | None = getattr(self._local, "conn", None)
        if conn is None:
            conn = sqlite3.connect(self.path, isolation_level=None, timeout=30)
            conn.execute("PRAGMA journal_mode=WAL")
            conn.execute("PRAGMA synchronous=NORMAL")
            conn.execute("PRAGMA temp_store=MEMORY")
            conn.execute("PRAGMA cache_size=-65536")
            conn.create_function("haversine_km", 4, haversine_km, deterministic=True)
            self._local.conn = conn
        return conn

    def _tx(self) -> _Transaction:
        return _Transaction(self.db)

    def close(self) -> None:
        """Close this thread's connection."""
        conn = getattr(self._local, "conn", None)
        if conn is not None:
            conn.close()
            self._local.conn = None

    # -- index management ----------------------------------------------------------------

    def _prefix(self, index: str | None) -> str | None:
        """Table prefix of ``index`` (an index name or the alias; None = the alias)."""
        name = index or self.alias
        row = self.db.execute("SELECT name FROM meta_aliases WHERE alias = ?",
                              (name,)).fetchone()
        if row:
            name = row[0]
        row = self.db.execute("SELECT n FROM meta_indexes WHERE name = ?", (name,)).fetchone()
        if row is None:
            if index is not None and index != self.alias:
                raise LookupError(f"no index {index!r}")
            return None
        return f"ix{row[0]}"

    def _require(self, index: str) -> str:
        prefix = self._prefix(index)
        if prefix is None:
            raise LookupError(f"no index {index!r}")
        return prefix

    def create_index(self, name: str) -> None:
        """Create the tables of a new, empty index."""
        if not _NAME.match(name) or name == self.alias:
            raise ValueError(f"bad index name {name!r}")
        with self._tx() as db:
            if db.execute("SELECT 1 FROM meta_indexes WHERE name = ?", (name,)).fetchone():
                raise ValueError(f"index {name!r} exists")
            n = int(db.execute("SELECT coalesce(max(n), 0) + 1 FROM meta_indexes")
                    .fetchone()[0])
            db.execute("INSERT INTO meta_indexes VALUES (?, ?, ?)", (name, n, time.time()))
            p = f"ix{n}"
            db.execute(f"CREATE TABLE {p}_docs (rid INTEGER PRIMARY KEY, id TEXT NOT NULL "
                       "UNIQUE, doc TEXT NOT NULL)")
            db.execute(f"CREATE TABLE {p}_terms (field TEXT NOT NULL, value, "
                       "rid INTEGER NOT NULL)")
            db.execute(f"CREATE INDEX {p}_terms_fv ON {p}_terms (field, value, rid)")
            db.execute(f"CREATE INDEX {p}_terms_rf ON {p}_terms (rid, field, value)")
            db.execute(f"CREATE VIRTUAL TABLE {p}_fts USING fts5(body, "
                       "tokenize=\"unicode61 remove_diacritics 0 tokenchars '_'\")")
            db.execute(f"CREATE TABLE {p}_geo (rid INTEGER PRIMARY KEY, lat REAL NOT NULL, "
                       "lon REAL NOT NULL, mx REAL NOT NULL, my REAL NOT NULL)")
            db.execute(f"CREATE VIRTUAL TABLE {p}_rtree USING rtree(rid, min_lat, max_lat, "
                       "min_lon, max_lon)")
            self._bump(db, p)

    @staticmethod
    def _bump(db: sqlite3.Connection, p: str) -> None:
        """A new write generation of ``p`` (inside the writing transaction), so every
        process's search caches of the index are rebuilt (see :mod:`sqlite_fast`)."""
        db.execute("INSERT INTO meta_generations VALUES (?, randomblob(16)) "
                   "ON CONFLICT(prefix) DO UPDATE SET token = excluded.token", (p,))

    def bulk_index(self, index: str, docs: Iterable[dict[str, Any]]) -> int:
        """Insert or replace documents, in transactions of 2,000."""
        p = self._require(index)
        count = 0
        batch: list[dict[str, Any]] = []
        for doc in docs:
            batch.append(doc)
            if len(batch) >= 2000:
                count += self._write(p, batch)
                batch = []
        if batch:
            count += self._write(p, batch)
        return count

    def _write(self, p: str, docs: list[dict[str, Any]]) -> int:
        terms: list[tuple[str, Any, int]] = []
        fts: list[tuple[int, str]] = []
        geo: list[tuple[int, float, float, float, float]] = []
        rtree: list[tuple[int, float, float, float, float]] = []
        with self._tx() as db:
            for doc in docs:
                doc_id = doc.get("id")
                if not isinstance(doc_id, str) or not doc_id:
                    raise IndexingError("every document needs a string 'id'", [doc])
                unknown = [k for k in doc if k not in FIELDS]
                if unknown:  # the same refusal as OpenSearch's strict mapping
                    raise IndexingError(f"unknown fields {unknown} in {doc_id}", [doc_id])
                body = json.dumps(doc, separators=(",", ":"))
                row = db.execute(f"SELECT rid FROM {p}_docs WHERE id = ?", (doc_id,)).fetchone()
                if row:
                    rid = int(row[0])
                    self._forget(db, p, rid)
                    db.execute(f"UPDATE {p}_docs SET doc = ? WHERE rid = ?", (body, rid))
                else:
                    cur = db.execute(f"INSERT INTO {p}_docs (id, doc) VALUES (?, ?)",
                                     (doc_id, body))
                    rid = int(cur.lastrowid or 0)
                for name in doc:
                    kind = FIELDS[name]
                    if kind in _INDEXED_KINDS:
                        seen = set()
                        for v in values_of(doc, name):
                            typed = float(v) if kind == NUMBER else str(v)
                            if typed not in seen:
                                seen.add(typed)
                                terms.append((name, typed, rid))
                fts.append((rid, full_text(doc)))
                point = doc.get(GEO_FIELD)
                if isinstance(point, dict):
                    lat, lon = float(point["lat"]), float(point["lon"])
                    mx, my = mercator(lat, lon)
                    geo.append((rid, lat, lon, mx, my))
                    rtree.append((rid, lat, lat, lon, lon))
            db.executemany(f"INSERT INTO {p}_terms (field, value, rid) VALUES (?, ?, ?)", terms)
            db.executemany(f"INSERT INTO {p}_fts (rowid, body) VALUES (?, ?)", fts)
            db.executemany(f"INSERT INTO {p}_geo VALUES (?, ?, ?, ?, ?)", geo)
            db.executemany(f"INSERT INTO {p}_rtree VALUES (?, ?, ?, ?, ?)", rtree)
            self._bump(db, p)
        return len(docs)

    @staticmethod
    def _forget(db: sqlite3.Connection, p: str, rid: int) -> None:
        for table, col in (("terms", "rid"), ("fts", "rowid"), ("geo", "rid"),
                           ("rtree", "rid")):
            db.execute(f"DELETE FROM {p}_{table} WHERE {col} = ?", (rid,))

    def update_fields(self, index: str, updates: Iterable[tuple[str, dict[str, Any]]]) -> int:
        """Merge fields into stored documents (re-indexing them)."""
        p = self._require(index)
        merged: list[dict[str, Any]] = []
        for doc_id, fields in updates:
            row = self.db.execute(f"SELECT doc FROM {p}_docs WHERE id = ?", (doc_id,)).fetchone()
            if row:
                doc = json.loads(row[0])
                doc.update(fields)
                merged.append(doc)
        return self._write(p, merged) if merged else 0

    def delete_documents(self, index: str, ids: Iterable[str]) -> int:
        """Remove documents by id."""
        p = self._require(index)
        removed = 0
        with self._tx() as db:
            for doc_id in ids:
                row = db.execute(f"SELECT rid FROM {p}_docs WHERE id = ?", (doc_id,)).fetchone()
                if row:
                    self._forget(db, p, int(row[0]))
                    db.execute(f"DELETE FROM {p}_docs WHERE rid = ?", (row[0],))
                    removed += 1
            self._bump(db, p)
        return removed

    def finish_loading(self, index: str) -> None:
        """Refresh the planner's statistics (matters for the term-index choices)."""
        p = self._require(index)
        self.db.execute(f"ANALYZE {p}_terms")

    def optimize(self, index: str) -> None:
        """Merge the full-text index's b-trees into one (FTS5 ``optimize``)."""
        p = self._require(index)
        with self._tx() as db:
            db.execute(f"INSERT INTO {p}_fts({p}_fts) VALUES ('optimize')")

    def swap_alias(self, index: str) -> list[str]:
        """Point the alias at ``index`` in one transaction."""
        self._require(index)
        with self._tx() as db:
            row = db.execute("SELECT name FROM meta_aliases WHERE alias = ?",
                             (self.alias,)).fetchone()
            db.execute("INSERT INTO meta_aliases VALUES (?, ?) ON CONFLICT(alias) DO UPDATE "
                       "SET name = excluded.name", (self.alias, index))
        return [row[0]] if row and row[0] != index else []

    def current_index(self) -> str | None:
        """The aliased index."""
        row = self.db.execute("SELECT name FROM meta_aliases WHERE alias = ?",
                              (self.alias,)).fetchone()
        return str(row[0]) if row else None

    def list_indexes(self) -> list[str]:
        """This alias's indexes, oldest first."""
        rows = self.db.execute("SELECT name FROM meta_indexes WHERE name LIKE ? ESCAPE '\\' "
                               "ORDER BY n", (self.alias.replace("_", "\\_") + "-%",))
        return [str(r[0]) for r in rows]

    def drop_index(self, name: str) -> None:
        """Drop an index's tables; refuses the aliased one."""
        if name == self.current_index():
            raise ValueError(f"{name!r} is behind the alias {self.alias!r}")
        p = self._require(name)
        with self._tx() as db:
            for table in ("docs", "terms", "fts", "geo", "rtree"):
                db.execute(f"DROP TABLE IF EXISTS {p}_{table}")
            db.execute("DELETE FROM meta_indexes WHERE name = ?", (name,))
            db.execute("DELETE FROM meta_generations WHERE prefix = ?", (p,))

    # -- reading -------------------------------------------------------------------------

    def get(self, doc_id: str, index: str | None = None) -> dict[str, Any] | None:
        """One document by id."""
        p = self._prefix(index)
        if p is None:
            return None
        row = self.db.execute(f"SELECT doc FROM {p}_docs WHERE id = ?", (doc_id,)).fetchone()
        return json.loads(row[0]) if row else None

    def get_many(self, ids: Iterable[str], index: str | None = None) -> list[dict[str, Any]]:
        """Existing documents among ``ids``, in order."""
        wanted = list(dict.fromkeys(ids))
        p = self._prefix(index)
        if p is None or not wanted:
            return []
        found: dict[str, dict[str, Any]] = {}
        for start in range(0, len(wanted), 500):
            chunk = wanted[start:start + 500]
            marks = ",".join("?" * len(chunk))
            for doc_id, doc in self.db.execute(
                    f"SELECT id, doc FROM {p}_docs WHERE id IN ({marks})", chunk):
                found[doc_id] = json.loads(doc)
        return [found[i] for i in wanted if i in found]

    def _conditions(self, p: str, q: Query) -> tuple[list[str], list[Any]]:
        """Subqueries yielding the rids of each condition (to be intersected)."""
        parts: list[str] = []
        params: list[Any] = []
        for name, values in q.filters.items():
            typed = [coerce(name, v) for v in values]
            marks = ",".join("?" * len(typed))
            parts.append(f"SELECT rid FROM {p}_terms WHERE field = ? AND value IN ({marks})")
            params += [name, *typed]
        for name, rng in q.ranges.items():
            sql = f"SELECT rid FROM {p}_terms WHERE field = ?"
            params.append(name)
            if rng.gte is not None:
                sql += " AND value >= ?"
                params.append(coerce(name, rng.gte))
            if rng.lte is not None:
                sql += " AND value <= ?"
                params.append(coerce(name, rng.lte))
            parts.append(sql)
        for name in q.exists:
            parts.append(f"SELECT DISTINCT rid FROM {p}_terms WHERE field = ?")
            params.append(name)
        if q.ids is not None:
            ids = list(q.ids) or [""]
            parts.append(f"SELECT rid FROM {p}_docs WHERE id IN ({','.join('?' * len(ids))})")
            params += ids
        if q.bbox is not None:
            b = q.bbox
            pre = f"SELECT rid FROM {p}_rtree WHERE max_lat >= ? AND min_lat <= ?"
            sql = (f"SELECT g.rid FROM {p}_geo g WHERE g.rid IN ({{pre}}) "
                   "AND g.lat >= ? AND g.lat <= ? AND ")
            pre_params: list[Any] = [b.bottom - 1e-4, b.top + 1e-4]
            if b.left <= b.right:
                pre += " AND max_lon >= ? AND min_lon <= ?"
                pre_params += [b.left - 1e-4, b.right + 1e-4]
                sql += "g.lon >= ? AND g.lon <= ?"
            else:
                sql += "(g.lon >= ? OR g.lon <= ?)"
            parts.append(sql.format(pre=pre))
            params += [*pre_params, b.bottom, b.top, b.left, b.right]
        if q.radius is not None:
            r = q.radius
            dlat = r.km / 110.5 + 1e-3
            coslat = math.cos(math.radians(min(89.9, abs(r.lat) + dlat)))
            dlon = r.km / (111.0 * coslat) + 1e-3 if coslat > 0 else 360.0
            sql = f"SELECT g.rid FROM {p}_geo g WHERE "
            if abs(r.lat) + dlat < 90 and dlon < 180 and r.lon - dlon >= -180 \
                    and r.lon + dlon <= 180:
                sql += (f"g.rid IN (SELECT rid FROM {p}_rtree WHERE max_lat >= ? AND "
                        "min_lat <= ? AND max_lon >= ? AND min_lon <= ?) AND ")
                params += [r.lat - dlat, r.lat + dlat, r.lon - dlon, r.lon + dlon]
            sql += "haversine_km(g.lat, g.lon, ?, ?) <= ?"
            params += [r.lat, r.lon, r.km]
            parts.append(sql)
        return parts, params

    def _matches(self, p: str, q: Query) -> tuple[str, list[Any], bool]:
        """SQL yielding (rid, score) of the matches, and whether it is "everything"."""
        q.validate()
        parts, params = self._conditions(p, q)
        if q.text is not None:
            tokens = _tokens(q.text)
            if not tokens:
                return "SELECT 0 AS rid, 0.0 AS score WHERE 0", [], False
            match = " ".join(f'"{t}"' for t in tokens)
            text_params: list[Any] = [match]
            if not parts:
                return (f"SELECT rowid AS rid, -bm25({p}_fts) AS score FROM {p}_fts "
                        f"WHERE {p}_fts MATCH ?", text_params, False)
            # Materialised first: a "rowid IN (...)" pushed into FTS5 becomes one index
            # probe per filtered row (seconds at 100,000 documents instead of ms).
            sql = (f"WITH t AS MATERIALIZED (SELECT rowid AS rid, -bm25({p}_fts) AS score "
                   f"FROM {p}_fts WHERE {p}_fts MATCH ?) SELECT rid, score FROM t "
                   "WHERE rid IN (" + " INTERSECT ".join(parts) + ")")
            return sql, text_params + params, False
        if not parts:
            return f"SELECT rid, 0.0 AS score FROM {p}_docs", [], True
        return ("SELECT rid, 0.0 AS score FROM (" + " INTERSECT ".join(parts) + ")",
                params, False)

    def _materialise(self, p: str, q: Query) -> tuple[str, bool]:
        """A temp table (or the docs table) holding the matches."""
        sql, params, everything = self._matches(p, q)
        if everything:
            return f"(SELECT rid, 0.0 AS score FROM {p}_docs)", True
        name = f"temp.m{next(self._temp)}_{threading.get_ident()}"
        self.db.execute(f"CREATE TABLE {name} (rid INTEGER PRIMARY KEY, score REAL)")
        self.db.execute(f"INSERT OR IGNORE INTO {name} (rid, score) {sql}", params)
        return name, False

    def _drop(self, source: str, everything: bool) -> None:
        if not everything:
            self.db.execute(f"DROP TABLE IF EXISTS {source}")

    def _facets(self, p: str, source: str, everything: bool, fields: Iterable[str],
                size: int) -> dict[str, dict[str, int]]:
        out: dict[str, dict[str, int]] = {}
        for name in fields:
            if FIELDS.get(name) != KEYWORD:
                raise InvalidQuery(f"facets need a keyword field, not {name!r}")
            if everything:
                sql = (f"SELECT value, count(*) AS c FROM {p}_terms WHERE field = ? "
                       "GROUP BY value ORDER BY c DESC, value LIMIT ?")
            else:
                sql = (f"SELECT t.value, count(*) AS c FROM {source} m JOIN {p}_terms t "
                       "ON t.rid = m.rid AND t.field = ? GROUP BY t.value "
                       "ORDER BY c DESC, t.value LIMIT ?")
            out[name] = {str(v): int(c) for v, c in self.db.execute(sql, (name, size))}
        return out

    def _count(self, source: str) -> int:
        return int(self.db.execute(f"SELECT count(*) FROM {source}").fetchone()[0])

    def search(self, request: SearchRequest, index: str | None = None) -> SearchResult:
        """A page of matches with facets and a keyset cursor."""
        request.validate()
        p = self._prefix(index)
        if p is None:
            return SearchResult(0, [], {f: {} for f in request.facets}, None)
        sort = request.effective_sort()
        after = decode_cursor(request.cursor, len(sort)) if request.cursor else None
        if FastIndex.applicable(request):
            fast = self._fast_search(p, request, after)
            if fast is not None:
                return fast
        source, everything = self._materialise(p, request.query)
        try:
            total = self._count(source)
            facets = self._facets(p, source, everything, request.facets, request.facet_size)
            hits: list[dict[str, Any]] = []
            next_cursor = None
            if request.size:
                keys = []
                for i, s in enumerate(sort):
                    if s.field == SCORE:
                        expr = "m.score"
                    elif s.field == DISTANCE and request.origin is not None:
                        lat, lon = (float(v) for v in request.origin)
                        expr = (f"(SELECT haversine_km(g.lat, g.lon, {lat!r}, {lon!r}) "
                                f"FROM {p}_geo g WHERE g.rid = m.rid)")
                    elif s.field == "id":
                        expr = "d.id"
                    else:
                        agg = "max" if s.descending else "min"
                        expr = (f"(SELECT {agg}(value) FROM {p}_terms t WHERE t.rid = m.rid "
                                f"AND t.field = '{s.field}')")
                    keys.append(f"coalesce({expr}, ?) AS k{i}")
                inner = (f"SELECT d.doc AS doc, {', '.join(keys)} FROM {source} m "
                         f"JOIN {p}_docs d ON d.rid = m.rid")
                params: list[Any] = [_LAST_DESC if s.descending else _LAST_ASC for s in sort]
                where = ""
                if after is not None:
                    ors = []
                    for i, s in enumerate(sort):
                        eqs = [f"k{j} = ?" for j in range(i)]
                        op = "<" if s.descending else ">"
                        ors.append("(" + " AND ".join([*eqs, f"k{i} {op} ?"]) + ")")
                        params += [*after[:i], after[i]]
                    where = " WHERE " + " OR ".join(ors)
                order = ", ".join(f"k{i} {'DESC' if s.descending else 'ASC'}"
                                  for i, s in enumerate(sort))
                sql = (f"SELECT * FROM ({inner}){where} ORDER BY {order} LIMIT ? OFFSET ?")
                params += [request.size, request.offset]
                rows = self.db.execute(sql, params).fetchall()
                hits = [json.loads(r[0]) for r in rows]
                if len(rows) == request.size:
                    next_cursor = encode_cursor(list(rows[-1][1:]))
            return SearchResult(total, hits, facets, next_cursor)
        finally:
            self._drop(source, everything)

    def _run(self, sql: str, params: Sequence[Any]) -> list[tuple[Any, ...]]:
        return self.db.execute(sql, params).fetchall()

    def _fast_search(self, p: str, request: SearchRequest,
                     after: list[Any] | None) -> SearchResult | None:
        """:mod:`sqlite_fast`'s answer, or None when the SQL path must answer."""
        q = request.query
        match = None
        if q.text is not None:
            tokens = _tokens(q.text)
            if not tokens:
                return None
            match = " ".join(f'"{t}"' for t in tokens)
        key: tuple[float, str] | None = None
        if after is not None:
            try:
                key = ((-float(after[0]), str(after[1])) if match is not None
                       else (0.0, str(after[0])))
            except (TypeError, ValueError):
                return None
        db = self.db
        with self._fast.lock:
            db.execute("BEGIN")  # one snapshot for the token, the caches and the hits
            try:
                row = db.execute("SELECT token FROM meta_generations WHERE prefix = ?",
                                 (p,)).fetchone()
                if row is None:
                    return None
                gen = self._fast.generation(p, bytes(row[0]), self._run)
                bits, order = self._fast.matches(gen, p, q, match, self._run)
                facets = self._fast.facets(gen, p, bits, request.facets, request.facet_size,
                                           self._run)
                if facets is None:
                    return None
                picked = (self._fast.page(order, bits, gen.nbytes, key, request.offset,
                                          request.size) if request.size else [])
                docs: dict[int, str] = {}
                if picked:
                    marks = ",".join("?" * len(picked))
                    docs = dict(db.execute(f"SELECT rid, doc FROM {p}_docs WHERE rid IN "
                                           f"({marks})", [r for r, _ in picked]).fetchall())
            finally:
                db.execute("COMMIT")
        hits = [json.loads(docs[rid]) for rid, _ in picked]
        next_cursor = None
        if request.size and len(picked) == request.size:
            last = picked[-1][1]
            next_cursor = encode_cursor([-last[0], last[1]] if match is not None
                                        else [last[1]])
        return SearchResult(bits.bit_count(), hits, facets, next_cursor)

    def count(self, query: Query, index: str | None = None) -> int:
        """Number of matches."""
        p = self._prefix(index)
        if p is None:
            return 0
        sql, params, _ = self._matches(p, query)
        return int(self.db.execute(f"SELECT count(*) FROM ({sql})", params).fetchone()[0])

    def summary(self, query: Query, fields: Iterable[str], size: int = 1000,
                index: str | None = None) -> dict[str, dict[str, int]]:
        """Value counts of keyword fields over the matches."""
        names = list(fields)
        p = self._prefix(index)
        if p is None:
            return {f: {} for f in names}
        source, everything = self._materialise(p, query)
        try:
            return self._facets(p, source, everything, names, size)
        finally:
            self._drop(source, everything)

    def clusters(self, query: Query, zoom: int, index: str | None = None) -> list[Cluster]:
        """Matches grouped by web-mercator tile, with counts and centroids."""
        if not 0 <= zoom <= MAX_CLUSTER_ZOOM:
            raise InvalidQuery(f"zoom must be between 0 and {MAX_CLUSTER_ZOOM}")
        p = self._prefix(index)
        if p is None:
            return []
        source, everything = self._materialise(p, query)
        n = float(1 << zoom)
        try:
            rows = self.db.execute(
                f"SELECT CAST(g.mx * ? AS INTEGER) AS x, CAST(g.my * ? AS INTEGER) AS y, "
                f"count(*), avg(g.lat), avg(g.lon) FROM {source} m JOIN {p}_geo g "
                "ON g.rid = m.rid GROUP BY x, y ORDER BY count(*) DESC, x, y", (n, n)).fetchall()
        finally:
            self._drop(source, everything)
        return [Cluster(f"{zoom}/{x}/{y}", int(c), float(lat), float(lon))
                for x, y, c, lat, lon in rows]

    def iterate(self, query: Query, index: str | None = None, batch: int = 1000,
                fields: Sequence[str] | None = None) -> Iterator[dict[str, Any]]:
        """Every match in storage order, ``batch`` rows per round trip."""
        keep = None if fields is None else {ID_FIELD, *fields}
        p = self._prefix(index)
        if p is None:
            return
        source, everything = self._materialise(p, query)
        try:
            last = -1
            while True:
                rows = self.db.execute(
                    f"SELECT m.rid, d.doc FROM {source} m JOIN {p}_docs d ON d.rid = m.rid "
                    "WHERE m.rid > ? ORDER BY m.rid LIMIT ?", (last, batch)).fetchall()
                for _, doc in rows:
                    full = json.loads(doc)
                    yield full if keep is None else {k: v for k, v in full.items()
                                                     if k in keep}
                if len(rows) < batch:
                    return
                last = int(rows[-1][0])
        finally:
            self._drop(source, everything)


class _Transaction:
    """``BEGIN IMMEDIATE`` … ``COMMIT`` (rollback on error) on an autocommit connection."""

    def __init__(self, db: sqlite3.Connection) -> None:
        self.db = db

    def __enter__(self) -> sqlite3.Connection:
        self.db.execute("BEGIN IMMEDIATE")
        return self.db

    def __exit__(self, exc_type: object, exc: object, tb: object) -> None:
        self.db.execute("ROLLBACK" if exc_type else "COMMIT")
