"""The BioSamples client against the local stand-in, with injected faults."""

from __future__ import annotations

import socket
import time
from email.utils import formatdate
from typing import Any

import pytest
import requests

from chalicelib.submit.biosamples_client import (
    BioSamplesAuthError,
    BioSamplesBadResponse,
    BioSamplesClient,
    BioSamplesNotFound,
    BioSamplesOutcomeUnknown,
    BioSamplesRejected,
    BioSamplesUnavailable,
    WebinToken,
    parse_retry_after,
)

pytestmark = pytest.mark.integration


class Sleeps:
    """Records the client's waits instead of sleeping (keeps the suite fast)."""

    def __init__(self: Any) -> None:
        self.calls: list[float] = []

    def __call__(self: Any, seconds: float) -> None:
        self.calls.append(seconds)


def make_client(bs: Any, user: str = "Webin-11111", password: str = "pw-one",
                **kwargs: Any) -> BioSamplesClient:
    kwargs.setdefault("timeout", (2.0, 5.0))
    kwargs.setdefault("backoff_base", 0.01)
    return BioSamplesClient.for_stage("local", user, password, local_url=bs.url, **kwargs)


def count_named(bs: Any, name: str) -> int:
    body = requests.get(f"{bs.bs}/samples", params={"filter": f"name:{name}"},
                        headers=bs.auth(), timeout=10).json()
    return len(body.get("_embedded", {}).get("samples", []))


def test_stage_urls() -> None:
    prod = BioSamplesClient.for_stage("production", "u", "p")
    assert prod.base_url == "https://www.ebi.ac.uk/biosamples"
    assert prod.auth_url == "https://www.ebi.ac.uk/ena/submit/webin/auth/token"
    dev = BioSamplesClient.for_stage("test", "u", "p")
    assert dev.base_url == "https://wwwdev.ebi.ac.uk/biosamples"
    assert dev.auth_url == "https://wwwdev.ebi.ac.uk/ena/submit/webin/auth/token"
    with pytest.raises(ValueError):
        BioSamplesClient.for_stage("staging")


def test_parse_retry_after() -> None:
    assert parse_retry_after("7") == 7.0
    assert parse_retry_after(None) is None
    assert parse_retry_after("soon") is None
    now = time.time()
    assert parse_retry_after(formatdate(now + 30, usegmt=True), now=now) == pytest.approx(
        30, abs=1.5)
    assert parse_retry_after(formatdate(now - 30, usegmt=True), now=now) == 0.0


def test_create_get_update_search_roundtrip(bs: Any, make_sample: Any) -> None:
    client = make_client(bs)
    created = client.create(make_sample("IMAGEA000000100"))
    acc = created["accession"]
    assert acc.startswith("SAMEA") and created["webinSubmissionAccountId"] == "Webin-11111"
    parent = client.create(make_sample("IMAGEA000000101"))["accession"]
    # update: the caller sends the complete new content, without server fields
    new = make_sample("IMAGEA000000100", relationships=[
        {"source": acc, "type": "child of", "target": parent}])
    new["characteristics"]["sex"] = [{"text": "female"}]
    updated = client.update(acc, new)
    assert updated["accession"] == acc
    assert updated["sraAccession"] == created["sraAccession"]
    assert updated["characteristics"]["SRA accession"] == [{"text": created["sraAccession"]}]
    assert updated["create"] == created["create"]
    assert updated["characteristics"]["sex"] == [{"text": "female"}]
    fetched = client.get(parent)
    assert {"source": acc, "type": "child of", "target": parent} in fetched["relationships"]
    with pytest.raises(BioSamplesNotFound) as err:
        client.get("SAMEA1")
    assert err.value.status == 404
    found = client.find_by_name("IMAGEA000000100")
    assert found is not None and found["accession"] == acc
    assert client.find_by_name("nobody") is None
    assert client.logins == 1


def test_search_follows_next_over_pages(bs: Any, make_sample: Any) -> None:
    client = make_client(bs)
    accs = {client.create(make_sample(f"IMAGEA00000011{i}"))["accession"] for i in range(5)}
    pages = list(client.search(["attr:project:IMAGE"], size=2))
    assert [len(p.samples) for p in pages] == [2, 2, 1]
    assert pages[-1].next_url is None
    assert {s["accession"] for p in pages for s in p.samples} == accs
    assert set(client.iter_accessions(["attr:project:IMAGE"], page_size=2)) == accs
    assert list(client.iter_samples(["attr:project:NONE"])) == []


