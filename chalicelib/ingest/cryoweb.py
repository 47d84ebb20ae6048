"""CryoWeb dump (``pg_dump --data-only --column-inserts``) → records.

A Lambda has no PostgreSQL, so the dump is split statement by statement (streaming), every
statement is parsed by the real PostgreSQL parser (pglast), the rows of the seven tables
the IMAGE views need are kept (only the needed columns), and the views ``v_animal``,
``v_breeds_species``, ``v_protocols`` and ``v_vessels`` are evaluated with dicts.

Speed: consecutive INSERTs into the same table with the same column list are parsed as
one multi-row INSERT, and constants are read from pglast's JSON output by splitting it at
each ``A_Const`` (checked against the expected number of values; anything unusual falls
back to a full ``json.loads`` walk). A 500,000-statement dump parses in seconds.
"""

from __future__ import annotations

import csv
import datetime as dt
import json
import re
from collections.abc import Callable
from functools import cache
from pathlib import Path
from typing import Any

from pglast import parser as pgparser

from chalicelib.ingest.common import (
    DECIMAL_DEGREES,
    MISSING_GEO,
    UNKNOWN_ACCURACY,
    Interner,
    gc_paused,
    normalize_date,
)
from chalicelib.ingest.errors import UnreadableFile
from chalicelib.ingest.sqlsplit import iter_statements
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
#: The units of a full date (``normalize_date``); ages are computed only between two.
FULL_DATE = "YYYY-MM-DD"

#: columns of each table the views need, in the order kept in memory
NEEDED: dict[str, tuple[str, ...]] = {
    "animal": ("db_animal", "db_sire", "db_dam", "db_sex", "db_breed", "db_species",
               "birth_dt", "birth_year", "latitude", "longitude"),
    "transfer": ("db_animal", "ext_animal", "db_unit", "closing_dt"),
    "unit": ("db_unit", "ext_unit", "ext_id"),
    "codes": ("db_code", "ext_code"),
    "breeds_species": ("db_breed", "db_species", "efabis_mcname", "efabis_country"),
    "protocols": ("protocol_id", "protocol_name", "db_material_type"),
    "vessels": ("db_vessel", "ext_vessel", "db_animal", "protocol_id", "production_dt"),
}

#: full column order of the tables (cryoweb-schema.sql), for INSERTs without a column list
SCHEMA: dict[str, tuple[str, ...]] = {
    "animal": ("db_animal", "db_sire", "db_dam", "db_sex", "db_breed", "db_species",
               "birth_dt", "birth_year", "latitude", "longitude", "image_id", "db_org",
               "la_rep", "la_rep_dt", "last_change_dt", "last_change_user", "dirty",
               "chk_lvl", "guid", "owner", "version", "synch", "db_hybrid", "comment",
               "file_id"),
    "transfer": ("db_animal", "ext_animal", "db_unit", "id_set", "opening_dt", "closing_dt",
                 "last_change_dt", "last_change_user", "dirty", "chk_lvl", "guid", "owner",
                 "version", "synch"),
    "unit": ("db_unit", "ext_unit", "ext_id", "db_contact", "db_member", "opening_dt",
             "closing_dt", "last_change_dt", "last_change_user", "dirty", "chk_lvl", "guid",
             "owner", "version", "synch"),
    "codes": ("ext_code", "class", "db_code", "short_name", "long_name", "description",
              "opening_dt", "closing_dt", "last_change_dt", "last_change_user", "dirty",
              "chk_lvl", "guid", "owner", "version", "synch"),
    "breeds_species": ("breed_id", "db_breed", "db_species", "efabis_mcname",
                       "efabis_species", "efabis_country", "efabis_lang", "chk_lvl", "dirty",
                       "guid", "last_change_dt", "last_change_user", "owner", "synch",
                       "version"),
    "protocols": ("protocol_id", "protocol_name", "db_material_type", "comment", "chk_lvl",
                  "dirty", "guid", "last_change_dt", "last_change_user", "owner", "synch",
                  "version"),
    "vessels": ("db_vessel", "ext_vessel", "db_animal", "protocol_id", "production_dt",
                "freezing_dt", "db_vessel_type", "comment", "chk_lvl", "dirty", "guid",
                "last_change_dt", "last_change_user", "owner", "synch", "version",
                "db_contributor"),
}

