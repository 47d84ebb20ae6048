"""The optional OLS resolver against recorded OLS4 answers served on loopback."""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import ClassVar
from urllib.parse import parse_qs, urlsplit

import pytest

from chalicelib.records import AttributeValue, Material, Record
from chalicelib.validate import load_default_ruleset, load_default_terms, validate_submission
from chalicelib.validate.ols import OlsClient, OlsUnavailable, resolving

pytestmark = pytest.mark.integration
RECORDED = Path(__file__).parents[2] / "data" / "ols"
FEATHER = "http://purl.obolibrary.org/obo/UBERON_0000022"


class _Ols(BaseHTTPRequestHandler):
    calls: ClassVar[list[str]] = []
    down = False

    def log_message(self, *args: object) -> None:
        return

    def do_GET(self) -> None:
        type(self).calls.append(self.path)
        if type(self).down:
            self.send_response(503)
            self.end_headers()
            return
        parts = urlsplit(self.path)
        iri = parse_qs(parts.query).get("iri", [""])[0]
        if parts.path == "/api/terms":
            name = "term_feather.json" if iri == FEATHER else "term_unknown.json"
        elif parts.path.endswith("/hierarchicalAncestors") and "UBERON_0000022" in parts.path:
            name = "ancestors_feather.json"
        else:
            self.send_response(404)
            self.end_headers()
            return
        body = (RECORDED / name).read_bytes()
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)


@pytest.fixture
def ols() -> Iterator[str]:
    _Ols.calls, _Ols.down = [], False
    server = ThreadingHTTPServer(("127.0.0.1", 0), _Ols)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield f"http://127.0.0.1:{server.server_address[1]}/api"
    server.shutdown()


def sample(part: str, term: str) -> Record:
    record = Record("s1", Material.SPECIMEN)
    record.attributes["Organism part"] = [AttributeValue(part, terms=(term,))]
    return record


def part_codes(store) -> set[str]:
    report = validate_submission([sample("feather", "UBERON_0000022")],
                                 load_default_ruleset(), store)
    return {m.code for m in report.records[0].messages if m.field == "Organism part"}


def test_off_by_default_a_term_outside_the_store_is_unknown():
    assert "unknown_term" in part_codes(load_default_terms())


def test_a_resolved_term_is_checked_like_a_loaded_one(ols):
    store = resolving(load_default_terms(), ols)
    assert part_codes(store) == set()  # known now, and under anatomical entity
    term = store.get("UBERON_0000022")
    assert term is not None and term.label == "feather" and "plume" in term.synonyms
    asked = len(_Ols.calls)
    store.get("UBERON_0000022")
    assert len(_Ols.calls) == asked  # asked once


def test_unknown_stays_unknown_and_an_outage_is_an_error(ols):
    client = OlsClient(ols)
    assert client.term("UBERON_9999999") is None
    _Ols.down = True
    with pytest.raises(OlsUnavailable):
        client.term("UBERON_0000022")
    assert json.dumps(_Ols.calls)  # the resolver really went over HTTP
