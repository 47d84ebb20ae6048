"""Cold start: how long importing ``app.py`` takes in a fresh interpreter.

Measured with ``python -X importtime -c "import app"`` (the cumulative microseconds of the
``app`` module), median of several fresh processes. Target: under 300 ms, which is why
boto3, pynamodb and the parsers are imported where they are used.
"""

from __future__ import annotations

import re
import statistics
import subprocess
import sys

from devstack.paths import REPO_ROOT

RUNS = 7
TARGET_MS = 300.0


def import_ms() -> float:
    """Cumulative import time of ``app`` in one fresh interpreter, in milliseconds."""
    done = subprocess.run([sys.executable, "-X", "importtime", "-c", "import app"],
                          cwd=REPO_ROOT, capture_output=True, text=True, check=True)
    for line in done.stderr.splitlines():
        match = re.match(r"import time:\s+\d+\s+\|\s+(\d+)\s+\|\s+app$", line)
        if match:
            return int(match[1]) / 1000
    raise RuntimeError("no import time line for app:\n" + done.stderr[-2000:])


def run() -> list[tuple[str, str, str, str]]:
    times = [import_ms() for _ in range(RUNS)]
    median = statistics.median(times)
    verdict = "ok" if median < TARGET_MS else f"OVER {TARGET_MS:.0f} ms target"
    return [("cold import of app.py (python -X importtime, median)",
             f"{RUNS} fresh processes", f"{median:.1f} ({verdict})", "ms")]
