"""The ontology store on AWS: terms loaded by operators live in DynamoDB (the
``dictionaries`` table, ``kind = "term"``), and every validation adds them to the seed
terms in memory, where look-ups are fast. Ontology files are parsed offline by the CLI
(``python -m chalicelib.cli ontology load FILE``), never in Lambda."""

from __future__ import annotations

from collections.abc import Iterable

from chalicelib.accounts.models import DictionaryModel
from chalicelib.tables import bind
from chalicelib.validate.terms import InMemoryTermStore, Term

KIND = "term"


def save_terms(terms: Iterable[Term]) -> int:
    """Write terms (replacing earlier versions of the same ids); returns how many."""
    bind(DictionaryModel, "dictionaries_table")
    count = 0
    with DictionaryModel.batch_write() as batch:
        for term in terms:
            batch.save(DictionaryModel(KIND, term.id, label=term.label, data={
                "synonyms": list(term.synonyms), "parents": list(term.parents),
                "obsolete": term.obsolete, "kind": term.kind}))
            count += 1
    return count


def load_into(store: InMemoryTermStore) -> int:
    """Add every stored term to an in-memory store; returns how many."""
    bind(DictionaryModel, "dictionaries_table")
    count = 0
    for item in DictionaryModel.query(KIND):
        data = item.data or {}
        store.add(Term(item.key, item.label, tuple(data.get("synonyms") or ()),
                       tuple(data.get("parents") or ()), bool(data.get("obsolete")),
                       data.get("kind")))
        count += 1
    return count
