"""Benchmark the pool: harvest rate, incremental harvest, search and map latency.

* full harvest + index (records/s) from the BioSamples stand-in loaded with N generated
  IMAGE records into a real OpenSearch node (target 5,000/s at 1,000,000 records);
* incremental harvest of 1 % changed records (target < 60 s);
* text + three filters + facets, 8 concurrent clients on OpenSearch, p50/p99 (20/100 ms),
  with the shard request cache (as served) and without it (the raw engine cost);
* clustered map query on OpenSearch (p99 < 100 ms);
* the embedded SQLite backend at 100,000 records, the same query (p99 < 100 ms).

``IMAGEPOOL_BENCH_SCALE`` (float, default 1.0) scales N (1,000,000) and the embedded size
(100,000). Loading the stand-in runs at a few thousand records/s on this machine, so the
full scale takes long; the sizes are printed with every figure.

Every row also gives the wall time and the CPU seconds spent in that phase by this
process (``py``), the stand-in process (``standin``) and the OpenSearch JVM (``os``), so
figures from a shared machine can be judged (CPU time does not depend on other users).
Latency rows are measured after a warm-up; the embedded backend's search caches (see
``chalicelib.search.sqlite_fast``) are warm then, so the cold first query after a load is
reported too.
"""

from __future__ import annotations

import os
import random
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from chalicelib.harvest import synthetic
from chalicelib.harvest.harvester import Harvester
from chalicelib.harvest.state import InMemoryRunStateStore
from chalicelib.harvest.transform import pool_documents
from chalicelib.search.port import Query, SearchBackend, SearchRequest, versioned_name

ROOT = Path(__file__).resolve().parents[1]
FULL_N = 1_000_000
EMBEDDED_N = 100_000
#: First seed of the measured queries (the warm-up uses 0, 1, …).
MEASURED_SEEDS = 1_000_000
WORDS = ("frozen", "nitrogen", "cryopreserved", "bank", "farm", "station")


Row = tuple[str, str, str, str, str]


def _proc_cpu(pid: int | None) -> float:
    """User + system CPU seconds of a process (0 when unknown or gone)."""
    if not pid:
        return 0.0
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return 0.0
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


class Meter:
    """Wall time and CPU seconds of this process and of watched child processes."""

    def __init__(self, **pids: int | None) -> None:
        self.pids = pids
        self._start = self._now()

    def _now(self) -> tuple[float, float, dict[str, float]]:
        return (time.perf_counter(), time.process_time(),
                {k: _proc_cpu(p) for k, p in self.pids.items()})

    def restart(self) -> None:
        """Measure from now on."""
        self._start = self._now()

    def read(self) -> tuple[float, str]:
        """(wall seconds, "wall …s, cpu py …s …") since the start."""
        wall, py, others = self._now()
        w0, p0, o0 = self._start
        parts = [f"py {py - p0:.1f}s"] + [f"{k} {v - o0[k]:.1f}s" for k, v in others.items()]
        return wall - w0, f"wall {wall - w0:.1f}s, cpu " + ", ".join(parts)


def _scale() -> float:
    try:
        return max(float(os.environ.get("IMAGEPOOL_BENCH_SCALE", "1.0")), 0.0001)
    except ValueError:
        return 1.0


def _load_standin(state: Path, n: int, update: str) -> float:
    """Write ``n`` synthetic records straight into a stand-in database; returns seconds."""
    from devstack.biosamples.samples import record_from_loaded
    from devstack.biosamples.server import BioSamplesApp

    app = BioSamplesApp(state)
    started = time.perf_counter()
    ts = datetime.fromisoformat(update.replace("Z", "+00:00")).timestamp()
    batch: list[Any] = []
    rels: list[tuple[str, str, str]] = []
    for sample in synthetic.generate(n, update=update):
        record, all_rels = record_from_loaded(sample)
        rels += all_rels
        batch.append((record, None, 1578960000.0, ts, 0.0))
        if len(batch) >= 5000:
            app.store.save_many(batch)
            batch = []
    if batch:
        app.store.save_many(batch)
    app.store.add_relationships(rels)
    app.store.close()
    return time.perf_counter() - started


