"""The SQLite backend's bitmap fast path answers exactly like its SQL path, and never
serves a stale cache."""

from __future__ import annotations

import random
from pathlib import Path
from typing import Any

import pytest

from chalicelib.harvest import synthetic
from chalicelib.harvest.transform import pool_documents
from chalicelib.search import sqlite_fast
from chalicelib.search.port import (
    Query,
    Range,
    SearchRequest,
    SearchResult,
    Sort,
    versioned_name,
)
from chalicelib.search.sqlite_backend import SqliteBackend
from chalicelib.search.sqlite_fast import FastIndex, bitmap, members
from tests.contract.search.conftest import contract_samples

DOCS = list(pool_documents([*contract_samples(), *synthetic.generate(240)]))
SPECIES = [s[0] for s in synthetic.SPECIES]
COUNTRIES = [c[0] for c in synthetic.COUNTRIES]
FACETS = ("species", "supplied_breed", "sex", "gene_bank_country", "organism_part",
          "record_type")
WORDS = ("frozen", "bank", "boar", "semen", "bearnaise", "cinta senese", "IMAGE", "zebra",
         "SAMEA1009", "farm station")


def _load(path: Path, docs: list[dict[str, Any]]) -> SqliteBackend:
    backend = SqliteBackend(path, alias="fast")
    name = versioned_name("fast")
    backend.create_index(name)
    backend.bulk_index(name, docs)
    backend.finish_loading(name)
    backend.swap_alias(name)
    return backend


@pytest.fixture
def backend(tmp_path: Path) -> SqliteBackend:
    return _load(tmp_path / "pool.sqlite3", DOCS)


def _slow(backend: SqliteBackend, request: SearchRequest,
          monkeypatch: pytest.MonkeyPatch) -> SearchResult:
    with monkeypatch.context() as m:
        m.setattr(FastIndex, "applicable", staticmethod(lambda request: False))
        return backend.search(request)


def _requests(seed: int) -> list[SearchRequest]:
    rng = random.Random(seed)
    out = []
    for _ in range(40):
        filters: dict[str, tuple[Any, ...]] = {}
        if rng.random() < 0.6:
            filters["species"] = tuple(rng.sample(SPECIES, rng.randint(1, 3)))
        if rng.random() < 0.5:
            filters["gene_bank_country"] = tuple(rng.sample(COUNTRIES, rng.randint(1, 3)))
        if rng.random() < 0.4:
            filters["record_type"] = (rng.choice(("organism", "specimen")),)
        if rng.random() < 0.2:
            filters["animal_age_at_collection_value"] = (100 + rng.randint(0, 20),)
        text = rng.choice(WORDS) if rng.random() < 0.7 else None
        exists = ("birth_date_value",) if rng.random() < 0.2 else ()
        out.append(SearchRequest(
            query=Query(text=text, filters=filters, exists=exists),
            size=rng.choice((0, 1, 7, 20, 300)), offset=rng.choice((0, 0, 3)),
            facets=tuple(rng.sample(FACETS, rng.randint(0, 4))),
            facet_size=rng.choice((1, 3, 20))))
    return out


@pytest.mark.parametrize("seed", range(3))
def test_fast_path_equals_sql_path(backend: SqliteBackend, seed: int,
                                   monkeypatch: pytest.MonkeyPatch) -> None:
    calls = {"fast": 0}
    real = backend._fast_search

    def counting(*args: Any) -> SearchResult | None:
        answer = real(*args)
        calls["fast"] += answer is not None
        return answer

    monkeypatch.setattr(backend, "_fast_search", counting)
    for request in _requests(seed):
        fast = backend.search(request)
        slow = _slow(backend, request, monkeypatch)
        assert fast == slow, request
    assert calls["fast"] == 40  # every request of this shape was answered by the fast path


