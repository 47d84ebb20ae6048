"""The pool's OpenSearch indices store documents sorted on the main filters."""

from __future__ import annotations

import pytest
from opensearchpy import OpenSearch

from chalicelib.search.mappings import INDEX_SORT
from chalicelib.search.opensearch_backend import OpenSearchBackend
from chalicelib.search.port import Query, versioned_name
from tests.contract.search.conftest import CONTRACT_DOCS

pytestmark = pytest.mark.integration


def test_a_new_index_stores_documents_in_filter_order(opensearch_client: OpenSearch) -> None:
    backend = OpenSearchBackend(opensearch_client, alias="order-test")
    name = versioned_name("order-test")
    backend.create_index(name)
    try:
        settings = opensearch_client.indices.get_settings(index=name)[name]["settings"]
        assert settings["index"]["sort"]["field"] == list(INDEX_SORT)
        backend.bulk_index(name, reversed(CONTRACT_DOCS))  # loaded out of order
        backend.finish_loading(name)
        backend.optimize(name)
        stored = [tuple(d[f] for f in INDEX_SORT)
                  for d in backend.iterate(Query(), index=name, fields=INDEX_SORT)]
        assert len(stored) == len(CONTRACT_DOCS)
        assert len(set(stored)) > 3  # the documents differ on the sort keys...
        assert stored == sorted(stored)  # ...and are stored in their order
    finally:
        opensearch_client.indices.delete(index=name)
