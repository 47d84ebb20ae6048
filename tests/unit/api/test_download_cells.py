"""CSV/TSV cells of the pool's downloads: formulas neutralised as OWASP advises, reversibly."""

from __future__ import annotations

import pytest

from chalicelib.api.pool.download import cell, neutralised


@pytest.mark.parametrize("text", ['=HYPERLINK("http://evil.example/","x")', "+A1", "-A1",
                                  "-2+3+cmd|' /C calc'!A0", "@SUM(A1)", "\t=1", "\r=1", "-",
                                  "'=already quoted", "''+twice"])
def test_a_formula_start_gets_one_apostrophe_and_comes_back_without_it(text: str) -> None:
    safe = neutralised(text)
    assert safe == "'" + text
    assert safe[1:] == text  # the documented way back


@pytest.mark.parametrize("text", ["Cinta Senese", "", "-3.25", "+1", "1e5", "-1.5E-3", "'",
                                  "it's", "a=b", "x-y"])
def test_plain_values_and_numbers_stay_as_they_are(text: str) -> None:
    assert neutralised(text) == text


def test_lists_and_coordinates() -> None:
    doc = {"species": ["=cmd", "Bos taurus"], "location": {"lat": -3.5, "lon": 12.0}}
    assert cell(doc, "species") == "'=cmd|Bos taurus"
    assert (cell(doc, "latitude"), cell(doc, "longitude")) == ("-3.5", "12.0")
