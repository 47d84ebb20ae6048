"""The search backend of the current settings (one place for the API and the harvester).

``SEARCH_BACKEND=sqlite`` (default locally) opens the embedded file at ``SEARCH_PATH``;
``opensearch`` connects to ``SEARCH_ENDPOINT``, signing requests with SigV4 when the
endpoint is an Amazon OpenSearch domain. Heavy imports happen only here, on first use.
"""

from __future__ import annotations

import functools
from typing import Any

from chalicelib.config import Settings, get_settings
from chalicelib.search.port import SearchBackend


@functools.lru_cache(maxsize=4)
def _backend_for(kind: str, path: str, endpoint: str | None, alias: str,
                 region: str) -> SearchBackend:
    if kind == "opensearch":
        from opensearchpy import RequestsHttpConnection

        from chalicelib.search.opensearch_backend import OpenSearchBackend, connect

        if not endpoint:
            raise RuntimeError("SEARCH_ENDPOINT is not set for the opensearch backend")
        kwargs: dict[str, Any] = {"timeout": 20}
        if endpoint.startswith("https://") and ".amazonaws.com" in endpoint:
            import boto3
            from opensearchpy import AWSV4SignerAuth

            credentials = boto3.Session().get_credentials()
            kwargs.update(http_auth=AWSV4SignerAuth(credentials, region, "es"),
                          use_ssl=True, verify_certs=True,
                          connection_class=RequestsHttpConnection)
        return OpenSearchBackend(connect([endpoint], **kwargs), alias=alias, replicas=1 if (
            ".amazonaws.com" in endpoint) else 0)
    if kind != "sqlite":
        raise RuntimeError(f"unknown SEARCH_BACKEND {kind!r} (sqlite or opensearch)")
    from chalicelib.search.sqlite_backend import SqliteBackend

    return SqliteBackend(path, alias=alias)


def backend_from_settings(settings: Settings | None = None) -> SearchBackend:
    """The backend for ``settings`` (default: the current ones), built once per settings."""
    s = settings or get_settings()
    return _backend_for(s.search_backend, s.search_path, s.search_endpoint, s.search_alias,
                        s.region)


def reset_backends() -> None:
    """Forget cached backends (tests that change the settings)."""
    _backend_for.cache_clear()
