"""The harvest pipeline's helpers: the prefetch thread, predicted reverse links and the
reconciliation of predicted with computed links."""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from datetime import date, timedelta

import pytest

from chalicelib.harvest import synthetic
from chalicelib.harvest.harvester import _link_updates
from chalicelib.harvest.pipeline import Prefetcher
from chalicelib.harvest.transform import (
    QualityChecker,
    ReverseLinks,
    documents_for_page,
    predicted_reverse_links,
)
from chalicelib.search.mappings import fold


def test_prefetcher_keeps_order_and_runs_ahead() -> None:
    produced: list[int] = []

    def produce() -> Iterator[int]:
        for i in range(5):
            produced.append(i)
            yield i

    with Prefetcher(produce) as items:
        first = next(items)
        deadline = time.monotonic() + 5
        while len(produced) < 3 and time.monotonic() < deadline:
            time.sleep(0.01)
        assert first == 0 and produced == [0, 1, 2]  # one in the queue, one in hand
        assert list(items) == [1, 2, 3, 4]
        assert next(items, None) is None  # stays exhausted


def test_prefetcher_relays_errors_after_the_good_items() -> None:
    def produce() -> Iterator[int]:
        yield 1
        yield 2
        raise LookupError("page 3 failed")

    with Prefetcher(produce) as items:
        assert next(items) == 1 and next(items) == 2
        with pytest.raises(LookupError, match="page 3"):
            next(items)
        with pytest.raises(LookupError):
            next(items)


def test_closing_stops_the_producer_early() -> None:
    produced: list[int] = []
    started = threading.Event()

    def produce() -> Iterator[int]:
        for i in range(1000):
            produced.append(i)
            started.set()
            yield i

    items = Prefetcher(produce, depth=2)
    assert next(items) == 0
    items.close()
    assert len(produced) <= 5  # bounded look-ahead, then stopped
    with pytest.raises(ValueError):
        Prefetcher(produce, depth=0)


def test_predicted_links_read_incoming_relationships_only() -> None:
    sample = synthetic.organism("SAMEA1")
    sample["relationships"] = [
        {"source": "SAMEA1", "type": "child of", "target": "SAMEA0"},  # outgoing
        {"source": "SAMEA3", "type": "Child Of", "target": "SAMEA1"},
        {"source": "SAMEA2", "type": "child of", "target": "SAMEA1"},
        {"source": "SAMEA4", "type": "derived from", "target": "SAMEA1"},
        {"source": "SAMEA4", "type": "derived from", "target": "SAMEA1"},
        {"source": "SAMEA5", "type": "same as", "target": "SAMEA1"},
    ]
    assert predicted_reverse_links(sample) == {"children": ["SAMEA2", "SAMEA3"],
                                               "specimens": ["SAMEA4"]}
    assert predicted_reverse_links({"accession": "SAMEA9"}) == {"children": [],
                                                                "specimens": []}


def test_only_wrong_predictions_are_rewritten() -> None:
    links = ReverseLinks()
    links.add({"id": "C1", "record_type": "organism", "child_of": ["A"]})
    links.add({"id": "S1", "record_type": "specimen", "derived_from": "A"})
    links.add({"id": "S2", "record_type": "specimen", "derived_from": "B"})
    links.add({"id": "S3", "record_type": "specimen", "derived_from": "D"})
    filled = {"A": (("C1",), ("S1",)),  # right: left alone
              "B": ((), ("S2", "S9")),  # S9 was not harvested: corrected
              "C": (("C7",), ())}  # nobody links to C any more: emptied
    # D had no prediction: it gets its links, as every target did before
    assert list(_link_updates(links, filled)) == [
        ("B", {"children": [], "specimens": ["S2"]}),
        ("C", {"children": [], "specimens": []}),
        ("D", {"children": [], "specimens": ["S3"]})]


def test_checker_reuses_its_context_checker_within_a_day() -> None:
    checker = QualityChecker()
    samples = list(synthetic.generate(6))
    first = checker.check(samples)
    context = checker._context
    assert context is not None and context.today == date.today()
    assert checker.check(samples) == first and checker._context is context
    context.today = date.today() - timedelta(days=1)  # as if the run crossed midnight
    checker.check(samples)
    assert checker._context is not context and checker._context.today == date.today()
    assert [d["quality_status"] for d in documents_for_page(samples, checker=checker)] == [
        v.status for v in first]


@pytest.mark.parametrize("text", ["Béarnaise CÔTE", "plain ASCII Text", "ﬁ Straße İ",
                                  "", "x\u0301y"])
def test_fold_fast_path_matches_the_general_rule(text: str) -> None:
    import unicodedata

    decomposed = unicodedata.normalize("NFKD", text)
    expected = "".join(c for c in decomposed if not unicodedata.combining(c)).lower()
    assert fold(text) == expected
