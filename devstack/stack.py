"""``make run``: the whole system on this machine, on loopback, with demo data.

Starts a moto server (the local AWS), creates the stack's resources from
``infra/resources.yaml``, starts the event pump (S3 → SQS → handlers, queues, schedules)
and the web server (API + portal on one URL), pushes the demo files through the real
pipeline by uploading them to the uploads bucket, prints the URL, and stops everything it
started on Ctrl-C. State and logs live under ``.local/``.

Every start is a clean slate: the moto server keeps its AWS in memory, so the Unified
Internal Database, the teams and the accounts are new each time, and the local BioSamples
and the pool are emptied to match (otherwise each run added the demo records again under
new accessions, and the pool showed records no submission knew). ``--keep-data`` keeps
them, for a pool someone loaded on purpose.
"""

from __future__ import annotations

import argparse
import importlib
import json
import os
import shutil
import signal
import sys
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path
from types import ModuleType
from typing import Any

from devstack.paths import LOCAL_DIR, REPO_ROOT


def stage_environment(stage: str) -> dict[str, str]:
    """The environment variables ``.chalice/config.json`` gives a stage."""
    doc = json.loads((REPO_ROOT / ".chalice" / "config.json").read_text(encoding="utf-8"))
    env = dict(doc.get("environment_variables") or {})
    env.update((doc.get("stages", {}).get(stage) or {}).get("environment_variables") or {})
    return {k: str(v) for k, v in env.items()}


_PRINT_LOCK = threading.Lock()


@dataclass
class StackOptions:
    host: str = "127.0.0.1"
    port: int = 8000
    moto_port: int = 5000
    biosamples_port: int = 8081
    ena_port: int = 8082
    state_dir: Path = LOCAL_DIR
    demo: bool = True
    stage: str = "local"
    quiet: bool = False
    keep_data: bool = False


#: What a start empties under the state directory (logs stay, for after-the-fact reading).
DATA_PATHS = ("biosamples", "pool.sqlite3", "pool.sqlite3-wal", "pool.sqlite3-shm")


def clear_data(state_dir: Path) -> list[str]:
    """Empty the local BioSamples and the pool of an earlier run; returns what went."""
    gone = []
    for name in DATA_PATHS:
        path = state_dir / name
        if path.is_dir():
            shutil.rmtree(path)
        elif path.exists():
            path.unlink()
        else:
            continue
        gone.append(name)
    return gone


