"""Bind the UID's pynamodb models to the stage's tables (see chalicelib.tables)."""

from __future__ import annotations

from chalicelib.config import Settings
from chalicelib.tables import bind as bind_model
from chalicelib.uid.models import RecordModel, SubmissionModel


def bind(settings: Settings | None = None) -> None:
    """Point the UID models at the stage's tables, region and endpoint."""
    bind_model(SubmissionModel, "submissions_table", settings)
    bind_model(RecordModel, "records_table", settings)
