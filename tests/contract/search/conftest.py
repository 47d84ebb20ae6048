"""Fixtures of the search contract suite: the same tests run on both backends.

The OpenSearch backend runs against the real node of ``tests/integration/opensearch``
(its fixtures are imported here); each test gets its own alias so tests never share
state.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from chalicelib.harvest import synthetic as syn
from chalicelib.harvest.transform import pool_documents
from chalicelib.search.port import SearchBackend, versioned_name
from chalicelib.search.sqlite_backend import SqliteBackend
from tests.integration.opensearch.conftest import (  # noqa: F401  (fixtures)
    opensearch_client,
    opensearch_node,
)

SIENA = (43.32, 11.33)
MILAN = (45.46, 9.19)
BERLIN = (52.52, 13.40)
PAU = (43.30, -0.37)
AMSTERDAM = (52.37, 4.90)


def contract_samples() -> list[dict[str, Any]]:
    """Six animals and four samples with known, hand-checkable properties."""
    return [
        syn.organism("SAMEA1001", species=0, breed=0, sex=0, country=0, lat=SIENA[0],
                     lon=SIENA[1], birth="2019-11-05",
                     description="Rare heritage boar from Tuscany"),
        syn.organism("SAMEA1002", species=0, breed=2, sex=1, country=2, lat=BERLIN[0],
                     lon=BERLIN[1], birth="2018-03-01"),
        syn.organism("SAMEA1003", species=1, breed=1, sex=1, country=1, lat=PAU[0],
                     lon=PAU[1], birth="2017-05-05", description="Béarnaise cow"),
        syn.organism("SAMEA1004", species=1, breed=0, sex=0, country=3, lat=AMSTERDAM[0],
                     lon=AMSTERDAM[1], birth="2020-01-01",
                     parents=("SAMEA1003", "SAMEA1006")),
        syn.organism("SAMEA1005", species=2, breed=0, sex=1, country=1, birth="2016-06-06"),
        syn.organism("SAMEA1006", species=1, breed=0, sex=0, country=0, lat=MILAN[0],
                     lon=MILAN[1], birth="2015-02-02"),
        syn.specimen("SAMEA1007", "SAMEA1001", species=0, part="blood", country=0,
                     lat=SIENA[0] + 0.01, lon=SIENA[1] + 0.01, age_days=300),
        syn.specimen("SAMEA1008", "SAMEA1001", species=0, part="semen", country=0,
                     age_days=100),
        syn.specimen("SAMEA1009", "SAMEA1004", species=1, part="semen", country=3,
                     age_days=50),
        syn.specimen("SAMEA1010", "SAMEA1003", species=1, part="blood", country=1,
                     age_days=700),
    ]


CONTRACT_DOCS = list(pool_documents(contract_samples()))


def _make(kind: str, request: pytest.FixtureRequest, tmp: Path) -> SearchBackend:
    alias = f"contract{uuid.uuid4().hex[:10]}"
    if kind == "sqlite":
        return SqliteBackend(tmp / "pool.sqlite3", alias=alias)
    from chalicelib.search.opensearch_backend import OpenSearchBackend

    client = request.getfixturevalue("opensearch_client")
    return OpenSearchBackend(client, alias=alias)


def load(backend: SearchBackend, docs: list[dict[str, Any]]) -> str:
    """Build a new index with ``docs`` and put it behind the alias."""
    name = versioned_name(backend.alias)
    backend.create_index(name)
    backend.bulk_index(name, docs)
    backend.finish_loading(name)
    backend.swap_alias(name)
    return name


def _cleanup(backend: SearchBackend) -> None:
    current = backend.current_index()
    for name in backend.list_indexes():
        if name != current:
            backend.drop_index(name)
    if current and hasattr(backend, "client"):
        backend.client.indices.delete(index=current)


@pytest.fixture(scope="module", params=["sqlite", "opensearch"])
def loaded(request: pytest.FixtureRequest,
           tmp_path_factory: pytest.TempPathFactory) -> Iterator[SearchBackend]:
    """A backend holding :data:`CONTRACT_DOCS` (read-only tests share it)."""
    backend = _make(request.param, request, tmp_path_factory.mktemp("contract"))
    load(backend, CONTRACT_DOCS)
    yield backend
    _cleanup(backend)


@pytest.fixture(params=["sqlite", "opensearch"])
def fresh(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[SearchBackend]:
    """An empty backend of each kind (for tests that write)."""
    backend = _make(request.param, request, tmp_path)
    yield backend
    _cleanup(backend)
