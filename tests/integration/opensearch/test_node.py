"""Smoke test of the local OpenSearch node: mapping, bulk indexing, geo filter, terms agg."""

from __future__ import annotations

from typing import Any

import pytest
from opensearchpy import OpenSearch, helpers

from devstack.opensearch_node import OPENSEARCH_VERSION, OpenSearchNode

pytestmark = pytest.mark.integration

INDEX = "imagepool-smoke"

MAPPING: dict[str, Any] = {
    "settings": {"number_of_shards": 1, "number_of_replicas": 0},
    "mappings": {
        "dynamic": "strict",
        "properties": {
            "name": {"type": "text"},
            "species": {"type": "keyword"},
            "gene_bank": {"type": "keyword"},
            "location": {"type": "geo_point"},
            "straws": {"type": "integer"},
            "collected": {"type": "date"},
        },
    },
}

# The three geo_point spellings that real records use: object, "lat,lon" string, [lon, lat].
SAMPLES: list[dict[str, Any]] = [
    {
        "_id": "it-lodi",
        "name": "Frisona bull",
        "species": "cattle",
        "gene_bank": "IT",
        "location": {"lat": 45.31, "lon": 9.50},
        "straws": 120,
        "collected": "2019-05-02",
    },
    {
        "_id": "fr-paris",
        "name": "Lacaune ram",
        "species": "sheep",
        "gene_bank": "FR",
        "location": "48.85,2.35",
        "straws": 40,
        "collected": "2020-11-17",
    },
    {
        "_id": "nl-wageningen",
        "name": "Groninger Blaarkop bull",
        "species": "cattle",
        "gene_bank": "NL",
        "location": [5.66, 51.97],
        "straws": 75,
        "collected": "2018-03-09",
    },
    {
        "_id": "es-cordoba",
        "name": "Florida goat",
        "species": "goat",
        "gene_bank": "ES",
        "location": {"lat": 37.88, "lon": -4.78},
        "straws": 30,
        "collected": "2021-01-20",
    },
    {
        "_id": "no-aas",
        "name": "Telemark bull",
        "species": "cattle",
        "gene_bank": "NO",
        "location": {"lat": 59.66, "lon": 10.78},
        "straws": 15,
        "collected": "2017-09-30",
    },
]


def test_node_is_healthy(opensearch_node: OpenSearchNode, opensearch_client: OpenSearch) -> None:
    info = opensearch_client.info()
    assert info["version"]["number"] == OPENSEARCH_VERSION
    assert info["cluster_name"] == opensearch_node.cluster_name
    health = opensearch_client.cluster.health()
    assert health["status"] in ("yellow", "green")
    assert health["number_of_nodes"] == 1


def test_mapping_bulk_geo_bounding_box_and_terms(opensearch_client: OpenSearch) -> None:
    client = opensearch_client
    client.indices.create(index=INDEX, body=MAPPING)
    try:
        mapping = client.indices.get_mapping(index=INDEX)[INDEX]["mappings"]
        assert mapping["properties"]["location"] == {"type": "geo_point"}

        actions = [
            {
                "_index": INDEX,
                "_id": doc["_id"],
                "_source": {k: v for k, v in doc.items() if k != "_id"},
            }
            for doc in SAMPLES
        ]
        indexed, errors = helpers.bulk(client, actions, refresh="wait_for")
        assert indexed == len(SAMPLES)
        assert errors == []
        assert client.count(index=INDEX)["count"] == len(SAMPLES)

        # Roughly the Alps to the North Sea: keeps IT, FR and NL; drops ES (south) and NO (north).
        body: dict[str, Any] = {
            "size": 10,
            "query": {
                "bool": {
                    "filter": [
                        {
                            "geo_bounding_box": {
                                "location": {
                                    "top_left": {"lat": 55.0, "lon": -5.0},
                                    "bottom_right": {"lat": 40.0, "lon": 15.0},
                                }
                            }
                        }
                    ]
                }
            },
            "aggs": {"by_species": {"terms": {"field": "species"}}},
            "sort": [{"gene_bank": "asc"}],
        }
        result = client.search(index=INDEX, body=body)

        assert result["hits"]["total"]["value"] == 3
        assert [hit["_id"] for hit in result["hits"]["hits"]] == [
            "fr-paris",
            "it-lodi",
            "nl-wageningen",
        ]
        buckets = {
            b["key"]: b["doc_count"] for b in result["aggregations"]["by_species"]["buckets"]
        }
        assert buckets == {"cattle": 2, "sheep": 1}

        # Full-text on the standard analyzer, combined with the same box.
        body["query"]["bool"]["must"] = [{"match": {"name": "bull"}}]
        bulls = client.search(index=INDEX, body=body)
        assert [hit["_id"] for hit in bulls["hits"]["hits"]] == ["it-lodi", "nl-wageningen"]
        assert bulls["aggregations"]["by_species"]["buckets"] == [{"key": "cattle", "doc_count": 2}]
    finally:
        client.indices.delete(index=INDEX, ignore_unavailable=True)
