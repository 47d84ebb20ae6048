"""DAD-IS breed links: (species, supplied breed, country) → FAO's breed page.

Why: the old Common Data Pool linked each animal's supplied breed to FAO DAD-IS (the world
breed registry), but only through a manual, never-refreshed PATCH pass. Here the link is a
pure lookup done while transforming every harvested record, so it is refreshed on every
run. Two sources feed the table:

* ``data/custom_dad-is.csv`` – the 62 hand-curated links of the old CDP (copied from
  ``/work/shared/data/custom_dad-is.csv``, Apache-2.0, originally
  ``image_backend/backend/management/commands/custom_dad-is.csv``), ``is_custom=True``;
* an operator's DAD-IS export (``Report_Export_Data.csv`` from
  http://www.fao.org/dad-is/dataexport/en/), read with :func:`load_dadis_export`.

Matching follows the old importer: case-insensitive on the supplied breed against
``supplied_breed`` (custom rows), ``most_common_name``, ``transboundary_name`` and every
``other_name``, for the same species and country.
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Any
from urllib.parse import quote

DATA_DIR = Path(__file__).with_name("data")
CUSTOM_CSV = DATA_DIR / "custom_dad-is.csv"

#: Scientific name → common name: the 14 rows the old CDP seeded (migration 0004), with
#: the scientific names IMAGE records use (seed terms of the validator).
SPECIES_COMMON_NAMES: dict[str, str] = {
    "Equus asinus": "Ass",
    "Bos taurus": "Cattle",
    "Gallus gallus": "Chicken",
    "Cervidae": "Deer",
    "Anas platyrhynchos": "Duck",
    "Capra hircus": "Goat",
    "Anser anser": "Goose",
    "Equus caballus": "Horse",
    "Sus scrofa": "Pig",
    "Oryctolagus cuniculus": "Rabbit",
    "Ovis aries": "Sheep",
    "Meleagris gallopavo": "Turkey",
    "Oncorhynchus mykiss": "Rainbow trout",
    "Canis lupus familiaris": "Dog",
}
_COMMON_TO_SCIENTIFIC = {v.lower(): k for k, v in SPECIES_COMMON_NAMES.items()}
#: DAD-IS export spellings of common names that differ from the table above.
_COMMON_ALIASES = {"pig (domestic)": "Sus scrofa", "duck (domestic)": "Anas platyrhynchos",
                   "goose (domestic)": "Anser anser", "donkey": "Equus asinus",
                   "cattle": "Bos taurus", "deer": "Cervidae"}

DADIS_URL = ("https://fao-dadis-breed-detail.firebaseapp.com/?country={iso3}"
             "&specie={common}&breed={breed}")


def common_name(scientific_name: str) -> str:
    """The species' common name, or ``""`` when unknown."""
    return SPECIES_COMMON_NAMES.get(scientific_name, "")


def scientific_name(common: str) -> str | None:
    """The scientific name for a DAD-IS common species name, if known."""
    key = common.strip().lower()
    return _COMMON_TO_SCIENTIFIC.get(key) or _COMMON_ALIASES.get(key)


@dataclass(frozen=True, slots=True)
class DadisLink:
    """One breed link, in the old CDP's ``DADISLink`` shape."""

    id: int
    species: str
    supplied_breed: str
    country: str
    iso3: str
    most_common_name: str
    transboundary_name: str = ""
    other_name: tuple[str, ...] = ()
    dadis_url: str = ""
    is_custom: bool = False

    @property
    def url(self) -> str:
        """The explicit URL, else the one the old CDP built (``models.py:208-219``)."""
        if self.dadis_url:
            return self.dadis_url
        return DADIS_URL.format(iso3=quote(self.iso3), common=quote(common_name(self.species)),
                                breed=quote(self.most_common_name))

    def to_dict(self) -> dict[str, Any]:
        """The CDP JSON shape (without ``url``, which the API adds from ``id``)."""
        return {
            "id": self.id,
            "species": {"scientific_name": self.species,
                        "common_name": common_name(self.species)},
            "supplied_breed": self.supplied_breed,
            "country": self.country,
            "iso3": self.iso3,
            "most_common_name": self.most_common_name,
            "transboundary_name": self.transboundary_name,
            "other_name": list(self.other_name),
            "dadis_url": self.url,
            "is_custom": self.is_custom,
        }

    def names(self) -> Iterable[str]:
        """Every breed name this link answers to."""
        yield self.supplied_breed
        yield self.most_common_name
        yield self.transboundary_name
        yield from self.other_name


def _split_names(text: str) -> tuple[str, ...]:
    return tuple(n.strip() for n in text.split(",") if n.strip())