SEXES = {"m": "male", "f": "female"}
BATCH_ROWS = 400

_CONST_MARK = '{"A_Const":{'
"""What starts every constant in pglast's JSON (a string value cannot contain it: JSON
escapes the quotes of text)."""
_JSON = json.JSONDecoder()
_COPY_ESCAPE = re.compile(r"\\(?:([0-7]{1,3})|x([0-9A-Fa-f]{1,2})|(.))")
_COPY_CHARS = {"b": "\b", "f": "\f", "n": "\n", "r": "\r", "t": "\t", "v": "\v"}

Row = tuple[Any, ...]


@cache
def species_synonyms() -> dict[str, tuple[str, str]]:
    """CryoWeb species code (lower case, no spaces) → (scientific name, NCBI taxon id)."""
    with open(DATA_DIR / "cryoweb_species.csv", encoding="utf-8") as fh:
        rows = list(csv.reader(fh, delimiter=";"))
    return {_synonym_key(r[0]): (r[1], r[2]) for r in rows[1:] if len(r) == 3}


def _synonym_key(word: str) -> str:
    return "".join(word.split()).lower()


def _piece_value(piece: str) -> str | None:
    """One constant of pglast's JSON, given the text after ``{"A_Const":{`` → text (None
    for NULL). The forms: ``"ival":{"ival":5}`` (``{}`` for 0), ``"fval":{"fval":"1.5"}``,
    ``"sval":{"sval":"x"}`` (``{}`` for ''), ``"boolval":{"boolval":true}`` (``{}`` for
    false), ``"bsval":{"bsval":"b01"}``, ``"isnull":true``."""
    first = piece[1]
    if first == "s" and piece[8] == '"':  # "sval":{"sval":"text"}: the usual case
        end = piece.index('"', 16)
        text = piece[16:end]
        if "\\" in text:
            return str(_JSON.raw_decode(piece, 15)[0])
        return text
    if first == "i":
        if piece[2] == "s":  # "isnull":true
            return None
        if piece[8] == '"':  # "ival":{"ival":5}
            return piece[15:piece.index("}", 15)]
    kind_end = piece.index('"', 1)
    kind = piece[1:kind_end]
    if kind == "isnull":
        return None
    at = kind_end + 3  # past '":{'
    if piece[at] == "}":
        return {"ival": "0", "boolval": "false"}.get(kind, "")
    at += len(kind) + 3  # past '"kind":'
    if piece[at] == '"':
        end = piece.index('"', at + 1)
        text = piece[at + 1:end]
        if "\\" in text:
            return str(_JSON.raw_decode(piece, at)[0])
        return text
    end = piece.index("}", at)
    raw = piece[at:end]
    if kind == "boolval":
        return "true" if raw == "true" else "false"
    return raw


def _node_value(node: dict[str, Any], display: str, line: int) -> str | None:
    """A VALUES item from the full JSON tree: constants, casts of constants."""
    if "TypeCast" in node:
        return _node_value(node["TypeCast"]["arg"], display, line)
    const = node.get("A_Const")
    if const is None:
        kind = next(iter(node), "?")
        raise UnreadableFile.one(
            display, f"The INSERT near line {line} holds an expression ({kind}) instead of a "
            "plain value: export the dump with pg_dump --data-only --column-inserts.",
            code="bad-sql", line=line)
    if const.get("isnull"):
        return None
    for kind in ("ival", "fval", "sval", "boolval", "bsval"):
        if kind in const:
            inner = const[kind].get(kind)
            if kind == "ival":
                return str(inner or 0)
            if kind == "boolval":
                return "true" if inner else "false"
            return "" if inner is None else str(inner)
    return None


def _copy_field(field: str) -> str | None:
    if field == "\\N":
        return None
    if "\\" not in field:
        return field

    def repl(m: re.Match[str]) -> str:
        if m[1]:
            return chr(int(m[1], 8))
        if m[2]:
            return chr(int(m[2], 16))
        return _COPY_CHARS.get(m[3], m[3])

    return _COPY_ESCAPE.sub(repl, field)