@dataclass
class LocalStack:
    """Every process and thread ``make run`` starts, so they can all be stopped."""

    options: StackOptions
    moto: Any = None
    biosamples: Any = None
    ena: Any = None
    pump: Any = None
    web: Any = None
    app_module: ModuleType | None = None
    outputs: dict[str, str] = field(default_factory=dict)
    demo_login: str = ""

    def say(self, text: str) -> None:
        """One whole line to the terminal (threads print too: never interleave)."""
        if not self.options.quiet:
            with _PRINT_LOCK:
                sys.stdout.write(text + "\n")
                sys.stdout.flush()

    def start(self) -> str:
        """Bring the stack up; returns the URL."""
        from devstack.ports import ensure_free

        opts = self.options
        opts.state_dir.mkdir(parents=True, exist_ok=True)
        ensure_free(opts.port, "web server (API and portal)", "--port", opts.host)
        if not opts.keep_data and clear_data(opts.state_dir):
            self.say(f"emptied the local BioSamples and the pool of the last run "
                     f"({opts.state_dir}; --keep-data keeps them)")
        self._start_services()
        self._configure_environment()
        settings = self._provision()
        self._start_app(settings)
        state = {"url": self.web.url, "api": self.web.url + "api/", "moto": self.moto.url,
                 "biosamples": self.biosamples.url, "ena": self.ena.url,
                 "outputs": self.outputs, "pid": os.getpid()}
        (opts.state_dir / "stack.json").write_text(json.dumps(state, indent=2))
        if opts.demo:
            self.push_demo()
        return str(self.web.url)

    def _start_services(self) -> None:
        """The local AWS (moto), BioSamples and ENA, each its own process."""
        from devstack.biosamples.process import start_standin
        from devstack.moto_server import start_moto
        from devstack.ports import ensure_free
        from devstack.service_process import start_service

        opts = self.options
        self.moto = start_moto(opts.moto_port, opts.state_dir / "moto.log", opts.host)
        self.say(f"local AWS (moto server) on {self.moto.url}")
        self.say(f"handler logs (JSON): {opts.state_dir / 'handlers.log'}")
        self.biosamples = start_standin(opts.biosamples_port, opts.state_dir / "biosamples",
                                        log_path=opts.state_dir / "biosamples.log",
                                        host=opts.host)
        self.say(f"local BioSamples on {self.biosamples.url} (state in "
                 f"{opts.state_dir / 'biosamples'})")
        if opts.ena_port:
            ensure_free(opts.ena_port, "local ENA portal API", "--ena-port", opts.host)
        self.ena = start_service("devstack.ena",
                                 ["--host", opts.host, "--port", str(opts.ena_port)],
                                 what="local ENA portal API",
                                 log_path=opts.state_dir / "ena.log")
        self.say(f"local ENA portal API on {self.ena.url}")

    def _configure_environment(self) -> None:
        """The stage's variables from .chalice/config.json, then where the local services
        are: the handlers read them through chalicelib.config like on AWS."""
        from devstack.moto_server import FAKE_CREDENTIALS

        opts = self.options
        os.environ.update(stage_environment(opts.stage))
        os.environ.update(FAKE_CREDENTIALS)
        os.environ.update({
            "AWS_ENDPOINT_URL": self.moto.url, "AWS_DEFAULT_REGION": "eu-west-1",
            "AWS_REGION": "eu-west-1", "STAGE": opts.stage,
            "LOG_FILE": str(opts.state_dir / "handlers.log"),
            "PORTAL_URL": f"http://{opts.host}:{opts.port}/",
            "BIOSAMPLES_URL": self.biosamples.biosamples_url,
            "WEBIN_AUTH_URL": self.biosamples.webin_auth_url,
            "ENA_PORTAL_URL": self.ena.url,
            "SEARCH_BACKEND": "sqlite", "SEARCH_PATH": str(opts.state_dir / "pool.sqlite3")})

    def _provision(self) -> Any:
        """Create infra/resources.yaml's resources on the moto server."""
        from chalicelib.aws import client, reset_clients
        from chalicelib.config import get_settings
        from devstack.provision import provision

        reset_clients()
        settings = get_settings()
        result = provision(client, stack_name=settings.prefix, region=settings.region)
        self.outputs = result.outputs
        self.say(f"created {len(result.resources)} resources from infra/resources.yaml "
                 f"({len(result.skipped)} have no local counterpart)")
        os.environ["USER_POOL_ID"] = result.outputs["UserPoolId"]
        os.environ["USER_POOL_CLIENT_ID"] = result.outputs["UserPoolClientId"]
        return get_settings()

    def _start_app(self, settings: Any) -> None:
        """The Chalice app, fed by the event pump and served by the web server."""
        from chalicelib.aws import client
        from devstack.pump import EventPump
        from devstack.web import LocalWebServer

        opts = self.options
        self.app_module = importlib.import_module("app")
        self.pump = EventPump(self.app_module.app, self.app_module, client("sqs"), settings,
                              log=None if opts.quiet else self._pump_log)
        self.pump.start()
        self.web = LocalWebServer(self.app_module.app, opts.host, opts.port, stage=opts.stage,
                                  moto_url=self.moto.url)
        self.web.start()

    def _pump_log(self, text: str) -> None:
        self.say(f"  [pump] {text}")

    def push_demo(self) -> None:
        """Push the demo files through the real API and pipeline, as a partner would."""
        from devstack.demo_data import push_demo

        result = push_demo(self.web.url + "api/")
        self.demo_login = f"{result.email} / {result.password}"
        self.say(f"demo: {len(result.submissions)} submission(s) uploaded for team "
                 f"{result.team_id}")
        threading.Thread(target=self._finish_demo, args=(result,), name="demo",
                         daemon=True).start()

    def _finish_demo(self, result: Any) -> None:
        from devstack.demo_data import fix_and_submit

        try:
            progress = fix_and_submit(self.web.url + "api/", result)
            self.say(f"demo: the generated Template was fixed and submitted to the local "
                     f"BioSamples: {progress['done']}/{progress['total']} records "
                     f"accessioned ({progress['status']})")
            from chalicelib.harvest.flow import run_harvest

            harvest = run_harvest("full")
            self.say(f"demo: harvested the local BioSamples into the pool: "
                     f"{harvest['counts']} ({harvest['status']})")
        except Exception as exc:  # the stack keeps running; say what went wrong
            self.say(f"demo: could not finish the submission story: {exc}")

    def dead_child(self) -> str | None:
        """What went wrong when a child server has exited on its own, else None (the
        stack is no use without any of them: every API call would fail)."""
        logs = self.options.state_dir
        children = (("local AWS (moto server)", self.moto, logs / "moto.log"),
                    ("local BioSamples", self.biosamples, logs / "biosamples.log"),
                    ("local ENA portal API", self.ena, logs / "ena.log"))
        for what, child, log in children:
            if child is not None and child.process.poll() is not None:
                return (f"the {what} stopped unexpectedly (exit code "
                        f"{child.process.returncode}; see {log}): stopping everything")
        return None

    def stop(self) -> None:
        """Stop everything that was started, newest first."""
        if self.web is not None:
            self.web.stop()
        if self.pump is not None:
            self.pump.stop()
        if self.moto is not None:
            self.moto.stop()
        if self.biosamples is not None:
            self.biosamples.stop()
        if self.ena is not None:
            self.ena.stop()


