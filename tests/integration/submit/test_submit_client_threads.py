"""The BioSamples client shared by the submission's thread pool (local stand-in)."""

from __future__ import annotations

import logging
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import pytest

from chalicelib.submit.biosamples_client import BioSamplesClient
from tests.integration.biosamples.conftest import ACCOUNTS, Server, organism_sample, start_server

pytestmark = pytest.mark.integration
USER = "Webin-22222"


@pytest.fixture(scope="module")
def standin(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    srv = start_server(tmp_path_factory.mktemp("client-threads"))
    yield srv
    srv.stop()


def client(server: Server, **kwargs: Any) -> BioSamplesClient:
    return BioSamplesClient.for_stage("local", USER, ACCOUNTS[USER], local_url=server.url,
                                      backoff_base=0.01, **kwargs)


def test_one_client_many_threads(standin: Server, caplog: pytest.LogCaptureFixture) -> None:
    standin.reset()
    standin.faults({"latency_ms": 20})
    shared = client(standin, pool_size=16)
    caplog.set_level(logging.WARNING, logger="urllib3")
    with ThreadPoolExecutor(16) as pool:
        created = list(pool.map(lambda i: shared.create(organism_sample(f"T{i:04d}")),
                                range(160)))
    accessions = {c["accession"] for c in created}
    assert len(accessions) == 160
    assert {c["name"] for c in created} == {f"T{i:04d}" for i in range(160)}
    assert shared.logins == 1
    # the pool holds a connection per thread: none is opened and thrown away per call
    assert not [r for r in caplog.records if "pool is full" in r.getMessage()]
    assert standin.stats()["counters"]["created"] == 160


def test_a_refused_token_is_renewed_once_for_all_threads(standin: Server) -> None:
    standin.reset()
    # tokens live 12 s but the server's clock runs 9 s ahead: after 3 s the server refuses
    # a token the client still trusts (it renews a quarter of the lifetime early, at 9 s).
    # The renewed token then has 3 s of the server's time for the burst; with 1 s (ttl 3,
    # skew 2) a slow burst outlived it and the test failed about once in twelve runs.
    standin.faults({"latency_ms": 50, "token_ttl_seconds": 12,
                    "token_clock_skew_seconds": 9})
    shared = client(standin)
    shared.token()
    time.sleep(3.2)
    with ThreadPoolExecutor(16) as pool:
        created = list(pool.map(lambda i: shared.create(organism_sample(f"R{i:04d}")),
                                range(16)))
    assert len({c["accession"] for c in created}) == 16
    # one first login and one renewal (a third at most if the renewal expired mid-burst),
    # not one per thread that saw the 403
    assert 2 <= shared.logins <= 3
