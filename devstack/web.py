"""The local web server: the API under ``/api/`` and the portal everywhere else, one URL.

On AWS the API is API Gateway and the portal is S3 behind CloudFront. Locally both come
from one loopback port: ``/api/...`` is handed to Chalice's own local API Gateway
emulation (``chalice.local.LocalGateway``, which runs built-in authorizers as API Gateway
would), and other paths are files of ``portal_site/``. ``/config.js`` tells the portal
where its API is. Every portal answer carries the security headers CloudFront adds on AWS,
read from the same declaration (``PortalSecurityHeaders`` in ``infra/resources.yaml``).
"""

from __future__ import annotations

import json
import mimetypes
import re
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from chalice.cli.factory import CLIFactory
from chalice.local import CustomLocalChalice, LocalChalice, LocalGateway, LocalGatewayException

from devstack.paths import PORTAL_DIR, REPO_ROOT
from devstack.ports import ensure_free

API_PREFIX = "/api"


def local_gateway(app: Any, stage: str = "local") -> LocalGateway:
    """Chalice's API Gateway emulation for the app, with the stage's config."""
    if not isinstance(app, LocalChalice):
        # Make current_request thread-local, as `chalice local` does.
        CustomLocalChalice.__bases__ = (LocalChalice, app.__class__)
        app.__class__ = CustomLocalChalice
    config = CLIFactory(project_dir=str(REPO_ROOT)).create_config_obj(
        chalice_stage_name=stage)
    return LocalGateway(app, config)


def portal_security_headers(*, api_origin: str = "", uploads_origin: str = "",
                            template: dict[str, Any] | None = None) -> dict[str, str]:
    """The headers of the template's ``PortalSecurityHeaders`` policy, as CloudFront
    sends them, with the local API and uploads origins in the Content-Security-Policy
    (empty for the API when it is this same origin)."""
    from devstack.provision import load_template, own_resources

    resource = own_resources(template or load_template())["PortalSecurityHeaders"]
    config = resource["Properties"]["ResponseHeadersPolicyConfig"]["SecurityHeadersConfig"]
    local = {"ApiOrigin": api_origin, "UploadsOrigin": uploads_origin}
    headers: dict[str, str] = {}
    for key, spec in config.items():
        if key == "ContentSecurityPolicy":
            text, variables = spec["ContentSecurityPolicy"]["Fn::Sub"]
            if set(variables) != set(local):
                raise ValueError(f"the portal's CSP names {sorted(variables)}: devstack/web.py "
                                 f"knows local values for {sorted(local)} only")
            for name, value in local.items():
                text = text.replace("${" + name + "}", value)
            headers["Content-Security-Policy"] = re.sub(r"\s+;", ";", " ".join(text.split()))
        elif key == "ContentTypeOptions":
            headers["X-Content-Type-Options"] = "nosniff"
        elif key == "FrameOptions":
            headers["X-Frame-Options"] = spec["FrameOption"]
        elif key == "ReferrerPolicy":
            headers["Referrer-Policy"] = spec["ReferrerPolicy"]
        elif key == "StrictTransportSecurity":
            headers["Strict-Transport-Security"] = (
                f"max-age={spec['AccessControlMaxAgeSec']}"
                + ("; includeSubDomains" if spec.get("IncludeSubdomains") else "")
                + ("; preload" if spec.get("Preload") else ""))
        else:
            raise ValueError(f"{key}: the local web server does not send it yet")
    return headers


def _origin(url: str | None) -> str:
    parts = urlsplit(url or "")
    return f"{parts.scheme}://{parts.netloc}" if parts.scheme and parts.netloc else ""


