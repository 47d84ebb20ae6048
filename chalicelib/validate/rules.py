"""Record rules: one record against the ruleset, with no knowledge of other records.

:class:`CompiledRuleset` turns each rule into a small checker function once (sets, compiled
patterns, a memo of already-judged values) and caches, per *shape* of record (its attribute
names, relationship types and condition values such as Material), the plan of which rule
checks which attribute and which messages the shape alone implies (missing mandatory or
recommended fields, attributes the standard does not know). A typical submission has a
handful of shapes, so the per-record work is one plan lookup and one checker call per value.

Checks: mandatory missing → error, recommended missing → warning, optional; Allow Multiple
(no / yes / max N); types text, limited value, ontology_id (term known, not obsolete, under a
valid root, label agrees), uri (http, https, ftp, mailto), doi, date (value matches its unit
YYYY-MM-DD / YYYY-MM / YYYY and is a real date) and number (numeric, one of the valid units);
valid values; unknown attributes → warning.
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import date

from chalicelib.records import AttributeValue, Record, RelationshipType
from chalicelib.validate.report import Code, Message, error, warning
from chalicelib.validate.ruleset import (
    DATE_FORMATS,
    Requirement,
    Rule,
    RuleGroup,
    Ruleset,
    RuleType,
)
from chalicelib.validate.terms import TermStore, normalize_term_id

#: Attributes BioSamples or the pool itself adds to every record; not IMAGE attributes but
#: not the submitter's mistake either, so they raise no "unknown attribute" warning.
ARCHIVE_ATTRIBUTES: frozenset[str] = frozenset(
    {"organism", "title", "taxid", "image submission id"})

#: Rule names (lower case) whose values may come from a record's relationships.
RELATIONSHIP_RULES: dict[str, RelationshipType] = {
    t.value: t for t in (RelationshipType.CHILD_OF, RelationshipType.DERIVED_FROM)}

_URI_SCHEMES = ("http", "https", "ftp", "mailto")
_WEB_URI = re.compile(r"^(?:https?|ftp)://[^\s/?#@]+(?:@[^\s/?#]+)?(?:[/?#]\S*)?$",
                      re.IGNORECASE)
_MAILTO = re.compile(r"^mailto:[^@\s]+@[^@\s]+\.[^@\s.]+$", re.IGNORECASE)
_DOI = re.compile(r"^(?:doi:|https?://(?:dx\.)?doi\.org/)?10\.\d{4,9}/\S+$", re.IGNORECASE)
_EMPTY: tuple[Message, ...] = ()
_MEMO_LIMIT = 200_000

Checker = Callable[[AttributeValue], tuple[Message, ...]]


def is_uri(text: str) -> bool:
    """True for an http(s)/ftp URL with a host, or a ``mailto:`` address."""
    if text[:7].lower() == "mailto:":
        return _MAILTO.match(text) is not None
    return _WEB_URI.match(text) is not None


def parse_date(text: str, unit: str | None) -> tuple[date, date] | None:
    """The first and last day a date value covers, or None when it is not a valid date
    in the given unit (YYYY-MM-DD, YYYY-MM or YYYY; any of them when ``unit`` is None)."""
    formats = (unit,) if unit else tuple(DATE_FORMATS)
    for fmt in formats:
        pattern = DATE_FORMATS.get(fmt or "")
        if pattern is None or not pattern.match(text):
            continue
        try:
            year = int(text[0:4])
            if fmt == "YYYY":
                return date(year, 1, 1), date(year, 12, 31)
            month = int(text[5:7])
            if fmt == "YYYY-MM":
                start = date(year, month, 1)
                end = date(year + 1, 1, 1) if month == 12 else date(year, month + 1, 1)
                return start, date.fromordinal(end.toordinal() - 1)
            day = date(year, month, int(text[8:10]))
            return day, day
        except ValueError:
            return None
    return None


def _listing(values: Sequence[str], limit: int = 8) -> str:
    shown = ", ".join(f"'{v}'" for v in values[:limit])
    return shown + (f" (and {len(values) - limit} more)" if len(values) > limit else "")


def _memo(raw: Checker, by: str) -> Checker:
    """Remember the verdict on each distinct value, keyed by the value alone (``by`` =
    "value") or with its units or terms: plain strings and tuples hash and compare in C,
    the dataclass would not. The key is built inline: the closure is on the hot path."""
    cache: dict[object, tuple[Message, ...]] = {}
    get = cache.get

    def remember(k: object, v: AttributeValue) -> tuple[Message, ...]:
        found = raw(v)
        if len(cache) < _MEMO_LIMIT:
            cache[k] = found
        return found

    if by == "value":
        def check(v: AttributeValue) -> tuple[Message, ...]:
            hit = get(v.value)
            return hit if hit is not None else remember(v.value, v)
    elif by == "units":
        def check(v: AttributeValue) -> tuple[Message, ...]:
            k = (v.value, v.units)
            hit = get(k)
            return hit if hit is not None else remember(k, v)
    else:
        def check(v: AttributeValue) -> tuple[Message, ...]:
            k = (v.value, v.terms)
            hit = get(k)
            return hit if hit is not None else remember(k, v)
    return check


class _Checkers:
    """Builds the checker of each rule type."""

    def __init__(self, terms: TermStore) -> None:
        self.terms = terms

    def build(self, rule: Rule) -> Checker | None:
        builder = {
            RuleType.TEXT: None,
            RuleType.LIMITED_VALUE: self._limited,
            RuleType.ONTOLOGY_ID: self._ontology,
            RuleType.URI: self._uri,
            RuleType.DOI: self._doi,
            RuleType.DATE: self._date,
            RuleType.NUMBER: self._number,
        }[rule.type]
        return builder(rule) if builder else None

    # each builder returns a closure over precomputed data --------------------------------
    @staticmethod
    def _values_check(rule: Rule) -> Callable[[str], Message | None]:
        """Checks a value against Valid values. A valid value that is an example URI
        (``mailto:a.valid@email``, ``https://a.valid.weblink``) admits any URI of its scheme."""
        exact = frozenset(rule.valid_values)
        folded = {v.casefold(): v for v in rule.valid_values}
        schemes = tuple(sorted({v.split(":", 1)[0].lower() for v in rule.valid_values
                                if ":" in v and v.split(":", 1)[0].lower() in _URI_SCHEMES}))
        name = rule.name
        choices = _listing(rule.valid_values)

        def check(value: str) -> Message | None:
            if value in exact:
                return None
            if schemes and value.split(":", 1)[0].lower() in schemes and is_uri(value):
                return None
            hint = folded.get(value.casefold())
            if hint is not None:
                return error(name, Code.NOT_IN_VALID_VALUES,
                             f"'{value}' is not allowed for {name}: write it exactly "
                             f"as '{hint}'")
            extra = (f", or a {'/'.join(schemes)} link" if schemes else "")
            return error(name, Code.NOT_IN_VALID_VALUES,
                         f"'{value}' is not allowed for {name}: use one of {choices}{extra}")

        return check

    def _limited(self, rule: Rule) -> Checker:
        values_check = self._values_check(rule)
        exact = frozenset(rule.valid_values)

        def check(v: AttributeValue) -> tuple[Message, ...]:
            if v.value in exact:
                return _EMPTY
            m = values_check(v.value)
            return (m,) if m else _EMPTY

        return check

    def _number(self, rule: Rule) -> Checker:
        units = frozenset(rule.valid_units)
        name = rule.name
        unit_list = _listing(rule.valid_units, 12)
        values_check = self._values_check(rule) if rule.valid_values else None

        def check(v: AttributeValue) -> tuple[Message, ...]:
            out: list[Message] = []
            try:
                number = float(v.value)
                if not math.isfinite(number):
                    raise ValueError(v.value)
            except ValueError:
                out.append(error(name, Code.BAD_NUMBER,
                                 f"{name} must be a number, got '{v.value}'"))
            if v.units not in units:
                if v.units:
                    text = f"unit '{v.units}' is not allowed for {name}: use {unit_list}"
                else:
                    text = f"{name} needs a unit: use {unit_list}"
                out.append(error(name, Code.BAD_UNIT, text))
            if values_check is not None:
                m = values_check(v.value)
                if m:
                    out.append(m)
            return tuple(out) if out else _EMPTY

        return check

    def _date(self, rule: Rule) -> Checker:
        units = frozenset(rule.valid_units)
        name = rule.name
        unit_list = _listing(rule.valid_units)
        values_check = self._values_check(rule) if rule.valid_values else None

        def check(v: AttributeValue) -> tuple[Message, ...]:
            out: list[Message] = []
            if v.units not in units:
                guess = next((u for u in rule.valid_units if parse_date(v.value, u)), None)
                hint = f" ('{v.value}' looks like {guess})" if guess else ""
                what = f"unit '{v.units}' is not a date format" if v.units else "no unit"
                out.append(error(name, Code.BAD_UNIT,
                                 f"{name} has {what}: give one of {unit_list} as its "
                                 f"unit{hint}"))
            elif parse_date(v.value, v.units) is None:
                out.append(error(name, Code.BAD_DATE,
                                 f"{name} '{v.value}' is not a valid date in the format "
                                 f"{v.units}: write it as {v.units} (a real calendar date) "
                                 "or change the unit to match"))
            if values_check is not None:
                m = values_check(v.value)
                if m:
                    out.append(m)
            return tuple(out) if out else _EMPTY

        return _memo(check, "units")

    def _uri(self, rule: Rule) -> Checker:
        name = rule.name
        values_check = self._values_check(rule) if rule.valid_values else None

        def check(v: AttributeValue) -> tuple[Message, ...]:
            out: list[Message] = []
            if not is_uri(v.value):
                if "@" in v.value and ":" not in v.value:
                    hint = f"write 'mailto:{v.value}'"
                elif "://" not in v.value and "." in v.value:
                    hint = f"write 'http://{v.value}' (or https)"
                else:
                    hint = "give an http, https, ftp or mailto: link"
                out.append(error(name, Code.BAD_URI,
                                 f"{name} '{v.value}' is not a valid URI: {hint}"))
            if values_check is not None:
                m = values_check(v.value)
                if m:
                    out.append(m)
            return tuple(out) if out else _EMPTY

        return _memo(check, "value")

    def _doi(self, rule: Rule) -> Checker:
        name = rule.name
        values_check = self._values_check(rule) if rule.valid_values else None

        def check(v: AttributeValue) -> tuple[Message, ...]:
            out: list[Message] = []
            if not _DOI.match(v.value.strip()):
                out.append(error(name, Code.BAD_DOI,
                                 f"{name} '{v.value}' is not a DOI: write it as "
                                 "10.<registrant>/<suffix>, e.g. 10.1139/o09-005"))
            if values_check is not None:
                m = values_check(v.value)
                if m:
                    out.append(m)
            return tuple(out) if out else _EMPTY

        return _memo(check, "value")

    def _ontology(self, rule: Rule) -> Checker:
        terms = self.terms
        name = rule.name
        exact_roots = frozenset(t.term for t in rule.valid_terms if t.include_root)
        desc_roots = tuple(t.term for t in rule.valid_terms if t.allow_descendants)
        allowed_text = ", ".join(
            (f"{t.term}" + (f" ({t.label})" if t.label else ""))
            if not t.allow_descendants else
            (f"descendants of {t.term}" if not t.include_root else f"{t.term} or below")
            for t in rule.valid_terms)

        def judge_term(raw_id: str, label: str) -> list[Message]:
            tid = normalize_term_id(raw_id)
            term = terms.get(tid)
            if term is None:
                return [error(name, Code.UNKNOWN_TERM,
                              f"{name}: term {tid} is not a known ontology term; "
                              f"use a term from {allowed_text}")]
            out: list[Message] = []
            if term.obsolete:
                out.append(error(name, Code.OBSOLETE_TERM,
                                 f"{name}: term {tid} ({term.label}) is obsolete; "
                                 "use its replacement"))
            if tid not in exact_roots and not any(terms.is_descendant(tid, root)
                                                  for root in desc_roots):
                out.append(error(name, Code.TERM_NOT_DESCENDANT,
                                 f"{name}: term {tid} ({term.label}) is not allowed here; "
                                 f"use {allowed_text}"))
            if label != term.label and term.label:
                if label.casefold() == term.label.casefold():
                    out.append(warning(name, Code.TERM_LABEL_MISMATCH,
                                       f"{name}: write '{term.label}' (the label of {tid}) "
                                       f"instead of '{label}'"))
                else:
                    out.append(error(name, Code.TERM_LABEL_MISMATCH,
                                     f"{name}: '{label}' is not the label of {tid} "
                                     f"('{term.label}'); fix the text or the term"))
            return out

        def check(v: AttributeValue) -> tuple[Message, ...]:
            if not v.terms:
                found = [t for t in terms.find(v.value)
                         if t.id in exact_roots or any(terms.is_descendant(t.id, r)
                                                       for r in desc_roots)]
                hint = (f" (perhaps {found[0].id}, '{found[0].label}')" if found else "")
                return (error(name, Code.MISSING_TERM,
                              f"{name} '{v.value}' has no ontology term: give the term id"
                              f"{hint}, or map it in enrichment"),)
            out: list[Message] = []
            for raw_id in v.terms:
                out.extend(judge_term(raw_id, v.value))
            return tuple(out) if out else _EMPTY

        return _memo(check, "terms")


class CompiledRule:
    """A rule with its checker, ready for the hot loop."""

    __slots__ = ("check", "key", "max_values", "name", "relationship", "required", "rule")

    def __init__(self, rule: Rule, check: Checker | None) -> None:
        self.rule = rule
        self.name = rule.name
        self.key = rule.name.lower()
        self.required = rule.required
        self.relationship = RELATIONSHIP_RULES.get(self.key)
        # relationship cardinality is judged by the context rules (which see the targets)
        self.max_values = None if self.relationship else rule.max_values
        self.check = check


class Plan:
    """What a record of one shape needs: which rule checks which attribute, and the
    messages the shape alone implies. Shared by every record of that shape."""

    __slots__ = ("entries", "extra", "groups", "key_of", "merged", "static", "text_entries")

    def __init__(self, entries: tuple[tuple[str, CompiledRule], ...],
                 merged: tuple[tuple[tuple[str, ...], CompiledRule], ...],
                 static: tuple[Message, ...], key_of: dict[str, str],
                 groups: tuple[RuleGroup, ...]) -> None:
        self.entries: tuple[tuple[str, CompiledRule, Checker], ...] = tuple(
            (k, c, c.check) for k, c in entries if c.check is not None)
        self.text_entries = tuple(e for e in entries if e[1].check is None)
        self.extra: dict[object, object] = {}
        """A cache for consumers of the plan (the context rules keep their lookups here)."""
        self.merged = merged
        self.static = static
        self.key_of = key_of
        """Lower-cased attribute name → the record's spelling of it."""
        self.groups = groups

    def values(self, record: Record, name: str) -> list[AttributeValue]:
        """A record's values of an attribute (name matched case-insensitively)."""
        key = self.key_of.get(name.lower())
        return record.attributes.get(key, []) if key is not None else []

    def first(self, record: Record, name: str) -> AttributeValue | None:
        key = self.key_of.get(name.lower())
        if key is None:
            return None
        values = record.attributes.get(key)
        return values[0] if values else None


@dataclass(frozen=True, slots=True, eq=False)
class _Shape:
    key_of: dict[str, str]
    groups_of: dict[str, list[str]]


class CompiledRuleset:
    """A ruleset turned into checkers over a term store. Build one per validation run."""

    def __init__(self, ruleset: Ruleset, terms: TermStore) -> None:
        self.ruleset = ruleset
        self.terms = terms
        builder = _Checkers(terms)
        self.rules: dict[str, CompiledRule] = {}
        self._group_rules: dict[str, tuple[CompiledRule, ...]] = {}
        for group in ruleset.groups:
            compiled = []
            for rule in group.rules:
                c = CompiledRule(rule, builder.build(rule))
                self.rules[c.key] = c
                compiled.append(c)
            self._group_rules[group.name] = tuple(compiled)
        self.condition_attributes = ruleset.condition_attributes
        self.date_rules = tuple(r for r in self.rules.values() if r.rule.type is RuleType.DATE)
        self._shapes: dict[tuple[str, ...], _Shape] = {}
        self._plans: dict[tuple[object, ...], Plan] = {}

    # -- plans --------------------------------------------------------------------------
    def _shape(self, names: tuple[str, ...]) -> _Shape:
        shape = self._shapes.get(names)
        if shape is None:
            key_of: dict[str, str] = {}
            groups_of: dict[str, list[str]] = {}
            for n in names:
                low = n.lower()
                key_of.setdefault(low, n)
                groups_of.setdefault(low, []).append(n)
            shape = _Shape(key_of, groups_of)
            if len(self._shapes) < 10_000:
                self._shapes[names] = shape
        return shape

    def plan_for(self, record: Record) -> Plan:
        """The (cached) plan for a record's shape."""
        attrs = record.attributes
        names = tuple(attrs)
        shape = self._shape(names)
        cond: list[str | None] = []
        for cname in self.condition_attributes:
            key = shape.key_of.get(cname)
            vals = attrs.get(key) if key is not None else None
            cond.append(vals[0].value if vals else None)
        rel_types = frozenset(r.type for r in record.relationships) if record.relationships \
            else frozenset()
        pkey = (names, rel_types, tuple(cond), record.material)
        plan = self._plans.get(pkey)
        if plan is None:
            plan = self._build_plan(record, shape, rel_types, cond)
            if len(self._plans) < 10_000:
                self._plans[pkey] = plan
        return plan

    def _build_plan(self, record: Record, shape: _Shape, rel_types: frozenset[RelationshipType],
                    cond: list[str | None]) -> Plan:
        static: list[Message] = []
        values: dict[str, str | None] = {}
        virtual: set[str] = set()
        for cname, value in zip(self.condition_attributes, cond, strict=True):
            if value is None and cname == "material":
                value = record.material.value  # the record's typed material stands in
                virtual.add(cname)
            elif cname == "material" and value != record.material.value:
                static.append(error(
                    "Material", Code.MATERIAL_MISMATCH,
                    f"Material '{value}' disagrees with the record's kind "
                    f"'{record.material.value}': fix the Material column"))
            values[cname] = value
        groups = self.ruleset.groups_for(values)
        applicable: dict[str, CompiledRule] = {}
        for g in groups:
            for c in self._group_rules[g.name]:
                applicable[c.key] = c
        entries: list[tuple[str, CompiledRule]] = []
        merged: list[tuple[tuple[str, ...], CompiledRule]] = []
        group_names = ", ".join(f"'{g.name}'" for g in groups)
        for low, spellings in shape.groups_of.items():
            found = applicable.get(low)
            if found is None:
                if low in ARCHIVE_ATTRIBUTES:
                    continue
                other = self.rules.get(low)
                for n in spellings:
                    if other is not None:
                        text = (f"'{n}' is not part of the rules for this record "
                                f"({group_names}): remove it or check the Material")
                    else:
                        text = (f"'{n}' is not an attribute of the IMAGE standard: check its "
                                "spelling or remove it")
                    static.append(warning(n, Code.UNKNOWN_ATTRIBUTE, text))
                continue
            if len(spellings) == 1:
                entries.append((spellings[0], found))
            else:
                merged.append((tuple(spellings), found))
        for c in applicable.values():
            present = c.key in shape.key_of or c.key in virtual or (
                c.relationship is not None and c.relationship in rel_types)
            if present:
                continue
            if c.required is not Requirement.OPTIONAL:
                static.append(self.missing(c))
        return Plan(tuple(entries), tuple(merged), tuple(static), shape.key_of, groups)

    @staticmethod
    def missing(c: CompiledRule) -> Message:
        what = c.rule.description.strip().rstrip(".")
        tail = f" ({what})" if what else ""
        if c.required is Requirement.MANDATORY:
            return error(c.name, Code.MISSING_MANDATORY,
                         f"Mandatory field '{c.name}' is missing: add it{tail}")
        return warning(c.name, Code.MISSING_RECOMMENDED,
                       f"Recommended field '{c.name}' is missing: add it if known{tail}")

    # -- checking ----------------------------------------------------------------------
    def check_record(self, record: Record, plan: Plan | None = None) -> list[Message]:
        """Every record-rule message for one record."""
        if plan is None:
            plan = self.plan_for(record)
        attrs = record.attributes
        out = list(plan.static)
        for key, c in plan.text_entries:  # no value check: only blanks and cardinality
            values = attrs[key]
            if len(values) == 1:
                text = values[0].value
                if text and not text.isspace():
                    continue
            self._general(c, values, record, out)
        for key, c, check in plan.entries:
            values = attrs[key]
            if len(values) == 1:
                v = values[0]
                text = v.value
                if text and not text.isspace():
                    found = check(v)
                    if found:
                        out.extend(found)
                    continue
            self._general(c, values, record, out)
        for keys, c in plan.merged:
            self._check_merged(record, keys, c, out)
        return out

    def _general(self, c: CompiledRule, values: list[AttributeValue], record: Record,
                 out: list[Message]) -> None:
        """Any number of values, some maybe blank."""
        check = c.check
        blank = 0
        for v in values:
            text = v.value
            if not text or text.isspace():
                blank += 1
            elif check is not None:
                found = check(v)
                if found:
                    out.extend(found)
        if blank:
            self._blank(c, values, blank, record, out)
        elif c.max_values is not None and len(values) > c.max_values:
            out.append(self._too_many(c, len(values)))

    def _blank(self, c: CompiledRule, values: list[AttributeValue], blank: int,
               record: Record, out: list[Message]) -> None:
        if blank == len(values):
            if c.required is not Requirement.OPTIONAL and not (
                    c.relationship and any(r.type is c.relationship
                                           for r in record.relationships)):
                out.append(self.missing(c))
        elif c.max_values is not None and len(values) - blank > c.max_values:
            out.append(self._too_many(c, len(values) - blank))

    def _check_merged(self, record: Record, keys: tuple[str, ...], c: CompiledRule,
                      out: list[Message]) -> None:
        # the same attribute spelled twice (BioSamples: "Description" and "description"):
        # identical values count once
        seen: dict[tuple[str, str | None, tuple[str, ...]], AttributeValue] = {}
        for k in keys:
            for v in record.attributes[k]:
                seen.setdefault((v.value, v.units, v.terms), v)
        values = [v for v in seen.values() if v.value and not v.value.isspace()]
        if not values:
            if c.required is not Requirement.OPTIONAL:
                out.append(self.missing(c))
            return
        if c.check is not None:
            for v in values:
                out.extend(c.check(v))
        if c.max_values is not None and len(values) > c.max_values:
            out.append(self._too_many(c, len(values)))

    @staticmethod
    def _too_many(c: CompiledRule, n: int) -> Message:
        limit = "one value" if c.max_values == 1 else f"at most {c.max_values} values"
        return error(c.name, Code.TOO_MANY_VALUES,
                     f"{c.name} has {n} values but allows {limit}: keep only "
                     f"{'one' if c.max_values == 1 else c.max_values}")
