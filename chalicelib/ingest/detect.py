"""Guess an upload's format from its content, not its name.

Users rename files and pick the wrong data source type; reading the first bytes (and,
for xlsx, the zip directory) tells us what the file really is.
"""

from __future__ import annotations

import io
import re
import zipfile
from pathlib import Path

FORMATS = ("template", "crbanim", "cryoweb", "biosamples", "json")
HEAD_BYTES = 64 * 1024

ZIP_MAGIC = b"PK\x03\x04"
OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"  # legacy .xls
TEMPLATE_SHEETS = ("breed", "animal", "sample")
CRBANIM_MARKERS = ("sample_identifier", "animal_id", "ebi_biosample_identifier",
                   "species_latin_name", "sample_storage_temperature", "brc_identifier")
_SQL_START = re.compile(
    r"^(SET|INSERT\s+INTO|SELECT|COPY|BEGIN|COMMIT|CREATE|ALTER|COMMENT|START\s+TRANSACTION)\b",
    re.IGNORECASE)

#: file extension → formats whose content may carry it
EXTENSIONS: dict[str, tuple[str, ...]] = {
    ".xlsx": ("template",),
    ".xlsm": ("template",),
    ".csv": ("crbanim",),
    ".tsv": ("crbanim",),
    ".txt": ("crbanim", "cryoweb"),
    ".sql": ("cryoweb",),
    ".dump": ("cryoweb",),
    ".json": ("biosamples", "json"),
}

LABELS = {
    "template": "an IMAGE Template spreadsheet (xlsx)",
    "crbanim": "a CRB-Anim export (CSV)",
    "cryoweb": "a CryoWeb dump (SQL)",
    "biosamples": "BioSamples JSON",
    "json": "an IMAGE Pool JSON export",
}


def _xlsx_sheets(data: bytes | Path) -> list[str] | None:
    """Sheet names from xl/workbook.xml, None when the zip cannot be read."""
    try:
        source = io.BytesIO(data) if isinstance(data, bytes) else data
        with zipfile.ZipFile(source) as zf:
            info = zf.getinfo("xl/workbook.xml")
            if info.file_size > 10 * 1024 * 1024:
                return None
            xml = zf.read(info).decode("utf-8", "replace")
    except (zipfile.BadZipFile, KeyError, OSError, ValueError):
        return None
    return re.findall(r'<(?:\w+:)?sheet\b[^>]*\bname="([^"]*)"', xml)


def _decode_head(head: bytes) -> str:
    if head.startswith(b"\xef\xbb\xbf"):
        head = head[3:]
    try:
        return head.decode("utf-8")
    except UnicodeDecodeError as exc:
        if exc.start >= len(head) - 4:  # a multi-byte character cut by the head limit
            return head[:exc.start].decode("utf-8")
        return head.decode("latin-1")


def detect_format(path_or_bytes_head: str | Path | bytes, filename: str | None = None,
                  ) -> str | None:
    """One of ``FORMATS`` judged by content, or None when the content is not recognised.

    ``path_or_bytes_head`` is a path (the whole file is available, so an xlsx's sheet
    names can be read) or the first bytes of the upload. ``filename`` only breaks the tie
    for a zip given as a truncated head.
    """
    full: Path | bytes
    if isinstance(path_or_bytes_head, bytes):
        head = path_or_bytes_head[:HEAD_BYTES]
        full = path_or_bytes_head
    else:
        full = Path(path_or_bytes_head)
        with open(full, "rb") as fh:
            head = fh.read(HEAD_BYTES)
    if not head:
        return None
    if head.startswith(ZIP_MAGIC):
        sheets = _xlsx_sheets(full)
        if sheets is not None:
            return "template"
        # a damaged workbook, or a head too short to hold the zip directory: trust the name
        if filename and filename.lower().endswith((".xlsx", ".xlsm")):
            return "template"
        return None
    if head.startswith(OLE_MAGIC) or b"\x00" in head[:4096]:
        return None
    text = _decode_head(head).lstrip()
    if text.startswith(("{", "[")):
        return _json_kind(text)
    first_lines = [ln for ln in text.splitlines()[:200]]
    if _looks_like_sql(first_lines):
        return "cryoweb"
    if first_lines and _looks_like_crbanim(first_lines[0]):
        return "crbanim"
    return None


def _json_kind(text: str) -> str | None:
    if '"characteristics"' in text:
        return "biosamples"
    if '"records"' in text or ('"material"' in text and '"attributes"' in text):
        return "json"
    if text.startswith("[") and text[1:].strip() in ("", "]"):
        return "json"  # an empty list: the project's own (empty) export
    return None


def _looks_like_sql(lines: list[str]) -> bool:
    if any("PostgreSQL database dump" in ln for ln in lines[:20]):
        return True
    for ln in lines:
        stripped = ln.strip()
        if not stripped or stripped.startswith("--"):
            continue
        return bool(_SQL_START.match(stripped))
    return False


def _looks_like_crbanim(header: str) -> bool:
    lowered = header.lower()
    return sum(marker in lowered for marker in CRBANIM_MARKERS) >= 3
