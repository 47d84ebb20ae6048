"""The harvester against the real BioSamples stand-in process, into an embedded pool."""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from chalicelib.harvest import synthetic
from chalicelib.harvest.harvester import Harvester
from chalicelib.harvest.state import SqliteRunStateStore
from chalicelib.search.sqlite_backend import SqliteBackend
from chalicelib.submit.biosamples_client import BioSamplesClient
from devstack.biosamples.samples import record_from_loaded
from devstack.biosamples.server import BioSamplesApp
from tests.integration.biosamples.conftest import Server, start_server

N_RECORDS = 60


@pytest.fixture
def standin(tmp_path: Path) -> Iterator[Server]:
    """A stand-in loaded with N_RECORDS synthetic IMAGE records (and one FAANG record)."""
    load = tmp_path / "load"
    load.mkdir()
    records = list(synthetic.generate(N_RECORDS))
    other = synthetic.organism("SAMEA90000001")
    other["characteristics"]["project"] = [{"text": "FAANG"}]
    (load / "records.json").write_text(json.dumps([*records, other]))
    server = start_server(tmp_path / "state", "--load", str(load))
    yield server
    server.stop()


def rewrite(server: Server, doc: dict[str, Any], *, private: bool = False,
            updated: datetime | None = None) -> None:
    """Store a changed record directly in the stand-in's database."""
    when = updated or datetime.now(UTC)
    doc = dict(doc, update=when.strftime("%Y-%m-%dT%H:%M:%S.%fZ"))
    record, _ = record_from_loaded(doc)
    app = BioSamplesApp(server.state_dir)
    release = 4_102_444_800.0 if private else 1_578_960_000.0  # 2100 or 2020
    app.store.save(record, owner=None, release_ts=release, update_ts=when.timestamp(),
                   indexed_at=0.0)
    app.store.close()


def client_for(server: Server) -> BioSamplesClient:
    return BioSamplesClient(server.bs, f"{server.url}/ena/submit/webin/auth/token",
                            max_attempts=2, backoff_base=0.01, sleep=lambda s: None)


@pytest.fixture
def make_harvester(tmp_path: Path) -> Any:
    """``make_harvester(server, **options)`` → (harvester, backend)."""
    backend = SqliteBackend(tmp_path / "pool.sqlite3", alias="imagepool")
    store = SqliteRunStateStore(tmp_path / "state.sqlite3")

    def make(server: Server, **options: Any) -> tuple[Harvester, SqliteBackend]:
        return Harvester(client_for(server), backend, store, **options), backend

    return make