class _Tables:
    """Collects the needed rows of every table as statements are parsed."""

    def __init__(self, display: str) -> None:
        self.display = display
        self.rows: dict[str, list[Row]] = {t: [] for t in NEEDED}
        self._targets: dict[str, tuple[str, tuple[str, ...]] | None] = {}
        self._pending_prefix: str | None = None
        self._pending: list[tuple[int, str, str]] = []  # (line, full text, values text)
        self._copy: tuple[str, list[int | None]] | None = None

    # -- statement intake ---------------------------------------------------------------
    def statement(self, line: int, text: str) -> None:
        self._copy = None
        at = text.find(" VALUES (")
        if at > 0 and text[:12].upper() == "INSERT INTO " and "'" not in text[:at] \
                and text.endswith(");"):
            prefix = text[:at]
            if prefix != self._pending_prefix or len(self._pending) >= BATCH_ROWS:
                self.flush()
                self._pending_prefix = prefix
            self._pending.append((line, text, text[at + 8:-1]))
            return
        self.flush()
        self._generic(line, text)

    def copy_line(self, line: int, data: str) -> None:
        if self._copy is None:
            return
        table, idx = self._copy
        fields = data.split("\t")
        self.rows[table].append((*(
            _copy_field(fields[i]) if i is not None and i < len(fields) else None
            for i in idx), line))

    # -- parsing ------------------------------------------------------------------------
    def _parse_json(self, sql: str, line: int) -> str:
        try:
            return pgparser.parse_sql_json(sql)
        except pgparser.ParseError as exc:
            location = exc.args[1] if len(exc.args) > 1 else 0
            where = line + sql[:max(int(location or 0), 0)].count("\n")
            raise UnreadableFile.one(
                self.display, f"SQL syntax error at line {where}: {exc.args[0]}. The dump is "
                "damaged or was edited by hand: export it again with pg_dump --data-only "
                "--column-inserts.", code="bad-sql", line=where) from exc

    def _target(self, prefix: str, line: int) -> tuple[str, tuple[str, ...]] | None:
        if prefix not in self._targets:
            tree = json.loads(self._parse_json(prefix + " VALUES (NULL);", line))
            insert = tree["stmts"][0]["stmt"]["InsertStmt"]
            self._targets[prefix] = self._describe(insert)
        return self._targets[prefix]

    def _describe(self, insert: dict[str, Any]) -> tuple[str, tuple[str, ...]] | None:
        table = insert["relation"]["relname"].lower()
        if table not in NEEDED:
            return None
        cols = tuple(c["ResTarget"]["name"].lower() for c in insert.get("cols", []))
        return table, cols or SCHEMA[table]

    def flush(self) -> None:
        """Parse the pending INSERTs as one multi-row INSERT."""
        pending, prefix = self._pending, self._pending_prefix
        self._pending, self._pending_prefix = [], None
        if not pending or prefix is None:
            return
        first_line = pending[0][0]
        merged = prefix + " VALUES " + ",\n".join(p[2] for p in pending) + ";"
        try:
            out = pgparser.parse_sql_json(merged)
        except pgparser.ParseError:
            for line, text, _ in pending:  # find the statement at fault
                self._parse_json(text, line)
            for line, text, _ in pending:  # each is fine alone: parse them one by one
                self._generic(line, text)
            return
        target = self._target(prefix, first_line)
        if target is None:
            return
        table, cols = target
        pieces = out.split(_CONST_MARK)
        ncols = len(cols)
        nconst = len(pieces) - 1
        # every value must be a bare constant: then the only "location" keys are the
        # relation's, the column names' and the constants' (any other node adds its own)
        if (nconst != ncols * len(pending) or out.count('"List"') != len(pending)
                or out.count('"location"') != 1 + ncols + nconst):
            for line, text, _ in pending:
                self._generic(line, text)
            return
        idx = [cols.index(c) + 1 if c in cols else None for c in NEEDED[table]]
        batch: list[Row] = []
        append = batch.append
        base = 0
        try:
            for line, _, _ in pending:
                values: list[Any] = [_piece_value(pieces[base + i]) if i is not None
                                     else None for i in idx]
                values.append(line)
                append(tuple(values))
                base += ncols
        except (ValueError, IndexError):  # a constant of a form not known here
            for line, text, _ in pending:
                self._generic(line, text)
            return
        self.rows[table].extend(batch)

    def _generic(self, line: int, text: str) -> None:
        """Any statement: parse it fully; keep INSERT rows and note COPY targets."""
        tree = json.loads(self._parse_json(text, line))
        for item in tree.get("stmts", []):
            stmt = item.get("stmt", {})
            if "InsertStmt" in stmt:
                self._insert_tree(stmt["InsertStmt"], line)
            elif "CopyStmt" in stmt and stmt["CopyStmt"].get("is_from"):
                copy = stmt["CopyStmt"]
                table = copy["relation"]["relname"].lower()
                if table in NEEDED:
                    cols = tuple(a["String"]["sval"].lower() for a in copy.get("attlist", []))
                    cols = cols or SCHEMA[table]
                    self._copy = (table, [cols.index(c) if c in cols else None
                                          for c in NEEDED[table]])
                else:
                    self._copy = None

    def _insert_tree(self, insert: dict[str, Any], line: int) -> None:
        target = self._describe(insert)
        if target is None:
            return
        table, cols = target
        select = insert.get("selectStmt", {}).get("SelectStmt", {})
        idx = [cols.index(c) if c in cols else None for c in NEEDED[table]]
        for values in select.get("valuesLists", []):
            items = values["List"]["items"]
            converted = [_node_value(node, self.display, line) for node in items]
            self.rows[table].append((*(
                converted[i] if i is not None and i < len(converted) else None for i in idx),
                line))


