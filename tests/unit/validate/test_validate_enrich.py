"""Enrichment: free text to terms."""

from __future__ import annotations

import pytest
from validate_support import terms

from chalicelib.validate.enrich import Enricher, Kind, Method


@pytest.fixture
def enricher() -> Enricher:
    return Enricher(terms())


@pytest.mark.parametrize("text,term,method", [
    ("Sus scrofa", "NCBITaxon_9823", Method.EXACT),
    ("sus scrofa", "NCBITaxon_9823", Method.EXACT),
    ("Pig", "NCBITaxon_9823", Method.SYNONYM),        # CryoWeb code
    ("Cattle", "NCBITaxon_9913", Method.SYNONYM),     # CryoWeb code
    ("Schwein", "NCBITaxon_9823", Method.SYNONYM),    # German
    ("pecora", "NCBITaxon_9940", Method.SYNONYM),     # Italian
    ("chèvre", "NCBITaxon_9925", Method.SYNONYM),     # French
    ("chevre", "NCBITaxon_9925", Method.NORMALISED),  # accents dropped
    ("Pig-(domestic)", "NCBITaxon_9823", Method.NORMALISED),
])
def test_species(enricher: Enricher, text: str, term: str, method: Method) -> None:
    found = enricher.species(text)
    assert found.applied is not None
    assert (found.applied.term, found.applied.method) == (term, method)


def test_high_confidence_fuzzy_match_is_applied(enricher: Enricher) -> None:
    found = enricher.breed("Bunte Bentheimr", "Pig")
    assert found.applied is not None and found.applied.term == "LBO_0000347"
    assert found.applied.method is Method.FUZZY and found.applied.confidence >= 0.92


def test_low_confidence_fuzzy_match_is_only_proposed(enricher: Enricher) -> None:
    found = enricher.species("Schwien")
    assert found.applied is None
    assert found.proposals and found.proposals[0].term == "NCBITaxon_9823"
    assert 0.6 <= found.proposals[0].confidence < 0.92
    assert enricher.country("Itlay").applied is None
    assert enricher.country("Itlay").proposals[0].term == "NCIT_C16761"


def test_nothing_alike_gives_nothing(enricher: Enricher) -> None:
    found = enricher.species("xyzzy")
    assert found.applied is None and found.proposals == []


def test_confirmed_table_wins() -> None:
    team = Enricher(terms(), confirmed={"species": {"Pig": "NCBITaxon_9825"},
                                        "country": {"Holland": "NCIT_C16903"}})
    assert team.species("pig").applied.term == "NCBITaxon_9825"  # type: ignore[union-attr]
    assert team.species("pig").applied.method is Method.CONFIRMED  # type: ignore[union-attr]
    assert team.country("Holland").applied.term == "NCIT_C16903"  # type: ignore[union-attr]


def test_breed_by_synonym_with_species_and_country(enricher: Enricher) -> None:
    found = enricher.breed("Bunte Bentheimer", "NCBITaxon_9823", "Germany")
    assert found.applied is not None and found.applied.term == "LBO_0000347"


def test_unknown_breed_gets_the_species_general_breed(enricher: Enricher) -> None:
    found = enricher.breed("Cinta Senese", "Sus scrofa", "Italy")
    assert found.applied is not None
    assert (found.applied.term, found.applied.label) == ("LBO_0000003", "pig breed")
    assert found.applied.method is Method.SPECIES_DEFAULT
    cattle = enricher.breed("Rotes Höhenvieh", "Rind")
    assert cattle.applied is not None and cattle.applied.term == "LBO_0000001"


def test_breed_is_looked_up_only_among_the_species_breeds(enricher: Enricher) -> None:
    # Duroc is a pig breed; for cattle it must not be matched
    found = enricher.breed("Duroc", "Cattle")
    assert found.applied is not None and found.applied.term == "LBO_0000001"


def test_confirmed_breed_per_species() -> None:
    team = Enricher(terms(), confirmed={"breed": {"NCBITaxon_9823|Cinta Senese":
                                                  "LBO_0000358"}})
    found = team.breed("Cinta Senese", "Pig")
    assert found.applied is not None and found.applied.method is Method.CONFIRMED


@pytest.mark.parametrize("kind,text,term", [
    (Kind.COUNTRY, "DE", "NCIT_C16636"),
    (Kind.COUNTRY, "ITA", "NCIT_C16761"),
    (Kind.COUNTRY, "united kingdom", "NCIT_C17233"),
    (Kind.ORGANISM_PART, "Sperma", "UBERON_0001968"),
    (Kind.ORGANISM_PART, "Blood", "UBERON_0000178"),
    (Kind.DEVELOPMENTAL_STAGE, "Adult", "EFO_0001272"),
    (Kind.PHYSIOLOGICAL_STAGE, "mature", "PATO_0001701"),
    (Kind.SEX, "F", "PATO_0000383"),
    (Kind.SEX, "männlich", "PATO_0000384"),
])
def test_other_kinds(enricher: Enricher, kind: Kind, text: str, term: str) -> None:
    found = enricher.match(kind, text)
    assert found.applied is not None and found.applied.term == term


def test_kinds_do_not_mix(enricher: Enricher) -> None:
    # "Italy" is a country, not an organism part
    assert enricher.organism_part("Italy").applied is None


def test_match_to_dict(enricher: Enricher) -> None:
    d = enricher.species("Pig").applied.to_dict()  # type: ignore[union-attr]
    assert d == {"text": "Pig", "kind": "species", "term": "NCBITaxon_9823",
                 "label": "Sus scrofa", "method": "synonym", "confidence": 0.97}


def test_enrich_record_fills_terms_and_mapped_breed(enricher: Enricher) -> None:
    from validate_support import animal, run

    from chalicelib.records import AttributeValue
    from chalicelib.validate.enrich import enrich_record

    a = animal("A1")
    a.attributes["Species"] = [AttributeValue("Schwein")]
    a.attributes["Sex"] = [AttributeValue("m")]
    a.attributes["Gene bank country"] = [AttributeValue("IT")]
    del a.attributes["Mapped breed"]
    assert run(a).records[0].status.value == "error"  # terms missing
    outcomes = enrich_record(a, enricher)
    assert all(o.applied is not None for o in outcomes)
    assert a.attributes["Species"][0] == AttributeValue("Sus scrofa", None, ("NCBITaxon_9823",))
    assert a.attributes["Sex"][0].terms == ("PATO_0000384",)
    assert a.attributes["Mapped breed"][0].terms == ("LBO_0000347",)
    assert run(a).records[0].status.value == "pass"


def test_enrich_record_leaves_uncertain_text_alone(enricher: Enricher) -> None:
    from validate_support import animal

    from chalicelib.records import AttributeValue
    from chalicelib.validate.enrich import enrich_record

    a = animal("A1")
    a.attributes["Species"] = [AttributeValue("Schwien")]
    [outcome] = [o for o in enrich_record(a, enricher) if o.kind is Kind.SPECIES]
    assert outcome.applied is None and outcome.proposals
    assert a.attributes["Species"][0] == AttributeValue("Schwien")
