"""The canonical record every part of the system speaks.

Parsers produce it, the validator checks it, the UID stores it, the BioSamples builder
turns it into a sample. It is plain data: no AWS, no HTTP, no storage concerns.

An IMAGE record is an *animal* (material ``organism``) or a *sample* (material
``specimen from organism``); its attributes map an IMAGE attribute name (as spelled in
the ruleset) to a list of values, each with optional units and ontology terms.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any


class Material(StrEnum):
    """The two kinds of IMAGE record."""

    ORGANISM = "organism"
    SPECIMEN = "specimen from organism"


class RelationshipType(StrEnum):
    """Relationships IMAGE records carry (BioSamples spelling)."""

    CHILD_OF = "child of"
    DERIVED_FROM = "derived from"
    SAME_AS = "same as"


@dataclass(frozen=True, slots=True)
class AttributeValue:
    """One value of an attribute: text, optional units, optional ontology term ids.

    ``terms`` holds short ids (``PATO_0000384``) or full IRIs as the source gave them;
    the BioSamples builder turns them into full IRIs.
    """

    value: str
    units: str | None = None
    terms: tuple[str, ...] = ()

    def to_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {"value": self.value}
        if self.units:
            out["units"] = self.units
        if self.terms:
            out["terms"] = list(self.terms)
        return out

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> AttributeValue:
        return cls(
            value=str(data["value"]),
            units=data.get("units") or None,
            terms=tuple(data.get("terms") or ()),
        )


@dataclass(frozen=True, slots=True)
class Relationship:
    """An outgoing link from a record: ``target`` is a data source id of the same
    submission or a BioSamples accession (SAMEA...)."""

    type: RelationshipType
    target: str

    def to_dict(self) -> dict[str, str]:
        return {"type": self.type.value, "target": self.target}

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Relationship:
        return cls(type=RelationshipType(data["type"]), target=str(data["target"]))


@dataclass(slots=True)
class Record:
    """One animal or sample, as read from a file or from BioSamples.

    ``id`` is the data source id (unique within a submission); ``accession`` is set
    once BioSamples has accessioned the record.
    """

    id: str
    material: Material
    attributes: dict[str, list[AttributeValue]] = field(default_factory=dict)
    relationships: list[Relationship] = field(default_factory=list)
    accession: str | None = None

    def first(self, name: str) -> AttributeValue | None:
        """The first value of an attribute, or None when absent."""
        values = self.attributes.get(name)
        return values[0] if values else None

    def add(self, name: str, value: str, units: str | None = None,
            terms: tuple[str, ...] = ()) -> None:
        """Append a value to an attribute, creating it when needed."""
        self.attributes.setdefault(name, []).append(AttributeValue(value, units, terms))

    def to_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {
            "id": self.id,
            "material": self.material.value,
            "attributes": {k: [v.to_dict() for v in vs] for k, vs in self.attributes.items()},
            "relationships": [r.to_dict() for r in self.relationships],
        }
        if self.accession:
            out["accession"] = self.accession
        return out

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Record:
        return cls(
            id=str(data["id"]),
            material=Material(data["material"]),
            attributes={
                k: [AttributeValue.from_dict(v) for v in vs]
                for k, vs in (data.get("attributes") or {}).items()
            },
            relationships=[Relationship.from_dict(r) for r in data.get("relationships") or []],
            accession=data.get("accession") or None,
        )


def record_key(material: Material | str, record_id: str) -> str:
    """The key of a record within its submission: ``A~<id>`` (animal) or ``S~<id>``
    (sample). Animals and samples are separate name spaces in every input format; ``~``
    is safe in URLs, where record keys appear."""
    return f"{'A' if Material(material) is Material.ORGANISM else 'S'}~{record_id}"


class Level(StrEnum):
    """How bad a problem is."""

    ERROR = "error"
    WARNING = "warning"
    INFO = "info"


@dataclass(frozen=True, slots=True)
class Problem:
    """A located problem in an input file, worded for the person who has to fix it.

    ``row`` is 1-based as a spreadsheet or text editor shows it; ``line`` is for SQL
    dumps. Fields that do not apply stay None.
    """

    file: str
    message: str
    level: Level = Level.ERROR
    sheet: str | None = None
    row: int | None = None
    column: str | None = None
    line: int | None = None
    code: str | None = None

    def to_dict(self) -> dict[str, Any]:
        return {k: (v.value if isinstance(v, Level) else v)
                for k, v in (("file", self.file), ("level", self.level),
                             ("sheet", self.sheet), ("row", self.row),
                             ("column", self.column), ("line", self.line),
                             ("code", self.code), ("message", self.message))
                if v is not None}

    def __str__(self) -> str:
        where = [self.file]
        if self.sheet:
            where.append(f"sheet '{self.sheet}'")
        if self.row is not None:
            where.append(f"row {self.row}")
        if self.line is not None:
            where.append(f"line {self.line}")
        if self.column:
            where.append(f"column '{self.column}'")
        return f"{', '.join(where)}: {self.level.value}: {self.message}"


@dataclass(slots=True)
class ParseResult:
    """What a parser returns: the records, the located problems, and the rows it
    deliberately skipped (for example CRB-Anim rows already in BioSamples)."""

    records: list[Record] = field(default_factory=list)
    problems: list[Problem] = field(default_factory=list)
    skipped: list[Problem] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        """True when no problem is an error."""
        return not any(p.level is Level.ERROR for p in self.problems)