class _Views:
    """The four CryoWeb views, evaluated over the collected rows with dicts."""

    def __init__(self, tables: _Tables, display: str) -> None:
        self.display = display
        self.result = ParseResult()
        self.av = Interner()
        rows = tables.rows
        self.codes = {r[0]: r[1] for r in rows["codes"]}
        self.units = {r[0]: (r[1], r[2]) for r in rows["unit"]}
        self.transfer: dict[str | None, tuple[str | None, str | None]] = {}
        for db_animal, ext_animal, db_unit, closing_dt, _ in rows["transfer"]:
            # an open transfer (no closing date) names the animal; else the first one seen
            if db_animal not in self.transfer or closing_dt is None:
                self.transfer[db_animal] = (ext_animal, db_unit)
        self.breeds: dict[tuple[str | None, str | None], tuple[str | None, str | None]] = {}
        self.breeds_by_code: dict[str | None, tuple[str | None, str | None]] = {}
        for db_breed, db_species, mcname, country, _ in rows["breeds_species"]:
            self.breeds.setdefault((db_breed, db_species), (mcname, country))
            self.breeds_by_code.setdefault(db_breed, (mcname, country))
        self.protocols = {r[0]: (r[1], r[2]) for r in rows["protocols"]}
        self.synonyms = species_synonyms()
        self._dates: dict[str, AttributeValue | None] = {}
        self.animal_rows = rows["animal"]
        self.vessel_rows = rows["vessels"]

    def problem(self, message: str, line: int, column: str | None, code: str,
                level: Level = Level.ERROR) -> None:
        self.result.problems.append(Problem(
            file=self.display, message=message, level=level, line=line, column=column,
            code=code))

    def ext_name(self, db_animal: str | None) -> str | None:
        """``ext_unit:::ext_id:::ext_animal`` as v_animal builds it (NULL if any is NULL)."""
        found = self.transfer.get(db_animal)
        if found is None or found[0] is None:
            return None
        unit = self.units.get(found[1])
        if unit is None or unit[0] is None or unit[1] is None:
            return None
        return f"{unit[0]}:::{unit[1]}:::{found[0]}"

    def species(self, code: str | None, line: int, warned: set[str]) -> AttributeValue | None:
        if code is None:
            return None
        found = self.synonyms.get(_synonym_key(code))
        if found is None:
            if code not in warned:
                warned.add(code)
                self.problem(f"Species '{code}' is not in the CryoWeb species synonym table: "
                             "its NCBI Taxonomy term must be chosen by hand.", line,
                             "db_species", "unknown-species", Level.WARNING)
            return self.av(code)
        return self.av(code, None, (f"NCBITaxon_{found[1]}",))

    def date(self, text: str) -> AttributeValue | None:
        """A date column as an interned value (dates repeat a lot), None if not a date."""
        try:
            return self._dates[text]
        except KeyError:
            norm = normalize_date(text)
            value = self.av(*norm) if norm is not None else None
            if len(self._dates) < 100_000:
                self._dates[text] = value
            return value

    def build(self) -> ParseResult:
        animals = self._animals()
        self.animal_rows = []
        self._vessels(animals)
        self.vessel_rows = []
        return self.result

    def _animals(self) -> dict[str | None, Record]:
        av, codes = self.av, self.codes
        by_db: dict[str | None, Record] = {}
        by_name: set[str] = set()
        warned: set[str] = set()
        present = {r[0] for r in self.animal_rows}
        accuracy_known, accuracy_missing = av(UNKNOWN_ACCURACY), av(MISSING_GEO)
        for (db_animal, db_sire, db_dam, db_sex, db_breed, db_species, birth_dt, birth_year,
             latitude, longitude, line) in self.animal_rows:
            ident = self.ext_name(db_animal)
            if ident is None:
                self.problem(f"Animal db_animal={db_animal} has no transfer/unit row, so its "
                             "id (ext_unit:::ext_id:::ext_animal) cannot be built: the animal "
                             "is skipped. Include the transfer and unit tables in the dump.",
                             line, "db_animal", "unknown-animal-id")
                continue
            if ident in by_name or db_animal in by_db:
                self.problem(f"Animal '{ident}' appears twice in table animal: the second row "
                             "is ignored.", line, "db_animal", "duplicate-id")
                continue
            rec = Record(id=ident, material=Material.ORGANISM)
            a = rec.attributes
            a["Data source ID"] = [av(ident)]
            if db_animal is not None:
                a["Alternative id"] = [AttributeValue(db_animal)]
            species_code = codes.get(db_species)
            species = self.species(species_code, line, warned)
            if species is not None:
                a["Species"] = [species]
            breed = self.breeds.get((db_breed, db_species)) or self.breeds_by_code.get(db_breed)
            if breed is not None and breed[0]:
                a["Supplied breed"] = [av(breed[0])]
                if breed[1]:
                    a["EFABIS Breed country"] = [av(breed[1])]
            elif codes.get(db_breed):
                a["Supplied breed"] = [av(str(codes[db_breed]))]
                self.problem(f"Breed '{codes[db_breed]}' has no row in breeds_species, so its "
                             "EFABIS name and country are unknown.", line, "db_breed",
                             "unknown-breed", Level.WARNING)
            else:
                self.problem(f"Animal '{ident}' has no breed (db_breed={db_breed}).", line,
                             "db_breed", "missing-value")
            sex_code = codes.get(db_sex)
            if sex_code in SEXES:
                a["Sex"] = [av(SEXES[sex_code])]
            else:
                self.problem(f"Animal '{ident}' has sex '{sex_code}' (db_sex={db_sex}); "
                             "CryoWeb sex must be 'm' or 'f'.", line, "db_sex", "bad-sex")
            born = self.date(birth_dt) if birth_dt else None
            if born is None and birth_year:
                born = self.date(birth_year)
            if born is not None:
                a["Birth date"] = [born]
            elif birth_dt or birth_year:
                self.problem(f"Birth date '{birth_dt or birth_year}' of animal '{ident}' is not "
                             "a date.", line, "birth_dt", "bad-date")
            if latitude is not None and longitude is not None:
                a["Birth location latitude"] = [AttributeValue(_number(latitude),
                                                               DECIMAL_DEGREES)]
                a["Birth location longitude"] = [AttributeValue(_number(longitude),
                                                                DECIMAL_DEGREES)]
                a["Birth location accuracy"] = [accuracy_known]
            else:
                a["Birth location accuracy"] = [accuracy_missing]
            for column, parent in (("db_sire", db_sire), ("db_dam", db_dam)):
                if parent is None:
                    continue
                parent_name = self.ext_name(parent)
                if parent in present and parent_name is not None:
                    rec.relationships.append(Relationship(RelationshipType.CHILD_OF,
                                                          parent_name))
                elif parent_name is None or not _placeholder(parent_name):
                    self.problem(f"Parent '{parent_name or parent}' of animal '{ident}' is not "
                                 "in table animal: the relationship is dropped.", line, column,
                                 "unknown-parent", Level.WARNING)
            by_db[db_animal] = rec
            by_name.add(ident)
            self.result.records.append(rec)
        return by_db

    def _vessels(self, animals: dict[str | None, Record]) -> None:
        av, codes = self.av, self.codes
        seen: set[str] = set()
        missing_geo = av(MISSING_GEO)
        parts: dict[str | None, AttributeValue | None] = {}
        for db_vessel, ext_vessel, db_animal, protocol_id, production_dt, line in \
                self.vessel_rows:
            if not ext_vessel:
                self.problem(f"Vessel db_vessel={db_vessel} has no ext_vessel name: it is "
                             "skipped.", line, "ext_vessel", "missing-id")
                continue
            if ext_vessel in seen:
                self.problem(f"Vessel '{ext_vessel}' appears twice: the second row is "
                             "ignored.", line, "ext_vessel", "duplicate-id")
                continue
            animal = animals.get(db_animal)
            if animal is None:
                self.problem(f"Vessel '{ext_vessel}' belongs to animal db_animal={db_animal}, "
                             "which is not in table animal: the sample is skipped.", line,
                             "db_animal", "unknown-animal")
                continue
            seen.add(ext_vessel)
            rec = Record(id=ext_vessel, material=Material.SPECIMEN,
                         relationships=[Relationship(RelationshipType.DERIVED_FROM, animal.id)])
            s = rec.attributes
            s["Data source ID"] = [AttributeValue(ext_vessel)]
            if db_vessel is not None:
                s["Alternative id"] = [AttributeValue(db_vessel)]
            if "Species" in animal.attributes:
                s["Species"] = list(animal.attributes["Species"])
            part = parts.get(protocol_id)
            if part is None:
                protocol = self.protocols.get(protocol_id)
                material = codes.get(protocol[1]) if protocol else None
                part = parts[protocol_id] = av(str(material).lower()) if material else None
            if part is not None:
                s["Organism part"] = [part]
            else:
                self.problem(f"Vessel '{ext_vessel}' has no protocol material type "
                             f"(protocol_id={protocol_id}), so its organism part is unknown.",
                             line, "protocol_id", "missing-value")
            if production_dt:
                date = self.date(production_dt)
                if date is None:
                    self.problem(f"Production date '{production_dt}' of vessel '{ext_vessel}' "
                                 "is not a date.", line, "production_dt", "bad-date")
                else:
                    s["Collection date"] = [date]
                    self._age_at_collection(rec, animal, date, ext_vessel, line)
            s["Collection place accuracy"] = [missing_geo]
            self.result.records.append(rec)

    def _age_at_collection(self, rec: Record, animal: Record, collected: AttributeValue,
                           vessel: str, line: int) -> None:
        """Animal age at collection in days, from the animal's birth date and the vessel's
        production date (the old InjectTool computed it too); only from full dates."""
        born = animal.first("Birth date")
        if born is None or born.units != FULL_DATE or collected.units != FULL_DATE:
            return
        days = (dt.date.fromisoformat(collected.value) - dt.date.fromisoformat(born.value)).days
        if days < 0:
            self.problem(f"Vessel '{vessel}' was produced on {collected.value}, before its "
                         f"animal '{animal.id}' was born ({born.value}): check both dates; "
                         "the age at collection is left out.", line, "production_dt",
                         "collected-before-birth", Level.WARNING)
            return
        rec.attributes["Animal age at collection"] = [self.av(str(days), "day")]


def _number(text: str) -> str:
    try:
        return repr(float(text))
    except ValueError:
        return text


def _placeholder(name: str) -> bool:
    """CryoWeb's stand-ins for unknown parents (``unknown_sire``, ``unknown_dam``)."""
    return name.rsplit(":::", 1)[-1].lower().startswith("unknown")


def parse(path: Path, display: str, *,
          on_statement: Callable[[int], None] | None = None) -> ParseResult:
    """Parse a CryoWeb dump (the caller has checked size and format)."""
    with gc_paused():
        tables = _Tables(display)
        for kind, line, text in iter_statements(path, display):
            if kind == "data":
                tables.copy_line(line, text)
            else:
                tables.statement(line, text)
                if on_statement is not None:
                    on_statement(line)
        tables.flush()
        views = _Views(tables, display)
        del tables  # the views keep only the rows they still need
        return views.build()
