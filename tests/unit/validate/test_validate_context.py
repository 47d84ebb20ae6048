"""Context rules: each test breaks one cross-record fact in an otherwise valid submission."""

from __future__ import annotations

from datetime import date

from validate_support import animal, codes, messages, run, sample, setv

from chalicelib.records import AttributeValue, Record, Relationship, RelationshipType
from chalicelib.validate import Status

AV = AttributeValue


def family() -> list[Record]:
    return [animal("F1", sex="male"), animal("M1", sex="female"),
            animal("C1", parents=("F1", "M1")), sample("S1", "C1")]


def test_valid_family_passes() -> None:
    report = run(*family())
    assert report.summary() == {"pass": 4, "warning": 0, "error": 0}


def test_duplicate_data_source_ids() -> None:
    report = run(animal("A1"), animal("A1"), animal("A2"))
    assert [r.codes() for r in report.records] == [{"duplicate_id"}, {"duplicate_id"}, set()]
    assert "2 organism records share the id 'A1'" in report.records[0].messages[0].message


def test_an_animal_and_a_sample_may_share_an_id() -> None:
    # the IMAGE template numbers animals and samples separately (BioSamples example: 7 and 7)
    report = run(animal("7"), sample("7", "7"))
    assert report.summary()["pass"] == 2


def test_unresolved_parent() -> None:
    report = run(animal("C1", parents=("NOPE",)))
    assert codes(report, "C1") == {"unresolved_relationship"}


def test_parent_given_as_biosamples_accession_resolves() -> None:
    report = run(animal("C1", parents=("SAMEA6376991", "SAMEA6376992")))
    assert report.records[0].status is Status.PASS


def test_parent_found_by_accession_within_the_submission() -> None:
    dad = animal("F1")
    dad.accession = "SAMEA1"
    mum = animal("M1", sex="female")
    mum.accession = "SAMEA2"
    mum.attributes["Species"] = [AV("Ovis aries", None, ("NCBITaxon_9940",))]
    mum.attributes["Mapped breed"] = [AV("sheep breed", None, ("LBO_0000004",))]
    child = animal("C1", parents=("SAMEA1", "SAMEA2"))
    # resolved inside the submission, so the parent's species is compared
    assert codes(run(dad, mum, child), "C1") == {"parent_species"}


def test_sample_as_parent_does_not_resolve() -> None:
    report = run(animal("A1"), sample("S1", "A1"), animal("C1", parents=("S1",)))
    [(_, _, text)] = messages(report, "C1", "unresolved_relationship")
    assert "is a sample" in text


def test_sample_of_unknown_animal() -> None:
    report = run(sample("S1", "A404"))
    assert codes(report, "S1") == {"unresolved_relationship"}


def test_relationship_from_attribute_when_no_relationship_given() -> None:
    s = sample("S1", "A404")
    s.relationships = []
    assert codes(run(s), "S1") == {"unresolved_relationship"}
    s2 = sample("S2", "A1")
    s2.relationships = []
    assert run(animal("A1"), s2).summary()["pass"] == 2


def test_at_most_two_parents() -> None:
    report = run(animal("F1"), animal("M1", sex="female"), animal("X1", sex="female"),
                 animal("C1", parents=("F1", "M1", "X1")))
    assert "too_many_parents" in codes(report, "C1")


def test_parents_of_different_sex() -> None:
    report = run(animal("F1"), animal("F2"), animal("C1", parents=("F1", "F2")))
    assert codes(report, "C1") == {"parent_sex"}


def test_parent_of_another_species() -> None:
    sheep = setv(animal("M1", sex="female"), "Species", AV("Ovis aries", None,
                                                          ("NCBITaxon_9940",)))
    sheep.attributes["Mapped breed"] = [AV("sheep breed", None, ("LBO_0000004",))]
    report = run(animal("F1"), sheep, animal("C1", parents=("F1", "M1")))
    assert codes(report, "C1") == {"parent_species"}


def test_sample_species_equals_its_animals() -> None:
    s = setv(sample("S1", "A1"), "Species", AV("Ovis aries", None, ("NCBITaxon_9940",)))
    report = run(animal("A1"), s)
    assert codes(report, "S1") == {"sample_species"}


