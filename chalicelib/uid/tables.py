"""Bind the pynamodb models to the stage's tables and endpoint.

pynamodb keeps table name and host on the model class; the stage decides them at run time
(a moto server locally, DynamoDB on AWS), so every entry point calls :func:`bind` first.
"""

from __future__ import annotations

from typing import Any

from chalicelib.config import Settings, get_settings
from chalicelib.uid.models import RecordModel, SubmissionModel

_MODELS = ((SubmissionModel, "submissions_table"), (RecordModel, "records_table"))
_bound: tuple[str | None, str, str] | None = None


def bind(settings: Settings | None = None) -> None:
    """Point every model at the stage's table names, region and endpoint."""
    global _bound
    settings = settings or get_settings()
    key = (settings.endpoint_url, settings.region, settings.prefix
           + settings.name("submissions_table") + settings.name("records_table"))
    if _bound == key:
        return
    for model, resource in _MODELS:
        meta: Any = model.Meta
        meta.table_name = settings.name(resource)
        meta.region = settings.region
        meta.host = settings.endpoint_url
        model._connection = None  # drop the cached connection to the old endpoint
    _bound = key
