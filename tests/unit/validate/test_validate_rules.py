"""Record rules: each test breaks one thing in an otherwise valid record."""

from __future__ import annotations

import copy
import json

import pytest
from validate_support import animal, messages, run, sample, setv, terms

from chalicelib.records import AttributeValue, Material, Record, Relationship, RelationshipType
from chalicelib.validate import DEFAULT_RULESET, Status, load_default_ruleset, validate_submission
from chalicelib.validate.ruleset import parse_ruleset
from chalicelib.validate.terms import InMemoryTermStore, Term, seeded_store

AV = AttributeValue


def single(record: Record) -> tuple[Status, set[str]]:
    """Status and codes of one record (a sample is validated with its valid animal)."""
    report = run(record, animal("A1")) if record.material is Material.SPECIMEN else run(record)
    result = report.records[0]
    return result.status, result.codes()


def test_valid_animal_and_sample_pass() -> None:
    report = run(animal("A1"), sample("S1", "A1"))
    assert [r.status for r in report.records] == [Status.PASS, Status.PASS]


def test_missing_mandatory_is_an_error() -> None:
    a = animal()
    del a.attributes["Supplied breed"]
    status, found = single(a)
    assert status is Status.ERROR
    assert found == {"missing_mandatory"}
    assert messages(run(a), "A1", "missing_mandatory")[0][1] == "Supplied breed"


def test_blank_mandatory_value_counts_as_missing() -> None:
    a = setv(animal(), "Supplied breed", AV("  "))
    assert single(a) == (Status.ERROR, {"missing_mandatory"})


def test_missing_recommended_is_a_warning() -> None:
    a = animal()
    del a.attributes["Birth location"]
    assert single(a) == (Status.WARNING, {"missing_recommended"})


def test_missing_optional_is_fine() -> None:
    s = sample()
    del s.attributes["Animal age at collection"]
    assert single(s)[0] is Status.PASS


def test_allow_multiple_no() -> None:
    a = setv(animal(), "Project", AV("IMAGE"), AV("IMAGE"))
    assert single(a) == (Status.ERROR, {"too_many_values"})


def test_allow_multiple_yes() -> None:
    a = setv(animal(), "Person last name", AV("Cozzi"), AV("Rossi"), AV("Bianchi"))
    assert single(a)[0] is Status.PASS


def test_allow_multiple_max_n() -> None:
    data = json.loads(DEFAULT_RULESET.read_text())
    data = copy.deepcopy(data)
    for rule in data["rule_groups"][0]["rules"]:
        if rule["Name"] == "Person initial":
            rule["Allow Multiple"] = "max 2"
    rs = parse_ruleset(data)
    two = setv(animal(), "Person initial", AV("P"), AV("C"))
    three = setv(animal(), "Person initial", AV("P"), AV("C"), AV("X"))
    assert validate_submission([two], rs, terms()).records[0].status is Status.PASS
    result = validate_submission([three], rs, terms()).records[0]
    assert result.codes() == {"too_many_values"}
    assert "at most 2" in result.messages[0].message


def test_limited_value_not_in_valid_values() -> None:
    s = setv(sample(), "Sample storage", AV("frozen"))
    assert single(s) == (Status.ERROR, {"not_in_valid_values"})


def test_limited_value_wrong_case_names_the_right_spelling() -> None:
    s = setv(sample(), "Sample storage", AV("Frozen, Liquid Nitrogen"))
    report = run(s)
    [(level, _, text)] = messages(report, "S1", "not_in_valid_values")
    assert level == "error" and "'frozen, liquid nitrogen'" in text


@pytest.mark.parametrize("value,ok", [
    ("no longer available", True),
    ("https://crb-anim.fr/access-to-collection/", True),
    ("mailto:vdc@ebi.ac.uk", True),
    ("ask the curator", False),
    ("mailto:nobody", False),
])
def test_availability_example_uris_admit_any_uri_of_their_scheme(value: str, ok: bool) -> None:
    s = setv(sample(), "Availability", AV(value))
    assert (single(s)[0] is Status.PASS) is ok


def test_ontology_without_term() -> None:
    a = setv(animal(), "Sex", AV("male"))
    report = run(a)
    [(level, _, text)] = messages(report, "A1", "missing_term")
    assert level == "error" and "PATO_0000384" in text  # the store proposes the term


def test_unknown_term_is_never_valid() -> None:
    a = setv(animal(), "Mapped breed", AV("Some breed", None, ("LBO_9999999",)))
    assert single(a) == (Status.ERROR, {"unknown_term"})


