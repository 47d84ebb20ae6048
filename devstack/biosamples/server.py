"""HTTP front of the local BioSamples stand-in (``http.server``, one thread per connection).

Routes (``/biosamples`` is the context path, as on www.ebi.ac.uk):

* ``POST /ena/submit/webin/auth/token[?ttl=H]`` – Webin login, plain-text JWT
* ``GET  /biosamples`` – API root
* ``POST /biosamples/samples`` – create; ``GET /biosamples/samples`` – search
* ``GET|PUT /biosamples/samples/{acc}`` – fetch (curated unless ``applyCurations=false``),
  full replacement
* ``GET|POST /biosamples/samples/{acc}/curationlinks``,
  ``GET|DELETE /biosamples/samples/{acc}/curationlinks/{hash}``
* ``GET  /biosamples/accessions`` – accession pages
* ``POST /biosamples/v2/samples/bulk-submit-get-receipt``, ``…/bulk-accession``,
  ``GET /biosamples/v2/samples/bulk-fetch``, ``GET /biosamples/v2/samples/{acc}``
* ``GET|POST /_admin/faults``, ``POST /_admin/reset``, ``GET /_admin/stats`` – test hooks
"""

from __future__ import annotations

import base64
import contextlib
import hashlib
import json
import logging
import re
import socket
import threading
import time
from dataclasses import dataclass, field
from datetime import UTC, datetime
from http import HTTPStatus
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, quote_plus, urlsplit

import orjson

from devstack.biosamples.auth import (
    DEFAULT_TTL_HOURS,
    Accounts,
    Principal,
    issue_token,
    principal_from_header,
)
from devstack.biosamples.faults import FaultConfig, FaultInjector
from devstack.biosamples.samples import (
    MAX_PAGE,
    MAX_SIZE,
    PRIVATE_MESSAGE,
    SIZE_MESSAGE,
    ApiError,
    build_record,
    curation_hash,
    format_instant,
    from_ts,
    link_hash,
    parse_filters,
    parse_instant,
    record_from_loaded,
    render,
    validate_sample,
)
from devstack.biosamples.store import SampleStore, SearchQuery, StoredSample

LOG = logging.getLogger("biosamples.local")
HTML_PAGE = (b"<!DOCTYPE html>\n<html><head><title>EMBL-EBI - Service unavailable</title>"
             b"</head><body><h1>BioSamples is temporarily unavailable</h1><p>We are sorry, "
             b"the service is undergoing maintenance. Please try again later.</p></body></html>")
SAMPLE_PATH = re.compile(r"^/biosamples/samples/([^/]+?)(\.json)?$")
CURATIONS_PATH = re.compile(r"^/biosamples/samples/([^/]+)/curationlinks(?:/([^/]+))?$")
V2_SAMPLE_PATH = re.compile(r"^/biosamples/v2/samples/([^/]+)$")
MAX_BODY = 50 * 1024 * 1024


@dataclass(slots=True)
class Response:
    """A fully built answer (built before sending, so faults can discard it)."""

    status: int
    body: bytes = b""
    content_type: str | None = None
    headers: dict[str, str] = field(default_factory=dict)


def _json_response(status: int, payload: Any, content_type: str = "application/json",
                   headers: dict[str, str] | None = None, *, compact: bool = False) -> Response:
    # Search pages, which bound every harvest benchmark, go out compact; single samples
    # are indented as the real service does.
    body = orjson.dumps(payload, option=0 if compact else orjson.OPT_INDENT_2)
    return Response(status, body, content_type, dict(headers or {}))


def spring_error(status: int, message: str, path: str) -> Response:
    """Spring Boot's error JSON (``server.error.include-message=always``)."""
    now = datetime.now(UTC)
    stamp = now.strftime("%Y-%m-%dT%H:%M:%S.") + f"{now.microsecond // 1000:03d}+00:00"
    return _json_response(status, {"timestamp": stamp, "status": status,
                                   "error": HTTPStatus(status).phrase, "message": message,
                                   "path": path})


