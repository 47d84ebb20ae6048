"""Format detection and the checks parse_file makes before any parser runs."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest

from chalicelib.ingest import UnreadableFile, detect_format, parse_file

EXAMPLES = {
    "crbanim_test_data.csv": "crbanim",
    "crbanim_latin1_semicolon.csv": "crbanim",
    "cryoweb_test_data_only.sql": "cryoweb",
    "biosamples-SAMEA6376980.json": "biosamples",
}


@pytest.mark.parametrize(("name", "expected"), EXAMPLES.items())
def test_detect_examples(data_dir: Path, name: str, expected: str) -> None:
    path = data_dir / name
    assert detect_format(path, name) == expected
    assert detect_format(path.read_bytes()[:2000], name) == expected


def test_detect_xlsx_and_export(xlsx: Callable[..., Path], tmp_path: Path) -> None:
    assert detect_format(xlsx(), "t.xlsx") == "template"
    assert detect_format(b'{"records": []}', "x.json") == "json"
    assert detect_format(b"[]", "x.json") == "json"


@pytest.mark.parametrize("head", [b"hello world\n", b"\x89PNG\r\n\x1a\n\0\0", b"", b"{\"a\": 1}"])
def test_detect_unknown(head: bytes) -> None:
    assert detect_format(head, "x.bin") is None


def test_empty_file(tmp_path: Path) -> None:
    path = tmp_path / "empty.csv"
    path.write_bytes(b"")
    with pytest.raises(UnreadableFile) as err:
        parse_file(path)
    assert err.value.problems[0].code == "empty-file"
    assert "empty" in str(err.value)


def test_size_limit(data_dir: Path) -> None:
    with pytest.raises(UnreadableFile) as err:
        parse_file(data_dir / "cryoweb_test_data_only.sql", max_bytes=1000)
    assert err.value.problems[0].code == "file-too-large"


def test_unknown_content(tmp_path: Path) -> None:
    path = tmp_path / "notes.txt"
    path.write_text("just some notes\nnothing else\n")
    with pytest.raises(UnreadableFile) as err:
        parse_file(path)
    assert err.value.problems[0].code == "unknown-format"
    assert err.value.problems[0].file == "notes.txt"


def test_chosen_format_must_match_content(data_dir: Path) -> None:
    with pytest.raises(UnreadableFile) as err:
        parse_file(data_dir / "cryoweb_test_data_only.sql", "CRB-Anim")
    p = err.value.problems[0]
    assert p.code == "format-mismatch" and "CryoWeb dump" in p.message


def test_extension_must_match_content(data_dir: Path) -> None:
    with pytest.raises(UnreadableFile) as err:
        parse_file(data_dir / "crbanim_test_data.csv", display_name="upload.sql")
    p = err.value.problems[0]
    assert p.code == "extension-mismatch" and p.file == "upload.sql"


def test_display_name_locates_problems(data_dir: Path) -> None:
    result = parse_file(data_dir / "crbanim_test_data.csv", "crbanim",
                        display_name="gene-bank.csv")
    assert result.skipped[0].file == "gene-bank.csv"


def test_unknown_format_name(data_dir: Path) -> None:
    with pytest.raises(UnreadableFile) as err:
        parse_file(data_dir / "crbanim_test_data.csv", "excel97")
    assert err.value.problems[0].code == "unknown-format"