def test_term_not_under_allowed_root() -> None:
    s = setv(sample(), "Organism part", AV("Sus scrofa", None, ("NCBITaxon_9823",)))
    assert single(s) == (Status.ERROR, {"term_not_descendant"})


def test_root_itself_is_refused_when_include_root_is_0() -> None:
    store = seeded_store()
    store.add(Term("UBERON_0001062", "anatomical entity"))
    s = setv(sample(), "Organism part", AV("anatomical entity", None, ("UBERON_0001062",)))
    result = validate_submission([s, animal()], load_default_ruleset(), store).records[0]
    assert result.codes() == {"term_not_descendant"}


def test_exact_root_only_when_allow_descendants_is_0() -> None:
    store = seeded_store()
    store.add(Term("PATO_0099999", "hermaphrodite", parents=("PATO_0000384",)))
    a = setv(animal(), "Sex", AV("hermaphrodite", None, ("PATO_0099999",)))
    result = validate_submission([a], load_default_ruleset(), store).records[0]
    assert result.codes() == {"term_not_descendant"}


def test_descendant_several_levels_down_is_valid() -> None:
    # LBO_0000347 → LBO_0000003 (pig breed) → LBO_0000000 (the rule's root)
    assert single(animal())[0] is Status.PASS


def test_full_iri_and_colon_ids_are_understood() -> None:
    a = setv(animal(), "Sex", AV("male", None, ("http://purl.obolibrary.org/obo/PATO_0000384",)))
    a = setv(a, "Person role", AV("submitter", None, ("http://www.ebi.ac.uk/efo/EFO_0001741",)))
    a = setv(a, "Material", AV("organism", None, ("OBI:0100026",)))
    assert single(a)[0] is Status.PASS


def test_label_differing_only_by_case_is_a_warning() -> None:
    a = setv(animal(), "Sex", AV("Male", None, ("PATO_0000384",)))
    assert single(a) == (Status.WARNING, {"term_label_mismatch"})


def test_label_differing_otherwise_is_an_error() -> None:
    a = setv(animal(), "Sex", AV("female", None, ("PATO_0000384",)))
    assert single(a) == (Status.ERROR, {"term_label_mismatch"})


def test_obsolete_term_is_an_error() -> None:
    store = seeded_store()
    store.add(Term("UBERON_0000999", "old part", parents=("UBERON_0001062",), obsolete=True))
    s = setv(sample(), "Organism part", AV("old part", None, ("UBERON_0000999",)))
    result = validate_submission([s, animal()], load_default_ruleset(), store).records[0]
    assert result.codes() == {"obsolete_term"}


@pytest.mark.parametrize("value,ok", [
    ("http://www.ibba.cnr.it/", True),
    ("https://example.org/a?b=c", True),
    ("ftp://ftp.faang.ebi.ac.uk/ftp/protocols/x.pdf", True),
    ("www.ebi.ac.uk", False),
    ("http://", False),
    ("gopher://example.org", False),
    ("peter@ebi.ac.uk", False),
])
def test_uri(value: str, ok: bool) -> None:
    a = setv(animal(), "Organization uri", AV(value))
    status, found = single(a)
    assert (status is Status.PASS) is ok
    if not ok:
        assert found == {"bad_uri"}


def test_mailto_uri_and_hint() -> None:
    a = setv(animal(), "Person email", AV("peter@ebi.ac.uk"))
    [(_, _, text)] = messages(run(a), "A1", "bad_uri")
    assert "mailto:peter@ebi.ac.uk" in text
    assert single(setv(animal(), "Person email", AV("mailto:peter@ebi.ac.uk")))[0] is Status.PASS


@pytest.mark.parametrize("value,ok", [
    ("10.1139/o09-005", True),
    ("doi:10.1038/nature12373", True),
    ("https://doi.org/10.1038/nature12373", True),
    ("1139/o09-005", False),
    ("10.11/x", False),
])
def test_doi(value: str, ok: bool) -> None:
    a = setv(animal(), "Publication DOI", AV(value))
    status, found = single(a)
    assert (status is Status.PASS) is ok
    if not ok:
        assert found == {"bad_doi"}


