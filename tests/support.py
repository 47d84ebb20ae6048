"""Small helpers the API tests share (not fixtures: plain functions and data)."""

from __future__ import annotations

import json
from typing import Any

#: The facts of a CryoWeb submission, as the API takes them.
SUBMISSION_FACTS: dict[str, Any] = {
    "title": "Demo", "gene_bank_name": "Bank", "gene_bank_country": "Italy",
    "data_source_type": "CryoWeb", "data_source_version": "1", "file_name": "cryoweb.sql",
    "people": [{"first_name": "A", "last_name": "B", "email": "a@b.org",
                "affiliation": "Lab"}],
    "organizations": [{"name": "Lab", "country": "Italy"}]}


def call(client: Any, method: str, path: str, person: Any = None,
         body: dict[str, Any] | None = None) -> Any:
    """A JSON request through ``chalice.test.Client``, as ``person`` when given."""
    headers = {"Content-Type": "application/json", **(person.headers if person else {})}
    return client.http.request(method, path, headers=headers,
                               body=json.dumps(body or {}).encode())
