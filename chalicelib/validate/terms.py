"""The ontology term store: a port (:class:`TermStore`) and an in-memory implementation.

Terms are keyed by their short id with an underscore (``PATO_0000384``); full IRIs and
``PREFIX:ID`` spellings are normalised by :func:`normalize_term_id`. The in-memory store is
seeded from ``data/seed-terms.csv`` (a curated subset; its ``descends_from`` column is the
ruleset root a term sits under) and can load full ontologies from OBO files (parsed by the
``fastobo`` library) or OBO-JSON (obographs) files. A term the store does not hold is
unknown, never valid.
"""

from __future__ import annotations

import csv
import json
import unicodedata
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Any, Protocol, runtime_checkable


@lru_cache(maxsize=65536)
def normalize_term_id(raw: str) -> str:
    """``http://purl.obolibrary.org/obo/NCIT_C16761`` / ``NCIT:C16761`` → ``NCIT_C16761``."""
    text = raw.strip()
    if "/" in text or "#" in text:
        text = text.rstrip("/").rsplit("/", 1)[-1].rsplit("#", 1)[-1]
    if ":" in text:
        text = text.replace(":", "_", 1)
    return text


def fold(text: str) -> str:
    """Case-, accent- and punctuation-insensitive form of a label, for matching."""
    decomposed = unicodedata.normalize("NFKD", text)
    out: list[str] = []
    for ch in decomposed:
        if unicodedata.combining(ch):
            continue
        out.append(ch if ch.isalnum() else " ")
    return " ".join("".join(out).casefold().split())


@dataclass(frozen=True, slots=True)
class Term:
    """One ontology term. ``parents`` are the direct super-classes (is_a, part_of)."""

    id: str
    label: str
    synonyms: tuple[str, ...] = ()
    parents: tuple[str, ...] = ()
    obsolete: bool = False
    kind: str | None = None
    """What the term names in IMAGE (species, breed, country ...) when known."""


@runtime_checkable
class TermStore(Protocol):
    """What the validator and the enricher need from an ontology store."""

    def get(self, term_id: str) -> Term | None:
        """The term, or None when unknown (``term_id`` in any spelling)."""
        ...

    def ancestors(self, term_id: str) -> frozenset[str]:
        """Every super-class of the term, transitively (not the term itself)."""
        ...

    def is_descendant(self, term_id: str, root_id: str) -> bool:
        """True when ``term_id`` is a strict descendant of ``root_id``."""
        ...

    def general_breed(self, species_id: str) -> str | None:
        """The LBO general breed term of a species (``NCBITaxon_9823`` → ``LBO_0000003``)."""
        ...

    def find(self, text: str) -> list[Term]:
        """Terms whose label or a synonym equals ``text`` case-insensitively."""
        ...

    def all_terms(self) -> Iterator[Term]:
        """Every term held."""
        ...