def test_rejection_is_typed_with_service_message(bs: Any, make_sample: Any) -> None:
    client = make_client(bs, sleep=Sleeps())
    sample = make_sample("IMAGEA000000120")
    del sample["release"]
    with pytest.raises(BioSamplesRejected) as err:
        client.create(sample)
    assert err.value.status == 400
    assert "Must provide release date" in err.value.message
    no_org = make_sample("IMAGEA000000121")
    del no_org["characteristics"]["organism"]
    with pytest.raises(BioSamplesRejected) as err:
        client.create(no_org)
    assert "organism" in err.value.message
    assert bs.stats()["samples"] == 0


def test_non_owner_update_is_rejected_after_one_relogin(bs: Any, make_sample: Any) -> None:
    owner = make_client(bs)
    acc = owner.create(make_sample("IMAGEA000000130"))["accession"]
    other = make_client(bs, "Webin-22222", "pw-two")
    with pytest.raises(BioSamplesRejected) as err:
        other.update(acc, make_sample("IMAGEA000000130"))
    assert err.value.status == 403
    assert other.logins == 2  # the initial login and exactly one retry


def test_bad_credentials(bs: Any) -> None:
    client = make_client(bs, password="nope")
    with pytest.raises(BioSamplesAuthError):
        client.token()


def test_429_then_503_with_retry_after_are_retried(bs: Any, make_sample: Any) -> None:
    sleeps = Sleeps()
    client = make_client(bs, sleep=sleeps)
    client.token()
    bs.faults({"rules": [
        {"type": "status", "status": 429, "retry_after": "3", "count": 1,
         "methods": ["POST"], "path": "^/biosamples/samples$"},
        {"type": "status", "status": 503, "retry_after": "2", "count": 1,
         "methods": ["POST"], "path": "^/biosamples/samples$"}]})
    created = client.create(make_sample("IMAGEA000000140"))
    assert created["accession"].startswith("SAMEA")
    assert len(sleeps.calls) == 2
    assert 3.0 <= sleeps.calls[0] < 3.2 and 2.0 <= sleeps.calls[1] < 2.2
    assert bs.stats()["faults"] == {"status": 2}
    assert count_named(bs, "IMAGEA000000140") == 1


def test_retry_after_http_date_is_honoured(bs: Any) -> None:
    sleeps = Sleeps()
    client = make_client(bs, sleep=sleeps)
    bs.faults({"rules": [{"type": "status", "status": 503, "count": 1,
                          "retry_after": formatdate(time.time() + 20, usegmt=True)}]})
    list(client.search([]))
    assert len(sleeps.calls) == 1 and 17 <= sleeps.calls[0] <= 21


def test_backoff_without_retry_after_grows_and_gives_up(bs: Any) -> None:
    sleeps = Sleeps()
    client = make_client(bs, sleep=sleeps, max_attempts=4, backoff_base=1.0)
    bs.faults({"rules": [{"type": "status", "status": 502}]})
    with pytest.raises(BioSamplesUnavailable) as err:
        list(client.search([]))
    assert err.value.status == 502
    assert len(sleeps.calls) == 3
    assert all(0 <= s <= cap for s, cap in zip(sleeps.calls, (1, 2, 4), strict=True))


def test_html_200_is_a_failure_not_data(bs: Any, make_sample: Any) -> None:
    client = make_client(bs, sleep=Sleeps(), max_attempts=3)
    acc = client.create(make_sample("IMAGEA000000150"))["accession"]
    bs.faults({"rules": [{"type": "html", "count": 1}]})
    assert client.get(acc)["accession"] == acc  # one HTML page, then the real answer
    bs.faults({"rules": [{"type": "html"}]})
    with pytest.raises(BioSamplesBadResponse):
        client.get(acc)
    with pytest.raises(BioSamplesBadResponse):
        list(client.search(["attr:project:IMAGE"]))


def test_html_200_on_post_does_not_duplicate(bs: Any, make_sample: Any) -> None:
    client = make_client(bs, sleep=Sleeps(), lost_answer_window=0)
    client.token()
    bs.faults({"rules": [{"type": "html", "count": 1, "methods": ["POST"]}]})
    created = client.create(make_sample("IMAGEA000000155"))
    assert created["accession"].startswith("SAMEA")
    assert count_named(bs, "IMAGEA000000155") == 1


