"""The local BioSamples stand-in, over real HTTP: the checklist of the API notes (§9)."""

from __future__ import annotations

import base64
import json
import re
import time
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import pytest
import requests

pytestmark = pytest.mark.integration

SPRING_KEYS = {"timestamp", "status", "error", "message", "path"}


def b64json(part: str) -> dict[str, Any]:
    result: dict[str, Any] = json.loads(base64.urlsafe_b64decode(part + "=" * (-len(part) % 4)))
    return result


def forged_token(principle: str, exp: float) -> str:
    def enc(obj: dict[str, Any]) -> str:
        return base64.urlsafe_b64encode(json.dumps(obj).encode()).decode().rstrip("=")

    return ".".join([enc({"alg": "RS256"}),
                     enc({"principle": principle, "role": [], "exp": int(exp),
                          "iat": int(time.time())}), "c2lnbmF0dXJl"])


def create(bs: Any, sample: dict[str, Any], user: str = "Webin-11111") -> dict[str, Any]:
    r = requests.post(f"{bs.bs}/samples", json=sample, headers=bs.auth(user), timeout=10)
    assert r.status_code == 201, r.text
    body: dict[str, Any] = r.json()
    return body


# -- authentication ---------------------------------------------------------------------------

def test_token_is_plain_text_jwt_with_webin_claims(bs: Any) -> None:
    r = requests.post(f"{bs.url}/ena/submit/webin/auth/token",
                      json={"authRealms": ["ENA"], "username": "Webin-11111",
                            "password": "pw-one"}, timeout=10)
    assert r.status_code == 200
    assert r.headers["Content-Type"].startswith("text/plain")
    header, payload, _sig = r.text.split(".")
    assert b64json(header) == {"alg": "RS256"}
    claims = b64json(payload)
    assert set(claims) == {"principle", "role", "exp", "iat"}
    assert claims["principle"] == "Webin-11111"
    assert claims["exp"] - claims["iat"] == 3 * 3600
    five = b64json(bs.token(ttl="5").split(".")[1])
    assert five["exp"] - five["iat"] == 5 * 3600


def test_token_rejects_bad_password(bs: Any) -> None:
    r = requests.post(f"{bs.url}/ena/submit/webin/auth/token",
                      json={"authRealms": ["ENA"], "username": "Webin-11111",
                            "password": "wrong"}, timeout=10)
    assert r.status_code == 401


@pytest.mark.parametrize("header", [
    None, "Basic V2ViaW4tMTExMTE6cHctb25l", "Bearer not-a-jwt", "EXPIRED"])
def test_post_without_valid_bearer_is_forbidden(bs: Any, make_sample: Any, header: Any) -> None:
    if header == "EXPIRED":
        header = "Bearer " + forged_token("Webin-11111", time.time() - 10)
    headers = {"Authorization": header} if header else {}
    r = requests.post(f"{bs.bs}/samples", json=make_sample("x"), headers=headers, timeout=10)
    assert r.status_code == 403
    assert r.json()["message"] == "Access Denied"


def test_signature_is_not_checked(bs: Any, make_sample: Any) -> None:
    token = forged_token("Webin-77777", time.time() + 60)
    r = requests.post(f"{bs.bs}/samples", json=make_sample("forged"),
                      headers={"Authorization": f"Bearer {token}"}, timeout=10)
    assert r.status_code == 201
    assert r.json()["webinSubmissionAccountId"] == "Webin-77777"


# -- submission -------------------------------------------------------------------------------

def test_create_assigns_accessions_and_server_fields(bs: Any, make_sample: Any) -> None:
    sample = make_sample("IMAGEA000000001", domain="self.legacy",
                         webinSubmissionAccountId="Webin-99999")
    r = requests.post(f"{bs.bs}/samples", json=sample, headers=bs.auth(), timeout=10)
    assert r.status_code == 201
    body = r.json()
    assert re.fullmatch(r"SAMEA\d+", body["accession"])
    assert re.fullmatch(r"ERS\d+", body["sraAccession"])
    assert body["characteristics"]["SRA accession"] == [{"text": body["sraAccession"]}]
    assert body["webinSubmissionAccountId"] == "Webin-11111"
    assert "domain" not in body
    assert body["taxId"] == 9823
    assert body["status"] == "PUBLIC"
    assert body["create"] == body["submitted"] == body["update"]
    assert body["submittedVia"] == "JSON_API"
    assert r.headers["Location"] == f"{bs.bs}/samples"
    assert body["_links"]["self"]["href"] == f"{bs.bs}/samples"
    assert list(body["characteristics"]) == sorted(body["characteristics"])
    assert list(body["characteristics"]["organism"][0]) == ["ontologyTerms", "text"]
    second = create(bs, make_sample("IMAGEA000000002"))
    assert second["accession"] != body["accession"]
    assert second["sraAccession"] != body["sraAccession"]