@dataclass
class InMemoryTermStore:
    """A :class:`TermStore` held in dicts; fine for the seed and for full OBO files."""

    _terms: dict[str, Term] = field(default_factory=dict)
    _species_breed: dict[str, str] = field(default_factory=dict)
    _ancestors: dict[str, frozenset[str]] = field(default_factory=dict, repr=False)
    _by_text: dict[str, list[str]] | None = field(default=None, repr=False)

    # -- the port ---------------------------------------------------------------------
    def get(self, term_id: str) -> Term | None:
        term = self._terms.get(term_id)
        if term is None:
            term = self._terms.get(normalize_term_id(term_id))
        return term

    def __contains__(self, term_id: object) -> bool:
        return isinstance(term_id, str) and self.get(term_id) is not None

    def __len__(self) -> int:
        return len(self._terms)

    def ancestors(self, term_id: str) -> frozenset[str]:
        tid = normalize_term_id(term_id)
        cached = self._ancestors.get(tid)
        if cached is not None:
            return cached
        seen: set[str] = set()
        stack = list(self._parents(tid))
        while stack:
            parent = stack.pop()
            if parent in seen:
                continue
            seen.add(parent)
            done = self._ancestors.get(parent)
            if done is not None:
                seen |= done
                continue
            stack.extend(self._parents(parent))
        seen.discard(tid)
        result = frozenset(seen)
        self._ancestors[tid] = result
        return result

    def is_descendant(self, term_id: str, root_id: str) -> bool:
        if self.get(term_id) is None:
            return False  # unknown is unknown, never valid
        return normalize_term_id(root_id) in self.ancestors(term_id)

    def general_breed(self, species_id: str) -> str | None:
        return self._species_breed.get(normalize_term_id(species_id))

    def find(self, text: str) -> list[Term]:
        index = self._text_index()
        return [self._terms[t] for t in index.get(text.strip().casefold(), ())]

    def all_terms(self) -> Iterator[Term]:
        return iter(self._terms.values())

    # -- filling ----------------------------------------------------------------------
    def add(self, term: Term) -> None:
        """Add or replace a term (merging synonyms, parents and kind with a held one)."""
        tid = normalize_term_id(term.id)
        old = self._terms.get(tid)
        if old is not None:
            term = Term(id=tid, label=term.label or old.label,
                        synonyms=tuple(dict.fromkeys(old.synonyms + term.synonyms)),
                        parents=tuple(dict.fromkeys(old.parents + term.parents)),
                        obsolete=term.obsolete, kind=term.kind or old.kind)
        elif term.id != tid:
            term = Term(tid, term.label, term.synonyms, term.parents, term.obsolete, term.kind)
        self._terms[tid] = term
        self._ancestors.clear()
        self._by_text = None

    def set_general_breed(self, species_id: str, breed_id: str) -> None:
        """Record the LBO general breed term of a species."""
        self._species_breed[normalize_term_id(species_id)] = normalize_term_id(breed_id)

    def load_seed_csv(self, path: str | Path) -> int:
        """Load ``seed-terms.csv`` (kind,term,label,descends_from,synonyms); returns the count.

        For ``general_breed`` rows the ``synonyms`` column names the species."""
        count = 0
        with Path(path).open(encoding="utf-8", newline="") as fh:
            for row in csv.DictReader(fh):
                kind = (row.get("kind") or "").strip() or None
                tid = (row.get("term") or "").strip()
                if not tid:
                    continue
                parent = (row.get("descends_from") or "").strip()
                extra = [s.strip() for s in (row.get("synonyms") or "").split("|") if s.strip()]
                if kind == "general_breed":
                    for species in extra:
                        self.set_general_breed(species, tid)
                    extra = []
                self.add(Term(id=tid, label=(row.get("label") or "").strip(),
                              synonyms=tuple(extra),
                              parents=(normalize_term_id(parent),) if parent else (),
                              kind=kind))
                count += 1
        return count

    def load_obo(self, path: str | Path, *, kind: str | None = None,
                 relations: Iterable[str] = ("part_of", "BFO:0000050")) -> int:
        """Load every term of an OBO file (parsed with ``fastobo``); returns the count.

        ``is_a`` and the named ``relations`` (part_of by default, as OLS's hierarchical
        ancestors do) become parents."""
        import fastobo  # a compiled parser: imported only when an OBO file is loaded

        follow = set(relations)
        count = 0
        for frame in fastobo.iter(str(path)):
            if not isinstance(frame, fastobo.term.TermFrame):
                continue
            label = ""
            synonyms: list[str] = []
            parents: list[str] = []
            obsolete = False
            for clause in frame:
                if isinstance(clause, fastobo.term.NameClause):
                    label = str(clause.name)
                elif isinstance(clause, fastobo.term.SynonymClause):
                    synonyms.append(str(clause.synonym.desc))
                elif isinstance(clause, fastobo.term.IsAClause):
                    parents.append(normalize_term_id(str(clause.term)))
                elif isinstance(clause, fastobo.term.RelationshipClause):
                    if str(clause.typedef) in follow:
                        parents.append(normalize_term_id(str(clause.term)))
                elif isinstance(clause, fastobo.term.IsObsoleteClause):
                    obsolete = bool(clause.obsolete)
            self.add(Term(id=normalize_term_id(str(frame.id)), label=label,
                          synonyms=tuple(synonyms), parents=tuple(parents),
                          obsolete=obsolete, kind=kind))
            count += 1
        return count

    def load_obojson(self, path: str | Path, *, kind: str | None = None) -> int:
        """Load an OBO-JSON (obographs) file: nodes of type CLASS, ``is_a`` edges."""
        doc: dict[str, Any] = json.loads(Path(path).read_text(encoding="utf-8"))
        count = 0
        for graph in doc.get("graphs", []):
            parents: dict[str, list[str]] = {}
            for edge in graph.get("edges", []):
                if edge.get("pred") in ("is_a", "part_of", "http://purl.obolibrary.org/obo/BFO_0000050"):
                    parents.setdefault(normalize_term_id(edge["sub"]), []).append(
                        normalize_term_id(edge["obj"]))
            for node in graph.get("nodes", []):
                if node.get("type", "CLASS") != "CLASS" or not node.get("id"):
                    continue
                tid = normalize_term_id(node["id"])
                meta = node.get("meta") or {}
                self.add(Term(id=tid, label=str(node.get("lbl") or ""),
                              synonyms=tuple(str(s.get("val")) for s in meta.get("synonyms", [])
                                             if s.get("val")),
                              parents=tuple(parents.get(tid, ())),
                              obsolete=bool(meta.get("deprecated", False)), kind=kind))
                count += 1
        return count

    # -- internals --------------------------------------------------------------------
    def _parents(self, tid: str) -> tuple[str, ...]:
        term = self._terms.get(tid)
        return term.parents if term else ()

    def _text_index(self) -> dict[str, list[str]]:
        if self._by_text is None:
            index: dict[str, list[str]] = {}
            for term in self._terms.values():
                for text in (term.label, *term.synonyms):
                    key = text.strip().casefold()
                    if key and term.id not in index.setdefault(key, []):
                        index[key].append(term.id)
            self._by_text = index
        return self._by_text


DATA_DIR = Path(__file__).with_name("data")
SEED_TERMS = DATA_DIR / "seed-terms.csv"


def seeded_store(path: str | Path = SEED_TERMS) -> InMemoryTermStore:
    """A new in-memory store holding the seed terms."""
    store = InMemoryTermStore()
    store.load_seed_csv(path)
    return store
