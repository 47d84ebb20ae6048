"""The file generator: every format parses back, deterministically, with the asked mistakes."""

from __future__ import annotations

from pathlib import Path

import pytest

from chalicelib.ingest import parse_file
from chalicelib.ingest.generate import generate
from chalicelib.records import Material

FORMATS = [("cryoweb", "sql"), ("template", "xlsx"), ("crbanim", "csv"),
           ("biosamples", "json")]


@pytest.mark.parametrize(("fmt", "ext"), FORMATS)
def test_clean_files_parse_without_errors(tmp_path: Path, fmt: str, ext: str) -> None:
    path = tmp_path / f"gen.{ext}"
    generate(40, 2, fmt, 7, path)
    result = parse_file(path)
    assert result.ok, result.problems[:3]
    animals = [r for r in result.records if r.material is Material.ORGANISM]
    samples = [r for r in result.records if r.material is Material.SPECIMEN]
    assert len(animals) == 40
    assert len(samples) + len(result.skipped) == 80
    assert any(len(a.relationships) == 2 for a in animals) or fmt in ("crbanim", "biosamples")


@pytest.mark.parametrize(("fmt", "ext"), FORMATS[:3])
def test_error_share_gives_located_problems(tmp_path: Path, fmt: str, ext: str) -> None:
    path = tmp_path / f"bad.{ext}"
    generate(300, 2, fmt, 3, path, error_share=0.2)
    result = parse_file(path)
    errors = [p for p in result.problems if p.level == "error"]
    assert len(errors) > 10
    assert all(p.row is not None or p.line is not None for p in result.problems)


def test_same_seed_same_file(tmp_path: Path) -> None:
    a, b, c = (tmp_path / f"{n}.sql" for n in "abc")
    generate(30, 2, "cryoweb", 5, a, error_share=0.1)
    generate(30, 2, "cryoweb", 5, b, error_share=0.1)
    generate(30, 2, "cryoweb", 6, c, error_share=0.1)
    assert a.read_bytes() == b.read_bytes() != c.read_bytes()


def test_unknown_format(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="unknown format"):
        generate(1, 1, "xls", 1, tmp_path / "x")
