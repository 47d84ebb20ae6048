"""In-memory bitmaps over an embedded index: the fast path of the SQLite backend's search.

Why: at 100,000 documents the pure-SQL plan (intersect term lists into a temp table, join
it back to the term index once per facet, score every full-text match with FTS5's bm25,
sort) costs hundreds of ms when a word matches half the pool, far from the p99 < 100 ms
the portal needs. Filters and facets are set algebra over few distinct values, which
Python's big integers do in microseconds: every (field, value) becomes a bitmap of row
ids, a query is an AND of ORs, a facet count is ``(matches & value).bit_count()``. The
ranked order of a word's matches (bm25 from FTS5, so scores are the SQL path's very
values) is computed once and the page is read off it.

Everything cached belongs to one *generation* of one index: every write transaction of
the backend stores a new random token in ``meta_generations`` (inside the transaction),
and a search reads the token in the same read transaction as the data, so another
process's writes are seen too. Memory is bounded by LRU limits.

Only the common shapes take this path (text and/or keyword/date/number filters, "exists",
relevance or id order, facets on fields with at most :data:`MAX_FACET_VALUES` values);
anything else returns None and the SQL path answers.
"""

from __future__ import annotations

import bisect
import threading
from collections import OrderedDict
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

from chalicelib.search.port import SCORE, Query, SearchRequest, Sort, coerce

#: Facets over fields with more distinct values than this use the SQL path.
MAX_FACET_VALUES = 256
#: Bytes of term bitmaps kept per index (each takes ``documents / 8`` bytes).
MAX_TERM_BYTES = 128 * 1024 * 1024
#: Ranked entries of full-text matches kept per index (~100 bytes each).
MAX_TEXT_ENTRIES = 1_000_000
MAX_GENERATIONS = 2
_BITS = tuple(tuple(j for j in range(8) if byte >> j & 1) for byte in range(256))


def bitmap(rids: Sequence[int] | Any, nbytes: int) -> int:
    """A bitmap (bit ``rid`` set) of some row ids below ``nbytes * 8``."""
    buf = bytearray(nbytes)
    for rid in rids:
        buf[rid >> 3] |= 1 << (rid & 7)
    return int.from_bytes(buf, "little")


def members(bits: int, nbytes: int) -> list[int]:
    """The row ids set in a bitmap, ascending."""
    out: list[int] = []
    for i, byte in enumerate(bits.to_bytes(nbytes, "little")):
        if byte:
            base = i << 3
            out.extend(base + j for j in _BITS[byte])
    return out


@dataclass
class Ranked:
    """A word's matches in result order: keys ``(-score, id)`` ascending, and row ids."""

    keys: list[tuple[float, str]]
    rids: list[int]
    bits: int


@dataclass
class Generation:
    """The caches of one index at one write generation."""

    token: bytes
    nbytes: int
    everything: int
    by_id: Ranked  # every document in id order (keys ``(0.0, id)``)
    id_of: dict[int, str]
    terms: OrderedDict[tuple[str, Any], int] = field(default_factory=OrderedDict)
    exists: dict[str, int] = field(default_factory=dict)
    values: dict[str, list[Any] | None] = field(default_factory=dict)
    texts: OrderedDict[str, Ranked] = field(default_factory=OrderedDict)


Execute = Callable[[str, Sequence[Any]], list[tuple[Any, ...]]]


