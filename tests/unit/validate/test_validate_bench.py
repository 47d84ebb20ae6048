"""The benchmark runs at a tiny scale and its generated records are what they claim."""

from __future__ import annotations

import pytest

from bench import bench_validate
from chalicelib.validate import load_default_ruleset, load_default_terms, validate_submission


def test_generated_records_mix_valid_and_wrong() -> None:
    records = bench_validate.generate(2000)
    report = validate_submission(records, load_default_ruleset(), load_default_terms(),
                                 today=bench_validate.TODAY)
    summary = report.summary()
    assert summary["pass"] > 1500
    assert summary["warning"] > 0 and summary["error"] > 0
    found = {g.code for g in report.problems()}
    assert {"bad_date", "parent_sex", "semen_from_female", "unresolved_relationship",
            "bad_unit", "not_in_valid_values", "missing_mandatory",
            "coordinates_accuracy"} <= found


def test_run_returns_rows(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("IMAGEPOOL_BENCH_SCALE", "0.001")
    rows = bench_validate.run()
    assert rows and all(len(r) == 4 and all(isinstance(x, str) for x in r) for r in rows)
    throughput = next(r for r in rows if r[0].startswith("validate throughput"))
    assert throughput[3] == "records/s" and float(throughput[2].replace(",", "")) > 0