def _touch(state: Path, n: int, every: int, update: str) -> int:
    """Mark every ``every``-th record as updated at ``update``; returns how many."""
    from devstack.biosamples.samples import record_from_loaded
    from devstack.biosamples.server import BioSamplesApp

    app = BioSamplesApp(state)
    ts = datetime.fromisoformat(update.replace("Z", "+00:00")).timestamp()
    batch = []
    for i, sample in enumerate(synthetic.generate(n, update=update)):
        if i % every == 0:
            sample["characteristics"]["Sample storage"] = [{"text": "re-catalogued"}]
            batch.append((record_from_loaded(sample)[0], None, 1578960000.0, ts, 0.0))
    app.store.save_many(batch)
    app.store.close()
    return len(batch)


def _start_standin(state: Path) -> tuple[subprocess.Popen[str], str]:
    proc = subprocess.Popen(
        [sys.executable, "-m", "devstack.biosamples", "--port", "0", "--state-dir",
         str(state)], cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True,
        env={**os.environ, "PYTHONPATH": str(ROOT)})
    assert proc.stdout is not None
    line = proc.stdout.readline()
    if "listening on" not in line:
        proc.kill()
        raise RuntimeError(f"stand-in did not start: {line!r}")
    return proc, line.strip().rsplit(" ", 1)[-1]


def _latencies(fn: Callable[[int], Any], clients: int, per_client: int) -> list[float]:
    """Milliseconds of each call, ``clients`` threads × ``per_client`` calls."""
    out: list[float] = []
    lock = threading.Lock()

    def worker(seed: int) -> None:
        mine = []
        for i in range(per_client):
            began = time.perf_counter()
            fn(seed * 1000 + i)
            mine.append((time.perf_counter() - began) * 1000)
        with lock:
            out.extend(mine)

    threads = [threading.Thread(target=worker, args=(c,)) for c in range(clients)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return out


def _pct(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(q * (len(ordered) - 1)))]


def _query(i: int) -> SearchRequest:
    rng = random.Random(i)
    species = [s[0] for s in synthetic.SPECIES]
    countries = [c[0] for c in synthetic.COUNTRIES]
    return SearchRequest(
        query=Query(text=rng.choice(WORDS), filters={
            "record_type": (rng.choice(("organism", "specimen")),),
            "species": tuple(rng.sample(species, 2)),
            "gene_bank_country": tuple(rng.sample(countries, 3))}),
        facets=("species", "supplied_breed", "sex", "gene_bank_country", "organism_part"),
        size=20)


def _search_rows(backend: SearchBackend, size_label: str, clients: int, per_client: int,
                 name: str, meter: Meter, warm: int = 20) -> list[Row]:
    for i in range(warm):  # warm caches (and a fresh JVM's JIT)
        backend.search(_query(i))
    meter.restart()
    # measured queries come from seeds the warm-up did not use: any cache hit is a
    # repeat within the measured mix itself
    lat = _latencies(lambda i: backend.search(_query(MEASURED_SEEDS + i)), clients,
                     per_client)
    _, cpu = meter.read()
    cpu = f"{clients * per_client} queries: {cpu}"
    return [(f"{name} p50", size_label, f"{_pct(lat, 0.5):.1f}", "ms", cpu),
            (f"{name} p99", size_label, f"{_pct(lat, 0.99):.1f}", "ms", cpu)]