def parse_args(argv: list[str] | None) -> StackOptions:
    env = os.environ
    parser = argparse.ArgumentParser(prog="python -m devstack.stack",
                                     description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--host", default=env.get("HOST", "127.0.0.1"))
    parser.add_argument("--port", type=int, default=int(env.get("PORT", "8000")),
                        help="web server port (API and portal); env PORT")
    parser.add_argument("--moto-port", type=int, default=int(env.get("MOTO_PORT", "5000")),
                        help="moto server port (local AWS); env MOTO_PORT")
    parser.add_argument("--biosamples-port", type=int,
                        default=int(env.get("BIOSAMPLES_PORT", "8081")),
                        help="local BioSamples port; env BIOSAMPLES_PORT")
    parser.add_argument("--ena-port", type=int, default=int(env.get("ENA_PORT", "8082")),
                        help="local ENA portal API port; env ENA_PORT")
    parser.add_argument("--state-dir", type=Path, default=LOCAL_DIR)
    parser.add_argument("--no-demo", action="store_true", help="start without demo data")
    parser.add_argument("--keep-data", action="store_true",
                        help="keep the local BioSamples and the pool of the last run "
                             "(default: start empty, like the local AWS)")
    parser.add_argument("--quiet", action="store_true")
    args = parser.parse_args(argv)
    return StackOptions(host=args.host, port=args.port, moto_port=args.moto_port,
                        biosamples_port=args.biosamples_port, ena_port=args.ena_port,
                        state_dir=args.state_dir, demo=not args.no_demo, quiet=args.quiet,
                        keep_data=args.keep_data)


def main(argv: list[str] | None = None) -> int:
    from devstack.ports import PortBusy

    options = parse_args(argv)
    stack = LocalStack(options)
    stopping = threading.Event()

    def on_signal(signum: int, frame: Any) -> None:
        stopping.set()

    signal.signal(signal.SIGINT, on_signal)
    signal.signal(signal.SIGTERM, on_signal)
    try:
        url = stack.start()
    except PortBusy as exc:
        print(f"error: {exc}", file=sys.stderr)
        stack.stop()
        return 2
    except Exception:
        stack.stop()
        raise
    login = f"\nDemo partner login: {stack.demo_login}" if stack.demo_login else ""
    stack.say(f"\nIMAGE Pool is running at {url}\n(API at {url}api/ ; Ctrl-C stops "
              f"everything){login}\n")
    status = 0
    try:
        while not stopping.is_set():
            dead = stack.dead_child()
            if dead:
                print(f"error: {dead}", file=sys.stderr, flush=True)
                status = 1
                break
            time.sleep(0.2)
    finally:
        print("stopping...", flush=True)
        stack.stop()
    return status


if __name__ == "__main__":
    sys.exit(main())