class BioSamplesApp:
    """State and behaviour of the stand-in, independent of the socket layer."""

    def __init__(self, state_dir: Path, *, accounts: Accounts | None = None,
                 faults: FaultConfig | None = None, search_lag: float | None = None) -> None:
        self.store = SampleStore(state_dir)
        self.accounts = accounts or Accounts()
        self.faults = FaultInjector(faults)
        if search_lag is not None:
            self.faults.config.search_lag_seconds = search_lag
        self._stats_lock = threading.Lock()
        self.stats: dict[str, int] = {}

    # -- helpers ------------------------------------------------------------------------

    def count(self, key: str) -> None:
        """Bump a statistics counter."""
        with self._stats_lock:
            self.stats[key] = self.stats.get(key, 0) + 1

    def principal(self, header: str | None) -> Principal | None:
        """The caller, from the Authorization header (token clock skew applied)."""
        now = time.time() + self.faults.config.token_clock_skew_seconds
        return principal_from_header(header, now)

    def load_dir(self, directory: Path) -> int:
        """Load every ``*.json`` BioSamples record under ``directory`` as public data."""
        items = []
        rels: list[tuple[str, str, str]] = []
        for path in sorted(directory.rglob("*.json")):
            raw = json.loads(path.read_text("utf-8"))
            for one in raw if isinstance(raw, list) else [raw]:
                record, all_rels = record_from_loaded(one)
                rels += all_rels
                release_ts = parse_instant(record["release"], "release").timestamp()
                update_ts = parse_instant(record["update"], "update").timestamp()
                items.append((record, record.get("webinSubmissionAccountId"), release_ts,
                              update_ts, 0.0))
        count = self.store.save_many(items)
        self.store.add_relationships(rels)
        return count

    def _visible(self, stored: StoredSample, caller: Principal | None, now: float) -> bool:
        return stored.release_ts <= now or (caller is not None and caller.webin_id
                                            == stored.owner)

    def _render(self, stored: StoredSample, base: str, now: float, curated: bool,
                collection_self: bool = False) -> dict[str, Any]:
        return self._render_page([stored], base, now, curated, collection_self)[0]

    def _render_page(self, rows: list[StoredSample], base: str, now: float, curated: bool,
                     collection_self: bool = False) -> list[dict[str, Any]]:
        """Samples as clients see them; a page's incoming links and curations come in two
        queries, not two per sample."""
        accessions = [r.accession for r in rows]
        incoming = self.store.incoming_many(accessions)
        links = self.store.curation_links_many(accessions) if curated else {}
        return [render(r.doc, base=base, now=now, release_ts=r.release_ts,
                       incoming=incoming[r.accession], links=links.get(r.accession) or None,
                       collection_self=collection_self)
                for r in rows]

    # -- auth ---------------------------------------------------------------------------

    def token(self, body: Any, query: dict[str, list[str]], path: str) -> Response:
        """``POST /ena/submit/webin/auth/token``."""
        if not isinstance(body, dict) or not isinstance(body.get("username"), str) \
                or not isinstance(body.get("password"), str):
            return spring_error(400, "username and password are required", path)
        account = self.accounts.check(body["username"], body["password"])
        if account is None:
            return spring_error(401, "Invalid username or password", path)
        ttl = self.faults.config.token_ttl_seconds
        if ttl is None:
            try:
                ttl = float((query.get("ttl") or [str(DEFAULT_TTL_HOURS)])[0]) * 3600
            except ValueError:
                return spring_error(400, "ttl must be a number of hours", path)
        self.count("logins")
        token = issue_token(body["username"], list(account.get("roles") or []), time.time(),
                            ttl)
        return Response(200, token.encode("ascii"), "text/plain;charset=UTF-8")

    # -- samples ------------------------------------------------------------------------

    def create(self, body: Any, caller: Principal | None, base: str) -> Response:
        """``POST /biosamples/samples``."""
        if caller is None:
            raise ApiError(403, "Access Denied")
        validate_sample(body, creating=True)
        now = time.time()
        stamp = format_instant(from_ts(now))
        accession, sra = self.store.allocate_accessions()
        record = build_record(body, accession=accession, sra=sra, owner=caller.webin_id,
                              create=stamp, submitted=stamp, update=stamp)
        release_ts = parse_instant(record["release"], "release").timestamp()
        self.store.save(record, owner=caller.webin_id, release_ts=release_ts, update_ts=now,
                        indexed_at=now + self.faults.config.search_lag_seconds)
        self.count("created")
        stored = self.store.get(accession)
        assert stored is not None
        out = self._render(stored, base, now, curated=False, collection_self=True)
        return _json_response(201, out, "application/hal+json",
                              {"Location": f"{base}/biosamples/samples"})

    def update(self, accession: str, body: Any, caller: Principal | None,
               base: str) -> Response:
        """``PUT /biosamples/samples/{accession}``: full replacement."""
        if not isinstance(body, dict):
            raise ApiError(400, "JSON parse error: request body must be a sample object")
        if body.get("accession") != accession:
            raise ApiError(400, "Sample accession must match URL accession")
        stored = self.store.get(accession)
        if stored is None:
            raise ApiError(400, "Sample accession does not exist")
        if caller is None or stored.owner != caller.webin_id:
            raise ApiError(403, "This sample is permitted to be updated only by the original "
                           "submitter")
        validate_sample(body, creating=False)
        sra = stored.doc.get("sraAccession")
        sent = [body.get("sraAccession")] + [
            i.get("text") for i in (body.get("characteristics") or {}).get("SRA accession", [])
            if isinstance(i, dict)]
        if any(s and s != sra for s in sent):
            raise ApiError(400, "Changing the SRA accession of a sample is not permitted")
        now = time.time()
        stamp = format_instant(from_ts(now))
        record = build_record(body, accession=accession, sra=sra or "", owner=stored.owner,
                              create=stored.doc.get("create") or stamp,
                              submitted=stored.doc.get("submitted") or stamp, update=stamp)
        if not sra:
            record.pop("sraAccession", None)
            record["characteristics"].pop("SRA accession", None)
        for key in ("data", "structuredData"):
            if stored.doc.get(key) and not body.get(key):
                record[key] = stored.doc[key]
        release_ts = parse_instant(record["release"], "release").timestamp()
        self.store.save(record, owner=stored.owner, release_ts=release_ts, update_ts=now,
                        indexed_at=min(stored.indexed_at,
                                       now + self.faults.config.search_lag_seconds))
        self.count("updated")
        fresh = self.store.get(accession)
        assert fresh is not None
        return _json_response(200, self._render(fresh, base, now, curated=False),
                              "application/hal+json")

    def get(self, accession: str, caller: Principal | None, base: str, curated: bool,
            content_type: str) -> Response:
        """``GET /biosamples/samples/{accession}``."""
        stored = self.store.get(accession)
        if stored is None:
            raise ApiError(404, empty=True)
        now = time.time()
        if not self._visible(stored, caller, now):
            raise ApiError(403, PRIVATE_MESSAGE)
        return _json_response(200, self._render(stored, base, now, curated), content_type)

    # -- search -------------------------------------------------------------------------

    @staticmethod
    def _int_param(query: dict[str, list[str]], name: str, default: int | None) -> int | None:
        values = query.get(name)
        if not values or values[0] == "":
            return default
        try:
            return int(values[0])
        except ValueError as exc:
            raise ApiError(400, f"Failed to convert value of type 'java.lang.String' to "
                           f"required type 'java.lang.Integer'; For input string: "
                           f"\"{values[0]}\"") from exc

    @staticmethod
    def _encode_cursor(seq: int) -> str:
        return base64.urlsafe_b64encode(f"AoE{seq:012d}".encode()).decode().rstrip("=")

    @staticmethod
    def _decode_cursor(cursor: str) -> int:
        if cursor == "*":
            return 0
        try:
            text = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)).decode()
            if not text.startswith("AoE"):
                raise ValueError(cursor)
            return int(text[3:])
        except (ValueError, UnicodeDecodeError) as exc:
            raise ApiError(400, f"Unable to parse cursor mark: {cursor}") from exc

    @staticmethod
    def _href(base: str, path: str, params: list[tuple[str, str]]) -> str:
        qs = "&".join(f"{k}={quote_plus(v, safe=':*')}" for k, v in params)
        return f"{base}{path}?{qs}" if qs else f"{base}{path}"

    def search(self, query: dict[str, list[str]], caller: Principal | None, base: str,
               content_type: str) -> Response:
        """``GET /biosamples/samples``: cursor mode by default, page mode with ``page``."""
        size = self._int_param(query, "size", 20) or 0
        page = self._int_param(query, "page", None)
        cursor: str | None = (query.get("cursor") or [""])[0] or None
        if size > MAX_SIZE or (page is not None and page > MAX_PAGE):
            raise ApiError(400, SIZE_MESSAGE)
        if size < 1 or (page is not None and page < 0):
            raise ApiError(400, "Page size must be greater than zero and page must not be "
                           "negative")
        text = (query.get("text") or [""])[0]
        filters = query.get("filter") or []
        curated = (query.get("applyCurations") or ["true"])[0].lower() != "false"
        q = parse_filters(filters, text)
        webin = caller.webin_id if caller else None
        now = time.time()
        common: list[tuple[str, str]] = []
        if text:
            common.append(("text", text))
        common += [("filter", f) for f in filters]
        common.append(("applyCurations", "true" if curated else "false"))
        path = "/biosamples/samples"
        links: dict[str, Any] = {}
        result: dict[str, Any] = {}
        if page is None:
            cursor = cursor or "*"
            after = self._decode_cursor(cursor)
            rows = self.store.search(q, now, webin, after_seq=after, limit=size + 1)
            more = len(rows) > size
            rows = rows[:size]
            links["self"] = {"href": self._href(base, path, [*common, ("cursor", cursor),
                                                             ("size", str(size))])}
            if more and rows:
                nxt = self._encode_cursor(rows[-1].seq)
                links["next"] = {"href": self._href(base, path, [*common, ("cursor", nxt),
                                                                 ("size", str(size))])}
        else:
            total = self.store.count(q, now, webin)
            total_pages = (total + size - 1) // size
            rows = self.store.search(q, now, webin, limit=size, offset=page * size)

            def page_link(n: int) -> dict[str, str]:
                return {"href": self._href(base, path, [*common, ("page", str(n)),
                                                        ("size", str(size))])}

            links["first"] = page_link(0)
            if page > 0:
                links["prev"] = page_link(page - 1)
            links["self"] = page_link(page)
            if page + 1 < total_pages:
                links["next"] = page_link(page + 1)
            links["last"] = page_link(total_pages)  # sic: one past the end, as the real one
            result["page"] = {"size": size, "totalElements": total, "totalPages": total_pages,
                              "number": page}
        links["cursor"] = {"href": self._href(base, path, [*common, ("cursor", "*"),
                                                           ("size", str(size))])}
        links["sample"] = {"href": f"{base}{path}/{{accession}}{{?applyCurations}}",
                           "templated": True}
        out: dict[str, Any] = {}
        if rows:
            out["_embedded"] = {"samples": self._render_page(rows, base, now, curated)}
        out["_links"] = links
        out.update(result)
        return _json_response(200, out, content_type, {"Cache-Control": "max-age=300"},
                              compact=True)

    def accessions(self, query: dict[str, list[str]], caller: Principal | None,
                   base: str) -> Response:
        """``GET /biosamples/accessions``: pages of accessions, no size cap."""
        size = self._int_param(query, "size", 20) or 0
        page = self._int_param(query, "page", 0) or 0
        if size < 1 or page < 0:
            raise ApiError(400, "Page size must be greater than zero and page must not be "
                           "negative")
        filters = query.get("filter") or []
        q = parse_filters(filters, (query.get("text") or [""])[0])
        webin = caller.webin_id if caller else None
        now = time.time()
        total = self.store.count(q, now, webin)
        accs = self.store.search_accessions(q, now, webin, limit=size, offset=page * size)
        total_pages = (total + size - 1) // size
        common = [("filter", f) for f in filters]
        path = "/biosamples/accessions"
        links: dict[str, Any] = {"self": {"href": self._href(
            base, path, [*common, ("page", str(page)), ("size", str(size))])}}
        if page + 1 < total_pages:
            links["next"] = {"href": self._href(
                base, path, [*common, ("page", str(page + 1)), ("size", str(size))])}
        out: dict[str, Any] = {}
        if accs:
            out["_embedded"] = {"accessions": accs}
        out["_links"] = links
        out["page"] = {"size": size, "totalElements": total, "totalPages": total_pages,
                       "number": page}
        return _json_response(200, out, "application/hal+json")

    # -- curation links -----------------------------------------------------------------

    def _link_view(self, link: dict[str, Any], base: str) -> dict[str, Any]:
        acc = link["sample"]
        out: dict[str, Any] = {k: v for k, v in link.items() if k != "_links"}
        out["_links"] = {
            "self": {"href": f"{base}/biosamples/samples/{acc}/curationlinks/{link['hash']}"},
            "sample": {"href": f"{base}/biosamples/samples/{acc}"},
            "curation": {"href": f"{base}/biosamples/curations/{link['curation']['hash']}"},
        }
        return out

    def add_curation(self, accession: str, body: Any, caller: Principal | None,
                     base: str) -> Response:
        """``POST /biosamples/samples/{acc}/curationlinks``."""
        if caller is None:
            raise ApiError(403, "Access Denied")
        if not isinstance(body, dict) or not isinstance(body.get("curation"), dict):
            raise ApiError(400, "Curation link must contain a curation")
        if body.get("sample") != accession:
            raise ApiError(400, "Sample accession must match URL accession")
        if self.store.get(accession) is None:
            raise ApiError(404, empty=True)
        curation: dict[str, Any] = {k: list(body["curation"].get(k) or []) for k in (
            "attributesPre", "attributesPost", "externalReferencesPre",
            "externalReferencesPost", "relationshipsPre", "relationshipsPost")}
        for attr in curation["attributesPre"] + curation["attributesPost"]:
            if not isinstance(attr, dict) or not attr.get("type"):
                raise ApiError(400, "Curation attributes need a type and a value")
        chash = curation_hash(curation)
        curation["hash"] = chash
        now = time.time()
        link = {"sample": accession, "curation": curation, "domain": None,
                "webinSubmissionAccountId": caller.webin_id,
                "hash": link_hash(accession, chash, caller.webin_id),
                "created": format_instant(from_ts(now))}
        stored = self.store.add_curation_link(link, now)
        return _json_response(201, self._link_view(stored, base), "application/hal+json")

    def list_curations(self, accession: str, query: dict[str, list[str]],
                       base: str) -> Response:
        """``GET /biosamples/samples/{acc}/curationlinks`` (paged)."""
        if self.store.get(accession) is None:
            raise ApiError(404, empty=True)
        size = self._int_param(query, "size", 20) or 20
        page = self._int_param(query, "page", 0) or 0
        links = self.store.curation_links(accession)
        chunk = links[page * size:(page + 1) * size]
        out: dict[str, Any] = {}
        if chunk:
            out["_embedded"] = {"curationLinks": [self._link_view(lk, base) for lk in chunk]}
        out["_links"] = {"self": {"href": f"{base}/biosamples/samples/{accession}/curationlinks"
                                          f"?page={page}&size={size}"}}
        out["page"] = {"size": size, "totalElements": len(links),
                       "totalPages": (len(links) + size - 1) // size, "number": page}
        return _json_response(200, out, "application/hal+json")

    def get_curation(self, accession: str, hash_: str, base: str) -> Response:
        """``GET /biosamples/samples/{acc}/curationlinks/{hash}``."""
        link = self.store.curation_link(accession, hash_)
        if link is None:
            raise ApiError(404, empty=True)
        return _json_response(200, self._link_view(link, base), "application/hal+json")

    def delete_curation(self, accession: str, hash_: str, caller: Principal | None) -> Response:
        """``DELETE /biosamples/samples/{acc}/curationlinks/{hash}`` → 204."""
        if caller is None:
            raise ApiError(403, "Access Denied")
        link = self.store.curation_link(accession, hash_)
        if link is None:
            raise ApiError(404, empty=True)
        if link.get("webinSubmissionAccountId") != caller.webin_id:
            raise ApiError(403, "Only the submitter of a curation link can delete it")
        self.store.delete_curation_link(hash_)
        return Response(204)

    # -- v2 -----------------------------------------------------------------------------

    def bulk_submit(self, body: Any, caller: Principal | None, base: str,
                    receipt: bool) -> Response:
        """``POST /biosamples/v2/samples/bulk-submit-get-receipt`` / ``bulk-accession``."""
        if caller is None:
            raise ApiError(403, "Access Denied")
        if not isinstance(body, list):
            raise ApiError(400, "JSON parse error: expected an array of samples")
        if any(isinstance(s, dict) and s.get("relationships") for s in body):
            raise ApiError(400, "Sample relationships are not supported in the v2 API; "
                           "please use the v1 API to submit relationships")
        done: list[dict[str, Any]] = []
        errors: list[dict[str, Any]] = []
        for sample in body:
            name = sample.get("name") if isinstance(sample, dict) else None
            try:
                response = self.create(sample, caller, base)
            except ApiError as exc:
                details = exc.body if exc.body is not None else [
                    {"dataPath": "", "errors": [exc.message or str(exc.status)]}]
                errors.append({"sampleName": name, "errors": details})
                continue
            done.append(json.loads(response.body))
        if receipt:
            return _json_response(201, {"samples": done, "errors": errors})
        return _json_response(201, {s["name"]: s["accession"] for s in done})

    def bulk_fetch(self, query: dict[str, list[str]], caller: Principal | None,
                   base: str) -> Response:
        """``GET /biosamples/v2/samples/bulk-fetch?accessions=A,B`` (uncurated)."""
        wanted = [a for v in query.get("accessions", []) for a in v.split(",") if a]
        now = time.time()
        out: dict[str, Any] = {}
        for acc in wanted:
            stored = self.store.get(acc)
            if stored is not None and self._visible(stored, caller, now):
                out[acc] = self._render(stored, base, now, curated=False)
        return _json_response(200, out)

    # -- admin --------------------------------------------------------------------------

    def admin(self, method: str, path: str, body: Any) -> Response:
        """Test hooks: faults, reset, stats."""
        if path == "/_admin/faults" and method == "GET":
            return _json_response(200, self.faults.config.to_dict())
        if path == "/_admin/faults" and method == "POST":
            try:
                self.faults.replace(FaultConfig.from_dict(body or {}))
            except (ValueError, TypeError, re.error) as exc:
                return spring_error(400, f"Bad fault configuration: {exc}", path)
            return _json_response(200, self.faults.config.to_dict())
        if path == "/_admin/reset" and method == "POST":
            self.store.reset()
            self.faults.replace(FaultConfig())
            with self._stats_lock:
                self.stats = {}
            return _json_response(200, {"reset": True})
        if path == "/_admin/stats" and method == "GET":
            with self._stats_lock:
                stats = dict(self.stats)
            return _json_response(200, {"counters": stats, "faults": dict(self.faults.injected),
                                        "samples": self.store.count_samples()})
        return spring_error(404, "Not Found", path)


class _Dropped(Exception):
    """Raised to abandon a request without answering."""


class BioSamplesHandler(BaseHTTPRequestHandler):
    """Routes requests to :class:`BioSamplesApp`; applies faults and ETags."""

    protocol_version = "HTTP/1.1"
    server_version = "BioSamplesLocal/1.0"
    # Headers and body go out in separate writes: without TCP_NODELAY each answer waits
    # ~40 ms for the client's delayed ACK (measured: 22 POST/s from one thread).
    disable_nagle_algorithm = True
    server: BioSamplesHTTPServer

    def log_message(self, format: str, *args: Any) -> None:
        """Route access logs to :mod:`logging` (debug level)."""
        LOG.debug("%s - %s", self.address_string(), format % args)

    def do_GET(self) -> None:
        """Dispatch a GET."""
        self._handle("GET")

    def do_POST(self) -> None:
        """Dispatch a POST."""
        self._handle("POST")

    def do_PUT(self) -> None:
        """Dispatch a PUT."""
        self._handle("PUT")

    def do_DELETE(self) -> None:
        """Dispatch a DELETE."""
        self._handle("DELETE")

    def finish(self) -> None:
        """Ignore errors flushing to a socket a fault already closed."""
        with contextlib.suppress(OSError):
            super().finish()

    def _base(self) -> str:
        if self.server.public_url:
            return self.server.public_url
        host = self.headers.get("Host")
        return f"http://{host}" if host else self.server.url

    def _read_body(self) -> bytes:
        length = int(self.headers.get("Content-Length") or 0)
        if length > MAX_BODY:
            raise ApiError(413, "Request body too large")
        return self.rfile.read(length) if length else b""

    def _drop(self) -> None:
        self.close_connection = True
        with contextlib.suppress(OSError):
            self.connection.shutdown(socket.SHUT_RDWR)
        raise _Dropped()

    def _handle(self, method: str) -> None:
        app = self.server.app
        split = urlsplit(self.path)
        path = split.path.rstrip("/") or "/"
        query = parse_qs(split.query, keep_blank_values=True)
        try:
            raw = self._read_body()
            if path.startswith("/_admin"):
                self._send(app.admin(method, path, json.loads(raw) if raw else None), method)
                return
            app.count("requests")
            decision = app.faults.decide(method, path)
            if decision.delay_s > 0:
                time.sleep(decision.delay_s)
            if decision.action == "drop":
                self._drop()
            if decision.action == "html":
                self._send(Response(200, HTML_PAGE, "text/html;charset=UTF-8"), method)
                return
            if decision.action == "status" and decision.rule is not None:
                rule = decision.rule
                headers = {"Retry-After": rule.retry_after} if rule.retry_after else {}
                if rule.status == 503:
                    response = Response(503, HTML_PAGE, "text/html;charset=UTF-8", headers)
                else:
                    response = spring_error(rule.status, HTTPStatus(rule.status).phrase, path)
                    response.headers.update(headers)
                self._send(response, method)
                return
            response = self._route(method, path, query, raw)
            if decision.action == "drop_after":
                self._drop()
            self._send(response, method)
        except _Dropped:
            return
        except ApiError as exc:
            if exc.empty:
                self._send(Response(exc.status), method)
            elif exc.body is not None:
                self._send(_json_response(exc.status, exc.body), method)
            else:
                self._send(spring_error(exc.status, exc.message or "", path), method)
        except Exception as exc:  # pragma: no cover - defensive
            LOG.exception("unhandled error on %s %s", method, self.path)
            self._send(spring_error(500, f"Internal Server Error: {exc}", path), method)

    def _route(self, method: str, path: str, query: dict[str, list[str]],
               raw: bytes) -> Response:
        app = self.server.app
        base = self._base()
        accept = self.headers.get("Accept") or ""
        ctype = "application/hal+json" if "hal+json" in accept else "application/json"

        def body() -> Any:
            try:
                return json.loads(raw) if raw else None
            except ValueError as exc:
                raise ApiError(400, f"JSON parse error: {exc}") from exc

        caller = app.principal(self.headers.get("Authorization"))
        curated = (query.get("applyCurations") or ["true"])[0].lower() != "false"
        if path == "/ena/submit/webin/auth/token" and method == "POST":
            return app.token(body(), query, path)
        if path == "/biosamples" and method == "GET":
            return _json_response(200, {"_links": {
                "samples": {"href": f"{base}/biosamples/samples"},
                "curations": {"href": f"{base}/biosamples/curations"}}}, ctype)
        if path == "/biosamples/samples":
            if method == "POST":
                return app.create(body(), caller, base)
            if method == "GET":
                return app.search(query, caller, base, ctype)
        if path == "/biosamples/accessions" and method == "GET":
            return app.accessions(query, caller, base)
        match = CURATIONS_PATH.match(path)
        if match:
            acc, hash_ = match.group(1), match.group(2)
            if hash_ is None and method == "POST":
                return app.add_curation(acc, body(), caller, base)
            if hash_ is None and method == "GET":
                return app.list_curations(acc, query, base)
            if hash_ is not None and method == "GET":
                return app.get_curation(acc, hash_, base)
            if hash_ is not None and method == "DELETE":
                return app.delete_curation(acc, hash_, caller)
        match = SAMPLE_PATH.match(path)
        if match:
            acc = match.group(1)
            if method == "GET":
                return app.get(acc, caller, base, curated, ctype)
            if method == "PUT":
                return app.update(acc, body(), caller, base)
        if path == "/biosamples/v2/samples/bulk-submit-get-receipt" and method == "POST":
            return app.bulk_submit(body(), caller, base, receipt=True)
        if path == "/biosamples/v2/samples/bulk-accession" and method == "POST":
            return app.bulk_submit(body(), caller, base, receipt=False)
        if path == "/biosamples/v2/samples/bulk-fetch" and method == "GET":
            return app.bulk_fetch(query, caller, base)
        match = V2_SAMPLE_PATH.match(path)
        if match and method == "GET":
            return app.get(match.group(1), caller, base, False, "application/json")
        if method in ("GET", "POST", "PUT", "DELETE") and (
                path.startswith("/biosamples/samples") or path == "/biosamples/accessions"):
            raise ApiError(405, f"Request method '{method}' is not supported")
        raise ApiError(404, "Not Found")

    def _send(self, response: Response, method: str) -> None:
        headers = dict(response.headers)
        body = response.body
        status = response.status
        if method == "GET" and status == 200 and body:
            etag = f'"0{hashlib.md5(body).hexdigest()}"'
            headers["ETag"] = etag
            wanted = self.headers.get("If-None-Match")
            if wanted and (wanted.strip() == "*" or etag in [
                    t.strip().removeprefix("W/") for t in wanted.split(",")]):
                status, body = 304, b""
        self.send_response(status)
        if response.content_type and body:
            self.send_header("Content-Type", response.content_type)
        for key, value in headers.items():
            self.send_header(key, value)
        if status != 304:
            self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        if body:
            self.wfile.write(body)


class BioSamplesHTTPServer(ThreadingHTTPServer):
    """``ThreadingHTTPServer`` carrying the app."""

    daemon_threads = True
    allow_reuse_address = True
    request_queue_size = 128

    def __init__(self, address: tuple[str, int], app: BioSamplesApp,
                 public_url: str | None = None) -> None:
        super().__init__(address, BioSamplesHandler)
        self.app = app
        self.public_url = public_url.rstrip("/") if public_url else None

    @property
    def url(self) -> str:
        """Base URL of the server (``http://host:port``)."""
        host, port = self.server_address[:2]
        return f"http://{host!s}:{port}"


def make_server(host: str, port: int, app: BioSamplesApp,
                public_url: str | None = None) -> BioSamplesHTTPServer:
    """Bind a server (``port=0`` picks a free port)."""
    return BioSamplesHTTPServer((host, port), app, public_url)


def start_in_thread(server: BioSamplesHTTPServer) -> threading.Thread:
    """Serve in a daemon thread (for embedding in tests or the local stack)."""
    thread = threading.Thread(target=server.serve_forever, name="biosamples-local",
                              daemon=True)
    thread.start()
    return thread


def query_search_plan(app: BioSamplesApp, filters: list[str]) -> list[str]:
    """SQLite query plan of a search page (proves the indexes are used)."""
    q: SearchQuery = parse_filters(filters, None)
    sql, params = app.store.search_sql(q, time.time(), None, 0, 20)
    return app.store.explain(sql, params)
