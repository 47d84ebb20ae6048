"""A tiny Chalice app with only the pool blueprint, over an embedded pool of known records."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from chalice import Chalice
from chalice.test import Client

from chalicelib.api import pool
from chalicelib.search.factory import reset_backends
from chalicelib.search.port import versioned_name
from chalicelib.search.sqlite_backend import SqliteBackend
from tests.contract.search.conftest import CONTRACT_DOCS


def file_docs() -> list[dict[str, Any]]:
    """Two ENA files of SAMEA1009 (a semen sample)."""
    return [{"id": f"ERZ100{i}/sample_{i}.vcf.gz", "record_type": "file",
             "data_source_id": "SAMEA1009", "specimen": "SAMEA1009",
             "file_name": f"sample_{i}.vcf.gz",
             "file_url": f"ftp://ftp.sra.ebi.ac.uk/vol1/ERZ100/sample_{i}.vcf.gz",
             "file_size": 1536.0 * (i + 1), "file_size_human": f"{1.5 * (i + 1):.1f}KB",
             "file_checksum": f"{i:032x}", "file_checksum_method": "md5",
             "ena_accession": f"ERZ100{i}", "ena_type": "analysis",
             "study_accession": "PRJEB1000", "species": "Bos taurus"} for i in range(2)]


@pytest.fixture(scope="module")
def pool_db(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("pool") / "pool.sqlite3"
    backend = SqliteBackend(path, alias="imagepool")
    docs = [dict(d) for d in CONTRACT_DOCS]
    for d in docs:
        if d["id"] == "SAMEA1009":
            d["files"] = [f["id"] for f in file_docs()]
    name = versioned_name("imagepool")
    backend.create_index(name)
    backend.bulk_index(name, docs + file_docs())
    backend.finish_loading(name)
    backend.swap_alias(name)
    backend.close()
    return path


@pytest.fixture
def client(pool_db: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Client]:
    monkeypatch.setenv("SEARCH_BACKEND", "sqlite")
    monkeypatch.setenv("SEARCH_PATH", str(pool_db))
    monkeypatch.setenv("SEARCH_ALIAS", "imagepool")
    reset_backends()
    app = Chalice("pool-test")
    app.register_blueprint(pool.pool_api)
    with Client(app) as c:
        yield c
    reset_backends()
