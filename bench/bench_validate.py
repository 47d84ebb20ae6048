"""Benchmark of the IMAGE validator (record rules + context rules).

``run()`` returns rows (benchmark, data size, result, unit):

- throughput of ``validate_submission`` on generated typical records (records/second);
- wall time to validate 1,000,000 records end to end (one submission).

Sizes scale with the env var ``IMAGEPOOL_BENCH_SCALE`` (float, default 1.0).
Run: ``.venv/bin/python -m bench.bench_validate`` (or ``python bench/bench_validate.py``).
"""

from __future__ import annotations

import gc
import os
import sys
import time
from datetime import date
from pathlib import Path

if __package__ in (None, ""):
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from chalicelib.records import AttributeValue, Material, Record, Relationship, RelationshipType
from chalicelib.validate import load_default_ruleset, load_default_terms, validate_submission

TODAY = date(2025, 6, 1)


def _v(value: str, units: str | None = None, *terms: str) -> list[AttributeValue]:
    return [AttributeValue(value, units, tuple(terms))]


# Submission-level attributes are the same objects in every record, as a parser that
# copies the submission's values into each record would make them.
_STANDARD: dict[str, list[AttributeValue]] = {
    "Project": _v("IMAGE"),
    "Submission title": _v("Benchmark submission"),
    "Submission description": _v("Generated records"),
    "Person last name": _v("Cozzi"),
    "Person first name": _v("Paolo"),
    "Person email": _v("mailto:paolo.cozzi@ibba.cnr.it"),
    "Person affiliation": _v("IBBA-CNR"),
    "Person role": _v("submitter", None, "EFO_0001741"),
    "Organization name": _v("IBBA-CNR"),
    "Organization address": _v("Via Bassini 15, Milano"),
    "Organization uri": _v("http://www.ibba.cnr.it/"),
    "Organization country": _v("Italy", None, "NCIT_C16761"),
    "Organization role": _v("submitter", None, "EFO_0001741"),
    "Gene bank name": _v("Cryoweb IT"),
    "Gene bank country": _v("Italy", None, "NCIT_C16761"),
    "Data source type": _v("CryoWeb"),
    "Data source version": _v("2024-01-01"),
}
_PIG = _v("Sus scrofa", None, "NCBITaxon_9823")
_SHEEP = _v("Ovis aries", None, "NCBITaxon_9940")
_ORGANISM = _v("organism", None, "OBI_0100026")
_SPECIMEN = _v("specimen from organism", None, "OBI_0001479")
_MALE = _v("male", None, "PATO_0000384")
_FEMALE = _v("female", None, "PATO_0000383")
_BREED = _v("pig breed", None, "LBO_0000003")
_SUPPLIED = _v("Cinta Senese")
_ITALY = _v("Italy")
_REGION = _v("region level")
_NO_GEO = _v("missing geographic information")
_PRECISE = _v("precise coordinates")
_LAT = _v("43.3", "decimal degrees")
_LON = _v("11.3", "decimal degrees")
_SEMEN = _v("semen", None, "UBERON_0001968")
_BLOOD = _v("blood", None, "UBERON_0000178")
_ADULT = _v("adult", None, "EFO_0001272")
_MATURE = _v("mature", None, "PATO_0001701")
_AGE = _v("2", "years")
_AVAIL = _v("no longer available")
_STORAGE = _v("frozen, liquid nitrogen")
_PROCESSING = _v("cryopreservation of live cells in liquid nitrogen")
_PROTOCOL = _v("ftp://ftp.example.org/protocols/sop.pdf")
_BIRTH_DATES = [_v(f"20{10 + i % 10:02d}-0{1 + i % 9}-1{i % 10}", "YYYY-MM-DD")
                for i in range(100)]
_COLLECTION_DATES = [_v(f"2021-1{i % 3}-0{1 + i % 9}", "YYYY-MM-DD") for i in range(30)]


def _animal(i: int, n_animals: int) -> Record:
    attrs = dict(_STANDARD)
    rid = f"A{i}"
    attrs["Data source ID"] = [AttributeValue(rid)]
    attrs["Alternative id"] = [AttributeValue(f"ALT-A{i}")]
    attrs["Material"] = _ORGANISM
    attrs["Species"] = _PIG
    attrs["Supplied breed"] = _SUPPLIED
    attrs["EFABIS Breed country"] = _ITALY
    attrs["Mapped breed"] = _BREED
    attrs["Sex"] = _MALE if i % 2 == 0 else _FEMALE
    attrs["Birth date"] = _BIRTH_DATES[i % 100]
    attrs["Birth location"] = _ITALY
    attrs["Birth location latitude"] = _LAT
    attrs["Birth location longitude"] = _LON
    attrs["Birth location accuracy"] = _PRECISE
    rels: list[Relationship] = []
    if i >= 2 and i % 3 == 0:
        rels = [Relationship(RelationshipType.CHILD_OF, f"A{i - 2}"),
                Relationship(RelationshipType.CHILD_OF, f"A{i - 1}")]
    # about one in ten slightly wrong
    wrong = i % 100
    if wrong == 1:
        attrs["Birth date"] = [AttributeValue("05/11/2019", "YYYY-MM-DD")]
    elif wrong == 3 and i % 30 == 3:
        attrs["Species"] = _SHEEP  # breed, parents and samples now disagree
    elif wrong == 5:
        del attrs["Supplied breed"]
    elif wrong == 7:
        attrs["Birth location accuracy"] = _NO_GEO
    elif wrong in (11, 12, 13):
        del attrs["Birth location"]  # a recommended field left out: a warning
    elif wrong == 9 and i >= 4:
        rels = [Relationship(RelationshipType.CHILD_OF, f"A{i - 2}"),
                Relationship(RelationshipType.CHILD_OF, f"A{i - 4}")]  # same sex
    return Record(rid, Material.ORGANISM, attrs, rels)


