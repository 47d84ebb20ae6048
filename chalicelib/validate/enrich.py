"""Enrichment: free text → ontology terms (species, breeds, countries, organism parts,
developmental and physiological stages, sex).

Order of trust, first hit wins:

1. the team's ``confirmed`` table (kind → text → term id), always applied;
2. exact label, then exact synonym (case-insensitive; synonyms hold common names in several
   languages, CryoWeb codes such as ``Cattle``/``Pig`` and ISO country codes);
3. normalised match (case, accents, punctuation ignored);
4. fuzzy match (``rapidfuzz``), with a confidence: applied only when high and unambiguous,
   otherwise returned as proposals for a person to confirm.

Breeds: the supplied breed is looked up among the species' breeds (the LBO terms under the
species' general breed term); when none matches well, the species' general breed term is
applied (as the existing tool did), with lower-confidence proposals alongside.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from enum import StrEnum

from rapidfuzz import fuzz, process

from chalicelib.records import AttributeValue, Record
from chalicelib.validate.terms import Term, TermStore, fold, normalize_term_id


class Kind(StrEnum):
    """What a piece of free text names."""

    SPECIES = "species"
    BREED = "breed"
    COUNTRY = "country"
    ORGANISM_PART = "organism_part"
    DEVELOPMENTAL_STAGE = "developmental_stage"
    PHYSIOLOGICAL_STAGE = "physiological_stage"
    SEX = "sex"


#: The ruleset root under which terms of a kind sit (terms loaded from OBO files have no
#: ``kind``; they are candidates when they descend from this root).
KIND_ROOTS: dict[Kind, str] = {
    Kind.SPECIES: "NCBITaxon_1",
    Kind.BREED: "LBO_0000000",
    Kind.ORGANISM_PART: "UBERON_0001062",
    Kind.DEVELOPMENTAL_STAGE: "EFO_0000399",
    Kind.PHYSIOLOGICAL_STAGE: "PATO_0000261",
}


class Method(StrEnum):
    CONFIRMED = "confirmed"
    EXACT = "exact"
    SYNONYM = "synonym"
    NORMALISED = "normalised"
    FUZZY = "fuzzy"
    SPECIES_DEFAULT = "species_default"


_CONFIDENCE = {Method.CONFIRMED: 1.0, Method.EXACT: 1.0, Method.SYNONYM: 0.97,
               Method.NORMALISED: 0.95}


@dataclass(frozen=True, slots=True)
class Match:
    """A candidate term for a text."""

    text: str
    kind: Kind
    term: str
    label: str
    method: Method
    confidence: float

    def to_dict(self) -> dict[str, object]:
        return {"text": self.text, "kind": self.kind.value, "term": self.term,
                "label": self.label, "method": self.method.value,
                "confidence": round(self.confidence, 3)}


@dataclass(slots=True)
class Enrichment:
    """The outcome for one text: the term applied (if any) and proposals to confirm."""

    text: str
    kind: Kind
    applied: Match | None = None
    proposals: list[Match] = field(default_factory=list)


class _Index:
    """Lookup tables for one kind of term."""

    def __init__(self, terms: list[Term]) -> None:
        self.terms = {t.id: t for t in terms}
        self.label: dict[str, list[str]] = {}
        self.synonym: dict[str, list[str]] = {}
        self.folded: dict[str, list[str]] = {}
        for t in terms:
            self._put(self.label, t.label.casefold(), t.id)
            for s in t.synonyms:
                self._put(self.synonym, s.casefold(), t.id)
            for s in (t.label, *t.synonyms):
                self._put(self.folded, fold(s), t.id)
        self.choices = list(self.folded)

    @staticmethod
    def _put(index: dict[str, list[str]], key: str, tid: str) -> None:
        if key and tid not in index.setdefault(key, []):
            index[key].append(tid)


class Enricher:
    """Maps free text to terms of a :class:`TermStore`.

    ``confirmed`` is a team's table ``{kind: {text: term id}}`` (text compared after
    normalisation); it wins over everything. ``auto`` is the lowest fuzzy confidence
    applied without asking; ``propose`` the lowest one still worth proposing.
    """

    def __init__(self, terms: TermStore, *,
                 confirmed: Mapping[str, Mapping[str, str]] | None = None,
                 auto: float = 0.92, propose: float = 0.6, ambiguity: float = 0.03) -> None:
        self.terms = terms
        self.auto = auto
        self.propose = propose
        self.ambiguity = ambiguity
        self.confirmed: dict[str, dict[str, str]] = {
            str(kind): {fold(text): normalize_term_id(tid) for text, tid in table.items()}
            for kind, table in (confirmed or {}).items()}
        self._indexes: dict[tuple[Kind, str | None], _Index] = {}

    # -- public API -------------------------------------------------------------------
    def species(self, text: str) -> Enrichment:
        return self.match(Kind.SPECIES, text)

    def country(self, text: str) -> Enrichment:
        return self.match(Kind.COUNTRY, text)

    def organism_part(self, text: str) -> Enrichment:
        return self.match(Kind.ORGANISM_PART, text)

    def developmental_stage(self, text: str) -> Enrichment:
        return self.match(Kind.DEVELOPMENTAL_STAGE, text)

    def physiological_stage(self, text: str) -> Enrichment:
        return self.match(Kind.PHYSIOLOGICAL_STAGE, text)

    def sex(self, text: str) -> Enrichment:
        return self.match(Kind.SEX, text)

    def breed(self, supplied: str, species: str, country: str | None = None) -> Enrichment:
        """The LBO term of a supplied breed of a species (a term id or any text
        :meth:`species` understands); the species' general breed term when unknown."""
        species_id = self._species_id(species)
        result = Enrichment(supplied, Kind.BREED)
        table = self.confirmed.get(Kind.BREED.value, {})
        # a confirmed entry may be keyed "<species id>|<breed>" or just "<breed>"
        for key in (fold(f"{species_id}|{supplied}"), fold(supplied)):
            tid = table.get(key)
            if tid is not None:
                result.applied = self._make(supplied, Kind.BREED, tid, Method.CONFIRMED, 1.0)
                return result
        root = self.terms.general_breed(species_id) if species_id else None
        if root is None:
            return self.match(Kind.BREED, supplied)  # species unknown: any breed
        found = self._lookup(Kind.BREED, supplied, root)
        if country and found.proposals:
            self._prefer_country(found, country)
        if found.applied is not None:
            return found
        default = self.terms.get(root)
        found.applied = self._make(supplied, Kind.BREED, root, Method.SPECIES_DEFAULT,
                                   0.5, label=default.label if default else root)
        return found

    def match(self, kind: Kind, text: str) -> Enrichment:
        """The best term of ``kind`` for ``text``."""
        table = self.confirmed.get(kind.value, {})
        tid = table.get(fold(text))
        if tid is not None:
            return Enrichment(text, kind, self._make(text, kind, tid, Method.CONFIRMED, 1.0))
        return self._lookup(kind, text, KIND_ROOTS.get(kind))

    # -- internals --------------------------------------------------------------------
    def _species_id(self, species: str) -> str | None:
        term = self.terms.get(species)
        if term is not None:
            return term.id
        found = self.species(species)
        return found.applied.term if found.applied else None

    def _index(self, kind: Kind, root: str | None) -> _Index:
        key = (kind, root)
        index = self._indexes.get(key)
        if index is None:
            chosen = []
            for t in self.terms.all_terms():
                if t.obsolete:
                    continue
                if root is not None and kind is Kind.BREED:
                    ok = t.id == root or self.terms.is_descendant(t.id, root)
                else:
                    ok = t.kind == kind.value or (
                        root is not None and self.terms.is_descendant(t.id, root))
                if kind is Kind.BREED and t.kind == "general_breed" and t.id != root:
                    ok = False
                if ok:
                    chosen.append(t)
            index = _Index(chosen)
            self._indexes[key] = index
        return index

    def _make(self, text: str, kind: Kind, tid: str, method: Method, confidence: float,
              label: str | None = None) -> Match:
        if label is None:
            term = self.terms.get(tid)
            label = term.label if term else tid
        return Match(text, kind, tid, label, method, confidence)

    def _lookup(self, kind: Kind, text: str, root: str | None) -> Enrichment:
        result = Enrichment(text, kind)
        query = text.strip()
        if not query:
            return result
        index = self._index(kind, root)
        for method, hits in ((Method.EXACT, index.label.get(query.casefold())),
                             (Method.SYNONYM, index.synonym.get(query.casefold())),
                             (Method.NORMALISED, index.folded.get(fold(query)))):
            if hits:
                matches = [self._make(text, kind, h, method, _CONFIDENCE[method])
                           for h in hits]
                if len(matches) == 1:
                    result.applied = matches[0]
                else:
                    result.proposals = matches  # ambiguous: a person decides
                return result
        folded = fold(query)
        if not folded or not index.choices:
            return result
        scored = process.extract(folded, index.choices, scorer=fuzz.ratio,
                                 score_cutoff=self.propose * 100, limit=10)
        best: dict[str, Match] = {}
        for choice, score, _ in scored:
            for tid in index.folded[choice]:
                if tid not in best or best[tid].confidence < score / 100:
                    best[tid] = self._make(text, kind, tid, Method.FUZZY, score / 100)
        ranked = sorted(best.values(), key=lambda m: -m.confidence)
        if ranked and ranked[0].confidence >= self.auto and (
                len(ranked) == 1 or ranked[0].confidence - ranked[1].confidence
                > self.ambiguity):
            result.applied = ranked[0]
            result.proposals = ranked[1:4]
        else:
            result.proposals = ranked[:5]
        return result

    def _prefer_country(self, found: Enrichment, country: str) -> None:
        """Among several breed proposals, put those naming the country first."""
        c = self.country(country)
        names = {fold(country)}
        if c.applied:
            names.add(fold(c.applied.label))
        found.proposals.sort(key=lambda m: not any(n and n in fold(m.label) for n in names))


