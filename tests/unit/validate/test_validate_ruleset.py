"""The ruleset loader: typed rules, version, group conditions, consistency check."""

from __future__ import annotations

import copy
import json
from pathlib import Path
from typing import Any

import pytest
from validate_support import animal, sample, terms

from chalicelib.validate import DEFAULT_RULESET, Status, load_default_ruleset, validate_submission
from chalicelib.validate.ruleset import (
    Requirement,
    RulesetError,
    RuleType,
    content_version,
    load_ruleset,
    parse_ruleset,
)


def raw() -> dict[str, Any]:
    data: dict[str, Any] = json.loads(DEFAULT_RULESET.read_text(encoding="utf-8"))
    return copy.deepcopy(data)


def rule_of(data: dict[str, Any], name: str) -> dict[str, Any]:
    for g in data["rule_groups"]:
        r: dict[str, Any]
        for r in g["rules"]:
            if r["Name"] == name:
                return r
    raise KeyError(name)


def test_default_ruleset_is_typed() -> None:
    rs = load_default_ruleset()
    assert [g.name for g in rs.groups] == ["standard", "organism", "specimen from organism"]
    sex = rs.rule("sex")  # case-insensitive
    assert sex is not None and sex.type is RuleType.ONTOLOGY_ID
    assert sex.required is Requirement.MANDATORY and sex.max_values == 1
    assert {t.term for t in sex.valid_terms} == {"PATO_0000384", "PATO_0000383", "OBI_0000858"}
    child = rs.rule("Child of")
    assert child is not None and child.max_values == 2
    last = rs.rule("Person last name")
    assert last is not None and last.max_values is None
    assert len(rs.rules) == 49


def test_version_is_a_content_hash_when_the_file_has_none() -> None:
    rs = load_default_ruleset()
    assert rs.version == content_version(raw())
    assert rs.version.startswith("sha256:")
    # spacing and key order do not change it, content does
    data = raw()
    assert content_version(json.loads(json.dumps(data, indent=7))) == rs.version
    rule_of(data, "Project")["Description"] = "changed"
    assert content_version(data) != rs.version


def test_version_from_the_file(tmp_path: Path) -> None:
    data = raw()
    data["version"] = "3a0ee76"
    path = tmp_path / "rules.json"
    path.write_text(json.dumps(data))
    rs = load_ruleset(path)
    assert rs.version == "3a0ee76"
    report = validate_submission([animal()], rs, terms())
    assert report.to_dict()["ruleset"] == "3a0ee76"


def test_groups_are_chosen_by_their_condition_not_their_name(tmp_path: Path) -> None:
    data = raw()
    data["rule_groups"][1]["name"] = "animal (renamed in a newer ruleset)"
    data["rule_groups"][2]["name"] = "specimen v2"
    # a newer ruleset adds a mandatory animal field
    data["rule_groups"][1]["rules"].append(
        {"Name": "Herd book", "Type": "text", "Required": "mandatory", "Allow Multiple": "no"})
    path = tmp_path / "newer.json"
    path.write_text(json.dumps(data))
    rs = load_ruleset(path)
    report = validate_submission([animal("A1"), sample("S1", "A1")], rs, terms())
    a, s = report.records
    assert a.codes() == {"missing_mandatory"} and a.messages[0].field == "Herd book"
    assert s.status is Status.PASS
    assert rs.groups_for({"material": "organism"})[1].name.startswith("animal")


def test_list_condition_values() -> None:
    data = raw()
    data["rule_groups"][1]["condition"]["attribute_value_match"]["Material"] = [
        "organism", "specimen from organism"]
    rs = parse_ruleset(data)
    assert [g.name for g in rs.groups_for({"material": "specimen from organism"})] == [
        "standard", "organism", "specimen from organism"]


def broken(mutate: Any) -> RulesetError:
    data = raw()
    mutate(data)
    with pytest.raises(RulesetError) as info:
        parse_ruleset(data, source="broken.json")
    return info.value


@pytest.mark.parametrize("name,change,expected", [
    ("Project", {"Valid values": None}, "limited value rule needs 'Valid values'"),
    ("Sex", {"Valid terms": None}, "ontology_id rule needs 'Valid terms'"),
    ("Birth date", {"Valid units": None}, "date rule needs 'Valid units'"),
    ("Animal age at collection", {"Valid units": None}, "number rule needs 'Valid units'"),
    ("Birth date", {"Valid units": ["DD/MM/YYYY"]}, "not one of"),
    ("Supplied breed", {"Valid values": ["a", "b"]}, "text rule cannot have 'Valid values'"),
    ("Supplied breed", {"Valid units": ["kg"]}, "text rule cannot have 'Valid units'"),
    ("Person email", {"Valid terms": [{"term": "EFO_1", "include_root": 1}]},
     "uri rule cannot have 'Valid terms'"),
    ("Project", {"Type": "free text"}, "unknown Type"),
    ("Project", {"Required": "sometimes"}, "'Required' must be"),
    ("Project", {"Allow Multiple": "max 0"}, "'Allow Multiple' must be"),
    ("Sex", {"Valid terms": [{"term": "PATO_0000384", "include_root": 0,
                              "allow_descendants": 0}]}, "no term could ever be valid"),
    ("Sex", {"Valid terms": [{"term": "not a term"}]}, "no usable 'term' id"),
    ("Sample storage", {"Valid values": ["a", "a"]}, "lists a value twice"),
])
def test_inconsistent_rules_are_rejected(name: str, change: dict[str, Any],
                                         expected: str) -> None:
    def mutate(data: dict[str, Any]) -> None:
        rule = rule_of(data, name)
        for k, v in change.items():
            if v is None:
                rule.pop(k, None)
            else:
                rule[k] = v

    error = broken(mutate)
    assert any(expected in p for p in error.problems), error.problems
    assert "broken.json" in str(error)


def test_every_problem_is_listed() -> None:
    def mutate(data: dict[str, Any]) -> None:
        rule_of(data, "Project").pop("Valid values")
        rule_of(data, "Sex").pop("Valid terms")

    assert len(broken(mutate).problems) == 2


def test_duplicate_rule_names_are_rejected() -> None:
    error = broken(lambda d: d["rule_groups"][1]["rules"].append(
        {"Name": "species", "Type": "text", "Required": "optional", "Allow Multiple": "no"}))
    assert any("defined twice" in p for p in error.problems)


def test_condition_on_an_unknown_attribute_is_rejected() -> None:
    def mutate(data: dict[str, Any]) -> None:
        data["rule_groups"][1]["condition"] = {"attribute_value_match": {"Kind": "animal"}}

    assert any("looks at 'Kind'" in p for p in broken(mutate).problems)


def test_condition_value_must_be_valid_for_its_attribute() -> None:
    def mutate(data: dict[str, Any]) -> None:
        data["rule_groups"][1]["condition"] = {"attribute_value_match": {"Material": "animal"}}

    assert any("not valid for 'Material'" in p for p in broken(mutate).problems)


def test_unsupported_condition_type_is_rejected() -> None:
    def mutate(data: dict[str, Any]) -> None:
        data["rule_groups"][1]["condition"] = {"dpath_condition": {}}

    assert any("not supported" in p for p in broken(mutate).problems)


def test_structure_errors(tmp_path: Path) -> None:
    with pytest.raises(RulesetError):
        parse_ruleset([])
    with pytest.raises(RulesetError):
        parse_ruleset({"rule_groups": []})
    bad = tmp_path / "bad.json"
    bad.write_text("{not json")
    with pytest.raises(RulesetError, match="cannot read JSON"):
        load_ruleset(bad)
