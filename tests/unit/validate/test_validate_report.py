"""The report: statuses, the JSON shape and the grouped summary."""

from __future__ import annotations

import json

from validate_support import animal, run, sample, setv

from chalicelib.records import AttributeValue, Level
from chalicelib.validate import Code, Message, Status, load_default_ruleset
from chalicelib.validate.report import RecordResult, ValidationReport, status_of


def test_status_is_the_worst_message() -> None:
    warn = Message(Level.WARNING, "f", "c", "m")
    err = Message(Level.ERROR, "f", "c", "m")
    assert status_of([]) is Status.PASS
    assert status_of([warn]) is Status.WARNING
    assert status_of([warn, err, warn]) is Status.ERROR
    assert status_of([Message(Level.INFO, "f", "c", "m")]) is Status.PASS


def test_codes_are_stable_names() -> None:
    expected = {"missing_mandatory", "missing_recommended", "not_in_valid_values", "bad_unit",
                "bad_date", "bad_number", "bad_uri", "bad_doi", "unknown_term",
                "term_not_descendant", "term_label_mismatch", "too_many_values",
                "unknown_attribute", "duplicate_id", "unresolved_relationship",
                "too_many_parents", "parent_sex", "parent_species", "sample_species",
                "semen_from_female", "coordinates_accuracy", "coordinates_range",
                "date_in_future", "birth_after_collection", "breed_not_under_species",
                "taxon_mismatch"}
    assert expected <= {c.value for c in Code}


def bad_submission() -> ValidationReport:
    a1 = setv(animal("A1"), "Birth date", AttributeValue("05/11/2019", "YYYY-MM-DD"))
    a2 = setv(animal("A2"), "Birth date", AttributeValue("2019/11/05", "YYYY-MM-DD"))
    a3 = animal("A3")
    del a3.attributes["Birth location"]
    return run(a1, a2, a3, animal("A4"), sample("S1", "A4"))


def test_json_shape() -> None:
    report = bad_submission()
    doc = json.loads(json.dumps(report.to_dict()))
    assert set(doc) == {"ruleset", "summary", "records", "problems"}
    assert doc["ruleset"] == load_default_ruleset().version
    assert doc["summary"] == {"pass": 2, "warning": 1, "error": 2}
    first = doc["records"][0]
    assert set(first) == {"id", "material", "status", "messages"}
    assert first["id"] == "A1" and first["material"] == "organism"
    assert first["status"] == "error"
    [msg] = first["messages"]
    assert set(msg) == {"level", "field", "code", "message"}
    assert (msg["level"], msg["field"], msg["code"]) == ("error", "Birth date", "bad_date")
    assert "05/11/2019" in msg["message"] and "YYYY-MM-DD" in msg["message"]


def test_problems_grouped_by_code_and_field() -> None:
    problems = bad_submission().to_dict()["problems"]
    assert problems[0]["code"] == "bad_date" and problems[0]["field"] == "Birth date"
    assert problems[0]["count"] == 2 and problems[0]["records"] == ["A1", "A2"]
    assert problems[0]["level"] == "error"
    assert problems[1]["code"] == "missing_recommended" and problems[1]["records"] == ["A3"]
    assert len(problems) == 2


def test_problem_record_ids_can_be_capped() -> None:
    report = ValidationReport("v", [RecordResult(str(i), "organism", [
        Message(Level.ERROR, "f", "c", "m")]) for i in range(10)])
    [group] = report.to_dict(max_ids=3)["problems"]
    assert group["count"] == 10 and group["records"] == ["0", "1", "2"]


def test_ok_and_by_id() -> None:
    report = bad_submission()
    assert not report.ok
    assert report.by_id("A4").status is Status.PASS
    assert run(animal("A1")).ok
