"""Pages are gathered into indexing groups without losing any, even when the source fails."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from chalicelib.harvest.harvester import grouped
from chalicelib.submit.biosamples_client import SearchPage


def _pages(sizes: list[int], fail_after: int | None = None,
           ) -> Iterator[tuple[SearchPage, list[dict[str, Any]]]]:
    for n, size in enumerate(sizes):
        if fail_after is not None and n == fail_after:
            raise RuntimeError("source failed")
        page = SearchPage(samples=[{"accession": f"S{n}-{i}"} for i in range(size)],
                          url=f"page-{n}", next_url=None)
        yield page, [{"id": f"S{n}-{i}"} for i in range(size)]


def test_groups_hold_at_least_min_docs_and_keep_order() -> None:
    groups = list(grouped(_pages([200, 200, 200, 150, 50, 10]), 400))
    assert [[len(docs) for _, docs in g] for g in groups] == [[200, 200], [200, 150, 50],
                                                              [10]]
    ids = [d["id"] for g in groups for _, docs in g for d in docs]
    assert ids == [d["id"] for _, docs in _pages([200, 200, 200, 150, 50, 10]) for d in docs]


def test_pages_before_a_failure_come_out_before_the_error() -> None:
    out = grouped(_pages([100, 100, 100], fail_after=2), 1000)
    first = next(out)
    assert [len(docs) for _, docs in first] == [100, 100]
    with pytest.raises(RuntimeError, match="source failed"):
        next(out)