@pytest.mark.parametrize(("change", "message"), [
    ({"accession": "SAMEA1"}, "should not contain an accession"),
    ({"sraAccession": "ERS1"}, "should not contain an accession"),
    ({"characteristics+": {"SRA accession": [{"text": "ERS1"}]}},
     "should not contain an accession"),
    ({"name": None}, "Must provide name"),
    ({"release": None}, "Must provide release date"),
    ({"release": "2020-01-24"}, "could not be parsed"),
    ({"relationships": [{"source": "IMAGEA1", "type": "child of", "target": "SAMEA1"}]},
     "must be an accession"),
    ({"relationships": [{"source": "SAMEA1", "type": "child of", "target": "animal-7"}]},
     "must be an accession"),
])
def test_create_rejections_are_spring_errors(bs: Any, make_sample: Any, change: Any,
                                             message: Any) -> None:
    sample = make_sample("bad")
    for key, value in change.items():
        if key == "characteristics+":
            sample["characteristics"].update(value)
        elif value is None:
            del sample[key]
        else:
            sample[key] = value
    r = requests.post(f"{bs.bs}/samples", json=sample, headers=bs.auth(), timeout=10)
    assert r.status_code == 400
    body = r.json()
    assert set(body) == SPRING_KEYS
    assert body["status"] == 400 and body["error"] == "Bad Request"
    assert message in body["message"]
    assert body["path"] == "/biosamples/samples"
    assert bs.stats()["samples"] == 0


def test_create_without_organism_gets_validator_errors(bs: Any, make_sample: Any) -> None:
    sample = make_sample("no-organism")
    del sample["characteristics"]["organism"]
    r = requests.post(f"{bs.bs}/samples", json=sample, headers=bs.auth(), timeout=10)
    assert r.status_code == 400
    errors = r.json()
    assert isinstance(errors, list)
    assert errors[0]["dataPath"] == ".characteristics"
    assert any("organism" in e for e in errors[0]["errors"])


def test_hal_json_content_type_is_accepted(bs: Any, make_sample: Any) -> None:
    r = requests.post(f"{bs.bs}/samples", data=json.dumps(make_sample("hal")),
                      headers={**bs.auth(), "Content-Type": "application/hal+json"},
                      timeout=10)
    assert r.status_code == 201


# -- update -----------------------------------------------------------------------------------

def test_put_rules(bs: Any, make_sample: Any) -> None:
    created = create(bs, make_sample("IMAGEA000000010"))
    acc = created["accession"]
    url = f"{bs.bs}/samples/{acc}"
    body = dict(created, accession="SAMEA1")
    r = requests.put(url, json=body, headers=bs.auth(), timeout=10)
    assert r.status_code == 400 and r.json()["message"] == \
        "Sample accession must match URL accession"
    r = requests.put(f"{bs.bs}/samples/SAMEA1", json=body, headers=bs.auth(), timeout=10)
    assert r.status_code == 400 and r.json()["message"] == "Sample accession does not exist"
    r = requests.put(url, json=created, headers=bs.auth("Webin-22222"), timeout=10)
    assert r.status_code == 403 and "original submitter" in r.json()["message"]
    r = requests.put(url, json=created, timeout=10)
    assert r.status_code == 403
    changed = dict(created, sraAccession="ERS1")
    r = requests.put(url, json=changed, headers=bs.auth(), timeout=10)
    assert r.status_code == 400


def test_put_is_full_replacement_keeping_server_fields(bs: Any, make_sample: Any) -> None:
    created = create(bs, make_sample("IMAGEA000000011"))
    acc = created["accession"]
    time.sleep(0.01)
    new = make_sample("IMAGEA000000011")
    del new["characteristics"]["Supplied breed"]
    new["characteristics"]["sex"] = [{"text": "female"}]
    new["accession"] = acc
    r = requests.put(f"{bs.bs}/samples/{acc}", json=new, headers=bs.auth(), timeout=10)
    assert r.status_code == 200, r.text
    updated = r.json()
    assert "Supplied breed" not in updated["characteristics"]
    assert updated["characteristics"]["sex"] == [{"text": "female"}]
    assert updated["characteristics"]["SRA accession"] == [{"text": created["sraAccession"]}]
    assert updated["sraAccession"] == created["sraAccession"]
    assert updated["create"] == created["create"]
    assert updated["submitted"] == created["submitted"]
    assert updated["update"] > created["update"]