def _sample(i: int, n_animals: int) -> Record:
    attrs = dict(_STANDARD)
    rid = f"S{i}"
    animal = i % n_animals
    attrs["Data source ID"] = [AttributeValue(rid)]
    attrs["Alternative id"] = [AttributeValue(f"ALT-S{i}")]
    attrs["Material"] = _SPECIMEN
    attrs["Species"] = _PIG
    attrs["Derived from"] = [AttributeValue(f"A{animal}")]
    attrs["Specimen collection protocol"] = _PROTOCOL
    attrs["Collection date"] = _COLLECTION_DATES[i % 30]
    attrs["Collection place"] = _ITALY
    attrs["Collection place latitude"] = _LAT
    attrs["Collection place longitude"] = _LON
    attrs["Collection place accuracy"] = _REGION
    attrs["Organism part"] = _SEMEN if animal % 2 == 0 else _BLOOD
    attrs["Developmental stage"] = _ADULT
    attrs["Physiological stage"] = _MATURE
    attrs["Animal age at collection"] = _AGE
    attrs["Availability"] = _AVAIL
    attrs["Sample storage"] = _STORAGE
    attrs["Sample storage processing"] = _PROCESSING
    wrong = i % 100
    if wrong == 2:
        attrs["Animal age at collection"] = [AttributeValue("2", "yrs")]
    elif wrong == 4:
        attrs["Organism part"] = _SEMEN
        attrs["Derived from"] = [AttributeValue(f"A{animal | 1}")]  # a female animal
    elif wrong == 6:
        attrs["Sample storage"] = [AttributeValue("frozen")]
    elif wrong == 8:
        attrs["Derived from"] = [AttributeValue("NOPE")]
    elif wrong in (11, 12, 13):
        del attrs["Developmental stage"]  # a recommended field left out: a warning
    return Record(rid, Material.SPECIMEN, attrs,
                  [Relationship(RelationshipType.DERIVED_FROM, attrs["Derived from"][0].value)])


def generate(n: int) -> list[Record]:
    """``n`` records: about 40% animals, 60% samples, one in ten slightly wrong."""
    n_animals = max(1, n * 2 // 5)
    records = [_animal(i, n_animals) for i in range(n_animals)]
    records.extend(_sample(i, n_animals) for i in range(n - n_animals))
    return records


def _scale() -> float:
    try:
        return max(0.0001, float(os.environ.get("IMAGEPOOL_BENCH_SCALE", "1.0")))
    except ValueError:
        return 1.0


def run() -> list[tuple[str, str, str, str]]:
    scale = _scale()
    ruleset = load_default_ruleset()
    terms = load_default_terms()
    rows: list[tuple[str, str, str, str]] = []

    n = max(1000, int(100_000 * scale))
    records = generate(n)
    validate_submission(records[:1000], ruleset, terms, today=TODAY)  # warm up
    best = float("inf")
    for _ in range(3):
        gc.collect()
        t0 = time.perf_counter()
        report = validate_submission(records, ruleset, terms, today=TODAY)
        best = min(best, time.perf_counter() - t0)
    summary = report.summary()
    rows.append(("validate throughput (record + context rules)", f"{n} records",
                 f"{n / best:,.0f}", "records/s"))
    rows.append(("validate result mix", f"{n} records",
                 f"pass {summary['pass']} / warning {summary['warning']} / "
                 f"error {summary['error']}", "records"))
    del records, report

    big = max(1000, int(1_000_000 * scale))
    t0 = time.perf_counter()
    records = generate(big)
    t_gen = time.perf_counter() - t0
    gc.collect()
    gc.disable()
    try:
        t0 = time.perf_counter()
        report = validate_submission(records, ruleset, terms, today=TODAY)
        t_val = time.perf_counter() - t0
        t0 = time.perf_counter()
        report.problems()
        t_sum = time.perf_counter() - t0
    finally:
        gc.enable()
    rows.append(("validate end to end (one submission)", f"{big} records",
                 f"{t_val:.2f}", "s"))
    rows.append(("grouped problem summary", f"{big} records", f"{t_sum:.2f}", "s"))
    rows.append(("generate records (bench input)", f"{big} records", f"{t_gen:.2f}", "s"))
    return rows


if __name__ == "__main__":
    for row in run():
        print(" | ".join(row))
