"""The stand-in stays fast with many records: searches are index range scans."""

from __future__ import annotations

import time
from collections.abc import Iterator
from typing import Any

import pytest
import requests

from devstack.biosamples.server import BioSamplesApp, query_search_plan

pytestmark = pytest.mark.integration


Row = tuple[dict[str, Any], None, float, float, float]


def bulk(n: int, start: int = 0) -> Iterator[Row]:
    for i in range(start, start + n):
        doc = {"name": f"IMAGEA{i:09d}", "accession": f"SAMEA{i + 1}", "release":
               "2020-01-01T00:00:00Z", "update": "2020-01-02T00:00:00Z",
               "create": "2020-01-02T00:00:00Z",
               "characteristics": {"organism": [{"text": "Sus scrofa"}],
                                   "project": [{"text": "IMAGE" if i % 10 else "FAANG"}]}}
        yield doc, None, 1577836800.0, 1577923200.0 + i, 0.0


@pytest.mark.parametrize(("filters", "index"), [
    (["attr:project:IMAGE"], "attrs_name_value"),
    (["name:IMAGEA000000007"], "samples_name"),
    ([], "INTEGER PRIMARY KEY"),
])
def test_search_uses_indexes(tmp_path: Any, filters: Any, index: Any) -> None:
    app = BioSamplesApp(tmp_path)
    plan = " | ".join(query_search_plan(app, filters))
    assert index in plan
    assert "TEMP B-TREE" not in plan  # no sort of the whole result set
    assert "SCAN a0" not in plan


def test_search_pages_stay_fast_with_many_records(tmp_path: Any, spawn: Any) -> None:
    app = BioSamplesApp(tmp_path)
    assert app.store.save_many(bulk(30_000)) == 30_000
    app.store.close()
    srv = spawn(tmp_path)
    start = time.monotonic()
    url: str | None = f"{srv.bs}/samples?filter=attr:project:FAANG&size=200"
    seen = 0
    while url:
        page = requests.get(url, timeout=10).json()
        seen += len(page.get("_embedded", {}).get("samples", []))
        url = page["_links"].get("next", {}).get("href")
    assert seen == 3_000
    deep = requests.get(f"{srv.bs}/samples", params={"filter": "name:IMAGEA000029999"},
                        timeout=10).json()
    assert deep["_embedded"]["samples"][0]["accession"] == "SAMEA30000"
    paged = requests.get(f"{srv.bs}/samples", params={"page": "500", "size": "20"},
                         timeout=10).json()
    assert paged["page"]["totalElements"] == 30_000
    assert time.monotonic() - start < 10
