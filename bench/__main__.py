"""`make bench`: run every benchmark module and print one table.

Each ``bench/bench_*.py`` exposes ``run() -> list[(benchmark, data size, result, unit)]``.
``IMAGEPOOL_BENCH_SCALE`` (default 1.0) scales the data sizes of the benchmarks that
support it; ``IMAGEPOOL_BENCH_ONLY=startup,ingest`` runs a subset.
"""

from __future__ import annotations

import importlib
import os
import sys
import time
import traceback
from pathlib import Path

Row = tuple[str, str, str, str]


def modules() -> list[str]:
    names = sorted(p.stem for p in Path(__file__).parent.glob("bench_*.py"))
    only = os.environ.get("IMAGEPOOL_BENCH_ONLY")
    if only:
        wanted = {f"bench_{n.strip()}" for n in only.split(",")}
        names = [n for n in names if n in wanted]
    return names


def print_table(rows: list[Row]) -> None:
    header: Row = ("benchmark", "data size", "result", "unit")
    widths = [max(len(r[i]) for r in [header, *rows]) for i in range(4)]
    line = "+".join("-" * (w + 2) for w in widths)
    print(line)
    print(" | ".join(h.ljust(w) for h, w in zip(header, widths, strict=True)))
    print(line)
    for row in rows:
        print(" | ".join(c.ljust(w) for c, w in zip(row, widths, strict=True)))
    print(line)


def main() -> int:
    rows: list[Row] = []
    failed = False
    for name in modules():
        started = time.perf_counter()
        print(f"running {name} ...", file=sys.stderr, flush=True)
        try:
            module = importlib.import_module(f"bench.{name}")
            rows.extend(module.run())
        except Exception:
            failed = True
            traceback.print_exc()
            rows.append((name, "-", "FAILED (see above)", "-"))
        print(f"  {name}: {time.perf_counter() - started:.1f} s", file=sys.stderr, flush=True)
    print(f"\nmake bench  (python {sys.version.split()[0]}, {os.cpu_count()} cores, "
          f"IMAGEPOOL_BENCH_SCALE={os.environ.get('IMAGEPOOL_BENCH_SCALE', '1.0')})")
    print_table(rows)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