@dataclass
class DadisTable:
    """All known links, indexed for the per-record lookup."""

    links: list[DadisLink] = field(default_factory=list)
    _index: dict[tuple[str, str, str], DadisLink] = field(default_factory=dict, repr=False)

    def add(self, link: DadisLink) -> None:
        """Add a link; earlier links win (custom ones are loaded first)."""
        self.links.append(link)
        for name in link.names():
            if name:
                key = (link.species.lower(), link.country.lower(), name.strip().lower())
                self._index.setdefault(key, link)

    def lookup(self, species: str, supplied_breed: str, country: str) -> DadisLink | None:
        """The link for an animal, matching the breed name case-insensitively."""
        if not (species and supplied_breed and country):
            return None
        return self._index.get((species.lower(), country.lower(),
                                supplied_breed.strip().lower()))

    def by_id(self, link_id: int) -> DadisLink | None:
        """The link with this id (ids are 1-based positions)."""
        return self.links[link_id - 1] if 0 < link_id <= len(self.links) else None

    def extend_from_export(self, rows: Iterable[Mapping[str, str]]) -> int:
        """Add the rows of a DAD-IS export; returns how many were usable."""
        added = 0
        for row in rows:
            species = scientific_name(row.get("species", ""))
            most_common = (row.get("most_common_name") or "").strip()
            country = (row.get("country") or "").strip()
            if not species or not most_common or not country:
                continue
            self.add(DadisLink(
                id=len(self.links) + 1, species=species, supplied_breed=most_common,
                country=country, iso3=(row.get("iso3") or "").strip(),
                most_common_name=most_common,
                transboundary_name=(row.get("transboundary_name") or "").strip(),
                other_name=_split_names(row.get("other_name") or ""),
                dadis_url=(row.get("dadis_url") or "").strip(), is_custom=False))
            added += 1
        return added


def _normalise_header(name: str) -> str:
    return re.sub(r"[^a-z0-9]+", "_", name.strip().lower()).strip("_")


def read_custom_csv(text: str) -> list[DadisLink]:
    """Parse the old CDP's ``custom_dad-is.csv`` (semicolon separated)."""
    reader = csv.DictReader(io.StringIO(text), delimiter=";")
    links = []
    for i, row in enumerate(reader, start=1):
        links.append(DadisLink(
            id=i, species=row["species"].strip(), supplied_breed=row["supplied_breed"].strip(),
            country=row["country"].strip(), iso3=row["iso3"].strip(),
            most_common_name=row["most_common_name"].strip(),
            transboundary_name=(row.get("transboundary_name") or "").strip(),
            other_name=_split_names(row.get("other_name") or ""),
            dadis_url=(row.get("dadis_url") or "").strip(), is_custom=True))
    return links


def parse_dadis_export(text: str, skip_lines: int = 2) -> list[dict[str, str]]:
    """Rows of a DAD-IS export CSV as dicts with normalised headers.

    FAO's export starts with two title lines; the dialect (comma or semicolon) is sniffed,
    as the old ``process_fao_metadata.py`` did. Extra cells beyond the header are ignored
    (the old script crashed on them).
    """
    lines = text.splitlines()[skip_lines:]
    body = "\n".join(lines)
    try:
        dialect: Any = csv.Sniffer().sniff(body[:4096], delimiters=",;\t")
    except csv.Error:
        dialect = csv.excel
    reader = csv.reader(io.StringIO(body), dialect)
    header = next(reader, None)
    if not header:
        return []
    keys = [_normalise_header(h) for h in header]
    aliases = {"specie": "species", "breed_most_common_name": "most_common_name",
               "iso3_code": "iso3", "other_names": "other_name"}
    keys = [aliases.get(k, k) for k in keys]
    return [dict(zip(keys, row, strict=False)) for row in reader if any(c.strip() for c in row)]


def load_dadis_export(path: str | Path, table: DadisTable | None = None) -> DadisTable:
    """Add an operator's DAD-IS export to ``table`` (default: a copy of the built-in one)."""
    target = table if table is not None else build_table()
    target.extend_from_export(parse_dadis_export(Path(path).read_text("utf-8-sig")))
    return target


def build_table(custom_csv: Path = CUSTOM_CSV) -> DadisTable:
    """A new table holding the custom links."""
    table = DadisTable()
    for link in read_custom_csv(custom_csv.read_text("utf-8")):
        table.add(link)
    return table


@lru_cache(maxsize=1)
def default_table() -> DadisTable:
    """The built-in table (custom links only), loaded once per process."""
    return build_table()
