"""SQLite persistence for the local BioSamples stand-in.

One file (``biosamples.sqlite3``) under the state directory holds the samples, an
attribute index (``attrs``: one row per characteristic value, indexed on
``(name, value, seq)`` so ``attr:project:IMAGE`` pages are index range scans), the
relationship table (for reverse relationships and ``rel:`` filters), curation links and
the accession counters. A single connection guarded by a re-entrant lock serves every
thread: SQLite serialises writers anyway, and WAL mode keeps the file consistent across
crashes and restarts.

Search pages are keyed on ``seq`` (the row id, i.e. accession order) so cursor paging is
``seq > last ORDER BY seq LIMIT n`` whatever the table size.
"""

from __future__ import annotations

import json
import sqlite3
import threading
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import orjson

SCHEMA = """
CREATE TABLE IF NOT EXISTS samples (
    seq        INTEGER PRIMARY KEY,
    accession  TEXT NOT NULL UNIQUE,
    name       TEXT NOT NULL,
    owner      TEXT,
    release_ts REAL NOT NULL,
    update_ts  REAL NOT NULL,
    indexed_at REAL NOT NULL,
    doc        TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS samples_name ON samples (name, seq);
CREATE INDEX IF NOT EXISTS samples_update ON samples (update_ts, seq);
CREATE INDEX IF NOT EXISTS samples_release ON samples (release_ts, seq);
CREATE TABLE IF NOT EXISTS attrs (
    seq   INTEGER NOT NULL,
    name  TEXT NOT NULL,
    value TEXT NOT NULL,
    PRIMARY KEY (seq, name, value)
) WITHOUT ROWID;
CREATE INDEX IF NOT EXISTS attrs_name_value ON attrs (name, value, seq);
CREATE TABLE IF NOT EXISTS rels (
    source TEXT NOT NULL,
    type   TEXT NOT NULL,
    target TEXT NOT NULL,
    PRIMARY KEY (source, type, target)
) WITHOUT ROWID;
CREATE INDEX IF NOT EXISTS rels_target ON rels (target, type, source);
CREATE TABLE IF NOT EXISTS curation_links (
    hash       TEXT PRIMARY KEY,
    accession  TEXT NOT NULL,
    created_ts REAL NOT NULL,
    doc        TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS curation_links_acc ON curation_links (accession, created_ts);
CREATE TABLE IF NOT EXISTS meta (
    key   TEXT PRIMARY KEY,
    value INTEGER NOT NULL
);
"""

#: First numbers handed out; far above real accessions so fakes are recognisable.
SAMEA_START = 900_000_000
ERS_START = 90_000_000
MAX_ATTR_VALUE = 500


@dataclass(slots=True)
class StoredSample:
    """A row of ``samples``: the stored record plus the columns the server needs."""

    seq: int
    accession: str
    name: str
    owner: str | None
    release_ts: float
    update_ts: float
    indexed_at: float
    doc: dict[str, Any]


@dataclass(slots=True)
class SearchQuery:
    """A parsed search: every condition is ANDed."""

    attrs: list[tuple[str, str | None]] = field(default_factory=list)
    names: list[str] = field(default_factory=list)
    accessions: list[str] = field(default_factory=list)
    rels: list[tuple[str, str]] = field(default_factory=list)  # (type, target)
    rrels: list[tuple[str, str]] = field(default_factory=list)  # (type, source)
    update_range: tuple[float | None, float | None] | None = None
    release_range: tuple[float | None, float | None] | None = None
    domains: list[str] = field(default_factory=list)
    text: str | None = None


def _attr_rows(seq: int, doc: dict[str, Any]) -> list[tuple[int, str, str]]:
    rows: list[tuple[int, str, str]] = []
    for name, items in (doc.get("characteristics") or {}).items():
        for item in items or []:
            text = item.get("text") if isinstance(item, dict) else None
            if isinstance(text, str):
                rows.append((seq, name, text[:MAX_ATTR_VALUE]))
    return rows


def _rel_rows(doc: dict[str, Any]) -> list[tuple[str, str, str]]:
    rows = []
    for rel in doc.get("relationships") or []:
        if isinstance(rel, dict) and all(isinstance(rel.get(k), str) for k in
                                         ("source", "type", "target")):
            rows.append((rel["source"], rel["type"], rel["target"]))
    return rows


