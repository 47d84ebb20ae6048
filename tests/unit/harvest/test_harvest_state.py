"""The run-state port: both implementations keep checkpoints and the last good run."""

from __future__ import annotations

from pathlib import Path

import pytest

from chalicelib.harvest.harvester import cursor_of
from chalicelib.harvest.state import (
    Checkpoint,
    InMemoryRunStateStore,
    RunState,
    RunStateStore,
    SqliteRunStateStore,
)


@pytest.mark.parametrize("kind", ["memory", "sqlite"])
def test_state_round_trip(kind: str, tmp_path: Path) -> None:
    store: RunStateStore = InMemoryRunStateStore() if kind == "memory" else \
        SqliteRunStateStore(tmp_path / "s.sqlite3")
    assert store.load() == RunState()
    cp = Checkpoint("r1", "full", "2024-01-01T00:00:00Z", "imagepool-1", cursor="abc",
                    counts={"seen": 200})
    state = RunState(last_good_run="2023-12-01T00:00:00Z", checkpoint=cp,
                     last_counts={"organism": 5}, schema="0123abcd")
    store.save(state)
    loaded = store.load()
    assert loaded == state and loaded.checkpoint is not None
    loaded.checkpoint.counts["seen"] = 1  # a copy, not the stored state
    assert store.load().checkpoint.counts["seen"] == 200  # type: ignore[union-attr]
    if kind == "sqlite":
        assert SqliteRunStateStore(tmp_path / "s.sqlite3").load() == state
        assert SqliteRunStateStore(tmp_path / "s.sqlite3", key="other").load() == RunState()


def test_cursor_of_next_link() -> None:
    url = "http://x/biosamples/samples?filter=attr%3Aproject%3AIMAGE&cursor=AoE%3D&size=200"
    assert cursor_of(url) == "AoE="
    assert cursor_of(None) is None and cursor_of("http://x/?size=1") is None
