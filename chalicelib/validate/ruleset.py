"""The IMAGE ruleset: load the JSON, check it is consistent, expose typed rules.

The ruleset file (``data/sample_ruleset.json``) is the IMAGE-metadata project's machine
readable standard: a list of rule groups, each with rules (Name, Type, Required, Allow
Multiple, Valid values / units / terms) and an optional ``condition`` choosing the records
the group applies to (``{"attribute_value_match": {"Material": "organism"}}``). Nothing in
this module knows a group or attribute name: a newer ruleset file can be dropped in.

Consistency follows ``image_data_type.md``: a *limited value* needs valid values, an
*ontology_id* needs valid terms, *number* and *date* need valid units; *text* takes no
restriction; valid units only on number/date, valid terms only on ontology_id. A broken
file raises :class:`RulesetError` listing every problem found.
"""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from enum import StrEnum
from pathlib import Path
from typing import Any


class RulesetError(ValueError):
    """The ruleset file cannot be used; ``problems`` lists every reason."""

    def __init__(self, problems: Sequence[str], source: str = "ruleset") -> None:
        self.problems = list(problems)
        self.source = source
        lines = "\n  - ".join(self.problems)
        super().__init__(f"{source} is not a consistent IMAGE ruleset:\n  - {lines}")


class RuleType(StrEnum):
    """The IMAGE data types (``image_data_type.md``)."""

    TEXT = "text"
    LIMITED_VALUE = "limited value"
    ONTOLOGY_ID = "ontology_id"
    URI = "uri"
    DOI = "doi"
    DATE = "date"
    NUMBER = "number"


class Requirement(StrEnum):
    """How much a rule's attribute is wanted."""

    MANDATORY = "mandatory"
    RECOMMENDED = "recommended"
    OPTIONAL = "optional"


#: Date formats a *date* rule may name as its units, with the matching pattern.
DATE_FORMATS: dict[str, re.Pattern[str]] = {
    "YYYY-MM-DD": re.compile(r"^\d{4}-\d{2}-\d{2}$"),
    "YYYY-MM": re.compile(r"^\d{4}-\d{2}$"),
    "YYYY": re.compile(r"^\d{4}$"),
}

# Which restriction each type may (True), must ("required") or must not (False) carry;
# the table at the end of image_data_type.md ("B" = may, "Y" = must, "N" = must not).
_ALLOWED: dict[RuleType, tuple[bool | str, bool | str, bool | str]] = {
    #                         values      units       terms
    RuleType.NUMBER: (True, "required", False),
    RuleType.TEXT: (False, False, False),
    RuleType.LIMITED_VALUE: ("required", False, False),
    RuleType.ONTOLOGY_ID: (False, False, "required"),
    RuleType.URI: (True, False, False),
    RuleType.DOI: (True, False, False),
    RuleType.DATE: (True, "required", False),
}

_TERM_ID = re.compile(r"^[A-Za-z][A-Za-z0-9.]*[_:][A-Za-z0-9_.:-]+$")
_MAX_N = re.compile(r"^max\s+(\d+)$", re.IGNORECASE)


@dataclass(frozen=True, slots=True)
class ValidTerm:
    """One entry of a rule's ``Valid terms``: a root term and how it may be used."""

    term: str
    ontology_name: str | None
    include_root: bool
    allow_descendants: bool
    label: str | None = None


@dataclass(frozen=True, slots=True)
class Rule:
    """One attribute of the standard."""

    name: str
    type: RuleType
    required: Requirement
    allow_multiple: str
    max_values: int | None
    """How many values the attribute may have; None means no limit."""
    valid_values: tuple[str, ...] = ()
    valid_units: tuple[str, ...] = ()
    valid_terms: tuple[ValidTerm, ...] = ()
    description: str = ""
    example: str = ""
    group: str = ""


