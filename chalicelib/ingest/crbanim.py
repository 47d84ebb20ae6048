"""CRB-Anim CSV export → records.

One row is one sample; the first row of an ``animal_ID`` also makes the animal. The file
is streamed through ``csv`` (quoted fields may span lines), after sniffing the delimiter
and the encoding, because the French network exports both UTF-8 and ISO-8859-1.
"""

from __future__ import annotations

import codecs
import csv
import re
from functools import cache
from pathlib import Path

from chalicelib.ingest.common import (
    MISSING_GEO,
    Interner,
    gc_paused,
    normalize_date,
    ontology_id,
)
from chalicelib.ingest.errors import UnreadableFile
from chalicelib.records import (
    AttributeValue,
    Level,
    Material,
    ParseResult,
    Problem,
    Record,
    Relationship,
    RelationshipType,
)

DATA_DIR = Path(__file__).parent / "data"

MANDATORY = (
    "sex", "species_latin_name", "country_of_origin", "breed_name", "animal_ID",
    "sample_bibliographic_references", "sample_identifier", "animal_birth_date",
    "sample_storage_temperature", "sample_type_name", "body_part_name", "sampling_date",
    "sampling_protocol_url", "sample_availability", "EBI_Biosample_identifier",
)
NULLS = ("", "\\N")
NOT_A_PART = ("unknown", "not relevant")
_TEMPERATURE = re.compile(r"^([+-]?\d+(?:[.,]\d+)?)")
_DOI_PREFIX = re.compile(r"^(?:doi:\s*|https?://(?:dx\.)?doi\.org/)", re.IGNORECASE)


@cache
def storage_mapping() -> dict[float, str]:
    """Storage temperature (°C) → IMAGE ``Sample storage`` label, from the shipped table."""
    out: dict[float, str] = {}
    with open(DATA_DIR / "crbanim_storage_mapping.csv", encoding="utf-8-sig") as fh:
        for row in csv.reader(fh, delimiter=";"):
            if len(row) < 2 or row[0] == "sample_storage_temperature":
                continue
            temp = _temperature(row[0])
            if temp is not None:
                out.setdefault(temp, row[1].strip())
    return out


@cache
def countries() -> dict[str, str]:
    """ISO 3166-1 alpha-2 code → country name."""
    with open(DATA_DIR / "countries.csv", encoding="utf-8") as fh:
        rows = list(csv.reader(fh, delimiter=";"))
    return {code.upper(): name for code, name in rows[1:]}


def _temperature(text: str) -> float | None:
    m = _TEMPERATURE.match(text.strip().replace(" ", ""))
    return float(m[1].replace(",", ".")) if m else None


def sniff_encoding(path: Path, display: str) -> str:
    """``utf-8-sig``, ``utf-8`` or ``cp1252``/``latin-1``; refuses UTF-16 and binaries."""
    with open(path, "rb") as fh:
        head = fh.read(4)
        if head.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)) or b"\x00" in head:
            raise _undecodable(display)
        fh.seek(0)
        decoder = codecs.getincrementaldecoder("utf-8")()
        utf8 = True
        nul = False
        while chunk := fh.read(1 << 20):
            nul = nul or b"\x00" in chunk
            if utf8:
                try:
                    decoder.decode(chunk)
                except UnicodeDecodeError:
                    utf8 = False
        if nul:
            raise _undecodable(display)
        if utf8:
            try:
                decoder.decode(b"", final=True)
            except UnicodeDecodeError:
                utf8 = False
    if utf8:
        return "utf-8-sig" if head.startswith(codecs.BOM_UTF8) else "utf-8"
    return _single_byte_encoding(path, display)


def _single_byte_encoding(path: Path, display: str) -> str:
    """``cp1252`` or ``latin-1`` for a file that is not UTF-8, but only when no line of it
    is UTF-8 either: a file mixing both (a Latin-1 row pasted among UTF-8 ones) read as
    cp1252 would garble every UTF-8 row silently, so it is refused, naming the lines."""
    first_utf8 = first_other = 0
    others = 0
    cp1252 = True
    with open(path, "rb") as fh:
        for number, line in enumerate(fh, start=1):
            if line.isascii():
                continue
            try:
                line.decode("utf-8")
            except UnicodeDecodeError:
                first_other = first_other or number
                others += 1
                if cp1252:
                    try:
                        line.decode("cp1252")
                    except UnicodeDecodeError:
                        cp1252 = False
            else:
                first_utf8 = first_utf8 or number
    if first_utf8:
        raise UnreadableFile.one(
            display, f"The file mixes two text encodings: line {first_utf8} (and maybe "
            f"others) is UTF-8, but line {first_other} is not ({others} line(s) in all, "
            f"probably ISO-8859-1), so no single reading gets every accented letter right. "
            f"Save the file again as 'CSV UTF-8', or retype the accented letters of line "
            f"{first_other}.", code="mixed-encoding", line=first_other)
    return "cp1252" if cp1252 else "latin-1"


