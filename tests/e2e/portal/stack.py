"""Start the local stack (``devstack.stack``) over a seeded public pool.

``python -m tests.e2e.portal.stack --port 8090 --moto-port 5090 --state-dir /tmp/portal``
writes a synthetic pool to ``<state-dir>/pool.sqlite3`` (see :mod:`pool_seed`), points the
stack at it (``SEARCH_PATH``) and runs the stack exactly as ``make run`` does. The browser
tests and the screenshot script start it as a subprocess through :func:`start`.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import signal
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from devstack.paths import REPO_ROOT
from devstack.ports import free_port


@dataclass
class RunningStack:
    process: subprocess.Popen[str]
    url: str
    port: int
    moto_port: int
    facts: dict[str, Any]
    log: list[str]

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGINT)
            try:
                self.process.wait(20)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(5)


def start(state_dir: Path, *, demo: bool = True, records: int = 240,
          hostile: bool = False, timeout: float = 90) -> RunningStack:
    """The stack as a subprocess on free ports, over a freshly seeded pool (with
    ``hostile``, a payload in every text field of it)."""
    port, moto_port = free_port(), free_port()
    env = {k: v for k, v in os.environ.items() if not k.startswith("AWS_")}
    args = [sys.executable, "-m", "tests.e2e.portal.stack", "--port", str(port),
            "--moto-port", str(moto_port), "--biosamples-port", str(free_port()),
            "--ena-port", str(free_port()), "--state-dir", str(state_dir),
            "--records", str(records)]
    if not demo:
        args.append("--no-demo")
    if hostile:
        args.append("--hostile")
    process = subprocess.Popen(args, cwd=REPO_ROOT, env=env, stdout=subprocess.PIPE,
                               stderr=subprocess.STDOUT, text=True)
    assert process.stdout is not None
    deadline = time.monotonic() + timeout
    seen: list[str] = []
    while time.monotonic() < deadline:
        line = process.stdout.readline()
        if not line:
            break
        seen.append(line)
        match = re.search(r"IMAGE Pool is running at (\S+)", line)
        if match:
            facts = json.loads((state_dir / "pool-facts.json").read_text())
            return RunningStack(process, match[1], port, moto_port, facts, seen)
    process.kill()
    raise AssertionError("the stack printed no URL:\n" + "".join(seen))


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else "")
    parser.add_argument("--records", type=int, default=240)
    parser.add_argument("--hostile", action="store_true",
                        help="plant script-running markup in every text field of the pool")
    args, rest = parser.parse_known_args(argv)
    state_dir = Path("." + "/.local")
    if "--state-dir" in rest:
        state_dir = Path(rest[rest.index("--state-dir") + 1])
    state_dir.mkdir(parents=True, exist_ok=True)
    pool_path = state_dir / "pool.sqlite3"
    for old in state_dir.glob("pool.sqlite3*"):
        old.unlink()
    from tests.e2e.portal.pool_seed import seed_pool

    facts = seed_pool(pool_path, args.records, hostile_values=args.hostile)
    (state_dir / "pool-facts.json").write_text(json.dumps(facts, indent=2))
    os.environ.update({"SEARCH_BACKEND": "sqlite", "SEARCH_PATH": str(pool_path.resolve()),
                       "SEARCH_ALIAS": "imagepool"})
    from devstack.stack import main as stack_main

    # the seeded pool is this stack's data: a plain start would empty it
    return stack_main([*rest, "--keep-data"])


if __name__ == "__main__":
    sys.exit(main())
