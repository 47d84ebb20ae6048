"""Helpers shared by the format parsers: value normalisation, interning, size checks.

Kept here so that every format writes dates, durations and coordinates the same way the
ruleset expects them (``YYYY-MM-DD`` units, singular time units, ``decimal degrees``).
"""

from __future__ import annotations

import datetime as dt
import gc
import re
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from chalicelib.ingest.errors import UnreadableFile
from chalicelib.records import AttributeValue

DEFAULT_MAX_BYTES = 500 * 1024 * 1024
"""Uploads larger than this are refused before any parsing (a national CryoWeb dump is a
few hundred MB; anything bigger is almost certainly the wrong file)."""

DECIMAL_DEGREES = "decimal degrees"
MISSING_GEO = "missing geographic information"
UNKNOWN_ACCURACY = "unknown accuracy level"

#: Every attribute name of the IMAGE ruleset, spelled exactly as the ruleset spells it.
RULESET_NAMES: tuple[str, ...] = (
    "Data source ID", "Alternative id", "Description", "Project", "Submission title",
    "Submission description", "Material", "Person last name", "Person initial",
    "Person first name", "Person email", "Person affiliation", "Person role",
    "Organization name", "Organization address", "Organization uri", "Organization country",
    "Organization role", "Publication DOI", "Gene bank name", "Gene bank country",
    "Data source type", "Data source version", "Species", "Child of", "Supplied breed",
    "EFABIS Breed country", "Mapped breed", "Sex", "Birth date", "Birth location",
    "Birth location longitude", "Birth location latitude", "Birth location accuracy",
    "Derived from", "Specimen collection protocol", "Collection date",
    "Collection place latitude", "Collection place longitude", "Collection place",
    "Collection place accuracy", "Organism part", "Developmental stage",
    "Physiological stage", "Animal age at collection", "Availability", "Sample storage",
    "Sample storage processing", "Sampling to preparation interval",
)

TIME_UNITS = ("minute", "hour", "day", "week", "month", "year")

_DATE_FULL = re.compile(r"^(\d{4})-(\d{1,2})-(\d{1,2})(?:[ T]\d{1,2}:\d{2}(?::\d{2}(?:\.\d+)?)?)?$")
_DATE_MONTH = re.compile(r"^(\d{4})-(\d{1,2})$")
_DATE_YEAR = re.compile(r"^(\d{4})$")
_DURATION = re.compile(
    r"^\s*(\d+(?:[.,]\d+)?)\s*(minute|hour|day|week|month|year)s?\s*$", re.IGNORECASE)
_ACCESSION = re.compile(r"^SAM(?:EA|N|D|EG|E)?[A-Z]?\d+$")
_ONTOLOGY_ID = re.compile(r"^([A-Za-z][A-Za-z0-9]*)[:_](\d+)$")


class Interner:
    """Shares identical ``AttributeValue`` objects between records.

    Species, breeds, countries, accuracy labels repeat on every row; sharing one frozen
    object per distinct value keeps a 400,000-record parse within a Lambda's memory.
    """

    __slots__ = ("_cache", "_limit", "_texts")

    def __init__(self, limit: int = 200_000) -> None:
        self._cache: dict[tuple[str, str | None, tuple[str, ...]], AttributeValue] = {}
        self._texts: dict[str, AttributeValue] = {}
        self._limit = limit

    def text(self, value: str) -> AttributeValue:
        """``self(value)`` for a plain text value (no units, no terms), a little faster."""
        found = self._texts.get(value)
        if found is None:
            found = AttributeValue(value)
            if len(self._texts) < self._limit:
                self._texts[value] = found
        return found

    def __call__(self, value: str, units: str | None = None,
                 terms: tuple[str, ...] = ()) -> AttributeValue:
        key = (value, units, terms)
        found = self._cache.get(key)
        if found is None:
            found = AttributeValue(value, units, terms)
            if len(self._cache) < self._limit:
                self._cache[key] = found
        return found