def _undecodable(display: str) -> UnreadableFile:
    return UnreadableFile.one(
        display, "The file is neither UTF-8 nor ISO-8859-1 text (it looks like UTF-16 or a "
        "binary file): save it again as 'CSV UTF-8'.", code="bad-encoding")


def _sniff_delimiter(header_line: str) -> str:
    wanted = {c.lower() for c in MANDATORY}
    best, best_score = ",", -1
    for delimiter in (",", ";", "\t"):
        names = next(csv.reader([header_line], delimiter=delimiter), [])
        score = sum(n.strip().lower() in wanted for n in names)
        if score > best_score:
            best, best_score = delimiter, score
    return best


class _CrbAnimParser:
    def __init__(self, display: str) -> None:
        self.display = display
        self.result = ParseResult()
        self.av = Interner()
        self.storage = storage_mapping()
        self.countries = countries()

    def problem(self, message: str, row: int, line: int, column: str | None, code: str,
                level: Level = Level.ERROR) -> None:
        self.result.problems.append(Problem(
            file=self.display, message=message, level=level, row=row, line=line,
            column=column, code=code))

    def parse(self, path: Path) -> ParseResult:
        encoding = sniff_encoding(path, self.display)
        with open(path, encoding=encoding, newline="") as fh:
            first = fh.readline()
            delimiter = _sniff_delimiter(first)
            fh.seek(0)
            reader = csv.reader(fh, delimiter=delimiter, strict=False)
            try:
                header = [h.strip().lstrip("\ufeff") for h in next(reader, [])]
            except csv.Error as exc:
                raise UnreadableFile.one(self.display, f"The header line cannot be read: {exc}.",
                                         code="bad-csv", line=1) from exc
            index = {h.lower(): i for i, h in reversed(list(enumerate(header)))}
            missing = [c for c in MANDATORY if c.lower() not in index]
            if missing:
                raise UnreadableFile([Problem(
                    file=self.display, row=1, line=1, column=c, code="missing-column",
                    message=f"The mandatory column '{c}' is missing from the header line "
                    f"(missing: {', '.join(missing)}): export the file from CRB-Anim again.")
                    for c in missing])
            animals: dict[str, Record] = {}
            samples: set[str] = set()
            row_number, prev_line = 1, reader.line_num
            try:
                for values in reader:
                    row_number += 1
                    line = prev_line + 1
                    prev_line = reader.line_num
                    if not any(v.strip() for v in values):
                        continue
                    if len(values) != len(header):
                        self.problem(
                            f"The row has {len(values)} fields but the header has "
                            f"{len(header)}: check the delimiters and quotes of this row "
                            "(it is ignored).", row_number, line, None, "bad-row")
                        continue
                    row = {k: (None if values[i].strip() in NULLS else values[i].strip())
                           for k, i in index.items()}
                    self._row(row, row_number, line, animals, samples)
            except csv.Error as exc:
                raise UnreadableFile.one(
                    self.display, f"The CSV cannot be read after row {row_number}: {exc}. "
                    "Check for an unclosed quote.", code="bad-csv", row=row_number,
                    line=prev_line) from exc
        return self.result

    def _row(self, row: dict[str, str | None], number: int, line: int,
             animals: dict[str, Record], samples: set[str]) -> None:
        av = self.av
        sample_id, animal_id = row["sample_identifier"], row["animal_id"]
        accession = row["ebi_biosample_identifier"]
        if not sample_id:
            self.problem("The row has no sample_identifier: fill it in (the row is ignored).",
                         number, line, "sample_identifier", "missing-id")
            return
        if accession:
            self.result.skipped.append(Problem(
                file=self.display, level=Level.INFO, row=number, line=line,
                column="EBI_Biosample_identifier", code="already-accessioned",
                message=f"Sample '{sample_id}' is already in BioSamples as {accession}: the "
                "row was skipped."))
            return
        if sample_id in samples:
            self.problem(f"Sample id '{sample_id}' is used twice (this row is ignored): give "
                         "every sample its own id.", number, line, "sample_identifier",
                         "duplicate-id")
            return
        if not animal_id:
            self.problem(f"Sample '{sample_id}' has no animal_ID: write the id of the animal "
                         "it was taken from (the row is ignored).", number, line, "animal_ID",
                         "missing-animal")
            return
        samples.add(sample_id)
        species = self._species(row)
        if animal_id not in animals:
            animal = Record(id=animal_id, material=Material.ORGANISM)
            a = animal.attributes
            a["Data source ID"] = [av(animal_id)]
            a["Alternative id"] = [av(animal_id)]
            if species:
                a["Species"] = [species]
            if row["breed_name"]:
                a["Supplied breed"] = [av(row["breed_name"])]
            country = row["country_of_origin"]
            if country:
                name = self.countries.get(country.upper())
                if name is None:
                    self.problem(f"'{country}' is not an ISO 3166 two-letter country code "
                                 "(e.g. FR, IT): correct country_of_origin.", number, line,
                                 "country_of_origin", "unknown-country", Level.WARNING)
                    name = country
                a["EFABIS Breed country"] = [av(name)]
            sex = row["sex"]
            if sex:
                a["Sex"] = [av("record of unknown sex" if sex.lower() == "unknown" else sex)]
            self._date(animal, row, "animal_birth_date", "Birth date", number, line)
            a["Birth location accuracy"] = [av(MISSING_GEO)]
            animals[animal_id] = animal
            self.result.records.append(animal)
        sample = Record(id=sample_id, material=Material.SPECIMEN,
                        relationships=[Relationship(RelationshipType.DERIVED_FROM, animal_id)])
        s = sample.attributes
        s["Data source ID"] = [av(sample_id)]
        s["Alternative id"] = [av(sample_id)]
        if species:
            s["Species"] = [species]
        part, part_id = row["body_part_name"], row.get("body_part_identifier")
        if not part or part.lower() in NOT_A_PART:
            part, part_id = row["sample_type_name"], row.get("sample_type_identifier")
        if part:
            term = ontology_id(part_id)
            s["Organism part"] = [av(part, None, (term,) if term else ())]
        else:
            self.problem(f"Sample '{sample_id}' has no body_part_name nor sample_type_name: "
                         "fill one in.", number, line, "body_part_name", "missing-value")
        if row["sampling_protocol_url"]:
            s["Specimen collection protocol"] = [av(row["sampling_protocol_url"])]
        self._date(sample, row, "sampling_date", "Collection date", number, line)
        s["Collection place accuracy"] = [av(MISSING_GEO)]
        if row["sample_availability"]:
            s["Availability"] = [av(row["sample_availability"])]
        doi = row["sample_bibliographic_references"]
        if doi:
            s["Publication DOI"] = [av(_DOI_PREFIX.sub("", doi))]
        temp_text = row["sample_storage_temperature"]
        if temp_text:
            temp = _temperature(temp_text)
            label = self.storage.get(temp) if temp is not None else None
            if label is None:
                self.problem(f"Storage temperature '{temp_text}' has no IMAGE 'Sample storage' "
                             "label (known: -196°C, -80°C, -30°C, -20°C): the sample is "
                             "imported without Sample storage.", number, line,
                             "sample_storage_temperature", "unknown-storage", Level.WARNING)
            else:
                s["Sample storage"] = [av(label)]
        self.result.records.append(sample)

    def _species(self, row: dict[str, str | None]) -> AttributeValue | None:
        name, taxon = row["species_latin_name"], row.get("ncbi_taxo_id")
        term = f"NCBITaxon_{taxon}" if taxon and taxon.isdigit() else None
        if not name:
            return None
        return self.av(name, None, (term,) if term else ())

    def _date(self, rec: Record, row: dict[str, str | None], column: str, attr: str,
              number: int, line: int) -> None:
        raw = row[column.lower()]
        if not raw:
            return
        norm = normalize_date(raw)
        if norm is None:
            self.problem(f"'{raw}' is not a date: write it as YYYY-MM-DD, YYYY-MM or YYYY.",
                         number, line, column, "bad-date")
            return
        rec.attributes[attr] = [self.av(*norm)]


def parse(path: Path, display: str) -> ParseResult:
    """Parse a CRB-Anim CSV export (the caller has checked size and format)."""
    with gc_paused():
        return _CrbAnimParser(display).parse(path)
