"""Absolute URLs for the answers (the old CDP gave absolute ``url``/``next`` links)."""

from __future__ import annotations

from urllib.parse import urlencode

from chalicelib.api.pool.params import Params, with_params
from chalicelib.api.pool.routing import pool_api


def base_url() -> str:
    """The API's own base URL as the caller sees it ("" outside a request)."""
    request = pool_api.current_request
    headers = request.headers if request is not None else {}
    host = headers.get("host") or headers.get("Host")
    if not host:
        return ""
    proto = headers.get("x-forwarded-proto") or (
        "http" if host.startswith(("localhost", "127.0.0.1")) else "https")
    stage = ""
    context = getattr(request, "context", None) or {}
    if ".amazonaws.com" in host and context.get("stage"):
        stage = f"/{context['stage']}"
    # A proxy in front (the local stack serves the API under /api) says where it mounts it.
    prefix = (headers.get("x-forwarded-prefix") or "").rstrip("/")
    return f"{proto}://{host}{stage}{prefix}"


def url(path: str, params: Params | None = None) -> str:
    """The absolute URL of ``path`` with ``params``."""
    query = urlencode([(k, v) for k, vs in (params or {}).items() for v in vs])
    return f"{base_url()}{path}{'?' + query if query else ''}"


def current_path() -> str:
    """The current path, with the old API's trailing slash under /backend."""
    request = pool_api.current_request
    path = str(request.path if request is not None else "/")
    return path + "/" if path.startswith("/backend") and not path.endswith("/") else path


def page_links(params: Params, page: int, pages: int) -> tuple[str | None, str | None]:
    """(next, previous) URLs of a numbered page of the current path."""
    path = current_path()
    nxt = url(path, with_params(params, page=page + 1)) if page < pages else None
    prev = None
    if page > 1:
        prev = url(path, with_params(params, page=page - 1 if page > 2 else None))
    return nxt, prev
