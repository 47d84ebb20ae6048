"""Bind pynamodb models to the stage's tables and endpoint, at run time.

pynamodb keeps table name and host on the model class; the stage decides them (a moto
server locally, DynamoDB on AWS), so every repository binds its models before use.
"""

from __future__ import annotations

import threading
from typing import Any

from chalicelib.config import Settings, get_settings

_bound: dict[type, tuple[str | None, str, str]] = {}
_lock = threading.Lock()


def bind(model: type, resource: str, settings: Settings | None = None) -> None:
    """Point ``model`` at the stage's table for ``resource`` (a key of RESOURCE_NAMES)."""
    settings = settings or get_settings()
    key = (settings.endpoint_url, settings.region, settings.name(resource))
    if _bound.get(model) == key:
        return
    with _lock:
        meta: Any = model.Meta  # type: ignore[attr-defined]
        meta.table_name = settings.name(resource)
        meta.region = settings.region
        meta.host = settings.endpoint_url
        model._connection = None  # type: ignore[attr-defined]
        _bound[model] = key
