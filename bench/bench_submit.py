"""Benchmark of the BioSamples submission (service + client) against the local stand-in.

``run()`` returns rows (benchmark, data size, result, unit):

- 10,000 generated records (animals with parents, two samples each) submitted and
  accessioned with 100 ms injected latency on every call: wall time (target < 180 s);
- the same with 5% of the calls answered 429/503 (``Retry-After: 1``) and the Webin token
  expiring in the middle of the run (the server's clock jumps ahead, so the token the
  client holds is refused): wall time, duplicates (must be 0) and lost records (0).

The stand-in runs as its own process on a free loopback port with a temporary state dir.
Sizes scale with ``IMAGEPOOL_BENCH_SCALE`` (float, default 1.0).
Run: ``.venv/bin/python -m bench.bench_submit``.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path
from typing import Any

if __package__ in (None, ""):
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import requests

from chalicelib.submit.builder import sample_name
from chalicelib.submit.generate import demo_facts, generate_records
from chalicelib.submit.ports import (
    InMemorySubmissionStore,
    RecordStatus,
    SubmissionRef,
    WebinCredentials,
)
from chalicelib.submit.service import BatchOutcome, SubmitOptions, client_for, submit_all
from devstack.biosamples.process import start_standin

ROOT = Path(__file__).resolve().parent.parent
USER, PASSWORD = "Webin-90000", "bench-password"
LATENCY_MS = 100
WORKERS = 32
Row = tuple[str, str, str, str]


class StandIn:
    """The local BioSamples stand-in as a child process."""

    def __init__(self, state_dir: Path) -> None:
        started = start_standin(0, state_dir, "--accounts", json.dumps({USER: PASSWORD}))
        self.proc = started.process
        self.url = started.url

    def admin(self, method: str, path: str, body: Any = None) -> dict[str, Any]:
        r = requests.request(method, f"{self.url}/_admin/{path}", json=body, timeout=30)
        r.raise_for_status()
        result: dict[str, Any] = r.json()
        return result

    def names(self) -> Counter[str]:
        """How many samples carry each name (every sample, private ones included)."""
        token = requests.post(f"{self.url}/ena/submit/webin/auth/token",
                              json={"authRealms": ["ENA"], "username": USER,
                                    "password": PASSWORD}, timeout=30).text
        headers = {"Authorization": f"Bearer {token}"}
        names: Counter[str] = Counter()
        url: str | None = f"{self.url}/biosamples/samples"
        params: dict[str, Any] | None = {"filter": "attr:project:IMAGE", "size": 200,
                                         "applyCurations": "false"}
        while url:
            body = requests.get(url, params=params, headers=headers, timeout=60).json()
            params = None
            samples = (body.get("_embedded") or {}).get("samples") or []
            names.update(s["name"] for s in samples)
            url = (body.get("_links") or {}).get("next", {}).get("href") if samples else None
        return names

    def stop(self) -> None:
        self.proc.terminate()
        try:
            self.proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait(timeout=10)


def _submission(store: InMemorySubmissionStore, sub: SubmissionRef, records: int) -> None:
    animals = max(2, records // 3)
    store.add_submission(sub, generate_records(animals, 2, seed=42), facts=demo_facts(),
                         credentials=WebinCredentials(USER, PASSWORD))


def _check(store: InMemorySubmissionStore, sub: SubmissionRef,
           names: Counter[str]) -> tuple[int, int]:
    """(duplicates, lost): extra samples under a record's name; records not COMPLETED or
    whose accession is not the one sample under its name."""
    duplicates = lost = 0
    for stored in store.records(sub):
        name = sample_name(sub.team_id, sub.submission_id, stored.record.material,
                           stored.record.id)
        count = names.get(name, 0)
        duplicates += max(0, count - 1)
        if stored.status is not RecordStatus.COMPLETED or not stored.accession or count == 0:
            lost += 1
    return duplicates, lost


def _run_one(server: StandIn, sub: SubmissionRef, size: int, *,
             mid_run_faults: dict[str, Any] | None = None
             ) -> tuple[float, BatchOutcome, InMemorySubmissionStore, int]:
    store = InMemorySubmissionStore()
    _submission(store, sub, size)
    client = client_for(store, sub, stage="local", local_url=server.url, workers=WORKERS,
                        timeout=(5.0, 60.0), backoff_base=0.2, max_attempts=10)
    options = SubmitOptions(workers=WORKERS)
    batches = max(1, size // options.batch_size)
    injected: Counter[str] = Counter()

    def on_batch(number: int, outcome: BatchOutcome) -> None:
        if mid_run_faults is not None and number == batches // 2:
            injected.update(server.admin("GET", "stats")["faults"])
            server.admin("POST", "faults", mid_run_faults)

    started = time.perf_counter()
    outcome = submit_all(store, client, sub, options=options, on_batch=on_batch)
    elapsed = time.perf_counter() - started
    injected.update(server.admin("GET", "stats")["faults"])
    return elapsed, outcome, store, sum(injected.values())


def run() -> list[Row]:
    scale = float(os.environ.get("IMAGEPOOL_BENCH_SCALE", "1.0"))
    size = max(30, int(10_000 * scale))
    rows: list[Row] = []
    with tempfile.TemporaryDirectory(prefix="bench-submit-") as tmp:
        server = StandIn(Path(tmp))
        try:
            server.admin("POST", "faults", {"latency_ms": LATENCY_MS})
            sub = SubmissionRef("bench-team", "latency")
            elapsed, _, store, _ = _run_one(server, sub, size)
            records = len(store.records(sub))
            label = f"{records:,} records"
            rows.append((f"submit + accession, {LATENCY_MS} ms latency, {WORKERS} threads",
                         label, f"{elapsed:.1f}", "s (target < 180)"))
            rows.append(("submit throughput", label, f"{records / elapsed:.0f}", "records/s"))
            server.admin("POST", "faults", {})
            dup, lost = _check(store, sub, server.names())
            rows.append(("submit, latency: duplicates / lost", label, f"{dup} / {lost}",
                         "samples / records"))

            faults = {"seed": 7, "latency_ms": LATENCY_MS, "token_ttl_seconds": 600,
                      "rules": [{"type": "status", "status": 429, "retry_after": "1",
                                 "rate": 0.025},
                                {"type": "status", "status": 503, "retry_after": "1",
                                 "rate": 0.025}]}
            # mid-run the server's clock jumps 590 s ahead: the client's token is refused
            # (403) from then on, and each new one lives 10 s on the server's clock
            expiring = {**faults, "seed": 8, "token_clock_skew_seconds": 590}
            server.admin("POST", "faults", faults)
            before = server.admin("GET", "stats")["counters"].get("logins", 0)
            sub = SubmissionRef("bench-team", "faults")
            elapsed, _, store, injected = _run_one(server, sub, size,
                                                         mid_run_faults=expiring)
            logins = server.admin("GET", "stats")["counters"].get("logins", 0) - before
            server.admin("POST", "faults", {})
            dup, lost = _check(store, sub, server.names())
            rows.append(("submit, 5% 429/503 + token expiry mid-run", label,
                         f"{elapsed:.1f}", "s"))
            rows.append(("submit, faults: duplicates", label, str(dup), "samples (must be 0)"))
            rows.append(("submit, faults: lost", label, str(lost), "records (must be 0)"))
            rows.append(("submit, faults: injected 429/503 / Webin logins", label,
                         f"{injected} / {logins}", "faults / logins"))
        finally:
            server.stop()
    return rows


if __name__ == "__main__":
    from bench.__main__ import print_table

    print_table(run())
