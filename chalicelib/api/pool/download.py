"""Downloads of any filtered result as CSV, TSV or JSON, every column.

One answer carries at most :data:`DOWNLOAD_BUDGET` bytes (API Gateway and Lambda refuse
bodies over 6 MB); a longer result continues through a ``Link: rel=next`` header and
``X-Next-Cursor`` (a cursor on ``id``), so a client follows links until there are none.

CSV and TSV cells cannot carry formulas (OWASP, "CSV Injection"): a text starting with
``= + - @``, a tab or a carriage return (after any apostrophes) gets one more apostrophe
in front, so a spreadsheet shows it as text; plain numbers such as ``-3.25`` are left as
they are. Strip one leading apostrophe from such a cell to get the value back; the JSON
download carries every value unchanged.
"""

from __future__ import annotations

import csv
import io
import json
import re
from collections.abc import Iterator
from typing import Any

from chalice import Response

from chalicelib.api.pool import params as p
from chalicelib.api.pool.errors import ApiError
from chalicelib.api.pool.links import current_path, url
from chalicelib.api.pool.params import Params
from chalicelib.api.pool.routing import (
    GEO_PARAMS,
    P_CURSOR,
    P_Q,
    P_TYPE,
    Param,
    route,
    search_backend,
)
from chalicelib.harvest.transform import (
    CDP_FIELDS,
    CDP_ORGANISM_FIELDS,
    CDP_SPECIMEN_FIELDS,
    FILE,
)
from chalicelib.search.mappings import FIELDS, OBJECT
from chalicelib.search.port import (
    MAX_PAGE_SIZE,
    Query,
    SearchBackend,
    SearchRequest,
    SearchResult,
    Sort,
)

#: Bytes one answer may carry (API Gateway/Lambda refuse bodies over 6 MB).
DOWNLOAD_BUDGET = 5_000_000
#: Columns of data files.
FILE_COLUMNS = ["id", "specimen", "file_name", "file_url", "file_size", "file_size_human",
                "file_checksum", "file_checksum_method", "ena_accession", "ena_type",
                "study_accession", "species"]
CONTENT_TYPES = {"csv": "text/csv", "tsv": "text/tab-separated-values",
                 "json": "application/json"}


def columns(kind: str | None) -> list[str]:
    """Every column of a record type (all types for None), the old CDP's fields first."""
    if kind == FILE:
        base = list(FILE_COLUMNS)
    elif kind in CDP_FIELDS:
        base = list(CDP_FIELDS[kind])
    else:
        base = list(CDP_ORGANISM_FIELDS) + [f for f in CDP_SPECIMEN_FIELDS
                                            if f not in CDP_ORGANISM_FIELDS]
    extra = [f for f in FIELDS if f not in base and FIELDS[f] != OBJECT and f != "location"]
    cols = [c for c in base if FIELDS.get(c) != OBJECT] + extra
    if kind != FILE:
        cols += ["latitude", "longitude"]
    return cols


_FORMULA_START = re.compile(r"'*[=+\-@\t\r]")
_PLAIN_NUMBER = re.compile(r"[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?")


def neutralised(text: str) -> str:
    """A cell a spreadsheet shows as text, never runs (see the module's docstring);
    reversible: apostrophes already leading such a text get one more too."""
    if _FORMULA_START.match(text) and not _PLAIN_NUMBER.fullmatch(text):
        return "'" + text
    return text


def cell(doc: dict[str, Any], name: str) -> str:
    """One CSV/TSV cell: lists joined with ``|``, coordinates split out of ``location``,
    formulas neutralised."""
    if name in ("latitude", "longitude"):
        loc = doc.get("location")
        return str(loc["lat" if name == "latitude" else "lon"]) if loc else ""
    value = doc.get(name, "")
    if isinstance(value, list):
        return neutralised("|".join(str(v) for v in value))
    return "" if value is None else neutralised(str(value))


def pages(backend: SearchBackend, query: Query, cursor: str | None) -> Iterator[SearchResult]:
    """Consecutive pages of matches by id, from ``cursor`` (the download's stream)."""
    while True:
        page = backend.search(SearchRequest(query=query, size=MAX_PAGE_SIZE, cursor=cursor,
                                            sort=(Sort("id"),)))
        yield page
        if not page.next_cursor:
            return
        cursor = page.next_cursor


def download_page(params: Params, query: Query, header: list[str], fields: list[str],
                  fmt: str, filename: str) -> Response:
    """One answer of a download: rows until the byte budget, then a ``rel=next`` link."""
    cursor = p.one(params, "cursor")
    out = io.StringIO()
    writer = None
    if fmt in ("csv", "tsv"):
        # CRLF rows (RFC 4180): the writer then quotes a cell holding a lone CR too, which
        # a spreadsheet would otherwise take for a new row (starting a formula).
        writer = csv.writer(out, delimiter="\t" if fmt == "tsv" else ",",
                            lineterminator="\r\n")
        if not cursor:
            writer.writerow(header)
    else:
        out.write("[")
    first = True
    next_cursor: str | None = None
    for page in pages(search_backend(), query, cursor):
        for doc in page.hits:
            if writer is not None:
                writer.writerow([cell(doc, c) for c in fields])
            else:
                out.write(("" if first else ",\n") + json.dumps(doc, separators=(",", ":")))
            first = False
        next_cursor = page.next_cursor
        if out.tell() >= DOWNLOAD_BUDGET:
            break
    else:
        next_cursor = None
    if writer is None:
        out.write("]\n")
    headers: dict[str, str | list[str]] = {
        "Content-Type": f"{CONTENT_TYPES[fmt]}; charset=utf-8",
        "Content-Disposition": f'attachment; filename="{filename}"'}
    if next_cursor:
        link = url(current_path(), p.with_params(params, cursor=next_cursor))
        headers["Link"] = f'<{link}>; rel="next"'
        headers["X-Next-Cursor"] = next_cursor
    return Response(out.getvalue(), status_code=200, headers=headers)


@route("/download", "Every column of any filtered result as CSV, TSV or JSON; large results "
       "continue through the 'Link: rel=next' header (cursor). CSV and TSV cells starting "
       "with = + - @, tab or CR (after any apostrophes) get one more leading apostrophe, so "
       "no spreadsheet runs them as formulas; JSON carries every value unchanged.",
       (P_Q, P_TYPE, P_CURSOR, *GEO_PARAMS,
        Param("format", "Output format.", enum=("csv", "tsv", "json"))),
       field_filters=True, produces=("text/csv", "text/tab-separated-values",
                                     "application/json"))
def download(params: Params) -> Response:
    kind = p.record_type(params)
    fmt = p.one(params, "format") or "csv"
    if fmt not in CONTENT_TYPES:
        raise ApiError(400, "format must be csv, tsv or json")
    query = p.query(params, text_param="q", kind=kind, geo=True)
    cols = columns(kind)
    ext = {"csv": "csv", "tsv": "txt", "json": "json"}[fmt]
    return download_page(params, query, cols, cols, fmt, f"IMAGE_{kind or 'records'}.{ext}")