@dataclass(frozen=True, slots=True)
class Condition:
    """When a rule group applies: every named attribute has one of the listed values."""

    attribute_value_match: tuple[tuple[str, frozenset[str]], ...]

    def matches(self, values: Mapping[str, str | None]) -> bool:
        """``values`` maps a lower-cased attribute name to the record's first value."""
        for name, allowed in self.attribute_value_match:
            if values.get(name.lower()) not in allowed:
                return False
        return True


@dataclass(frozen=True, slots=True)
class RuleGroup:
    """A named set of rules, applying to every record or to those matching ``condition``."""

    name: str
    rules: tuple[Rule, ...]
    condition: Condition | None = None


@dataclass(frozen=True)
class Ruleset:
    """The whole standard, typed. ``version`` names it in every validation result."""

    name: str
    version: str
    groups: tuple[RuleGroup, ...]
    description: str = ""
    further_details_iri: str = ""
    source: str = ""
    _by_name: dict[str, Rule] = field(default_factory=dict, repr=False, compare=False)

    def __post_init__(self) -> None:
        for group in self.groups:
            for rule in group.rules:
                self._by_name.setdefault(rule.name.lower(), rule)

    def rule(self, name: str) -> Rule | None:
        """The rule for an attribute name, matched case-insensitively."""
        return self._by_name.get(name.lower())

    @property
    def rules(self) -> tuple[Rule, ...]:
        """Every rule of every group."""
        return tuple(r for g in self.groups for r in g.rules)

    @property
    def condition_attributes(self) -> tuple[str, ...]:
        """Lower-cased names of the attributes the group conditions look at."""
        names: dict[str, None] = {}
        for group in self.groups:
            if group.condition:
                for name, _ in group.condition.attribute_value_match:
                    names[name.lower()] = None
        return tuple(names)

    def groups_for(self, values: Mapping[str, str | None]) -> tuple[RuleGroup, ...]:
        """The groups applying to a record whose condition attributes have ``values``
        (lower-cased name → first value)."""
        return tuple(g for g in self.groups if g.condition is None or g.condition.matches(values))


