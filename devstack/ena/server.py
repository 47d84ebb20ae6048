"""The ENA portal stand-in's HTTP server (standard library only)."""

from __future__ import annotations

import csv
import io
import json
import re
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, urlparse

PATH = "/ena/portal/api/search"
_TERM = re.compile(r'sample_accession\s*=\s*"?([A-Za-z0-9]+)"?')


class EnaStandIn:
    """The rows served, by result type."""

    def __init__(self, rows: dict[str, list[dict[str, str]]] | None = None) -> None:
        self.rows = rows or {}
        self.requests = 0
        self._lock = threading.Lock()

    def answer(self, params: dict[str, list[str]]) -> tuple[int, str, str]:
        """(status, content type, body) for one search."""
        with self._lock:
            self.requests += 1
        result = (params.get("result") or [""])[0]
        if result not in ("analysis", "read_run"):
            return 400, "application/json", json.dumps(
                {"message": f"Invalid result: {result}"})
        wanted = set(_TERM.findall((params.get("query") or [""])[0]))
        fields = [f for f in (params.get("fields") or [""])[0].split(",") if f]
        fmt = (params.get("format") or ["tsv"])[0]
        rows = [r for r in self.rows.get(result, []) if r.get("sample_accession") in wanted]
        if not rows:
            return 204, "text/plain", ""
        picked = [{f: r.get(f, "") for f in fields} if fields else r for r in rows]
        if fmt == "json":
            return 200, "application/json", json.dumps(picked)
        out = io.StringIO()
        writer = csv.DictWriter(out, fieldnames=list(picked[0]), delimiter="\t",
                                lineterminator="\n")
        writer.writeheader()
        writer.writerows(picked)
        return 200, "text/plain", out.getvalue()


class _Handler(BaseHTTPRequestHandler):
    server: _Server

    def log_message(self, format: str, *args: Any) -> None:
        return

    def _reply(self, params: dict[str, list[str]]) -> None:
        if urlparse(self.path).path.rstrip("/") != PATH:
            status, ctype, body = 404, "application/json", '{"message":"not found"}'
        else:
            status, ctype, body = self.server.app.answer(params)
        data = body.encode()
        self.send_response(status)
        self.send_header("Content-Type", ctype)
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def do_GET(self) -> None:
        self._reply(parse_qs(urlparse(self.path).query))

    def do_POST(self) -> None:
        length = int(self.headers.get("Content-Length") or 0)
        self._reply(parse_qs(self.rfile.read(length).decode()))


class _Server(ThreadingHTTPServer):
    daemon_threads = True

    def __init__(self, address: tuple[str, int], app: EnaStandIn) -> None:
        super().__init__(address, _Handler)
        self.app = app

    @property
    def url(self) -> str:
        host, port = self.server_address[:2]
        return f"http://{host!s}:{port}"


def make_server(host: str, port: int, app: EnaStandIn) -> _Server:
    """A server for ``app`` (``port=0`` picks a free one); call ``serve_forever``."""
    return _Server((host, port), app)