#: Record attributes enrichment fills, and the kind of term each takes.
FIELD_KINDS: dict[str, Kind] = {
    "Species": Kind.SPECIES,
    "Sex": Kind.SEX,
    "Organism part": Kind.ORGANISM_PART,
    "Developmental stage": Kind.DEVELOPMENTAL_STAGE,
    "Physiological stage": Kind.PHYSIOLOGICAL_STAGE,
    "Gene bank country": Kind.COUNTRY,
    "Organization country": Kind.COUNTRY,
}


def enrich_record(record: Record, enricher: Enricher) -> list[Enrichment]:
    """Fill the terms of a record's term-less ontology attributes in place.

    Only automatically applicable matches change the record (the value becomes the term's
    label, the text the source gave stays in the result); a ``Mapped breed`` is added from
    ``Supplied breed`` + Species + ``EFABIS Breed country`` when absent. Returns every
    outcome, so a caller can show the proposals that still need a person."""
    lower = {k.lower(): k for k in record.attributes}
    outcomes: list[Enrichment] = []
    for name, kind in FIELD_KINDS.items():
        key = lower.get(name.lower())
        if key is None:
            continue
        values = record.attributes[key]
        for i, v in enumerate(values):
            if v.terms or not v.value.strip():
                continue
            found = enricher.match(kind, v.value)
            outcomes.append(found)
            if found.applied is not None:
                values[i] = AttributeValue(found.applied.label, v.units, (found.applied.term,))
    breed_key = lower.get("supplied breed")
    species_key = lower.get("species")
    if breed_key and species_key and "mapped breed" not in lower:
        supplied = record.attributes[breed_key][0].value if record.attributes[breed_key] \
            else ""
        species_values = record.attributes[species_key]
        species = species_values[0] if species_values else None
        if supplied.strip() and species is not None:
            country_key = lower.get("efabis breed country")
            country = (record.attributes[country_key][0].value
                       if country_key and record.attributes[country_key] else None)
            found = enricher.breed(supplied, species.terms[0] if species.terms
                                   else species.value, country)
            outcomes.append(found)
            if found.applied is not None:
                record.attributes["Mapped breed"] = [
                    AttributeValue(found.applied.label, None, (found.applied.term,))]
    return outcomes
