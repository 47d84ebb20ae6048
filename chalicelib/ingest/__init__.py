"""Ingest: turn an uploaded file into canonical records plus located problems.

Pure code (no AWS, no HTTP): the Lambda handler, the offline CLI and the tests all call
``parse_file``. One module per format; this package only guesses the format, checks the
file's size and name against its content, and dispatches.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from chalicelib.ingest import biosamples_json, crbanim, cryoweb, export_json, template
from chalicelib.ingest.common import DEFAULT_MAX_BYTES, check_size
from chalicelib.ingest.detect import (
    EXTENSIONS,
    FORMATS,
    LABELS,
    OLE_MAGIC,
    ZIP_MAGIC,
    detect_format,
)
from chalicelib.ingest.errors import UnreadableFile
from chalicelib.records import ParseResult

__all__ = ["DEFAULT_MAX_BYTES", "FORMATS", "UnreadableFile", "detect_format", "normalize_format",
           "parse_file"]

PARSERS: dict[str, Callable[[Path, str], ParseResult]] = {
    "template": template.parse,
    "crbanim": crbanim.parse,
    "cryoweb": cryoweb.parse,
    "biosamples": biosamples_json.parse,
    "json": export_json.parse,
}

_ALIASES = {
    "template": "template", "xlsx": "template", "image template": "template",
    "crbanim": "crbanim", "crb-anim": "crbanim", "crb_anim": "crbanim", "csv": "crbanim",
    "cryoweb": "cryoweb", "sql": "cryoweb",
    "biosamples": "biosamples", "biosample": "biosamples", "biosamples json": "biosamples",
    "json": "json", "export": "json", "imagepool": "json",
}


def normalize_format(name: str) -> str | None:
    """A format name as users and the ruleset spell it (``CRB-Anim``) → a ``FORMATS`` key."""
    return _ALIASES.get(name.strip().lower())


def parse_file(path: str | Path, format: str | None = None, *,
               display_name: str | None = None,
               max_bytes: int = DEFAULT_MAX_BYTES) -> ParseResult:
    """Parse an upload into records, located problems and skipped rows.

    ``format`` is what the user chose (None: guess from content); ``display_name`` is the
    name the user uploaded (problems and the extension check use it; the path may be a
    temporary file). Raises ``UnreadableFile`` when nothing can be read.
    """
    path = Path(path)
    display = display_name or path.name
    check_size(path, display, max_bytes)
    with open(path, "rb") as fh:
        head = fh.read(4096)
    if head.startswith(OLE_MAGIC):
        raise UnreadableFile.one(
            display, "This is an old Excel .xls workbook: open it in Excel or LibreOffice and "
            "save it as .xlsx (Excel Workbook).", code="wrong-format")
    detected = detect_format(path, display)
    if detected is None and not head.startswith(ZIP_MAGIC) and (
            head.startswith((b"\xff\xfe", b"\xfe\xff")) or b"\0" in head):
        raise UnreadableFile.one(
            display, "The file is not UTF-8 or ISO-8859-1 text (it looks like UTF-16 or a "
            "binary file): save it again as UTF-8 (in Excel: 'CSV UTF-8').",
            code="bad-encoding")
    if detected is None and head.startswith(ZIP_MAGIC):
        raise UnreadableFile.one(
            display, "The file is a zip archive but not a readable xlsx workbook: upload the "
            "IMAGE Template saved as .xlsx.", code="broken-xlsx")
    chosen = normalize_format(format) if format else None
    if format and chosen is None:
        raise UnreadableFile.one(
            display, f"Unknown format '{format}': choose one of {', '.join(FORMATS)}.",
            code="unknown-format")
    if detected is None:
        expected = f" {LABELS[chosen]}" if chosen else ""
        raise UnreadableFile.one(
            display, "The file's content is not a format IMAGE Pool reads (IMAGE Template "
            "xlsx, CRB-Anim CSV, CryoWeb SQL dump, BioSamples JSON, IMAGE Pool JSON)"
            + (f"; it does not look like{expected}" if expected else "")
            + ". Check that you uploaded the right file.", code="unknown-format")
    if chosen is not None and chosen != detected:
        raise UnreadableFile.one(
            display, f"You chose {LABELS[chosen]}, but the file contains {LABELS[detected]}: "
            "choose the right data source type or upload the right file.",
            code="format-mismatch")
    suffix = Path(display).suffix.lower()
    if suffix in EXTENSIONS and detected not in EXTENSIONS[suffix]:
        raise UnreadableFile.one(
            display, f"The file is named '{suffix}' but contains {LABELS[detected]}: rename "
            "it or upload the right file.", code="extension-mismatch")
    return PARSERS[detected](path, display)
