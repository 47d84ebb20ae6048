"""Fixtures: the local BioSamples stand-in (a real process on loopback), an in-memory UID
and helpers that check the stand-in holds exactly one sample per record."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
import requests

from chalicelib.records import Record
from chalicelib.submit.biosamples_client import BioSamplesClient
from chalicelib.submit.builder import sample_name
from chalicelib.submit.generate import demo_facts
from chalicelib.submit.ports import (
    InMemorySubmissionStore,
    SubmissionRef,
    WebinCredentials,
)
from chalicelib.submit.service import client_for
from tests.integration.biosamples.conftest import ACCOUNTS, Server, start_server

USER = "Webin-11111"
SUB = SubmissionRef("team-1", "sub-1")


@pytest.fixture(scope="session")
def standin(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    """One stand-in process for the session."""
    srv = start_server(tmp_path_factory.mktemp("submit-biosamples"))
    yield srv
    srv.stop()


@pytest.fixture
def bs(standin: Server) -> Server:
    """The stand-in, emptied and without faults."""
    standin.reset()
    return standin


class Env:
    """A submission in an in-memory UID, and clients for the stand-in."""

    def __init__(self, server: Server) -> None:
        self.server = server
        self.store = InMemorySubmissionStore()
        self.sub = SUB

    def load(self, records: list[Record]) -> list[str]:
        return self.store.add_submission(self.sub, records, facts=demo_facts(),
                                         credentials=WebinCredentials(USER, ACCOUNTS[USER]))

    def client(self, **kwargs: Any) -> BioSamplesClient:
        kwargs.setdefault("timeout", (2.0, 5.0))
        kwargs.setdefault("backoff_base", 0.01)
        kwargs.setdefault("max_attempts", 8)
        kwargs.setdefault("lost_answer_window", 2.0)
        kwargs.setdefault("lost_answer_poll", 0.2)
        return client_for(self.store, self.sub, stage="local", local_url=self.server.url,
                          **kwargs)

    def name(self, key: str) -> str:
        stored = self.store.status_of(self.sub, key)
        return sample_name(self.sub.team_id, self.sub.submission_id, stored.record.material,
                           stored.record.id)

    def found_by_name(self, key: str) -> list[dict[str, Any]]:
        """Samples the stand-in holds under the record's name (owner's view: private
        ones included)."""
        body = requests.get(f"{self.server.bs}/samples",
                            params={"filter": f"name:{self.name(key)}", "size": "50"},
                            headers=self.server.auth(USER), timeout=10).json()
        return list((body.get("_embedded") or {}).get("samples") or [])

    def assert_one_sample_per_record(self, keys: list[str]) -> None:
        """Zero duplicates, zero lost: each accessioned record is exactly one sample."""
        for key in keys:
            stored = self.store.status_of(self.sub, key)
            found = self.found_by_name(key)
            if stored.accession is None:
                assert found == [], f"{key}: in BioSamples but no accession stored"
            else:
                assert [s["accession"] for s in found] == [stored.accession], key
            offered = set(self.store.offered.get((self.sub, key), []))
            assert len(offered) <= 1, f"{key}: several accessions offered {offered}"

    def stats(self) -> dict[str, Any]:
        return self.server.stats()

    def sample(self, accession: str) -> dict[str, Any]:
        r = requests.get(f"{self.server.bs}/samples/{accession}",
                         params={"applyCurations": "false"}, headers=self.server.auth(USER),
                         timeout=10)
        assert r.status_code == 200, r.text
        result: dict[str, Any] = r.json()
        return result


@pytest.fixture
def env(bs: Server) -> Env:
    return Env(bs)
