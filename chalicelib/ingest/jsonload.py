"""Load a JSON upload with located errors (shared by the two JSON formats)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from chalicelib.ingest.errors import UnreadableFile


def load_json(path: Path, display: str) -> Any:
    """The decoded document; UnreadableFile with line/column on bad text or bad JSON."""
    raw = path.read_bytes()
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = raw[:exc.start].count(b"\n") + 1
        raise UnreadableFile.one(
            display, f"The JSON file is not UTF-8 text (bad byte at line {line}): save it "
            "as UTF-8.", code="bad-encoding", line=line) from exc
    try:
        return json.loads(text)
    except json.JSONDecodeError as exc:
        raise UnreadableFile.one(
            display, f"The file is not valid JSON: {exc.msg} at line {exc.lineno}, column "
            f"{exc.colno}. Fix the JSON syntax or export the records again.",
            code="bad-json", line=exc.lineno) from exc