@pytest.mark.parametrize("value,unit,code", [
    ("2019-11-05", "YYYY-MM-DD", None),
    ("2019-11", "YYYY-MM", None),
    ("2019", "YYYY", None),
    ("17/01/1992", "YYYY-MM-DD", "bad_date"),
    ("2019-02-30", "YYYY-MM-DD", "bad_date"),
    ("2019-13", "YYYY-MM", "bad_date"),
    ("2019-11", "YYYY-MM-DD", "bad_date"),
    ("2019-11-05", None, "bad_unit"),
    ("2019-11-05", "DD/MM/YYYY", "bad_unit"),
])
def test_date(value: str, unit: str | None, code: str | None) -> None:
    a = setv(animal(), "Birth date", AV(value, unit))
    status, found = single(a)
    if code is None:
        assert status is Status.PASS
    else:
        assert found == {code}


@pytest.mark.parametrize("value,unit,code", [
    ("3", "years", None),
    ("1.5", "day", None),
    ("three", "years", "bad_number"),
    ("nan", "years", "bad_number"),
    ("3", None, "bad_unit"),
    ("3", "yrs", "bad_unit"),
])
def test_number(value: str, unit: str | None, code: str | None) -> None:
    s = setv(sample(), "Animal age at collection", AV(value, unit))
    status, found = single(s)
    if code is None:
        assert status is Status.PASS
    else:
        assert found == {code}


def test_unknown_attribute_is_a_warning() -> None:
    a = setv(animal(), "Coat colour", AV("black"))
    report = run(a)
    assert report.records[0].status is Status.WARNING
    [(level, fld, _)] = messages(report, "A1", "unknown_attribute")
    assert (level, fld) == ("warning", "Coat colour")


def test_attribute_of_the_other_group_is_unknown_here() -> None:
    s = setv(sample(), "Birth date", AV("2019-11-05", "YYYY-MM-DD"))
    assert single(s) == (Status.WARNING, {"unknown_attribute"})


def test_archive_attributes_raise_no_warning() -> None:
    a = setv(animal(), "organism", AV("Sus scrofa", None, ("NCBITaxon_9823",)))
    a = setv(a, "title", AV("A1"))
    assert single(a)[0] is Status.PASS


def test_names_match_case_insensitively() -> None:
    a = animal()
    a.attributes["sex"] = a.attributes.pop("Sex")
    a.attributes["project"] = a.attributes.pop("Project")
    assert single(a)[0] is Status.PASS


def test_same_attribute_spelled_twice_counts_identical_values_once() -> None:
    a = setv(animal(), "Description", AV("Animal 7"))
    a = setv(a, "description", AV("Animal 7"))
    assert single(a)[0] is Status.PASS
    b = setv(a, "description", AV("Another text"))
    assert single(b) == (Status.ERROR, {"too_many_values"})


def test_group_is_chosen_by_material_value() -> None:
    # a sample has none of the animal's mandatory fields and is not asked for them
    s = sample()
    assert not ({"missing_mandatory"} & single(s)[1])
    # the Material attribute decides the group; the record's typed material must agree
    s = setv(sample(), "Material", AV("organism", None, ("OBI_0100026",)))
    assert "material_mismatch" in single(s)[1]


def test_material_attribute_may_be_left_to_the_record() -> None:
    a = animal()
    del a.attributes["Material"]
    assert single(a)[0] is Status.PASS


def test_derived_from_may_come_from_relationships_only() -> None:
    s = sample()
    del s.attributes["Derived from"]
    assert single(s)[0] is Status.PASS
    s.relationships = []
    assert single(s) == (Status.ERROR, {"missing_mandatory"})


def test_messages_name_the_ruleset_field() -> None:
    a = animal()
    a.attributes["birth date"] = [AV("bad", "YYYY-MM-DD")]
    del a.attributes["Birth date"]
    [(_, fld, text)] = messages(run(a), "A1", "bad_date")
    assert fld == "Birth date" and "'bad'" in text


def test_records_of_many_shapes() -> None:
    # plans are cached per shape; different shapes must not leak into each other
    a1 = animal("A1")
    a2 = animal("A2", sex="female")
    del a2.attributes["Birth location"]
    s1 = sample("S1", "A1")
    report = run(a1, a2, s1, animal("A3"))
    assert [r.status.value for r in report.records] == ["pass", "warning", "pass", "pass"]


def test_record_material_enum_is_used_in_results() -> None:
    r = Record("X", Material.SPECIMEN, sample().attributes,
               [Relationship(RelationshipType.DERIVED_FROM, "SAMEA1")])
    assert run(r).records[0].material == "specimen from organism"


def test_store_is_the_only_truth_for_terms() -> None:
    empty = InMemoryTermStore()
    result = validate_submission([animal()], load_default_ruleset(), empty).records[0]
    assert "unknown_term" in result.codes()
