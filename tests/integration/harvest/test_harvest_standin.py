"""Full and incremental harvests from the BioSamples stand-in: paging, checkpoints,
reconciliation and the sanity checks that protect the pool."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from chalicelib.harvest import synthetic
from chalicelib.search.mappings import schema_version
from chalicelib.search.port import Query
from tests.integration.harvest.conftest import N_RECORDS, rewrite

pytestmark = pytest.mark.integration

ALL = list(synthetic.generate(N_RECORDS))
ORGANISMS = [s for s in ALL if s["characteristics"]["material"][0]["text"] == "organism"]


def test_full_harvest_pages_builds_and_swaps(standin: Any, make_harvester: Any) -> None:
    harvester, backend = make_harvester(standin, page_size=25)
    result = harvester.full()
    assert result.status == "done" and result.swapped and not result.anomalies
    assert result.counts["seen"] == N_RECORDS  # the FAANG record was never asked for
    assert standin.stats()["counters"]["requests"] <= 1 + 3  # the start-up probe + three pages
    assert backend.count(Query()) == N_RECORDS
    assert backend.current_index() == result.index
    # reverse links were computed across the harvested set
    parent = next(s for s in ALL if any(r["type"] == "derived from"
                                        for r in s["relationships"]))["relationships"][0]
    animal = backend.get(parent["target"])
    assert parent["source"] in animal["specimens"]
    child = next(s for s in ORGANISMS if s["relationships"])
    for rel in child["relationships"]:
        assert child["accession"] in backend.get(rel["target"])["children"]
    state = harvester.state.load()
    assert state.last_good_run is not None
    assert state.checkpoint is None and state.last_counts["organism"] == len(ORGANISMS)


def test_time_budget_returns_checkpoints_and_continues(standin: Any,
                                                       make_harvester: Any) -> None:
    # pages are indexed in groups of ``index_batch`` documents: one page per group here
    harvester, backend = make_harvester(standin, page_size=10, index_batch=10)
    first = harvester.full(time_budget=0)
    assert first.status == "partial" and first.checkpoint is not None
    assert first.checkpoint.cursor and first.checkpoint.counts["seen"] == 10
    assert backend.current_index() is None  # nothing visible until the run completes
    calls = 1
    result = first
    while result.status == "partial":
        result = harvester.full(time_budget=0)
        calls += 1
        assert result.run_id == first.run_id and result.index == first.index
    assert result.status == "done" and calls == N_RECORDS // 10
    assert backend.count(Query()) == N_RECORDS


def test_a_pool_built_for_another_schema_is_rebuilt_in_full(standin: Any,
                                                            make_harvester: Any) -> None:
    harvester, backend = make_harvester(standin, page_size=50)
    first = harvester.full()
    assert first.status == "done" and harvester.state.load().schema == schema_version()
    assert harvester.incremental().mode == "incremental"  # same schema: in place
    state = harvester.state.load()
    state.schema = "built-by-older-code"
    harvester.state.save(state)
    again = harvester.incremental()
    assert again.mode == "full" and again.swapped and again.index != first.index
    assert backend.count(Query()) == N_RECORDS
    assert harvester.state.load().schema == schema_version()


def test_incremental_asks_only_for_updated_records(standin: Any, make_harvester: Any) -> None:
    harvester, backend = make_harvester(standin, page_size=50,
                                        overlap=timedelta(seconds=0))
    assert harvester.full().status == "done"
    later = datetime.now(UTC) + timedelta(seconds=5)
    renamed = dict(ORGANISMS[0])
    renamed["characteristics"] = dict(renamed["characteristics"],
                                      **{"Supplied breed": [{"text": "Renamed breed"}]})
    rewrite(standin, renamed, updated=later)
    new_specimen = synthetic.specimen("SAMEA200000001", ORGANISMS[1]["accession"])
    rewrite(standin, new_specimen, updated=later)
    result = harvester.incremental()
    assert result.mode == "incremental" and result.status == "done"
    assert result.counts["seen"] == 2
    assert backend.get(ORGANISMS[0]["accession"])["supplied_breed"] == "Renamed breed"
    assert "SAMEA200000001" in backend.get(ORGANISMS[1]["accession"])["specimens"]
    # the renamed animal kept its own reverse links
    before = [s["accession"] for s in ALL if any(
        r["target"] == ORGANISMS[0]["accession"] and r["type"] == "derived from"
        for r in s["relationships"])]
    assert sorted(backend.get(ORGANISMS[0]["accession"])["specimens"]) == sorted(before)
    assert backend.count(Query()) == N_RECORDS + 1


def test_full_run_reconciles_withdrawn_records(standin: Any, make_harvester: Any) -> None:
    harvester, backend = make_harvester(standin)
    first = harvester.full()
    gone = ORGANISMS[2]
    rewrite(standin, gone, private=True)
    second = harvester.full()
    assert second.status == "done" and second.swapped
    assert backend.get(gone["accession"]) is None
    assert backend.count(Query()) == N_RECORDS - 1
    assert backend.list_indexes() == [first.index, second.index]  # one kept for rollback
    third = harvester.full()
    assert backend.list_indexes() == [second.index, third.index]


def test_sudden_drop_stops_the_swap(standin: Any, make_harvester: Any) -> None:
    harvester, backend = make_harvester(standin)
    first = harvester.full()
    good_run = harvester.state.load().last_good_run
    for sample in ALL[: N_RECORDS // 2]:
        rewrite(standin, sample, private=True)
    result = harvester.full()
    assert result.status == "aborted" and not result.swapped
    assert [a.kind for a in result.anomalies] == ["count_drop"]
    assert result.anomalies[0].details["old"]["organism"] == len(ORGANISMS)
    assert backend.current_index() == first.index and backend.count(Query()) == N_RECORDS
    assert harvester.state.load().last_good_run == good_run
    with pytest.raises(Exception, match="count_drop"):
        result.raise_for_anomalies()
    forced = harvester.full(force=True)
    assert forced.swapped and backend.count(Query()) == N_RECORDS - N_RECORDS // 2


def test_html_page_stops_the_run_and_keeps_the_pool(standin: Any,
                                                    make_harvester: Any) -> None:
    harvester, backend = make_harvester(standin, page_size=20)
    first = harvester.full()
    standin.faults({"rules": [{"type": "html", "path": "^/biosamples/samples$", "skip": 1}]})
    result = harvester.full()
    assert result.status == "aborted" and [a.kind for a in result.anomalies] == [
        "bad_response"]
    assert result.checkpoint is not None and result.checkpoint.counts["seen"] == 20
    assert backend.current_index() == first.index and backend.count(Query()) == N_RECORDS
    standin.faults({"rules": []})
    resumed = harvester.full()  # continues the stopped run from its checkpoint
    assert resumed.run_id == result.run_id and resumed.status == "done"
    assert backend.count(Query()) == N_RECORDS


def test_predicted_links_are_reconciled_with_the_harvested_set(
        standin: Any, make_harvester: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    harvester, backend = make_harvester(standin, page_size=20)
    child = next(s for s in ORGANISMS if s["relationships"])
    parents = [r["target"] for r in child["relationships"]]
    rewrite(standin, child, private=True)  # BioSamples still lists its links on the parents
    rewritten: list[str] = []
    update_fields = backend.update_fields

    def spy(index: str, updates: Any) -> int:
        pairs = list(updates)
        rewritten.extend(acc for acc, _ in pairs)
        return update_fields(index, pairs)

    monkeypatch.setattr(backend, "update_fields", spy)
    assert harvester.full().status == "done"
    for parent in parents:
        assert child["accession"] not in backend.get(parent)["children"]
    # only the parents whose predicted links were wrong were rewritten (and the private
    # child, a target of its harvested specimens, was asked for and skipped as before)
    assert set(parents) <= set(rewritten) <= {*parents, child["accession"]}
    assert backend.get(child["accession"]) is None
    expected = {s["accession"]: sorted(x["accession"] for x in ALL if any(
        r["type"] == "derived from" and r["target"] == s["accession"]
        for r in x["relationships"])) for s in ORGANISMS}
    for acc, specimens in expected.items():
        doc = backend.get(acc)
        if doc is not None:
            assert doc["specimens"] == specimens