@pytest.mark.parametrize("text", [None, "bank", "IMAGE"])
def test_cursors_walk_the_same_pages(backend: SqliteBackend, text: str | None,
                                     monkeypatch: pytest.MonkeyPatch) -> None:
    query = Query(text=text, filters={"species": tuple(SPECIES[:3])})
    seen: list[str] = []
    cursor = None
    while True:
        request = SearchRequest(query=query, size=17, cursor=cursor)
        page = backend.search(request)
        assert page == _slow(backend, request, monkeypatch)
        seen += [h["id"] for h in page.hits]
        cursor = page.next_cursor
        if cursor is None:
            break
    everything = _slow(backend, SearchRequest(query=query, size=1000), monkeypatch)
    assert seen == [h["id"] for h in everything.hits] and len(seen) == everything.total > 17


def test_other_shapes_use_the_sql_path() -> None:
    assert FastIndex.applicable(SearchRequest(query=Query(text="x")))
    assert FastIndex.applicable(SearchRequest(query=Query(filters={"sex": ("male",)})))
    assert not FastIndex.applicable(SearchRequest(sort=(Sort("species"),)))
    assert not FastIndex.applicable(SearchRequest(query=Query(
        ranges={"birth_date_value": Range(gte="2001-01-01")})))
    assert not FastIndex.applicable(SearchRequest(query=Query(text="x"), sort=(Sort("id"),)))


def test_high_cardinality_facets_fall_back(backend: SqliteBackend,
                                           monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(sqlite_fast, "MAX_FACET_VALUES", 5)
    request = SearchRequest(query=Query(text="bank"), facets=("id", "sex"), facet_size=3)
    result = backend.search(request)
    assert result == _slow(backend, request, monkeypatch)
    assert len(result.facets["id"]) == 3


def test_writes_invalidate_the_caches(tmp_path: Path) -> None:
    backend = _load(tmp_path / "pool.sqlite3", DOCS[:50])
    other = SqliteBackend(tmp_path / "pool.sqlite3", alias="fast")  # e.g. another process
    index = backend.current_index()
    assert index is not None
    request = SearchRequest(query=Query(text="boar"), facets=("species",))
    before = backend.search(request)
    assert before.total >= 1
    extra = dict(DOCS[60], id="SAMEA999", description="boar boar boar")
    other.bulk_index(index, [extra])
    after = backend.search(request)
    assert after.total == before.total + 1 and after.hits[0]["id"] == "SAMEA999"
    other.delete_documents(index, ["SAMEA999"])
    assert backend.search(request) == before
    other.update_fields(index, [(DOCS[0]["id"], {"species": "Capra hircus"})])
    goats = backend.search(SearchRequest(query=Query(filters={"species": ("Capra hircus",)})))
    assert [h["id"] for h in goats.hits] == [DOCS[0]["id"]]


def test_bitmaps_round_trip() -> None:
    rids = [1, 2, 8, 9, 63, 64, 200]
    bits = bitmap(rids, 26)
    assert members(bits, 26) == rids and bits.bit_count() == len(rids)
    assert members(bits & bitmap([2, 64, 5], 26), 26) == [2, 64]


def test_caches_stay_within_their_budgets(backend: SqliteBackend,
                                          monkeypatch: pytest.MonkeyPatch) -> None:
    gen_bytes = (max(int(r[0]) for r in backend.db.execute(
        f"SELECT rid FROM {backend._prefix(None)}_docs")) >> 3) + 1
    monkeypatch.setattr(sqlite_fast, "MAX_TERM_BYTES", 12 * gen_bytes)
    monkeypatch.setattr(sqlite_fast, "MAX_TEXT_ENTRIES", 50)
    for request in _requests(7):
        assert backend.search(request) == _slow(backend, request, monkeypatch)
    gen = next(iter(backend._fast._gens.values()))
    assert 0 < len(gen.terms) <= 12
    assert len(gen.texts) == 1 or sum(len(r.rids) for r in gen.texts.values()) <= 50
