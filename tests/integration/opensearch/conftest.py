"""Session-wide real OpenSearch node for the integration tests.

The node comes from Maven Central (see devstack.opensearch_node); the
first run fetches and unpacks it into <repo>/.local/opensearch/, later runs reuse
that cache and only start a fresh node in a temporary directory.
"""

from __future__ import annotations

import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
from opensearchpy import OpenSearch

# `.venv/bin/pytest` does not put the repo root on sys.path (pyproject sets no
# `pythonpath`); make `chalicelib` importable however pytest is launched.
_REPO_ROOT = str(Path(__file__).resolve().parents[3])
if _REPO_ROOT not in sys.path:
    sys.path.insert(0, _REPO_ROOT)

from chalicelib.search.opensearch_backend import connect  # noqa: E402
from devstack.opensearch_node import (  # noqa: E402
    OpenSearchNode,
    default_cache_dir,
    ensure_distribution,
    free_port,
    start_node,
)


@pytest.fixture(scope="session")
def opensearch_node(tmp_path_factory: pytest.TempPathFactory) -> Iterator[OpenSearchNode]:
    """A single-node cluster on 127.0.0.1 (free port, temp data dir), stopped at session end."""
    home = ensure_distribution(default_cache_dir())
    node = start_node(home, free_port(), tmp_path_factory.mktemp("opensearch-node"))
    try:
        yield node
    finally:
        node.stop()


@pytest.fixture(scope="session")
def opensearch_client(opensearch_node: OpenSearchNode) -> Iterator[OpenSearch]:
    """An opensearch-py client talking plain HTTP to the session's node."""
    client = connect([opensearch_node.url], timeout=30)
    try:
        yield client
    finally:
        client.close()
