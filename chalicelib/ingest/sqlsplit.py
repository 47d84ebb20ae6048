"""Split a PostgreSQL dump into statements, streaming, without loading it whole.

pglast parses statements but cannot stream a 500 MB file, so this splitter cuts the text at
top-level semicolons while respecting quotes, E'' escapes, "identifiers", $dollar$ quotes
and comments, and passes COPY ... FROM stdin data lines through untouched. Lines are
decoded one at a time so that a bad byte is reported on its exact line.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path
from typing import BinaryIO, Literal

from chalicelib.ingest.errors import UnreadableFile

Kind = Literal["sql", "data"]

_SPECIAL = re.compile(r"\\|'|\"|\$[A-Za-z_0-9]*\$|--|/\*|\*/|;")
_COPY_FROM_STDIN = re.compile(r"^\s*COPY\b.*\bFROM\s+stdin\b", re.IGNORECASE | re.DOTALL)
_CLIENT_ENCODING = re.compile(
    r"^\s*SET\s+client_encoding\s*(?:=|TO)\s*'([^']+)'", re.IGNORECASE)
_PYTHON_ENCODINGS = {"utf8": "utf-8", "unicode": "utf-8", "latin1": "latin-1",
                     "latin9": "iso8859-15", "sql_ascii": "utf-8", "win1252": "cp1252"}

OUT, SQ, ESQ, DQ, DOLLAR, BLOCK = range(6)


def iter_statements(path: Path, display: str) -> Iterator[tuple[Kind, int, str]]:
    """Yield ("sql", first line, statement text) and ("data", line, COPY data line)."""
    with open(path, "rb") as fh:
        yield from _split(fh, display)


def _split(fh: BinaryIO, display: str) -> Iterator[tuple[Kind, int, str]]:
    encoding = "utf-8"
    buf: list[str] = []
    start = 0
    state = OUT
    tag = ""
    depth = 0
    copying = False
    lineno = 0
    for raw in fh:
        lineno += 1
        try:
            line = raw.decode(encoding)
        except UnicodeDecodeError as exc:
            raise UnreadableFile.one(
                display, f"Line {lineno} is not valid {encoding} text (byte "
                f"0x{raw[exc.start]:02x} at character {exc.start + 1}): export the dump again "
                "with pg_dump, without converting its encoding.", code="bad-encoding",
                line=lineno) from exc
        if lineno == 1 and line.startswith("\ufeff"):
            line = line[1:]
        if copying:
            if line.rstrip("\r\n") == "\\.":
                copying = False
            else:
                yield "data", lineno, line.rstrip("\r\n")
            continue
        if not buf and state == OUT:
            stripped = line.lstrip()
            if not stripped or stripped.startswith("--"):
                continue
            start = lineno
            # fast path: a whole statement on one plain line (the usual pg_dump INSERT)
            if _one_statement(line):
                text = line.rstrip()
                if text.endswith(";"):
                    if text[:1] in "Ss":
                        m = _CLIENT_ENCODING.match(text)
                        if m:
                            encoding = _PYTHON_ENCODINGS.get(m[1].lower().replace("-", ""),
                                                             encoding)
                    yield "sql", start, text
                    copying = text[:1] in "Cc" and bool(_COPY_FROM_STDIN.match(text))
                    continue
        # slow path: scan the line's special characters
        pos = 0
        skip_at = -1
        for m in _SPECIAL.finditer(line):
            tok, at = m.group(), m.start()
            if at == skip_at:
                continue
            if state == OUT:
                if tok == "'":
                    prev = line[at - 1] if at else (buf[-1][-1:] if buf else "")
                    before = line[at - 2] if at >= 2 else ""
                    state = ESQ if prev in ("E", "e") and not (before.isalnum()
                                                             or before == "_") else SQ
                elif tok == '"':
                    state = DQ
                elif tok.startswith("$") and len(tok) >= 2:
                    state, tag = DOLLAR, tok
                elif tok == "--":
                    break
                elif tok == "/*":
                    state, depth = BLOCK, 1
                elif tok == ";":
                    buf.append(line[pos:at + 1])
                    text = "".join(buf).strip()
                    buf, pos = [], at + 1
                    if text.lstrip().startswith("--") or not text:
                        continue
                    mm = _CLIENT_ENCODING.match(text)
                    if mm:
                        encoding = _PYTHON_ENCODINGS.get(mm[1].lower().replace("-", ""),
                                                         encoding)
                    yield "sql", start, text
                    if _COPY_FROM_STDIN.match(text):
                        copying = True
                        break
                    start = lineno
            elif state == SQ:
                if tok == "'":
                    state = OUT
            elif state == ESQ:
                if tok == "\\":
                    skip_at = m.end()
                elif tok == "'":
                    state = OUT
            elif state == DQ:
                if tok == '"':
                    state = OUT
            elif state == DOLLAR:
                if tok == tag:
                    state = OUT
            elif state == BLOCK:
                if tok == "/*":
                    depth += 1
                elif tok == "*/":
                    depth -= 1
                    if depth == 0:
                        state = OUT
        if copying:
            buf = []
            continue
        rest = line[pos:]
        if buf or rest.strip():
            if not buf:
                start = lineno if rest.strip() else start
            buf.append(rest)
    leftover = "".join(buf).strip()
    if state != OUT or (leftover and not _only_comments(leftover)):
        what = {SQ: "a quoted string", ESQ: "a quoted string", DQ: "a quoted name",
                DOLLAR: f"a {tag} quoted text", BLOCK: "a /* comment"}.get(state, "a statement")
        raise UnreadableFile.one(
            display, f"The dump ends inside {what} that starts near line {start}: the file is "
            "truncated or a quote is not closed. Export the dump again.",
            code="bad-sql", line=start)
    if copying:
        raise UnreadableFile.one(
            display, "The dump ends inside COPY data (no closing '\\.' line): the file is "
            "truncated. Export the dump again.", code="bad-sql", line=lineno)


def _one_statement(line: str) -> bool:
    """True when ``line`` holds at most one statement whose only top-level ``;`` is its
    last character (before the newline), with nothing the slow scanner must see: no
    backslash, and no ``"``, ``$``, ``--`` or ``/*`` outside single-quoted strings. Text
    inside quotes may hold any of ``;``, ``$``, ``--`` (``'Qualität; ok'``). Conservative:
    False sends the line to the full scanner, which is always right."""
    if "\\" in line:
        return False
    if "'" in line:
        parts = line.split("'")
        if len(parts) % 2 == 0:  # an odd number of quotes: a string goes on to the next line
            return False
        outside = "".join(parts[::2])
    else:
        outside = line
    return (outside.count(";") == 1 and outside.rstrip().endswith(";") and '"' not in outside
            and "$" not in outside and "--" not in outside and "/*" not in outside)


def _only_comments(text: str) -> bool:
    return all(not ln.strip() or ln.strip().startswith("--") for ln in text.splitlines())