def test_future_release_makes_sample_private(bs: Any, make_sample: Any) -> None:
    created = create(bs, make_sample("IMAGEA000000012"))
    acc = created["accession"]
    hidden = make_sample("IMAGEA000000012", accession=acc, release="3020-01-01T00:00:00Z")
    r = requests.put(f"{bs.bs}/samples/{acc}", json=hidden, headers=bs.auth(), timeout=10)
    assert r.status_code == 200 and r.json()["status"] == "PRIVATE"
    anon = requests.get(f"{bs.bs}/samples/{acc}", timeout=10)
    assert anon.status_code == 403 and "private" in anon.json()["message"]
    other = requests.get(f"{bs.bs}/samples/{acc}", headers=bs.auth("Webin-22222"), timeout=10)
    assert other.status_code == 403
    own = requests.get(f"{bs.bs}/samples/{acc}", headers=bs.auth(), timeout=10)
    assert own.status_code == 200
    search = requests.get(f"{bs.bs}/samples", params={"filter": "name:IMAGEA000000012"},
                          timeout=10).json()
    assert "_embedded" not in search
    mine = requests.get(f"{bs.bs}/samples", params={"filter": "name:IMAGEA000000012"},
                        headers=bs.auth(), timeout=10).json()
    assert [s["accession"] for s in mine["_embedded"]["samples"]] == [acc]


# -- retrieval --------------------------------------------------------------------------------

def test_get_unknown_is_404_with_empty_body(bs: Any) -> None:
    r = requests.get(f"{bs.bs}/samples/SAMEA424242", timeout=10)
    assert r.status_code == 404
    assert r.content == b""


def test_etag_and_if_none_match(bs: Any, make_sample: Any) -> None:
    acc = create(bs, make_sample("IMAGEA000000020"))["accession"]
    url = f"{bs.bs}/samples/{acc}"
    first = requests.get(url, timeout=10)
    etag = first.headers["ETag"]
    assert re.fullmatch(r'"0[0-9a-f]{32}"', etag)
    again = requests.get(url, headers={"If-None-Match": etag}, timeout=10)
    assert again.status_code == 304 and again.content == b""
    sample = first.json()
    sample["characteristics"]["sex"] = [{"text": "male"}]
    assert requests.put(url, json=sample, headers=bs.auth(), timeout=10).status_code == 200
    changed = requests.get(url, headers={"If-None-Match": etag}, timeout=10)
    assert changed.status_code == 200 and changed.headers["ETag"] != etag


def test_reverse_relationships_appear_on_target(bs: Any, make_sample: Any) -> None:
    parent = create(bs, make_sample("IMAGEA000000030"))["accession"]
    child = create(bs, make_sample("IMAGEA000000031"))
    body = dict(child, relationships=[{"source": child["accession"], "type": "child of",
                                       "target": parent}])
    r = requests.put(f"{bs.bs}/samples/{child['accession']}", json=body, headers=bs.auth(),
                     timeout=10)
    assert r.status_code == 200
    target = requests.get(f"{bs.bs}/samples/{parent}", timeout=10).json()
    assert target["relationships"] == [{"source": child["accession"], "type": "child of",
                                        "target": parent}]
    rel = requests.get(f"{bs.bs}/samples", params={"filter": f"rel:child of:{parent}"},
                       timeout=10).json()
    assert [s["accession"] for s in rel["_embedded"]["samples"]] == [child["accession"]]