def content_version(data: Mapping[str, Any]) -> str:
    """A stable content hash of a ruleset document (key order and spacing do not count)."""
    canonical = json.dumps(data, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    return "sha256:" + hashlib.sha256(canonical.encode("utf-8")).hexdigest()[:12]


def load_ruleset(path: str | Path) -> Ruleset:
    """Read a ruleset JSON file, check it and return it typed."""
    p = Path(path)
    try:
        data = json.loads(p.read_text(encoding="utf-8"))
    except (OSError, json.JSONDecodeError) as exc:
        raise RulesetError([f"cannot read JSON: {exc}"], source=str(p)) from exc
    return parse_ruleset(data, source=str(p))


def _flag(value: Any) -> bool | None:
    if isinstance(value, bool):
        return value
    if value in (0, 1, "0", "1"):
        return bool(int(value))
    if isinstance(value, str) and value.lower() in ("true", "false", "yes", "no"):
        return value.lower() in ("true", "yes")
    return None


def _str_list(value: Any) -> list[str] | None:
    if value is None:
        return []
    if isinstance(value, str):
        return [value]
    if isinstance(value, list) and all(isinstance(v, str) for v in value):
        return list(value)
    return None


def _parse_allow_multiple(raw: Any) -> tuple[int | None, str | None]:
    """(max values, problem)."""
    if not isinstance(raw, str):
        return 1, f"'Allow Multiple' must be text, got {raw!r}"
    text = raw.strip().lower()
    if text == "no":
        return 1, None
    if text == "yes":
        return None, None
    m = _MAX_N.match(text)
    if m and int(m.group(1)) >= 1:
        return int(m.group(1)), None
    return 1, f"'Allow Multiple' must be 'no', 'yes' or 'max N' (N ≥ 1), got {raw!r}"


def _parse_terms(raw: Any, where: str, problems: list[str]) -> tuple[ValidTerm, ...]:
    if raw is None:
        return ()
    if not isinstance(raw, list):
        problems.append(f"{where}: 'Valid terms' must be a list")
        return ()
    out: list[ValidTerm] = []
    for i, entry in enumerate(raw):
        at = f"{where}: valid term #{i + 1}"
        if not isinstance(entry, dict):
            problems.append(f"{at} must be an object")
            continue
        term = entry.get("term")
        if not isinstance(term, str) or not _TERM_ID.match(term):
            problems.append(f"{at} has no usable 'term' id (got {term!r})")
            continue
        include_root = _flag(entry.get("include_root", 1))
        allow_desc = _flag(entry.get("allow_descendants", 0))
        if include_root is None or allow_desc is None:
            problems.append(f"{at} ({term}): include_root/allow_descendants must be 0 or 1")
            continue
        if not include_root and not allow_desc:
            problems.append(
                f"{at} ({term}): include_root and allow_descendants are both 0, "
                "so no term could ever be valid")
            continue
        label = entry.get("label")
        out.append(ValidTerm(term=term.replace(":", "_", 1),
                             ontology_name=entry.get("ontology_name"),
                             include_root=include_root, allow_descendants=allow_desc,
                             label=label if isinstance(label, str) else None))
    return tuple(out)


def _parse_rule(raw: Any, group: str, index: int, problems: list[str]) -> Rule | None:
    where = f"group '{group}', rule #{index + 1}"
    if not isinstance(raw, dict):
        problems.append(f"{where} must be an object")
        return None
    name = raw.get("Name")
    if not isinstance(name, str) or not name.strip():
        problems.append(f"{where} has no 'Name'")
        return None
    where = f"group '{group}', rule '{name}'"
    n_before = len(problems)
    try:
        rtype = RuleType(str(raw.get("Type", "")).strip())
    except ValueError:
        problems.append(f"{where}: unknown Type {raw.get('Type')!r} "
                        f"(expected one of {', '.join(t.value for t in RuleType)})")
        return None
    try:
        required = Requirement(str(raw.get("Required", "")).strip().lower())
    except ValueError:
        problems.append(f"{where}: 'Required' must be mandatory, recommended or optional, "
                        f"got {raw.get('Required')!r}")
        required = Requirement.OPTIONAL
    max_values, problem = _parse_allow_multiple(raw.get("Allow Multiple", "no"))
    if problem:
        problems.append(f"{where}: {problem}")
    values = _str_list(raw.get("Valid values"))
    units = _str_list(raw.get("Valid units"))
    if values is None:
        problems.append(f"{where}: 'Valid values' must be a list of text")
        values = []
    if units is None:
        problems.append(f"{where}: 'Valid units' must be a list of text")
        units = []
    terms = _parse_terms(raw.get("Valid terms"), where, problems)
    has_terms = bool(raw.get("Valid terms"))
    allow_values, allow_units, allow_terms = _ALLOWED[rtype]
    for label, present, allowed in (("Valid values", bool(values), allow_values),
                                    ("Valid units", bool(units), allow_units),
                                    ("Valid terms", has_terms, allow_terms)):
        if allowed == "required" and not present:
            problems.append(f"{where}: a {rtype.value} rule needs '{label}'")
        elif allowed is False and present:
            problems.append(f"{where}: a {rtype.value} rule cannot have '{label}'")
    if rtype is RuleType.DATE:
        for unit in units:
            if unit not in DATE_FORMATS:
                problems.append(f"{where}: date unit {unit!r} is not one of "
                                f"{', '.join(DATE_FORMATS)}")
    if len(set(values)) != len(values):
        problems.append(f"{where}: 'Valid values' lists a value twice")
    if len(problems) > n_before:
        return None
    return Rule(name=name.strip(), type=rtype, required=required,
                allow_multiple=str(raw.get("Allow Multiple", "no")), max_values=max_values,
                valid_values=tuple(values), valid_units=tuple(units), valid_terms=terms,
                description=str(raw.get("Description", "")), example=str(raw.get("Example", "")),
                group=group)


def _parse_condition(raw: Any, where: str, problems: list[str]) -> Condition | None:
    if raw is None:
        return None
    if not isinstance(raw, dict) or not raw:
        problems.append(f"{where}: 'condition' must be a non-empty object")
        return None
    unknown = set(raw) - {"attribute_value_match"}
    if unknown:
        problems.append(f"{where}: condition type(s) {sorted(unknown)} are not supported "
                        "(only attribute_value_match)")
        return None
    match = raw["attribute_value_match"]
    if not isinstance(match, dict) or not match:
        problems.append(f"{where}: attribute_value_match must be a non-empty object")
        return None
    pairs: list[tuple[str, frozenset[str]]] = []
    for attr, value in match.items():
        allowed = _str_list(value)
        if not allowed:
            problems.append(f"{where}: attribute_value_match for {attr!r} needs text values")
            continue
        pairs.append((attr, frozenset(allowed)))
    return Condition(tuple(pairs))


def _check_conditions(groups: Iterable[RuleGroup], problems: list[str]) -> None:
    unconditional = {r.name.lower(): r for g in groups if g.condition is None for r in g.rules}
    for g in groups:
        if g.condition is None:
            continue
        for attr, allowed in g.condition.attribute_value_match:
            rule = unconditional.get(attr.lower())
            if rule is None:
                problems.append(f"group '{g.name}': its condition looks at {attr!r}, which is "
                                "not an attribute every record has")
                continue
            known = set(rule.valid_values) | {t.label for t in rule.valid_terms if t.label}
            if known and not allowed <= known:
                problems.append(f"group '{g.name}': condition value(s) "
                                f"{sorted(allowed - known)} are not valid for {rule.name!r}")


def parse_ruleset(data: Any, *, source: str = "ruleset") -> Ruleset:
    """Turn a parsed ruleset document into a checked :class:`Ruleset`."""
    problems: list[str] = []
    if not isinstance(data, dict):
        raise RulesetError(["the document must be a JSON object"], source)
    raw_groups = data.get("rule_groups")
    if not isinstance(raw_groups, list) or not raw_groups:
        raise RulesetError(["'rule_groups' must be a non-empty list"], source)
    groups: list[RuleGroup] = []
    seen_groups: set[str] = set()
    seen_rules: dict[str, str] = {}
    for gi, raw_group in enumerate(raw_groups):
        if not isinstance(raw_group, dict):
            problems.append(f"rule group #{gi + 1} must be an object")
            continue
        gname = raw_group.get("name")
        if not isinstance(gname, str) or not gname.strip():
            problems.append(f"rule group #{gi + 1} has no name")
            gname = f"#{gi + 1}"
        if gname in seen_groups:
            problems.append(f"rule group '{gname}' appears twice")
        seen_groups.add(gname)
        condition = _parse_condition(raw_group.get("condition"), f"group '{gname}'", problems)
        raw_rules = raw_group.get("rules")
        if not isinstance(raw_rules, list) or not raw_rules:
            problems.append(f"group '{gname}' has no rules")
            continue
        rules: list[Rule] = []
        for ri, raw_rule in enumerate(raw_rules):
            rule = _parse_rule(raw_rule, gname, ri, problems)
            if rule is None:
                continue
            key = rule.name.lower()
            if key in seen_rules:
                problems.append(f"rule '{rule.name}' is defined twice (groups "
                                f"'{seen_rules[key]}' and '{gname}')")
                continue
            seen_rules[key] = gname
            rules.append(rule)
        groups.append(RuleGroup(name=gname, rules=tuple(rules), condition=condition))
    if not any(g.condition is None for g in groups):
        problems.append("no rule group applies to every record (all have conditions)")
    _check_conditions(groups, problems)
    if problems:
        raise RulesetError(problems, source)
    version = data.get("version") or data.get("ruleset_version")
    return Ruleset(
        name=str(data.get("name") or "IMAGE ruleset"),
        version=str(version) if version else content_version(data),
        groups=tuple(groups),
        description=str(data.get("description") or ""),
        further_details_iri=str(data.get("further_details_iri") or ""),
        source=source,
    )
