"""make run's clean slate: the local BioSamples and the pool go, the logs stay."""

from __future__ import annotations

from pathlib import Path

from devstack.stack import clear_data, parse_args


def test_clear_data_empties_biosamples_and_pool_but_keeps_logs(tmp_path: Path) -> None:
    (tmp_path / "biosamples").mkdir()
    (tmp_path / "biosamples" / "biosamples.sqlite3").write_text("x")
    for name in ("pool.sqlite3", "pool.sqlite3-wal", "handlers.log", "moto.log"):
        (tmp_path / name).write_text("x")
    assert sorted(clear_data(tmp_path)) == ["biosamples", "pool.sqlite3", "pool.sqlite3-wal"]
    assert sorted(p.name for p in tmp_path.iterdir()) == ["handlers.log", "moto.log"]
    assert clear_data(tmp_path) == []  # nothing left to clear


def test_keep_data_is_an_option_and_off_by_default() -> None:
    assert parse_args([]).keep_data is False
    assert parse_args(["--keep-data"]).keep_data is True