class SampleStore:
    """Thread-safe SQLite store of samples, attributes, relationships and curations."""

    def __init__(self, state_dir: Path) -> None:
        state_dir.mkdir(parents=True, exist_ok=True)
        self.path = state_dir / "biosamples.sqlite3"
        self._lock = threading.RLock()
        self._db = sqlite3.connect(self.path, check_same_thread=False, isolation_level=None)
        self._db.execute("PRAGMA journal_mode=WAL")
        self._db.execute("PRAGMA synchronous=NORMAL")
        self._db.execute("PRAGMA foreign_keys=OFF")
        self._db.executescript(SCHEMA)

    # -- plumbing -----------------------------------------------------------------------

    def close(self) -> None:
        """Close the database connection."""
        with self._lock:
            self._db.close()

    def reset(self) -> None:
        """Delete every sample, relationship, curation link and counter."""
        with self._lock:
            self._db.execute("BEGIN IMMEDIATE")
            for table in ("samples", "attrs", "rels", "curation_links", "meta"):
                self._db.execute(f"DELETE FROM {table}")
            self._db.execute("COMMIT")

    def explain(self, sql: str, params: Sequence[Any]) -> list[str]:
        """Return SQLite's query plan lines (used by tests to prove index use)."""
        with self._lock:
            return [row[3] for row in self._db.execute("EXPLAIN QUERY PLAN " + sql, params)]

    def _next_counter(self, key: str, start: int) -> int:
        row = self._db.execute("SELECT value FROM meta WHERE key = ?", (key,)).fetchone()
        value = start if row is None else int(row[0])
        self._db.execute(
            "INSERT INTO meta (key, value) VALUES (?, ?) "
            "ON CONFLICT(key) DO UPDATE SET value = excluded.value",
            (key, value + 1),
        )
        return value

    # -- samples ------------------------------------------------------------------------

    def allocate_accessions(self) -> tuple[str, str]:
        """Reserve a fresh (SAMEA…, ERS…) pair."""
        with self._lock:
            self._db.execute("BEGIN IMMEDIATE")
            try:
                while True:
                    acc = f"SAMEA{self._next_counter('samea', SAMEA_START)}"
                    if not self._db.execute(
                        "SELECT 1 FROM samples WHERE accession = ?", (acc,)
                    ).fetchone():
                        break
                ers = f"ERS{self._next_counter('ers', ERS_START)}"
                self._db.execute("COMMIT")
            except BaseException:
                self._db.execute("ROLLBACK")
                raise
            return acc, ers

    def save(
        self,
        doc: dict[str, Any],
        *,
        owner: str | None,
        release_ts: float,
        update_ts: float,
        indexed_at: float,
    ) -> None:
        """Insert or fully replace the sample ``doc['accession']``."""
        with self._lock:
            self._db.execute("BEGIN IMMEDIATE")
            try:
                self._save_locked(doc, owner, release_ts, update_ts, indexed_at)
                self._db.execute("COMMIT")
            except BaseException:
                self._db.execute("ROLLBACK")
                raise

    def save_many(self, items: Iterable[tuple[dict[str, Any], str | None, float, float, float]],
                  ) -> int:
        """Bulk :meth:`save` in one transaction; returns the number of samples written."""
        count = 0
        with self._lock:
            self._db.execute("BEGIN IMMEDIATE")
            try:
                for doc, owner, release_ts, update_ts, indexed_at in items:
                    self._save_locked(doc, owner, release_ts, update_ts, indexed_at)
                    count += 1
                self._db.execute("COMMIT")
            except BaseException:
                self._db.execute("ROLLBACK")
                raise
        return count

    def _save_locked(self, doc: dict[str, Any], owner: str | None, release_ts: float,
                     update_ts: float, indexed_at: float) -> None:
        accession = doc["accession"]
        row = self._db.execute(
            "SELECT seq, doc FROM samples WHERE accession = ?", (accession,)
        ).fetchone()
        text = json.dumps(doc, separators=(",", ":"))
        if row is None:
            cur = self._db.execute(
                "INSERT INTO samples (accession, name, owner, release_ts, update_ts, "
                "indexed_at, doc) VALUES (?, ?, ?, ?, ?, ?, ?)",
                (accession, doc["name"], owner, release_ts, update_ts, indexed_at, text),
            )
            seq = int(cur.lastrowid or 0)
        else:
            seq = int(row[0])
            self._db.execute(
                "UPDATE samples SET name = ?, owner = ?, release_ts = ?, update_ts = ?, "
                "doc = ? WHERE seq = ?",
                (doc["name"], owner, release_ts, update_ts, text, seq),
            )
            self._db.execute("DELETE FROM attrs WHERE seq = ?", (seq,))
            self._db.executemany(
                "DELETE FROM rels WHERE source = ? AND type = ? AND target = ?",
                _rel_rows(json.loads(row[1])),
            )
        self._db.executemany(
            "INSERT OR IGNORE INTO attrs (seq, name, value) VALUES (?, ?, ?)",
            _attr_rows(seq, doc),
        )
        self._db.executemany(
            "INSERT OR IGNORE INTO rels (source, type, target) VALUES (?, ?, ?)",
            _rel_rows(doc),
        )

    def add_relationships(self, rows: Iterable[tuple[str, str, str]]) -> None:
        """Record relationships known from elsewhere (e.g. incoming links in loaded data)."""
        with self._lock:
            self._db.executemany(
                "INSERT OR IGNORE INTO rels (source, type, target) VALUES (?, ?, ?)", list(rows)
            )

    def get(self, accession: str) -> StoredSample | None:
        """Return the stored sample or ``None``."""
        with self._lock:
            row = self._db.execute(
                "SELECT seq, accession, name, owner, release_ts, update_ts, indexed_at, doc "
                "FROM samples WHERE accession = ?",
                (accession,),
            ).fetchone()
        return None if row is None else self._row(row)

    def _select_in(self, sql: str, keys: Sequence[Any]) -> list[Any]:
        """Rows of ``sql``, whose ``{keys}`` becomes the placeholders of ``keys``."""
        if not keys:
            return []
        with self._lock:
            return self._db.execute(sql.format(keys=",".join("?" * len(keys))),
                                    list(keys)).fetchall()

    def get_many(self, seqs: Sequence[int]) -> list[StoredSample]:
        """Return samples by ``seq`` in the order given."""
        rows = self._select_in(
            "SELECT seq, accession, name, owner, release_ts, update_ts, indexed_at, doc "
            "FROM samples WHERE seq IN ({keys})", seqs)
        by_seq = {int(r[0]): self._row(r) for r in rows}
        return [by_seq[s] for s in seqs if s in by_seq]

    @staticmethod
    def _row(row: Sequence[Any]) -> StoredSample:
        return StoredSample(
            seq=int(row[0]), accession=row[1], name=row[2], owner=row[3],
            release_ts=float(row[4]), update_ts=float(row[5]), indexed_at=float(row[6]),
            doc=orjson.loads(row[7]),
        )

    def incoming_many(self, accessions: Sequence[str]) -> dict[str, list[tuple[str, str, str]]]:
        """Per accession, the relationships whose target it is and whose source is another
        sample (one query for a whole search page)."""
        out: dict[str, list[tuple[str, str, str]]] = {a: [] for a in accessions}
        for source, kind, target in self._select_in(
                "SELECT source, type, target FROM rels WHERE target IN ({keys}) "
                "AND source <> target ORDER BY target, source, type", list(out)):
            out[target].append((source, kind, target))
        return out

    def count_samples(self) -> int:
        """Number of stored samples."""
        with self._lock:
            return int(self._db.execute("SELECT COUNT(*) FROM samples").fetchone()[0])

    # -- search -------------------------------------------------------------------------

    def _where(self, q: SearchQuery, now: float, caller: str | None,
               ) -> tuple[str, str, list[Any], str]:
        """Build ``FROM``/``WHERE`` for ``q``; returns (from, where, params, seq column)."""
        params: list[Any] = []
        conds: list[str] = []
        attrs = list(q.attrs)
        # Drive the query from the most selective index available: an attribute value,
        # a name, else the samples table itself (walked in seq order).
        driver = next((a for a in attrs if a[1] is not None), None)
        if driver is not None:
            attrs.remove(driver)
            from_sql = "attrs a0 CROSS JOIN samples s ON s.seq = a0.seq"
            conds.append("a0.name = ? AND a0.value = ?")
            params += [driver[0], driver[1]]
            seq_col = "a0.seq"
        else:
            from_sql = "samples s"
            seq_col = "s.seq"
        conds.append("s.indexed_at <= ?")
        params.append(now)
        if caller:
            conds.append("(s.release_ts <= ? OR s.owner = ?)")
            params += [now, caller]
        else:
            conds.append("s.release_ts <= ?")
            params.append(now)
        for name, value in attrs:
            if value is None:
                conds.append("EXISTS (SELECT 1 FROM attrs a WHERE a.seq = s.seq AND a.name = ?)")
                params.append(name)
            else:
                conds.append("EXISTS (SELECT 1 FROM attrs a WHERE a.seq = s.seq "
                             "AND a.name = ? AND a.value = ?)")
                params += [name, value]
        for name in q.names:
            conds.append("s.name = ?")
            params.append(name)
        for acc in q.accessions:
            conds.append("s.accession = ?")
            params.append(acc)
        for rtype, target in q.rels:
            conds.append("EXISTS (SELECT 1 FROM rels r WHERE r.source = s.accession "
                         "AND r.type = ? AND r.target = ?)")
            params += [rtype, target]
        for rtype, source in q.rrels:
            conds.append("EXISTS (SELECT 1 FROM rels r WHERE r.target = s.accession "
                         "AND r.type = ? AND r.source = ?)")
            params += [rtype, source]
        for column, rng in (("update_ts", q.update_range), ("release_ts", q.release_range)):
            if rng is None:
                continue
            if rng[0] is not None:
                conds.append(f"s.{column} >= ?")
                params.append(rng[0])
            if rng[1] is not None:
                conds.append(f"s.{column} <= ?")
                params.append(rng[1])
        for dom in q.domains:
            conds.append("json_extract(s.doc, '$.domain') = ?")
            params.append(dom)
        if q.text:
            conds.append("s.doc LIKE ?")
            params.append("%" + q.text.replace("%", "").replace("_", "") + "%")
        return from_sql, " AND ".join(conds), params, seq_col

    def search_sql(self, q: SearchQuery, now: float, caller: str | None, after_seq: int,
                   limit: int, offset: int = 0) -> tuple[str, list[Any]]:
        """SQL and parameters of one search page (public for query-plan tests)."""
        from_sql, where, params, seq_col = self._where(q, now, caller)
        sql = (f"SELECT {seq_col} FROM {from_sql} WHERE {where} AND {seq_col} > ? "
               f"ORDER BY {seq_col} LIMIT ? OFFSET ?")
        return sql, [*params, after_seq, limit, offset]

    def search(self, q: SearchQuery, now: float, caller: str | None, *, after_seq: int = 0,
               limit: int = 20, offset: int = 0) -> list[StoredSample]:
        """One page of matching samples in ``seq`` order."""
        sql, params = self.search_sql(q, now, caller, after_seq, limit, offset)
        with self._lock:
            seqs = [int(r[0]) for r in self._db.execute(sql, params)]
        return self.get_many(seqs)

    def search_accessions(self, q: SearchQuery, now: float, caller: str | None, *,
                          limit: int, offset: int) -> list[str]:
        """Accessions of one page of matches (no document decoding)."""
        sql, params = self.search_sql(q, now, caller, 0, limit, offset)
        sql = sql.replace("SELECT ", "SELECT s.accession, ", 1)
        with self._lock:
            return [r[0] for r in self._db.execute(sql, params)]

    def count(self, q: SearchQuery, now: float, caller: str | None) -> int:
        """Number of matching samples."""
        from_sql, where, params, _ = self._where(q, now, caller)
        with self._lock:
            row = self._db.execute(f"SELECT COUNT(*) FROM {from_sql} WHERE {where}",
                                   params).fetchone()
        return int(row[0])

    # -- curation links -----------------------------------------------------------------

    def add_curation_link(self, link: dict[str, Any], created_ts: float) -> dict[str, Any]:
        """Store a curation link (idempotent on its hash); returns the stored link."""
        with self._lock:
            row = self._db.execute(
                "SELECT doc FROM curation_links WHERE hash = ?", (link["hash"],)
            ).fetchone()
            if row is not None:
                stored: dict[str, Any] = json.loads(row[0])
                return stored
            self._db.execute(
                "INSERT INTO curation_links (hash, accession, created_ts, doc) "
                "VALUES (?, ?, ?, ?)",
                (link["hash"], link["sample"], created_ts, json.dumps(link)),
            )
        return link

    def curation_links(self, accession: str) -> list[dict[str, Any]]:
        """Curation links of a sample, oldest first."""
        with self._lock:
            rows = self._db.execute(
                "SELECT doc FROM curation_links WHERE accession = ? ORDER BY created_ts, hash",
                (accession,),
            ).fetchall()
        return [json.loads(r[0]) for r in rows]

    def curation_links_many(self, accessions: Sequence[str]) -> dict[str, list[dict[str, Any]]]:
        """:meth:`curation_links` of several samples in one query."""
        out: dict[str, list[dict[str, Any]]] = {a: [] for a in accessions}
        for accession, doc in self._select_in(
                "SELECT accession, doc FROM curation_links WHERE accession IN ({keys}) "
                "ORDER BY created_ts, hash", list(out)):
            out[accession].append(json.loads(doc))
        return out

    def curation_link(self, accession: str, hash_: str) -> dict[str, Any] | None:
        """One curation link or ``None``."""
        with self._lock:
            row = self._db.execute(
                "SELECT doc FROM curation_links WHERE accession = ? AND hash = ?",
                (accession, hash_),
            ).fetchone()
        if row is None:
            return None
        link: dict[str, Any] = json.loads(row[0])
        return link

    def delete_curation_link(self, hash_: str) -> None:
        """Remove a curation link."""
        with self._lock:
            self._db.execute("DELETE FROM curation_links WHERE hash = ?", (hash_,))