class FastIndex:
    """Bitmap caches of a :class:`~chalicelib.search.sqlite_backend.SqliteBackend`'s
    indexes, shared by its threads."""

    def __init__(self) -> None:
        self.lock = threading.RLock()
        self._gens: OrderedDict[str, Generation] = OrderedDict()

    # -- applicability ---------------------------------------------------------------------

    @staticmethod
    def applicable(request: SearchRequest) -> bool:
        """Whether :meth:`search` can answer ``request`` (the facet cardinality is checked
        later)."""
        q = request.query
        if q.ranges or q.bbox is not None or q.radius is not None or q.ids is not None:
            return False
        sort = request.effective_sort()
        if q.text is not None:
            return sort == (Sort(SCORE, True), Sort("id"))
        return sort == (Sort("id"),)

    # -- caches ----------------------------------------------------------------------------

    def generation(self, prefix: str, token: bytes, run: Execute) -> Generation:
        """The caches of ``prefix`` at ``token`` (built on first use)."""
        with self.lock:
            gen = self._gens.get(prefix)
            if gen is not None and gen.token == token:
                self._gens.move_to_end(prefix)
                return gen
            rows = run(f"SELECT rid, id FROM {prefix}_docs ORDER BY id", ())
            top = max((int(r[0]) for r in rows), default=0)
            nbytes = (top >> 3) + 1
            rids = [int(r[0]) for r in rows]
            every = bitmap(rids, nbytes)
            ids = [str(r[1]) for r in rows]
            gen = Generation(token, nbytes, every,
                             Ranked([(0.0, i) for i in ids], rids, every),
                             dict(zip(rids, ids, strict=True)))
            self._gens[prefix] = gen
            self._gens.move_to_end(prefix)
            while len(self._gens) > MAX_GENERATIONS:
                self._gens.popitem(last=False)
            return gen

    def _term(self, gen: Generation, p: str, name: str, value: Any, run: Execute) -> int:
        key = (name, value)
        bits = gen.terms.get(key)
        if bits is None:
            rows = run(f"SELECT rid FROM {p}_terms WHERE field = ? AND value = ?",
                       (name, value))
            bits = bitmap([int(r[0]) for r in rows], gen.nbytes)
            gen.terms[key] = bits
            _trim(gen)
        else:
            gen.terms.move_to_end(key)
        return bits

    def _exists(self, gen: Generation, p: str, name: str, run: Execute) -> int:
        bits = gen.exists.get(name)
        if bits is None:
            rows = run(f"SELECT DISTINCT rid FROM {p}_terms WHERE field = ?", (name,))
            bits = bitmap([int(r[0]) for r in rows], gen.nbytes)
            gen.exists[name] = bits
        return bits

    def _values(self, gen: Generation, p: str, name: str, run: Execute) -> list[Any] | None:
        """A facet field's values (None if too many for bitmaps), with the bitmap of every
        value loaded in one pass over the field's terms."""
        if name not in gen.values:
            rows = run(f"SELECT DISTINCT value FROM {p}_terms WHERE field = ? LIMIT ?",
                       (name, MAX_FACET_VALUES + 1))
            values = [r[0] for r in rows]
            if len(values) > MAX_FACET_VALUES or \
                    len(values) * gen.nbytes * 2 > MAX_TERM_BYTES:
                gen.values[name] = None
                return None
            missing = {v for v in values if (name, v) not in gen.terms}
            if missing:
                grouped: dict[Any, list[int]] = {v: [] for v in missing}
                for value, rid in run(f"SELECT value, rid FROM {p}_terms WHERE field = ?",
                                      (name,)):
                    bucket = grouped.get(value)
                    if bucket is not None:
                        bucket.append(int(rid))
                for value, rids in grouped.items():
                    gen.terms[(name, value)] = bitmap(rids, gen.nbytes)
                _trim(gen)
            gen.values[name] = values
        return gen.values[name]

    def _text(self, gen: Generation, p: str, match: str, run: Execute) -> Ranked:
        ranked = gen.texts.get(match)
        if ranked is None:
            # ids come from the generation's map: joining the documents table here
            # would read every matching document's row
            id_of = gen.id_of
            rows = run(f"SELECT rowid, bm25({p}_fts) FROM {p}_fts WHERE {p}_fts MATCH ?",
                       (match,))
            order = sorted((float(score), id_of[rid], rid) for rid, score in rows
                           if rid in id_of)
            rids = [r for _, _, r in order]
            ranked = Ranked([(k, i) for k, i, _ in order], rids, bitmap(rids, gen.nbytes))
            gen.texts[match] = ranked
            while (sum(len(r.rids) for r in gen.texts.values()) > MAX_TEXT_ENTRIES
                   and len(gen.texts) > 1):
                gen.texts.popitem(last=False)
        else:
            gen.texts.move_to_end(match)
        return ranked

    # -- searching -------------------------------------------------------------------------

    def matches(self, gen: Generation, p: str, q: Query, match: str | None,
                run: Execute) -> tuple[int, Ranked]:
        """The bitmap of the matches and the order to read hits in."""
        order = gen.by_id
        bits = gen.everything
        if match is not None:
            order = self._text(gen, p, match, run)
            bits = order.bits
        for name, values in q.filters.items():
            either = 0
            for value in dict.fromkeys(coerce(name, v) for v in values):
                either |= self._term(gen, p, name, value, run)
            bits &= either
        for name in q.exists:
            bits &= self._exists(gen, p, name, run)
        return bits, order

    def facets(self, gen: Generation, p: str, bits: int, fields: Sequence[str], size: int,
               run: Execute) -> dict[str, dict[str, int]] | None:
        """Facet counts like the SQL path's (count desc, value asc), or None if a field
        has too many values for bitmaps."""
        out: dict[str, dict[str, int]] = {}
        for name in fields:
            values = self._values(gen, p, name, run)
            if values is None:
                return None
            counts = []
            for value in values:
                c = (bits & self._term(gen, p, name, value, run)).bit_count()
                if c:
                    counts.append((-c, value))
            counts.sort()
            out[name] = {str(v): -c for c, v in counts[:size]}
        return out

    @staticmethod
    def page(order: Ranked, bits: int, nbytes: int, after: tuple[float, str] | None,
             offset: int, size: int) -> list[tuple[int, tuple[float, str]]]:
        """``size`` matches after ``offset`` (or after the keyset ``after``), in order."""
        mask = bits.to_bytes(nbytes, "little")
        start = 0 if after is None else bisect.bisect_right(order.keys, after)
        out: list[tuple[int, tuple[float, str]]] = []
        skip = offset
        rids, keys = order.rids, order.keys
        for pos in range(start, len(rids)):
            rid = rids[pos]
            if mask[rid >> 3] >> (rid & 7) & 1:
                if skip:
                    skip -= 1
                    continue
                out.append((rid, keys[pos]))
                if len(out) >= size:
                    break
        return out


def _trim(gen: Generation) -> None:
    """Drop the least recently used term bitmaps beyond :data:`MAX_TERM_BYTES`."""
    while len(gen.terms) * gen.nbytes > MAX_TERM_BYTES and len(gen.terms) > 1:
        gen.terms.popitem(last=False)
