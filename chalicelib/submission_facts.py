"""The facts of a submission that files do not carry, as IMAGE attributes.

A gene bank's file holds animals and samples; who submits them, for which gene bank, from
which data source, comes from the submission the team creates (as in the old InjectTool).
Every record of the submission receives these attributes before it is validated and
before it is sent to BioSamples, so both see the same record.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any

from chalicelib.records import AttributeValue, Record

#: Ontology terms of the roles the IMAGE ruleset allows (EFO), by label.
ROLE_TERMS = {"submitter": "EFO_0001741", "curator": "EFO_0001742",
              "investigator": "EFO_0001739", "funder": "EFO_0001737"}


@dataclass(frozen=True)
class Person:
    last_name: str
    email: str
    affiliation: str
    role: str = "submitter"
    first_name: str = ""
    initials: str = ""


@dataclass(frozen=True)
class Organization:
    name: str
    role: str = "submitter"
    address: str = ""
    uri: str = ""
    country: str = ""
    #: NCIT term of the country when known (enrichment fills it otherwise).
    country_term: str = ""


@dataclass(frozen=True)
class SubmissionFacts:
    """What the team says about a submission when creating it."""

    title: str
    gene_bank_name: str
    gene_bank_country: str
    data_source_type: str  # CryoWeb, CRB-Anim or Template (the ruleset's values)
    data_source_version: str
    description: str = ""
    gene_bank_country_term: str = ""
    people: tuple[Person, ...] = ()
    organizations: tuple[Organization, ...] = ()
    project: str = "IMAGE"
    extra: dict[str, str] = field(default_factory=dict)

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> SubmissionFacts:
        known = {k: v for k, v in data.items() if k in cls.__dataclass_fields__}
        known["people"] = tuple(Person(**p) for p in data.get("people") or ())
        known["organizations"] = tuple(Organization(**o) for o in data.get("organizations") or ())
        return cls(**known)

    def attributes(self) -> dict[str, list[AttributeValue]]:
        """The IMAGE attributes these facts give every record."""
        def one(value: str, terms: tuple[str, ...] = ()) -> list[AttributeValue]:
            return [AttributeValue(value, None, terms)] if value else []

        def email(address: str) -> str:
            return address if address.startswith("mailto:") else f"mailto:{address}"

        def role(label: str) -> AttributeValue:
            term = ROLE_TERMS.get(label.lower())
            return AttributeValue(label, None, (term,) if term else ())

        out: dict[str, list[AttributeValue]] = {
            "Project": one(self.project),
            "Submission title": one(self.title),
            "Submission description": one(self.description),
            "Gene bank name": one(self.gene_bank_name),
            "Gene bank country": one(self.gene_bank_country,
                                     (self.gene_bank_country_term,)
                                     if self.gene_bank_country_term else ()),
            "Data source type": one(self.data_source_type),
            "Data source version": one(self.data_source_version),
            "Person last name": [AttributeValue(p.last_name) for p in self.people],
            "Person first name": [AttributeValue(p.first_name) for p in self.people
                                  if p.first_name],
            "Person initial": [AttributeValue(p.initials) for p in self.people if p.initials],
            "Person email": [AttributeValue(email(p.email)) for p in self.people],
            "Person affiliation": [AttributeValue(p.affiliation) for p in self.people],
            "Person role": [role(p.role) for p in self.people],
            "Organization name": [AttributeValue(o.name) for o in self.organizations],
            "Organization address": [AttributeValue(o.address) for o in self.organizations
                                     if o.address],
            "Organization uri": [AttributeValue(o.uri) for o in self.organizations if o.uri],
            "Organization country": [AttributeValue(o.country, None, (o.country_term,)
                                                    if o.country_term else ())
                                     for o in self.organizations if o.country],
            "Organization role": [role(o.role) for o in self.organizations],
        }
        return {name: values for name, values in out.items() if values}


def with_facts(record: Record, facts: SubmissionFacts | None) -> Record:
    """A copy of the record with the submission's facts added (the record's own values
    win where both exist, e.g. a Publication DOI from the file)."""
    attributes = {k: list(v) for k, v in record.attributes.items()}
    if facts is not None:
        for name, values in facts.attributes().items():
            attributes.setdefault(name, values)
    return Record(record.id, record.material, attributes, list(record.relationships),
                  record.accession)