def test_curation_links(bs: Any, make_sample: Any) -> None:
    acc = create(bs, make_sample("IMAGEA000000040"))["accession"]
    curation = {"attributesPre": [{"type": "Supplied breed", "value": "Large White"}],
                "attributesPost": [{"type": "Supplied breed", "value": "Large White pig",
                                    "iri": ["http://purl.obolibrary.org/obo/LBO_0000001"]}],
                "externalReferencesPre": [], "externalReferencesPost": [],
                "relationshipsPre": [], "relationshipsPost": []}
    url = f"{bs.bs}/samples/{acc}/curationlinks"
    r = requests.post(url, json={"sample": "SAMEA1", "curation": curation},
                      headers=bs.auth("Webin-22222"), timeout=10)
    assert r.status_code == 400
    assert requests.post(url, json={"sample": acc, "curation": curation},
                         timeout=10).status_code == 403
    r = requests.post(url, json={"sample": acc, "curation": curation},
                      headers=bs.auth("Webin-22222"), timeout=10)
    assert r.status_code == 201
    link = r.json()
    assert re.fullmatch(r"[0-9a-f]{64}", link["hash"]) and link["created"]
    assert set(link["_links"]) == {"self", "sample", "curation"}
    curated = requests.get(f"{bs.bs}/samples/{acc}", timeout=10).json()
    assert curated["characteristics"]["Supplied breed"] == [
        {"ontologyTerms": ["http://purl.obolibrary.org/obo/LBO_0000001"],
         "text": "Large White pig"}]
    raw = requests.get(f"{bs.bs}/samples/{acc}", params={"applyCurations": "false"},
                       timeout=10).json()
    assert raw["characteristics"]["Supplied breed"] == [{"text": "Large White"}]
    listing = requests.get(url, timeout=10).json()
    assert [c["hash"] for c in listing["_embedded"]["curationLinks"]] == [link["hash"]]
    assert requests.delete(f"{url}/{link['hash']}", headers=bs.auth(),
                           timeout=10).status_code == 403
    r = requests.delete(f"{url}/{link['hash']}", headers=bs.auth("Webin-22222"), timeout=10)
    assert r.status_code == 204
    after = requests.get(f"{bs.bs}/samples/{acc}", timeout=10).json()
    assert after["characteristics"]["Supplied breed"] == [{"text": "Large White"}]


# -- search -----------------------------------------------------------------------------------

def test_search_cursor_mode_is_default_and_pages_with_next(bs: Any, make_sample: Any) -> None:
    accs = {create(bs, make_sample(f"IMAGEA00000005{i}"))["accession"] for i in range(5)}
    url: str | None = f"{bs.bs}/samples?filter=attr:project:IMAGE&size=2"
    seen: list[str] = []
    pages = 0
    while url:
        page = requests.get(url, timeout=10).json()
        assert "page" not in page
        assert set(page["_links"]) >= {"self", "cursor", "sample"}
        seen += [s["accession"] for s in page["_embedded"]["samples"]]
        url = page["_links"].get("next", {}).get("href")
        pages += 1
    assert sorted(seen) == sorted(accs) and pages == 3
    first = requests.get(f"{bs.bs}/samples", params={"size": "2"}, timeout=10).json()
    assert "cursor=*" in first["_links"]["self"]["href"]


def test_search_page_mode_block_and_last_quirk(bs: Any, make_sample: Any) -> None:
    for i in range(5):
        create(bs, make_sample(f"IMAGEA00000006{i}"))
    page = requests.get(f"{bs.bs}/samples", params={"page": "1", "size": "2"},
                        timeout=10).json()
    assert page["page"] == {"size": 2, "totalElements": 5, "totalPages": 3, "number": 1}
    assert set(page["_links"]) == {"first", "prev", "self", "next", "last", "cursor",
                                   "sample"}
    assert "page=3" in page["_links"]["last"]["href"]
    assert len(page["_embedded"]["samples"]) == 2


@pytest.mark.parametrize("params", [{"size": "201"}, {"page": "501", "size": "10"},
                                    {"page": "0", "size": "500"}])
def test_search_caps(bs: Any, params: Any) -> None:
    r = requests.get(f"{bs.bs}/samples", params=params, timeout=10)
    assert r.status_code == 400
    assert "max page = 500 and max page size = 200" in r.json()["message"]


def test_empty_search_has_no_embedded(bs: Any) -> None:
    for params in ({}, {"page": "0"}, {"filter": "attr:project:NOPE"}):
        body = requests.get(f"{bs.bs}/samples", params=params, timeout=10).json()
        assert "_embedded" not in body and "_links" in body


