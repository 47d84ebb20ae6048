"""Context rules: checks that need other records of the submission (or the calendar).

One pass gathers each record's facts (species, sex, dates, coordinates ...) and indexes the
submission by (material, id) and by accession; a second pass resolves relationships and
compares. Both are linear in the number of records.

- duplicate data source ids (per material: an animal and a sample may share an id);
- ``Child of`` / ``Derived from`` resolve to an animal of the submission (by id or accession)
  or look like a BioSamples accession (the caller may check those further);
- at most two parents, of different sex, of the child's species;
- a sample's species equals its animal's; no semen from a female;
- coordinates agree with their accuracy, latitude/longitude in range;
- no dates in the future; birth before collection;
- the mapped breed lies under the species' general breed term (LBO);
- species and taxon agree (BioSamples records: ``taxId`` / ``organism`` NCBITaxon term).

The attribute names and terms these rules read are in :class:`ContextFields`.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date

from chalicelib.records import AttributeValue, Material, Record, RelationshipType
from chalicelib.validate.report import Code, Message, error
from chalicelib.validate.rules import CompiledRuleset, Plan, parse_date
from chalicelib.validate.ruleset import DATE_FORMATS
from chalicelib.validate.terms import normalize_term_id

#: A BioSamples accession (EBI SAMEA/SAMEG, NCBI SAMN, DDBJ SAMD).
ACCESSION = re.compile(r"^SAM(?:E[AG]?|N|D)\d+$")


@dataclass(frozen=True, slots=True)
class ContextFields:
    """The attributes and terms the context rules read (IMAGE spelling)."""

    species: str = "Species"
    sex: str = "Sex"
    organism_part: str = "Organism part"
    mapped_breed: str = "Mapped breed"
    birth_date: str = "Birth date"
    collection_date: str = "Collection date"
    child_of: str = "Child of"
    derived_from: str = "Derived from"
    #: (accuracy, latitude, longitude) attribute triples
    places: tuple[tuple[str, str, str], ...] = (
        ("Birth location accuracy", "Birth location latitude", "Birth location longitude"),
        ("Collection place accuracy", "Collection place latitude",
         "Collection place longitude"),
    )
    no_coordinates: str = "missing geographic information"
    precise: str = "precise coordinates"
    female: str = "PATO_0000383"
    unknown_sex: str = "OBI_0000858"
    semen: str = "UBERON_0001968"
    #: attributes BioSamples records carry the taxon in
    taxon_attributes: tuple[str, ...] = ("organism", "taxId")


DEFAULT_FIELDS = ContextFields()


class _Facts:
    """What one record contributes to the cross-record checks."""

    __slots__ = (
        "born",
        "breed",
        "collected",
        "index",
        "material",
        "record",
        "sex",
        "species",
        "species_label",
        "targets",
        "tissue",
    )

    def __init__(self, index: int, record: Record) -> None:
        self.index = index
        self.record = record
        self.material = record.material
        self.species: str | None = None
        self.species_label = ""
        self.sex: str | None = None
        self.tissue: str | None = None
        self.breed: str | None = None
        self.born: tuple[date, date] | None = None
        self.collected: tuple[date, date] | None = None
        self.targets: list[str] = []


def _term_of(values: list[AttributeValue]) -> str | None:
    if not values or not values[0].terms:
        return None
    return normalize_term_id(values[0].terms[0])


def _first(attrs: dict[str, list[AttributeValue]], key: str | None) -> AttributeValue | None:
    if key is None:
        return None
    values = attrs[key]
    return values[0] if values else None


class _Keys:
    """Where a record shape keeps what the context rules read (computed once per plan)."""

    __slots__ = ("breed", "dates", "places", "rel_field", "rel_type", "sex", "species",
                 "taxon", "tissue")

    def __init__(self, checker: ContextChecker, plan: Plan, material: Material) -> None:
        f = checker.f
        key_of = plan.key_of

        def key(name: str) -> str | None:
            return key_of.get(name.lower())

        self.species = key(f.species)
        animal = material is Material.ORGANISM
        self.sex = key(f.sex) if animal else None
        self.breed = key(f.mapped_breed) if animal else None
        self.tissue = None if animal else key(f.organism_part)
        self.rel_type = RelationshipType.CHILD_OF if animal else RelationshipType.DERIVED_FROM
        self.rel_field = key(f.child_of if animal else f.derived_from)
        birth, collection = f.birth_date.lower(), f.collection_date.lower()
        self.dates = tuple((k, c.name, c.key == birth, c.key == collection)
                           for c in checker.compiled.date_rules
                           if (k := key_of.get(c.key)) is not None)
        places = []
        for names in f.places:
            keys = (key(names[0]), key(names[1]), key(names[2]))
            if any(k is not None for k in keys):
                places.append((keys, names))
        self.places: tuple[tuple[tuple[str | None, str | None, str | None],
                                 tuple[str, str, str]], ...] = tuple(places)
        self.taxon = tuple(k for n in f.taxon_attributes if (k := key(n)) is not None)


def _taxon_number(term_or_id: str) -> str | None:
    tid = normalize_term_id(term_or_id)
    if tid.isdigit():
        return tid
    if tid.startswith("NCBITaxon_") and tid[10:].isdigit():
        return tid[10:]
    return None


def _float(text: str | None) -> float | None:
    if text is None:
        return None
    try:
        return float(text)
    except ValueError:
        return None


class ContextChecker:
    """Runs the context rules over one submission."""

    def __init__(self, compiled: CompiledRuleset, *, today: date | None = None,
                 fields: ContextFields = DEFAULT_FIELDS) -> None:
        self.compiled = compiled
        self.terms = compiled.terms
        self.today = today or date.today()
        self.f = fields
        self._date_cache: dict[tuple[str, str | None], tuple[date, date] | None] = {}

    def _date(self, text: str, unit: str | None) -> tuple[date, date] | None:
        key = (text, unit)
        if key in self._date_cache:
            return self._date_cache[key]
        parsed = parse_date(text, unit) if unit in (None, *DATE_FORMATS) else None
        if len(self._date_cache) < 100_000:
            self._date_cache[key] = parsed
        return parsed

    def check(self, records: Sequence[Record],
              plans: Sequence[Plan] | None = None) -> list[list[Message] | None]:
        """Messages per record position (None where a record has none)."""
        if plans is None:
            plans = [self.compiled.plan_for(r) for r in records]
        out: list[list[Message] | None] = [None] * len(records)
        facts: list[_Facts] = []
        by_id: dict[tuple[Material, str], int] = {}
        dupes: dict[tuple[Material, str], int] = {}
        by_accession: dict[str, int] = {}
        for i, (record, plan) in enumerate(zip(records, plans, strict=True)):
            key = (record.material, record.id)
            if key in by_id:
                dupes[key] = dupes.get(key, 1) + 1
            else:
                by_id[key] = i
            if record.accession:
                by_accession[record.accession] = i
            facts.append(self._gather(i, record, plan, out))
        if dupes:
            for i, record in enumerate(records):
                n = dupes.get((record.material, record.id))
                if n:
                    self._add(out, i, error(
                        "Data source ID", Code.DUPLICATE_ID,
                        f"{n} {record.material.value} records share the id "
                        f"'{record.id}': give each its own data source id"))
        for fact in facts:
            if fact.targets:
                self._relations(fact, facts, by_id, by_accession, out)
        return out

    @staticmethod
    def _add(out: list[list[Message] | None], i: int, message: Message) -> None:
        bucket = out[i]
        if bucket is None:
            out[i] = [message]
        else:
            bucket.append(message)

    # -- per record -------------------------------------------------------------------
    def _keys(self, plan: Plan, material: Material) -> _Keys:
        keys = plan.extra.get(self)
        if not isinstance(keys, _Keys):
            keys = _Keys(self, plan, material)
            plan.extra[self] = keys
        return keys

    def _gather(self, i: int, record: Record, plan: Plan,
                out: list[list[Message] | None]) -> _Facts:
        k = self._keys(plan, record.material)
        attrs = record.attributes
        fact = _Facts(i, record)
        if k.species is not None:
            vals = attrs[k.species]
            if vals:
                sp = vals[0]
                fact.species = (normalize_term_id(sp.terms[0]) if sp.terms
                                else sp.value.casefold())
                fact.species_label = sp.value
        if k.sex is not None:
            fact.sex = _term_of(attrs[k.sex])
        if k.breed is not None:
            fact.breed = _term_of(attrs[k.breed])
        if k.tissue is not None:
            fact.tissue = _term_of(attrs[k.tissue])
        if record.relationships:
            rel_type = k.rel_type
            fact.targets = [r.target for r in record.relationships if r.type is rel_type]
        if not fact.targets and k.rel_field is not None:
            fact.targets = [v.value for v in attrs[k.rel_field]
                            if v.value and not v.value.isspace()]
        if k.dates:
            self._dates(fact, record, k, out)
        if k.places:
            self._places(i, record, k, out)
        if k.taxon and fact.species and fact.species.startswith("NCBITaxon_"):
            self._taxon(i, record, k, fact, out)
        if fact.breed and fact.species:
            self._breed(i, fact, out)
        return fact

    def _dates(self, fact: _Facts, record: Record, k: _Keys,
               out: list[list[Message] | None]) -> None:
        today = self.today
        for key, name, is_birth, is_collection in k.dates:
            for v in record.attributes[key]:
                span = self._date(v.value, v.units)
                if span is None:
                    continue  # a bad date is a record-rule error already
                if span[0] > today:
                    self._add(out, fact.index, error(
                        name, Code.DATE_IN_FUTURE,
                        f"{name} {v.value} is in the future (today is "
                        f"{today.isoformat()}): fix the date"))
                if is_birth:
                    fact.born = span
                elif is_collection:
                    fact.collected = span

    def _places(self, i: int, record: Record, k: _Keys,
                out: list[list[Message] | None]) -> None:
        f = self.f
        attrs = record.attributes
        for (acc_key, lat_key, lon_key), (acc_name, lat_name, lon_name) in k.places:
            acc = _first(attrs, acc_key)
            lat = _first(attrs, lat_key)
            lon = _first(attrs, lon_key)
            accuracy = acc.value if acc else None
            has_lat = lat is not None and bool(lat.value.strip())
            has_lon = lon is not None and bool(lon.value.strip())
            if accuracy == f.no_coordinates and (has_lat or has_lon):
                self._add(out, i, error(
                    acc_name, Code.COORDINATES_ACCURACY,
                    f"{acc_name} is '{f.no_coordinates}' but coordinates are given: remove "
                    f"{lat_name}/{lon_name} or choose another accuracy"))
            elif accuracy == f.precise and not (has_lat and has_lon):
                self._add(out, i, error(
                    acc_name, Code.COORDINATES_ACCURACY,
                    f"{acc_name} is '{f.precise}' but {lat_name} and {lon_name} are not "
                    "both given: add both or choose another accuracy"))
            lat_v = _float(lat.value) if lat is not None else None
            lon_v = _float(lon.value) if lon is not None else None
            if lat_v is not None and not -90.0 <= lat_v <= 90.0:
                self._add(out, i, error(
                    lat_name, Code.COORDINATES_RANGE,
                    f"{lat_name} {lat_v:g} is outside -90..90: check the value (and that "
                    "latitude and longitude are not swapped)"))
            if lon_v is not None and not -180.0 <= lon_v <= 180.0:
                self._add(out, i, error(
                    lon_name, Code.COORDINATES_RANGE,
                    f"{lon_name} {lon_v:g} is outside -180..180: check the value"))

    def _taxon(self, i: int, record: Record, k: _Keys, fact: _Facts,
               out: list[list[Message] | None]) -> None:
        species_taxon = _taxon_number(fact.species or "")
        for key in k.taxon:
            for v in record.attributes[key]:
                for cand in (v.terms or (v.value,)):
                    taxon = _taxon_number(cand)
                    if taxon is not None and taxon != species_taxon:
                        self._add(out, i, error(
                            self.f.species, Code.TAXON_MISMATCH,
                            f"Species '{fact.species_label}' ({fact.species}) disagrees with "
                            f"the record's {key} (NCBITaxon_{taxon}): make them the same"))
                        return

    def _breed(self, i: int, fact: _Facts, out: list[list[Message] | None]) -> None:
        assert fact.breed is not None and fact.species is not None
        root = self.terms.general_breed(fact.species)
        if root is None or self.terms.get(fact.breed) is None:
            return  # no general breed known for the species, or an unknown term (reported)
        if fact.breed == root or self.terms.is_descendant(fact.breed, root):
            return
        root_term = self.terms.get(root)
        root_label = f" ({root_term.label})" if root_term else ""
        self._add(out, i, error(
            self.f.mapped_breed, Code.BREED_NOT_UNDER_SPECIES,
            f"Mapped breed {fact.breed} is not a breed of {fact.species_label}: map it to "
            f"{root}{root_label} or a breed under it"))

    # -- across records ---------------------------------------------------------------
    def _relations(self, fact: _Facts, facts: list[_Facts],
                   by_id: dict[tuple[Material, str], int], by_accession: dict[str, int],
                   out: list[list[Message] | None]) -> None:
        f = self.f
        is_animal = fact.material is Material.ORGANISM
        field_name = f.child_of if is_animal else f.derived_from
        rule = self.compiled.rules.get(field_name.lower())
        limit = rule.rule.max_values if rule is not None else None
        targets = list(dict.fromkeys(fact.targets))
        if limit is not None and len(targets) > limit:
            if is_animal:
                self._add(out, fact.index, error(
                    field_name, Code.TOO_MANY_PARENTS,
                    f"{len(targets)} parents given ({', '.join(targets)}); an animal has at "
                    f"most {limit}: keep the father and the mother"))
            else:
                self._add(out, fact.index, error(
                    field_name, Code.TOO_MANY_VALUES,
                    f"{field_name} names {len(targets)} animals; a sample comes from "
                    f"{'one' if limit == 1 else limit}: keep the right one"))
        resolved: list[_Facts] = []
        for target in targets:
            j = by_id.get((Material.ORGANISM, target))
            if j is None:
                j = by_accession.get(target)
            if j is not None and facts[j].material is Material.ORGANISM:
                if j == fact.index:
                    self._add(out, fact.index, error(
                        field_name, Code.UNRESOLVED_RELATIONSHIP,
                        f"{field_name} '{target}' points at the record itself"))
                    continue
                resolved.append(facts[j])
            elif ACCESSION.match(target):
                continue  # a BioSamples accession: the caller may look it up
            elif j is not None or (Material.SPECIMEN, target) in by_id:
                self._add(out, fact.index, error(
                    field_name, Code.UNRESOLVED_RELATIONSHIP,
                    f"{field_name} '{target}' is a sample, not an animal: point it at an "
                    "animal"))
            else:
                self._add(out, fact.index, error(
                    field_name, Code.UNRESOLVED_RELATIONSHIP,
                    f"{field_name} '{target}' is neither an animal of this submission nor a "
                    "BioSamples accession: add that animal or give its accession"))
        if is_animal:
            self._parents(fact, resolved, out)
        elif resolved:
            self._sample_of(fact, resolved[0], out)

    def _parents(self, child: _Facts, parents: list[_Facts],
                 out: list[list[Message] | None]) -> None:
        f = self.f
        for p in parents:
            if child.species and p.species and p.species != child.species:
                self._add(out, child.index, error(
                    f.child_of, Code.PARENT_SPECIES,
                    f"parent '{p.record.id}' is {p.species_label} but this animal is "
                    f"{child.species_label}: check the parent id or the species"))
        if len(parents) == 2:
            a, b = parents
            if a.sex and a.sex == b.sex and a.sex != f.unknown_sex:
                label = self.terms.get(a.sex)
                sex = label.label if label else a.sex
                self._add(out, child.index, error(
                    f.child_of, Code.PARENT_SEX,
                    f"both parents ('{a.record.id}', '{b.record.id}') are {sex}: "
                    "one must be the father and one the mother"))

    def _sample_of(self, sample: _Facts, animal: _Facts,
                   out: list[list[Message] | None]) -> None:
        f = self.f
        if sample.species and animal.species and sample.species != animal.species:
            self._add(out, sample.index, error(
                f.species, Code.SAMPLE_SPECIES,
                f"sample is {sample.species_label} but its animal '{animal.record.id}' is "
                f"{animal.species_label}: the species must be the same"))
        if (sample.tissue and animal.sex == f.female
                and (sample.tissue == f.semen
                     or self.terms.is_descendant(sample.tissue, f.semen))):
            self._add(out, sample.index, error(
                f.organism_part, Code.SEMEN_FROM_FEMALE,
                f"semen sample from animal '{animal.record.id}', which is female: check the "
                "organism part or the animal"))
        if sample.collected and animal.born and animal.born[0] > sample.collected[1]:
            self._add(out, sample.index, error(
                f.collection_date, Code.BIRTH_AFTER_COLLECTION,
                f"collected before its animal '{animal.record.id}' was born: check "
                f"{f.collection_date} and the animal's {f.birth_date}"))