def bench_opensearch(n: int, work: Path) -> list[Row]:
    """Harvest from the stand-in into OpenSearch, then query it."""
    from chalicelib.search.opensearch_backend import OpenSearchBackend, connect
    from chalicelib.submit.biosamples_client import BioSamplesClient
    from devstack.opensearch_node import (
        default_cache_dir,
        ensure_distribution,
        free_port,
        start_node,
    )

    rows: list[Row] = []
    label = f"{n:,} records"
    state = work / "standin"
    first_update = "2020-01-15T15:04:44.041Z"
    meter = Meter()
    load_s = _load_standin(state, n, first_update)
    rows.append(("stand-in load (setup)", label, f"{n / load_s:,.0f}", "records/s",
                 meter.read()[1]))
    node = start_node(ensure_distribution(default_cache_dir()), free_port(), work / "os",
                      heap="2g")
    proc, url = _start_standin(state)
    meter = Meter(standin=proc.pid, os=node.process.pid)
    try:
        client = connect([node.url], timeout=120)
        backend = OpenSearchBackend(client, alias="benchpool")
        store = InMemoryRunStateStore()
        bs = BioSamplesClient(f"{url}/biosamples", f"{url}/ena/submit/webin/auth/token")
        harvester = Harvester(bs, backend, store, page_size=200, overlap=timedelta(0))
        meter.restart()
        result = harvester.full()
        took, cpu = meter.read()
        assert result.status == "done", result.anomalies
        rows.append(("full harvest + index (OpenSearch)", label, f"{n / took:,.0f}",
                     "records/s", cpu))
        # incremental: 1 % of the records changed after the last good run
        later = (datetime.now(UTC) + timedelta(seconds=2)).strftime("%Y-%m-%dT%H:%M:%S.%fZ")
        changed = _touch(state, n, 100, later)
        meter.restart()
        inc = harvester.incremental()
        took, cpu = meter.read()
        assert inc.status == "done" and inc.counts["seen"] == changed, inc.counts
        rows.append(("incremental harvest (1% changed)", f"{changed:,} of {n:,}",
                     f"{took:.1f}", "s", cpu))
        rows += _search_rows(backend, label, 8, 50,
                             "text+3 filters+facets, 8 clients, OpenSearch", meter,
                             warm=300)
        uncached = OpenSearchBackend(client, alias="benchpool", request_cache=False)
        rows += _search_rows(uncached, label, 8, 50,
                             "same, request cache off", meter, warm=50)
        for i in range(5):
            backend.clusters(Query(), zoom=i + 2)
        meter.restart()
        lat = _latencies(lambda i: backend.clusters(
            Query(filters={"record_type": ("organism",)}), zoom=3 + i % 4), 1, 50)
        rows.append(("clustered map query p99 (OpenSearch)", label,
                     f"{_pct(lat, 0.99):.1f}", "ms", "50 queries: " + meter.read()[1]))
        backend.close()
    finally:
        proc.terminate()
        proc.wait(timeout=10)
        node.stop()
    return rows


def bench_embedded(n: int, work: Path) -> list[Row]:
    """Load the SQLite backend with ``n`` documents and query it."""
    from chalicelib.search.sqlite_backend import SqliteBackend

    backend = SqliteBackend(work / "pool.sqlite3", alias="benchpool")
    name = versioned_name("benchpool")
    backend.create_index(name)
    meter = Meter()
    backend.bulk_index(name, pool_documents(synthetic.generate(n)))
    backend.finish_loading(name)
    backend.swap_alias(name)
    took, cpu = meter.read()
    label = f"{n:,} records"
    rows: list[Row] = [("embedded transform + index", label, f"{n / took:,.0f}", "records/s",
                        cpu)]
    cold = SqliteBackend(work / "pool.sqlite3", alias="benchpool")  # a fresh process's view
    meter.restart()
    cold.search(_query(0))
    took, cpu = meter.read()
    rows.append(("first query after load, cold caches (embedded)", label,
                 f"{took * 1000:.1f}", "ms", cpu))
    cold.close()
    rows += _search_rows(backend, label, 1, 200, "text+3 filters+facets, embedded", meter)
    meter.restart()
    lat = _latencies(lambda i: backend.clusters(Query(filters={"record_type": ("organism",)}),
                                                zoom=3 + i % 4), 1, 30)
    rows.append(("clustered map query p99 (embedded)", label, f"{_pct(lat, 0.99):.1f}", "ms",
                 "30 queries: " + meter.read()[1]))
    backend.close()
    return rows


def run() -> list[Row]:
    """(benchmark, data size, result, unit, wall and CPU) rows."""
    scale = _scale()
    with tempfile.TemporaryDirectory(prefix="bench-pool-") as tmp:
        work = Path(tmp)
        rows: list[Row] = []
        if os.environ.get("IMAGEPOOL_BENCH_POOL_SKIP_EMBEDDED") != "1":
            rows += bench_embedded(max(100, int(EMBEDDED_N * scale)), work / "embedded")
        if os.environ.get("IMAGEPOOL_BENCH_POOL_SKIP_OPENSEARCH") != "1":
            rows += bench_opensearch(max(1000, int(FULL_N * scale)), work / "opensearch")
    return rows


if __name__ == "__main__":
    for row in run():
        print(" | ".join(row))