class _Handler(BaseHTTPRequestHandler):
    server: LocalWebServer
    protocol_version = "HTTP/1.1"

    def log_message(self, format: str, *args: Any) -> None:
        return  # quiet: the stack prints its own summary

    def _body(self) -> bytes | None:
        length = int(self.headers.get("content-length") or 0)
        return self.rfile.read(length) if length > 0 else None

    def _send(self, status: int, headers: dict[str, Any], body: bytes) -> None:
        self.send_response(status)
        for name, value in headers.items():
            if name.lower() in ("content-length", "connection", "transfer-encoding"):
                continue
            for item in value if isinstance(value, list) else [value]:
                self.send_header(name, str(item))
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(body)

    def _api(self) -> None:
        path = self.path[len(API_PREFIX):] or "/"
        body = self._body()
        headers = {**dict(self.headers), "X-Forwarded-Prefix": API_PREFIX}
        try:
            answer = self.server.gateway.handle_request(
                method=self.command, path=path, headers=headers, body=body)
        except LocalGatewayException as exc:
            self._send(exc.CODE, dict(exc.headers), exc.body or b"")
            return
        headers = dict(answer.get("headers") or {})
        headers.update(answer.get("multiValueHeaders") or {})
        payload = answer.get("body") or b""
        if answer.get("isBase64Encoded"):
            import base64

            payload = base64.b64decode(payload)
        if isinstance(payload, str):
            payload = payload.encode("utf-8")
        headers.setdefault("Content-Type", "application/json")
        self._send(int(answer["statusCode"]), headers, payload)

    def _static(self) -> None:
        path = urlsplit(self.path).path
        security = self.server.portal_headers
        if path == "/config.js":
            conf = json.dumps(self.server.portal_config)
            self._send(200, {"Content-Type": "application/javascript",
                             "Cache-Control": "no-store", **security},
                       f"window.IMAGEPOOL_CONFIG = {conf};\n".encode())
            return
        root = self.server.portal_dir.resolve()
        target = (root / path.lstrip("/")).resolve()
        if target.is_dir():
            target = target / "index.html"
        if not target.is_relative_to(root) or not target.is_file():
            # Unknown paths get the portal itself, so client-side routes survive a reload.
            target = root / "index.html"
            if not target.is_file():
                self._send(404, {"Content-Type": "text/plain", **security}, b"not found")
                return
        kind = mimetypes.guess_type(target.name)[0] or "application/octet-stream"
        self._send(200, {"Content-Type": kind, "Cache-Control": "no-cache", **security},
                   target.read_bytes())

    def _outbox(self) -> None:
        """The mail the system sent (moto records SES mail instead of sending it)."""
        messages: list[dict[str, Any]] = []
        if self.server.moto_url:
            import urllib.request

            with urllib.request.urlopen(f"{self.server.moto_url}/moto-api/data.json",
                                        timeout=10) as answer:
                data = json.loads(answer.read())
            for message in data.get("ses", {}).get("Message") or []:
                messages.append({"to": message.get("destinations", {}).get("ToAddresses"),
                                 "from": message.get("source"),
                                 "subject": message.get("subject"),
                                 "body": message.get("body")})
        body = json.dumps({"messages": messages}, default=str).encode()
        self._send(200, {"Content-Type": "application/json", "Cache-Control": "no-store"},
                   body)

    def _dispatch(self) -> None:
        try:
            if self.path == API_PREFIX or self.path.startswith(API_PREFIX + "/"):
                self._api()
            elif urlsplit(self.path).path == "/local/outbox" and self.command == "GET":
                self._outbox()
            elif self.command in ("GET", "HEAD"):
                self._static()
            else:
                self._send(405, {"Content-Type": "text/plain"}, b"method not allowed")
        except (BrokenPipeError, ConnectionResetError):
            return

    do_GET = do_HEAD = do_POST = do_PUT = do_PATCH = do_DELETE = do_OPTIONS = _dispatch


class LocalWebServer(ThreadingHTTPServer):
    """The API and the portal on one port."""

    daemon_threads = True

    def __init__(self, app: Any, host: str, port: int, *,
                 portal_dir: Path = PORTAL_DIR, stage: str = "local",
                 portal_config: dict[str, Any] | None = None,
                 moto_url: str | None = None) -> None:
        ensure_free(port, "web server (API and portal)", "--port", host)
        self.gateway = local_gateway(app, stage)
        self.portal_dir = portal_dir
        self.moto_url = moto_url
        self.portal_config = {"apiBase": API_PREFIX, "stage": stage, **(portal_config or {})}
        self.portal_headers = portal_security_headers(
            api_origin=_origin(self.portal_config["apiBase"]), uploads_origin=_origin(moto_url))
        super().__init__((host, port), _Handler)
        self._thread: threading.Thread | None = None

    @property
    def url(self) -> str:
        host, port = self.server_address[:2]
        return f"http://{host!s}:{port}/"

    def start(self) -> None:
        self._thread = threading.Thread(target=self.serve_forever, name="web", daemon=True)
        self._thread.start()

    def stop(self) -> None:
        self.shutdown()
        self.server_close()