@contextmanager
def gc_paused() -> Iterator[None]:
    """Pause the cyclic garbage collector while a parser builds its records.

    A big parse allocates millions of acyclic containers (records, their attribute dicts
    and lists); each allocation burst makes the collector traverse the whole, growing heap
    again, which costs more than half of a CryoWeb parse. Parsers create no reference
    cycles worth collecting, and reference counting still frees everything else, so memory
    stays the same. The previous state is restored afterwards, also on errors.
    """
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()


def normalize_date(value: object) -> tuple[str, str] | None:
    """A date cell or text as (value, units) in one of the ruleset's date forms.

    Returns None when the value is not a date the ruleset accepts (the caller reports it).
    """
    if isinstance(value, dt.datetime):
        return value.date().isoformat(), "YYYY-MM-DD"
    if isinstance(value, dt.date):
        return value.isoformat(), "YYYY-MM-DD"
    if isinstance(value, int | float) and not isinstance(value, bool):
        if float(value).is_integer() and 1000 <= value <= 9999:
            return str(int(value)), "YYYY"
        return None
    text = str(value).strip()
    m = _DATE_FULL.match(text)
    if m:
        try:
            day = dt.date(int(m[1]), int(m[2]), int(m[3]))
        except ValueError:
            return None
        return day.isoformat(), "YYYY-MM-DD"
    m = _DATE_MONTH.match(text)
    if m:
        if not 1 <= int(m[2]) <= 12:
            return None
        return f"{m[1]}-{int(m[2]):02d}", "YYYY-MM"
    if _DATE_YEAR.match(text):
        return text, "YYYY"
    return None


def parse_duration(value: object) -> tuple[str, str] | None:
    """``"10 months"`` → ("10", "month"); None when no number+unit can be read."""
    if value is None or isinstance(value, bool):
        return None
    m = _DURATION.match(str(value))
    if not m:
        return None
    return m[1].replace(",", "."), m[2].lower()


def parse_coordinate(value: object, *, limit: float) -> str | None:
    """A latitude (limit 90) or longitude (limit 180) as text, None when not a number in
    range."""
    if isinstance(value, bool):
        return None
    if isinstance(value, int | float):
        number = float(value)
        text = repr(value) if isinstance(value, float) else str(value)
    else:
        text = str(value).strip().replace(",", ".")
        try:
            number = float(text)
        except ValueError:
            return None
    if not -limit <= number <= limit or number != number:  # NaN check
        return None
    return text


def is_accession(text: str) -> bool:
    """True for BioSamples accessions (SAMEA..., SAMN..., SAMD...)."""
    return bool(_ACCESSION.match(text))


def ontology_id(text: str | None) -> str | None:
    """``UBERON:0000479`` or ``UBERON_0000479`` → ``UBERON_0000479``; None otherwise."""
    if not text:
        return None
    m = _ONTOLOGY_ID.match(text.strip())
    if not m:
        return None
    return f"{m[1].upper()}_{m[2]}"


def cell_text(value: object) -> str | None:
    """A spreadsheet/CSV cell as stripped text, None when empty; 12.0 → "12"."""
    if value is None:
        return None
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float) and value.is_integer() and abs(value) < 1e15:
        return str(int(value))
    if isinstance(value, dt.datetime):
        return value.date().isoformat() if value.time() == dt.time() else value.isoformat()
    if isinstance(value, dt.date):
        return value.isoformat()
    text = str(value).strip()
    return text or None


def check_size(path: Path, display: str, max_bytes: int) -> int:
    """Refuse empty and oversized files before opening them; returns the size."""
    size = path.stat().st_size
    if size == 0:
        raise UnreadableFile.one(display, "The file is empty: upload the file again.",
                                 code="empty-file")
    if size > max_bytes:
        raise UnreadableFile.one(
            display,
            f"The file is {size / 1_048_576:.0f} MB, over the {max_bytes / 1_048_576:.0f} MB "
            "limit: split it into several submissions.",
            code="file-too-large")
    return size
