"""The term store port, the seed and OBO loading."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from chalicelib.validate import load_default_terms
from chalicelib.validate.terms import (
    InMemoryTermStore,
    Term,
    TermStore,
    fold,
    normalize_term_id,
    seeded_store,
)

OBO = """format-version: 1.2
ontology: lbo-test

[Term]
id: LBO:0000000
name: breed

[Term]
id: LBO:0000003
name: pig breed
is_a: LBO:0000000 ! breed

[Term]
id: LBO:0000358
name: Duroc
synonym: "Duroc-Jersey" EXACT []
is_a: LBO:0000003 ! pig breed

[Term]
id: LBO:0009999
name: Cinta Senese
synonym: "Cinta" RELATED []
is_a: LBO:0000003 ! pig breed

[Term]
id: LBO:0000777
name: withdrawn breed
is_obsolete: true

[Term]
id: UBERON:0000001
name: part of heart
relationship: part_of UBERON:0000948 ! heart
"""


@pytest.mark.parametrize("raw,short", [
    ("http://purl.obolibrary.org/obo/NCIT_C16761", "NCIT_C16761"),
    ("http://www.ebi.ac.uk/efo/EFO_0001741", "EFO_0001741"),
    ("PATO:0000384", "PATO_0000384"),
    ("OBI_0100026", "OBI_0100026"),
    (" UBERON_0000178 ", "UBERON_0000178"),
])
def test_normalize_term_id(raw: str, short: str) -> None:
    assert normalize_term_id(raw) == short


def test_seed_is_loaded_and_fits_the_port() -> None:
    store = load_default_terms()
    assert isinstance(store, TermStore)
    assert len(store) == 74
    sex = store.get("http://purl.obolibrary.org/obo/PATO_0000384")
    assert sex is not None and sex.label == "male" and "männlich" in sex.synonyms
    assert store.get("NCBITaxon_9823").kind == "species"  # type: ignore[union-attr]


def test_descendants_are_transitive_and_strict() -> None:
    store = seeded_store()
    assert store.is_descendant("LBO_0000347", "LBO_0000003")
    assert store.is_descendant("LBO_0000347", "LBO_0000000")  # two levels
    assert not store.is_descendant("LBO_0000003", "LBO_0000347")
    assert not store.is_descendant("LBO_0000003", "LBO_0000003")  # strict
    assert store.ancestors("LBO_0000347") == frozenset({"LBO_0000003", "LBO_0000000"})
    assert store.is_descendant("EFO_0001741", "EFO_0002012")


def test_an_unknown_term_is_unknown() -> None:
    store = seeded_store()
    assert store.get("LBO_1234567") is None
    assert not store.is_descendant("LBO_1234567", "LBO_0000000")
    assert "LBO_1234567" not in store


def test_general_breed_of_a_species() -> None:
    store = seeded_store()
    assert store.general_breed("NCBITaxon_9823") == "LBO_0000003"
    assert store.general_breed("http://purl.obolibrary.org/obo/NCBITaxon_9913") == "LBO_0000001"
    assert store.general_breed("NCBITaxon_8022") is None
    # the species id in the seed's synonyms column is not a synonym of the breed term
    assert "NCBITaxon_9823" not in store.get("LBO_0000003").synonyms  # type: ignore[union-attr]


def test_find_by_label_or_synonym() -> None:
    store = seeded_store()
    assert [t.id for t in store.find("SCHWEIN")] == ["NCBITaxon_9823"]
    assert [t.id for t in store.find("Germany")] == ["NCIT_C16636"]
    assert store.find("unicorn") == []


def test_load_obo(tmp_path: Path) -> None:
    path = tmp_path / "lbo.obo"
    path.write_text(OBO)
    store = seeded_store()
    assert store.load_obo(path) == 6
    assert store.is_descendant("LBO_0009999", "LBO_0000000")
    duroc = store.get("LBO:0000358")
    assert duroc is not None and duroc.label == "Duroc" and "Duroc-Jersey" in duroc.synonyms
    assert duroc.kind == "breed"  # merged with the seed's row
    old = store.get("LBO_0000777")
    assert old is not None and old.obsolete
    assert store.is_descendant("UBERON_0000001", "UBERON_0000948")  # part_of followed
    assert store.is_descendant("UBERON_0000001", "UBERON_0001062")  # heart is in the seed


def test_load_obo_through_default_terms(tmp_path: Path) -> None:
    path = tmp_path / "lbo.obo"
    path.write_text(OBO)
    assert load_default_terms(path).get("LBO_0009999") is not None


def test_load_obojson(tmp_path: Path) -> None:
    doc = {"graphs": [{
        "nodes": [
            {"id": "http://purl.obolibrary.org/obo/UBERON_0009999", "lbl": "test gland",
             "type": "CLASS", "meta": {"synonyms": [{"val": "tg"}]}},
            {"id": "http://purl.obolibrary.org/obo/UBERON_0008888", "lbl": "gone",
             "type": "CLASS", "meta": {"deprecated": True}},
        ],
        "edges": [{"sub": "http://purl.obolibrary.org/obo/UBERON_0009999", "pred": "is_a",
                   "obj": "http://purl.obolibrary.org/obo/UBERON_0001062"}]}]}
    path = tmp_path / "u.json"
    path.write_text(json.dumps(doc))
    store = InMemoryTermStore()
    assert store.load_obojson(path) == 2
    assert store.is_descendant("UBERON_0009999", "UBERON_0001062")
    assert store.get("UBERON_0008888").obsolete  # type: ignore[union-attr]


def test_adding_a_term_refreshes_the_ancestor_cache() -> None:
    store = InMemoryTermStore()
    store.add(Term("X_2", "two", parents=("X_1",)))
    assert store.ancestors("X_2") == frozenset({"X_1"})
    store.add(Term("X_1", "one", parents=("X_0",)))
    assert store.ancestors("X_2") == frozenset({"X_1", "X_0"})


def test_fold() -> None:
    assert fold("Chèvre") == "chevre"
    assert fold("Pig (domestic)") == "pig domestic"
    assert fold("  Bunte-Bentheimer ") == "bunte bentheimer"