def test_search_filters(bs: Any, make_sample: Any) -> None:
    a = create(bs, make_sample("IMAGEA000000071"))
    b_sample = make_sample("IMAGEA000000072")
    b_sample["characteristics"]["Supplied breed"] = [{"text": "Cinta Senese"}]
    b = create(bs, b_sample)
    c_sample = make_sample("OTHER-1")
    c_sample["characteristics"]["project"] = [{"text": "FAANG"}]
    create(bs, c_sample)

    def accs(query: str) -> list[str]:
        body = requests.get(f"{bs.bs}/samples?{query}", timeout=10).json()
        return sorted(s["accession"] for s in body.get("_embedded", {}).get("samples", []))

    assert accs("filter=attr:project:IMAGE") == sorted([a["accession"], b["accession"]])
    assert accs("filter=attr:project:IMAGE&filter=attr:Supplied+breed:Cinta+Senese") == [
        b["accession"]]
    assert accs("filter=attr:Supplied%20breed:Cinta%20Senese") == [b["accession"]]
    assert accs("filter=attr:project:image") == []  # case-sensitive
    assert accs("filter=name:IMAGEA000000071") == [a["accession"]]
    assert accs(f"filter=acc:{b['accession']}") == [b["accession"]]
    today = time.strftime("%Y-%m-%d", time.gmtime())
    assert len(accs(f"filter=dt:update:from={today}until={today}")) == 3
    assert accs("filter=dt:update:until=2001-01-01") == []
    assert len(accs("filter=dt:release:from=2020-01-01until=2020-01-31")) == 3
    assert accs("filter=dt:release:from=2021-01-01") == []


def test_search_lags_behind_writes(bs: Any, make_sample: Any) -> None:
    bs.faults({"search_lag_seconds": 0.8})
    acc = create(bs, make_sample("IMAGEA000000080"))["accession"]
    assert requests.get(f"{bs.bs}/samples/{acc}", timeout=10).status_code == 200
    body = requests.get(f"{bs.bs}/samples", params={"filter": "name:IMAGEA000000080"},
                        timeout=10).json()
    assert "_embedded" not in body
    time.sleep(0.9)
    body = requests.get(f"{bs.bs}/samples", params={"filter": "name:IMAGEA000000080"},
                        timeout=10).json()
    assert [s["accession"] for s in body["_embedded"]["samples"]] == [acc]


def test_accessions_endpoint(bs: Any, make_sample: Any) -> None:
    accs = [create(bs, make_sample(f"IMAGEA00000009{i}"))["accession"] for i in range(3)]
    other = make_sample("x")
    other["characteristics"]["project"] = [{"text": "FAANG"}]
    create(bs, other)
    r = requests.get(f"{bs.bs}/accessions",
                     params={"filter": "attr:project:IMAGE", "page": "0", "size": "2"},
                     timeout=10).json()
    assert r["_embedded"]["accessions"] == accs[:2]
    assert r["page"] == {"size": 2, "totalElements": 3, "totalPages": 2, "number": 0}
    r2 = requests.get(f"{bs.bs}/accessions",
                      params={"filter": "attr:project:IMAGE", "page": "1", "size": "2"},
                      timeout=10).json()
    assert r2["_embedded"]["accessions"] == accs[2:]
    big = requests.get(f"{bs.bs}/accessions", params={"size": "500"}, timeout=10)
    assert big.status_code == 200 and len(big.json()["_embedded"]["accessions"]) == 4


def test_v2_bulk_submit_get_receipt(bs: Any, make_sample: Any) -> None:
    bad = make_sample("bad-one")
    del bad["characteristics"]["organism"]
    r = requests.post(f"{bs.bs}/v2/samples/bulk-submit-get-receipt",
                      json=[make_sample("good-one"), bad], headers=bs.auth(), timeout=10)
    assert r.status_code == 201
    body = r.json()
    assert [s["name"] for s in body["samples"]] == ["good-one"]
    assert body["samples"][0]["accession"].startswith("SAMEA")
    assert body["errors"][0]["sampleName"] == "bad-one"
    assert body["errors"][0]["errors"][0]["dataPath"] == ".characteristics"
    with_rel = make_sample("rel", relationships=[{"source": "SAMEA1", "type": "child of",
                                                  "target": "SAMEA2"}])
    r = requests.post(f"{bs.bs}/v2/samples/bulk-submit-get-receipt", json=[with_rel],
                      headers=bs.auth(), timeout=10)
    assert r.status_code == 400


# -- faults -----------------------------------------------------------------------------------

def test_fault_status_with_retry_after_then_recovery(bs: Any) -> None:
    headers = bs.auth()
    bs.faults({"rules": [{"type": "status", "status": 503, "retry_after": "2", "count": 1}]})
    r = requests.get(f"{bs.bs}/samples", timeout=10)
    assert r.status_code == 503 and r.headers["Retry-After"] == "2"
    assert requests.get(f"{bs.bs}/samples", timeout=10).status_code == 200
    bs.faults({"rules": [{"type": "status", "status": 429, "retry_after": "1",
                          "methods": ["POST"]}]})
    assert requests.get(f"{bs.bs}/samples", timeout=10).status_code == 200
    r = requests.post(f"{bs.bs}/samples", json={}, headers=headers, timeout=10)
    assert r.status_code == 429 and r.json()["status"] == 429


