"""Where the harvester keeps what must outlive one invocation: the last good run and the
checkpoint of a run in progress.

Why a port: a Lambda invocation ends after 15 minutes at most, so a full harvest hands a
checkpoint to the next invocation; and an incremental run must know when the last good
run started. Locally and in tests that lives in memory or a SQLite file; on AWS a
DynamoDB implementation (someone else's) satisfies the same :class:`RunStateStore`.
"""

from __future__ import annotations

import json
import sqlite3
import threading
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any, Protocol


@dataclass
class Checkpoint:
    """A run in progress: enough to continue it from the next BioSamples page."""

    run_id: str
    mode: str  # "full" | "incremental"
    started_at: str  # ISO instant; becomes last_good_run when the run succeeds
    index: str  # the index being written (a new one for full runs)
    cursor: str = "*"  # BioSamples cursor of the next page
    since: str | None = None  # incremental runs: dt:update:from=...
    counts: dict[str, int] = field(default_factory=dict)
    pages: int = 0

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Checkpoint:
        return cls(**data)


@dataclass
class RunState:
    """The harvester's memory."""

    last_good_run: str | None = None  # start instant of the last successful run
    last_full_run: str | None = None
    last_counts: dict[str, int] = field(default_factory=dict)  # per record type
    checkpoint: Checkpoint | None = None
    schema: str | None = None  # mappings.schema_version() of the live index

    def to_dict(self) -> dict[str, Any]:
        out = asdict(self)
        out["checkpoint"] = self.checkpoint.to_dict() if self.checkpoint else None
        return out

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> RunState:
        cp = data.get("checkpoint")
        return cls(last_good_run=data.get("last_good_run"),
                   last_full_run=data.get("last_full_run"),
                   last_counts=dict(data.get("last_counts") or {}),
                   checkpoint=Checkpoint.from_dict(cp) if cp else None,
                   schema=data.get("schema"))


class RunStateStore(Protocol):
    """Load and save the harvester's :class:`RunState` (one per pool alias)."""

    def load(self) -> RunState:
        """The saved state, or a fresh one."""
        ...

    def save(self, state: RunState) -> None:
        """Persist the state (replacing the previous one)."""
        ...


class InMemoryRunStateStore:
    """For tests and one-shot local runs."""

    def __init__(self, state: RunState | None = None) -> None:
        self._data = json.dumps((state or RunState()).to_dict())

    def load(self) -> RunState:
        return RunState.from_dict(json.loads(self._data))

    def save(self, state: RunState) -> None:
        self._data = json.dumps(state.to_dict())


class SqliteRunStateStore:
    """One row per key in a SQLite file (the local stack's persistent store)."""

    def __init__(self, path: str | Path, key: str = "imagepool") -> None:
        self.path = str(path)
        self.key = key
        self._lock = threading.Lock()
        if self.path != ":memory:":
            Path(self.path).parent.mkdir(parents=True, exist_ok=True)
        with self._connect() as db:
            db.execute("CREATE TABLE IF NOT EXISTS harvest_state (key TEXT PRIMARY KEY, "
                       "body TEXT NOT NULL)")

    def _connect(self) -> sqlite3.Connection:
        return sqlite3.connect(self.path, timeout=30)

    def load(self) -> RunState:
        with self._lock, self._connect() as db:
            row = db.execute("SELECT body FROM harvest_state WHERE key = ?",
                             (self.key,)).fetchone()
        return RunState.from_dict(json.loads(row[0])) if row else RunState()

    def save(self, state: RunState) -> None:
        body = json.dumps(state.to_dict())
        with self._lock, self._connect() as db:
            db.execute("INSERT INTO harvest_state VALUES (?, ?) ON CONFLICT(key) DO UPDATE "
                       "SET body = excluded.body", (self.key, body))