def test_no_semen_from_a_female() -> None:
    semen = ("semen", "UBERON_0001968")
    assert codes(run(animal("A1", sex="female"), sample("S1", "A1", part=semen)), "S1") == {
        "semen_from_female"}
    assert codes(run(animal("A1", sex="male"), sample("S1", "A1", part=semen)), "S1") == set()


def test_no_coordinates_with_missing_geographic_information() -> None:
    a = setv(animal(), "Birth location accuracy", AV("missing geographic information"))
    assert codes(run(a), "A1") == {"coordinates_accuracy"}
    del a.attributes["Birth location latitude"]
    del a.attributes["Birth location longitude"]
    # coordinates gone: only the (recommended) coordinates are reported missing
    assert codes(run(a), "A1") == {"missing_recommended"}


def test_precise_coordinates_need_both() -> None:
    a = animal()
    del a.attributes["Birth location longitude"]
    assert codes(run(a), "A1") == {"coordinates_accuracy", "missing_recommended"}


def test_coordinates_in_range() -> None:
    a = setv(animal(), "Birth location latitude", AV("95.1", "decimal degrees"))
    assert codes(run(a), "A1") == {"coordinates_range"}
    s = setv(sample("S1", "A1"), "Collection place longitude", AV("-190", "decimal degrees"))
    assert codes(run(animal("A1"), s), "S1") == {"coordinates_range"}


def test_no_dates_in_the_future() -> None:
    a = setv(animal(), "Birth date", AV("2030-01-02", "YYYY-MM-DD"))
    assert codes(run(a, today=date(2024, 6, 1)), "A1") == {"date_in_future"}
    # a partial date of the current year or month is not in the future
    b = setv(animal(), "Birth date", AV("2024", "YYYY"))
    assert codes(run(b, today=date(2024, 6, 1)), "A1") == set()
    c = setv(animal(), "Birth date", AV("2024-07", "YYYY-MM"))
    assert codes(run(c, today=date(2024, 6, 1)), "A1") == {"date_in_future"}


def test_birth_before_collection() -> None:
    a = setv(animal("A1"), "Birth date", AV("2022-01-01", "YYYY-MM-DD"))
    s = setv(sample("S1", "A1"), "Collection date", AV("2021-12", "YYYY-MM"))
    assert codes(run(a, s), "S1") == {"birth_after_collection"}
    same_month = setv(sample("S1", "A1"), "Collection date", AV("2022-01", "YYYY-MM"))
    assert codes(run(a, same_month), "S1") == set()


def test_mapped_breed_under_the_species_general_breed() -> None:
    a = setv(animal(), "Mapped breed", AV("cattle breed", None, ("LBO_0000001",)))
    report = run(a)
    assert codes(report, "A1") == {"breed_not_under_species"}
    assert "LBO_0000003 (pig breed)" in messages(report, "A1", "breed_not_under_species")[0][2]
    general = setv(animal(), "Mapped breed", AV("pig breed", None, ("LBO_0000003",)))
    assert codes(run(general), "A1") == set()


def test_species_and_taxon_agree() -> None:
    a = setv(animal(), "taxId", AV("9913"))
    assert codes(run(a), "A1") == {"taxon_mismatch"}
    b = setv(animal(), "organism", AV("Bos taurus", None, ("NCBITaxon_9913",)))
    assert codes(run(b), "A1") == {"taxon_mismatch"}
    c = setv(animal(), "taxId", AV("9823"))
    assert codes(run(c), "A1") == set()


def test_context_messages_land_on_the_right_record() -> None:
    records = family()
    records[2].relationships.append(Relationship(RelationshipType.CHILD_OF, "ZZZ"))
    report = run(*records)
    assert [r.status.value for r in report.records] == ["pass", "pass", "error", "pass"]


def test_a_sample_comes_from_one_animal() -> None:
    s = sample("S1", "A1")
    s.relationships.append(Relationship(RelationshipType.DERIVED_FROM, "A2"))
    report = run(animal("A1"), animal("A2"), s)
    assert codes(report, "S1") == {"too_many_values"}