def test_fault_html_200_and_dropped_connection(bs: Any) -> None:
    bs.faults({"rules": [{"type": "html", "count": 1}, {"type": "drop", "count": 1}]})
    r = requests.get(f"{bs.bs}/samples", timeout=10)
    assert r.status_code == 200 and r.headers["Content-Type"].startswith("text/html")
    with pytest.raises(requests.ConnectionError):
        requests.get(f"{bs.bs}/samples", timeout=10)
    assert requests.get(f"{bs.bs}/samples", timeout=10).status_code == 200
    assert bs.stats()["faults"] == {"html": 1, "drop": 1}


def test_fault_latency(bs: Any) -> None:
    bs.faults({"latency_ms": 150})
    start = time.monotonic()
    requests.get(f"{bs.bs}/samples", timeout=10)
    assert time.monotonic() - start >= 0.15


def test_random_faults_are_reproducible_with_seed(bs: Any) -> None:
    config = {"seed": 7, "rules": [{"type": "status", "status": 503, "rate": 0.5}]}

    def pattern() -> list[int]:
        bs.faults(config)
        return [requests.get(f"{bs.bs}/samples", timeout=10).status_code for _ in range(20)]

    first = pattern()
    assert 503 in first and 200 in first
    assert pattern() == first


def test_bad_fault_config_is_rejected(bs: Any) -> None:
    r = requests.post(f"{bs.url}/_admin/faults", json={"rules": [{"type": "explode"}]},
                      timeout=10)
    assert r.status_code == 400


def test_short_token_ttl_expires_mid_run(bs: Any, make_sample: Any) -> None:
    bs.faults({"token_ttl_seconds": 1})
    headers = bs.auth()
    claims = b64json(headers["Authorization"].split(".")[1])
    assert claims["exp"] - claims["iat"] == 1
    time.sleep(1.1)
    r = requests.post(f"{bs.bs}/samples", json=make_sample("late"), headers=headers,
                      timeout=10)
    assert r.status_code == 403


# -- load, persistence, concurrency, scale ----------------------------------------------------

def test_load_and_persistence_across_restart(tmp_path: Any, make_sample: Any, spawn: Any,
                                             data_dir: Any) -> None:
    srv = spawn(tmp_path, "--load", str(data_dir))
    try:
        animal = requests.get(f"{srv.bs}/samples/SAMEA6376980", timeout=10).json()
        assert animal["status"] == "PUBLIC" and animal["name"] == "IMAGEA000005611"
        assert {"source": "SAMEA6376982", "type": "derived from",
                "target": "SAMEA6376980"} in animal["relationships"]
        assert "_links" in animal and animal["releaseDate"] == "2020-01-14"
        legacy = dict(animal)
        r = requests.put(f"{srv.bs}/samples/SAMEA6376980", json=legacy, headers=srv.auth(),
                         timeout=10)
        assert r.status_code == 403  # legacy AAP record: no Webin owner
        created = create(srv, make_sample("persisted"))
    finally:
        srv.stop()
    srv = spawn(tmp_path)
    try:
        again = requests.get(f"{srv.bs}/samples/{created['accession']}", timeout=10).json()
        assert again["name"] == "persisted" and again["create"] == created["create"]
        assert requests.get(f"{srv.bs}/samples/SAMEA6376982", timeout=10).status_code == 200
        newer = create(srv, make_sample("after-restart"))
        assert newer["accession"] != created["accession"]
        assert newer["sraAccession"] != created["sraAccession"]
    finally:
        srv.stop()


def test_concurrent_clients_get_unique_accessions(bs: Any, make_sample: Any) -> None:
    tokens = [bs.token("Webin-11111"), bs.token("Webin-22222")]

    def work(i: int) -> str:
        r = requests.post(f"{bs.bs}/samples", json=make_sample(f"conc-{i}"),
                          headers={"Authorization": f"Bearer {tokens[i % 2]}"}, timeout=20)
        assert r.status_code == 201
        accession: str = r.json()["accession"]
        return accession

    with ThreadPoolExecutor(max_workers=8) as pool:
        accs = list(pool.map(work, range(80)))
    assert len(set(accs)) == 80
    assert bs.stats()["samples"] == 80