def test_dropped_answer_on_post_returns_existing_accession(bs: Any, make_sample: Any) -> None:
    client = make_client(bs, sleep=Sleeps(), lost_answer_window=0)
    client.token()
    bs.faults({"rules": [{"type": "drop_after", "count": 1, "methods": ["POST"],
                          "path": "^/biosamples/samples$"}]})
    created = client.create(make_sample("IMAGEA000000160"))
    stats = bs.stats()
    assert stats["faults"] == {"drop_after": 1}
    assert stats["counters"]["created"] == 1  # processed once, never re-posted
    assert count_named(bs, "IMAGEA000000160") == 1
    assert client.get(created["accession"])["name"] == "IMAGEA000000160"


def test_dropped_request_before_processing_is_posted_again(bs: Any, make_sample: Any) -> None:
    client = make_client(bs, sleep=Sleeps(), lost_answer_window=0)
    client.token()
    bs.faults({"rules": [{"type": "drop", "count": 1, "methods": ["POST"],
                          "path": "^/biosamples/samples$"}]})
    created = client.create(make_sample("IMAGEA000000165"))
    assert created["accession"].startswith("SAMEA")
    assert bs.stats()["counters"]["created"] == 1
    assert count_named(bs, "IMAGEA000000165") == 1


def test_dropped_answer_with_lagging_search_waits_for_the_index(bs: Any, make_sample: Any) -> None:
    client = make_client(bs, lost_answer_window=3.0, lost_answer_poll=0.2)
    client.token()
    bs.faults({"search_lag_seconds": 0.7,
               "rules": [{"type": "drop_after", "count": 1, "methods": ["POST"],
                          "path": "^/biosamples/samples$"}]})
    start = time.monotonic()
    created = client.create(make_sample("IMAGEA000000170"))
    assert time.monotonic() - start >= 0.6  # it had to wait for the index
    assert bs.stats()["counters"]["created"] == 1
    time.sleep(0.1)
    assert count_named(bs, "IMAGEA000000170") == 1
    assert created["name"] == "IMAGEA000000170"


def test_lost_answer_not_found_can_refuse_to_repost(bs: Any, make_sample: Any) -> None:
    client = make_client(bs, sleep=Sleeps(), lost_answer_window=0,
                         repost_if_not_found=False)
    client.token()
    bs.faults({"search_lag_seconds": 30,
               "rules": [{"type": "drop_after", "count": 1, "methods": ["POST"]}]})
    with pytest.raises(BioSamplesOutcomeUnknown):
        client.create(make_sample("IMAGEA000000175"))
    assert bs.stats()["counters"]["created"] == 1


def test_token_expiring_mid_run_is_renewed(bs: Any, make_sample: Any) -> None:
    bs.faults({"token_ttl_seconds": 1})
    client = make_client(bs)
    client.create(make_sample("IMAGEA000000180"))
    time.sleep(1.1)
    client.create(make_sample("IMAGEA000000181"))
    assert client.logins == 2
    assert bs.stats()["counters"]["logins"] == 2


def test_token_rejected_by_server_triggers_one_relogin(bs: Any, make_sample: Any) -> None:
    client = make_client(bs)
    first = client.token()
    claims = WebinToken.parse(first)
    # The server no longer accepts the cached token (e.g. its clock is ahead)...
    bs.faults({"token_clock_skew_seconds": claims.exp - time.time() + 5,
               "token_ttl_seconds": 30000})
    created = client.create(make_sample("IMAGEA000000190"))
    assert created["accession"].startswith("SAMEA")
    assert client.logins == 2 and client.token() != first
    assert count_named(bs, "IMAGEA000000190") == 1


def test_connection_refused_is_unavailable() -> None:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    sleeps = Sleeps()
    client = BioSamplesClient.for_stage("local", "Webin-1", "x",
                                        local_url=f"http://127.0.0.1:{port}",
                                        max_attempts=3, sleep=sleeps, timeout=(1, 1))
    with pytest.raises(BioSamplesUnavailable):
        client.create({"name": "x", "release": "2020-01-01T00:00:00Z"})
    assert len(sleeps.calls) == 2


def test_read_timeout_on_post_is_resolved_by_name(bs: Any, make_sample: Any) -> None:
    # the server is still working when the client gives up: the lookup polls until the
    # sample appears instead of posting it again
    client = make_client(bs, lost_answer_window=3.0, lost_answer_poll=0.2, timeout=(2.0, 0.3))
    client.token()
    bs.faults({"rules": [{"type": "latency", "latency_ms": 600, "count": 1,
                          "methods": ["POST"], "path": "^/biosamples/samples$"}]})
    created = client.create(make_sample("IMAGEA000000195"))
    assert created["accession"].startswith("SAMEA")
    assert bs.stats()["counters"]["created"] == 1
    assert count_named(bs, "IMAGEA000000195") == 1
