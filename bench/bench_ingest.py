"""Benchmark the ingest parsers on generated files: parse time and peak memory.

The target is a national CryoWeb dump (100,000 animals, 300,000 samples) parsed in under
20 s; the same data as an IMAGE Template and a CRB-Anim export are measured too. Each parse
runs in a fresh interpreter so that its peak RSS is its own; the parse's CPU time is
printed beside its wall time (on a shared machine the wall time varies with the load).
Files go to a temporary directory and are deleted afterwards. ``IMAGEPOOL_BENCH_SCALE``
(float, default 1.0) shrinks or grows the data.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from chalicelib.ingest.generate import generate

ROOT = Path(__file__).resolve().parents[1]
ANIMALS = 100_000
SAMPLES_PER_ANIMAL = 3
FORMATS = (("cryoweb", "sql"), ("template", "xlsx"), ("crbanim", "csv"))

_CHILD = """
import json, resource, sys, time
from chalicelib.ingest import parse_file
start, cpu = time.perf_counter(), time.process_time()
result = parse_file(sys.argv[1])
elapsed, cpu = time.perf_counter() - start, time.process_time() - cpu
print(json.dumps({"seconds": elapsed, "cpu_seconds": cpu, "records": len(result.records),
                  "problems": len(result.problems), "skipped": len(result.skipped),
                  "rss_kb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss}))
"""


def _scale() -> float:
    try:
        return max(float(os.environ.get("IMAGEPOOL_BENCH_SCALE", "1.0")), 0.0001)
    except ValueError:
        return 1.0


def _parse_in_child(path: Path) -> dict[str, float]:
    out = subprocess.run([sys.executable, "-c", _CHILD, str(path)], cwd=ROOT, check=True,
                         capture_output=True, text=True,
                         env={**os.environ, "PYTHONPATH": str(ROOT)})
    return json.loads(out.stdout.strip().splitlines()[-1])


def run() -> list[tuple[str, str, str, str]]:
    """Rows of (benchmark, data size, result, unit)."""
    animals = max(int(ANIMALS * _scale()), 1)
    rows: list[tuple[str, str, str, str]] = []
    with tempfile.TemporaryDirectory(prefix="imagepool-bench-") as tmp:
        for fmt, ext in FORMATS:
            path = Path(tmp) / f"bench.{ext}"
            start = time.perf_counter()
            generate(animals, SAMPLES_PER_ANIMAL, fmt, seed=42, out=path)
            gen_seconds = time.perf_counter() - start
            size = (f"{animals} animals, {animals * SAMPLES_PER_ANIMAL} samples, "
                    f"{path.stat().st_size / 1_048_576:.1f} MB")
            stats = _parse_in_child(path)
            rows.append((f"ingest {fmt}: parse time", size, f"{stats['seconds']:.2f}", "s"))
            rows.append((f"ingest {fmt}: parse CPU time", size, f"{stats['cpu_seconds']:.2f}",
                         "s"))
            rows.append((f"ingest {fmt}: peak RSS", size, f"{stats['rss_kb'] / 1024:.0f}",
                         "MB"))
            rows.append((f"ingest {fmt}: records", size, str(int(stats["records"])),
                         "records"))
            rows.append((f"ingest {fmt}: generate time", size, f"{gen_seconds:.2f}", "s"))
            path.unlink()
    return rows


if __name__ == "__main__":
    for row in run():
        print(" | ".join(row))
