"""A real, throw-away OpenSearch node on loopback for tests and benchmarks.

Why this exists: IMAGE Pool's search layer talks to Amazon OpenSearch Service in
production, and its queries (explicit mappings, ``geo_point`` fields, bounding-box
filters, aggregations, bulk indexing) are only worth testing against a real engine.
No OpenSearch server comes from PyPI, npm or Debian, and this workplace cannot
download release tarballs by URL; Maven Central, however, serves OpenSearch's own
``integ-test-zip`` distribution (the minimal build OpenSearch uses for its own
integration tests: the server, the Netty transport, no bundled JDK and no
security plugin). This module fetches that zip through ``mvn``, caches it
unpacked under ``<repo>/.local/opensearch/`` and starts single-node clusters
bound to 127.0.0.1 with security off.

Usage::

    python -m devstack.opensearch_node fetch
    python -m devstack.opensearch_node start --port 9200   # until Ctrl-C

or from Python::

    home = ensure_distribution(default_cache_dir())
    with start_node(home, port=9200, data_dir=Path("/tmp/os-node")) as node:
        ...  # node.url == "http://127.0.0.1:9200"

Only the standard library is used, so this runs before any project dependency is
installed. OpenSearch 2.x needs Java 11 to 21 (2.x relies on the Security
Manager, which JDK 24 and later removed); :func:`find_java_home` picks such a JDK.
"""

from __future__ import annotations

import argparse
import contextlib
import fcntl
import json
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
import uuid
import zipfile
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from types import TracebackType

from devstack.paths import LOCAL_DIR

#: Newest 2.x served by Maven Central as ``integ-test-zip`` (2.19.7 and 2.20.0 are not).
OPENSEARCH_VERSION = "2.19.6"
#: Maven group and artifact of the distribution; the packaging is ``zip``.
ARTIFACT_GROUP = "org.opensearch.distribution.integ-test-zip"
ARTIFACT_ID = "opensearch"
#: Pinned so that ``dependency:copy`` works without a ``pom.xml``.
DEPENDENCY_PLUGIN = "org.apache.maven.plugins:maven-dependency-plugin:3.8.1"
#: Java feature releases that OpenSearch 2.x runs on.
JAVA_MIN, JAVA_MAX = 11, 21
#: Environment variable that overrides the cache directory.
CACHE_ENV = "IMAGEPOOL_OPENSEARCH_CACHE"

#: OpenSearch refuses to start as root, and it asks ``geteuid()`` through JNA. This
#: workplace and its CI run everything as root, so for root we keep JNA's native
#: library from loading (no system copy, no unpacking from the jar). OpenSearch
#: catches that and goes on without native calls, losing only optional features
#: (mlockall, the seccomp system-call filter, raising ulimits) that a loopback test
#: node does not need; its bootstrap checks are not enforced on loopback anyway.
ROOT_WORKAROUND_JAVA_OPTS = ("-Djna.nosys=true", "-Djna.nounpack=true")

_READY_MARKER = ".imagepool-ready"


class OpenSearchNodeError(RuntimeError):
    """Fetching, unpacking or starting the local OpenSearch node failed."""


def artifact_coordinates(version: str = OPENSEARCH_VERSION) -> str:
    """Return the Maven coordinates ``group:artifact:version:zip`` of the distribution."""
    return f"{ARTIFACT_GROUP}:{ARTIFACT_ID}:{version}:zip"


def default_cache_dir() -> Path:
    """Return the cache: ``$IMAGEPOOL_OPENSEARCH_CACHE`` or else ``<repo>/.local/opensearch``."""
    override = os.environ.get(CACHE_ENV)
    return Path(override) if override else LOCAL_DIR / "opensearch"


@contextlib.contextmanager
def _locked(lock_path: Path) -> Iterator[None]:
    """Hold an exclusive advisory lock on ``lock_path`` (serialises parallel fetches)."""
    lock_path.parent.mkdir(parents=True, exist_ok=True)
    with lock_path.open("a") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


def _mvn_copy(coordinates: str, output_dir: Path) -> None:
    """Copy one artifact from Maven Central (via the local repository) into ``output_dir``."""
    mvn = shutil.which("mvn")
    if mvn is None:
        raise OpenSearchNodeError(
            "`mvn` is not on PATH; it is needed once to fetch "
            f"{coordinates} from Maven Central (apt-get install maven)"
        )
    cmd = [
        mvn,
        "-B",
        "-q",
        "--strict-checksums",
        f"{DEPENDENCY_PLUGIN}:copy",
        f"-Dartifact={coordinates}",
        f"-DoutputDirectory={output_dir}",
        "-Dmdep.overWriteReleases=true",
    ]
    # Run from the output directory so that no stray pom.xml is picked up.
    proc = subprocess.run(cmd, cwd=output_dir, capture_output=True, text=True, check=False)
    if proc.returncode != 0:
        output = (proc.stdout + proc.stderr).strip()
        raise OpenSearchNodeError(
            f"mvn could not fetch {coordinates} (exit {proc.returncode}):\n{output[-4000:]}"
        )


def _extract_zip(zip_path: Path, dest: Path) -> None:
    """Unpack ``zip_path`` into ``dest`` keeping the Unix permission bits (``bin/`` scripts)."""
    with zipfile.ZipFile(zip_path) as archive:
        for info in archive.infolist():
            target = dest / info.filename
            if not target.resolve().is_relative_to(dest.resolve()):
                raise OpenSearchNodeError(f"unsafe path in {zip_path.name}: {info.filename}")
            archive.extract(info, dest)
            mode = (info.external_attr >> 16) & 0o7777
            if mode and not info.is_dir():
                target.chmod(mode)


def ensure_distribution(cache_dir: Path | None = None, version: str = OPENSEARCH_VERSION) -> Path:
    """Fetch and unpack the OpenSearch distribution once; return its home directory.

    The zip is copied by ``mvn dependency:copy`` (Maven keeps its own copy in
    ``~/.m2``, so a second fetch needs no network), unpacked next to it and
    marked ready; later calls return at once. Safe to call from parallel
    processes: a file lock serialises the work.

    Args:
        cache_dir: where the zip and the unpacked home live; defaults to
            :func:`default_cache_dir` (``<repo>/.local/opensearch``).
        version: the OpenSearch version to fetch.

    Returns:
        The OpenSearch home, e.g. ``.local/opensearch/opensearch-2.19.6``.
    """
    cache_dir = (cache_dir or default_cache_dir()).resolve()
    home = cache_dir / f"opensearch-{version}"
    if (home / _READY_MARKER).is_file():
        return home
    cache_dir.mkdir(parents=True, exist_ok=True)
    # Keep the cache out of git even where the repo's .gitignore does not list it.
    gitignore = cache_dir / ".gitignore"
    if not gitignore.exists():
        gitignore.write_text(
            "# local OpenSearch cache, made by devstack.opensearch_node\n*\n"
        )
    with _locked(cache_dir / ".lock"):
        if (home / _READY_MARKER).is_file():
            return home
        zip_path = cache_dir / f"{ARTIFACT_ID}-{version}.zip"
        if not zip_path.is_file():
            with tempfile.TemporaryDirectory(dir=cache_dir, prefix=".fetch-") as tmp:
                _mvn_copy(artifact_coordinates(version), Path(tmp))
                fetched = Path(tmp) / zip_path.name
                if not fetched.is_file():
                    raise OpenSearchNodeError(f"mvn reported success but wrote no {fetched.name}")
                fetched.replace(zip_path)
        if home.exists():
            shutil.rmtree(home)  # a half-unpacked leftover from an interrupted run
        with tempfile.TemporaryDirectory(dir=cache_dir, prefix=".unpack-") as tmp:
            try:
                _extract_zip(zip_path, Path(tmp))
            except zipfile.BadZipFile as exc:
                zip_path.unlink(missing_ok=True)
                raise OpenSearchNodeError(f"{zip_path} is corrupt and was removed: {exc}") from exc
            unpacked = Path(tmp) / f"opensearch-{version}"
            if not (unpacked / "bin" / "opensearch").is_file():
                raise OpenSearchNodeError(
                    f"{zip_path.name} has no opensearch-{version}/bin/opensearch"
                )
            unpacked.replace(home)
        (home / _READY_MARKER).write_text(artifact_coordinates(version) + "\n")
    return home


def _java_major(java_home: Path) -> int | None:
    """Return the feature release (e.g. 17) of the JDK at ``java_home``, or None if unknown."""
    if not (java_home / "bin" / "java").is_file():
        return None
    release = java_home / "release"
    if release.is_file():
        match = re.search(r'^JAVA_VERSION="(\d+)(?:\.(\d+))?', release.read_text(), re.MULTILINE)
        if match:
            major = int(match.group(1))
            return int(match.group(2) or 0) if major == 1 else major
    proc = subprocess.run(
        [str(java_home / "bin" / "java"), "-version"],
        capture_output=True,
        text=True,
        check=False,
    )
    match = re.search(r'version "(\d+)', proc.stderr)
    return int(match.group(1)) if match else None


def find_java_home() -> Path:
    """Find a JDK that OpenSearch 2.x runs on (Java 11 to 21).

    Tries, in order: ``$OPENSEARCH_JAVA_HOME``, ``$JAVA_HOME``, the ``java`` on
    PATH, then every JDK under ``/usr/lib/jvm``. A JDK outside the range is
    skipped (JDK 24+ cannot run OpenSearch 2.x at all).
    """
    candidates: list[Path] = []
    for var in ("OPENSEARCH_JAVA_HOME", "JAVA_HOME"):
        if os.environ.get(var):
            candidates.append(Path(os.environ[var]))
    java = shutil.which("java")
    if java:
        candidates.append(Path(java).resolve().parent.parent)
    jvm_dir = Path("/usr/lib/jvm")
    if jvm_dir.is_dir():
        candidates.extend(sorted(p for p in jvm_dir.iterdir() if p.is_dir()))
    seen: list[str] = []
    for candidate in candidates:
        major = _java_major(candidate)
        seen.append(f"{candidate} (Java {major if major is not None else '?'})")
        if major is not None and JAVA_MIN <= major <= JAVA_MAX:
            return candidate
    raise OpenSearchNodeError(
        f"no JDK {JAVA_MIN}-{JAVA_MAX} found for OpenSearch {OPENSEARCH_VERSION}; "
        f"looked at: {', '.join(seen) or 'nothing'} (apt-get install openjdk-17-jdk-headless)"
    )


def free_port() -> int:
    """Return a TCP port on 127.0.0.1 that is free right now."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _port_in_use(port: int) -> bool:
    """Return True if something accepts connections on 127.0.0.1:``port``."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.settimeout(0.5)
        return sock.connect_ex(("127.0.0.1", port)) == 0


def _tail(path: Path, lines: int = 40) -> str:
    """Return the last ``lines`` lines of ``path`` (or a note that it does not exist)."""
    if not path.is_file():
        return f"({path} does not exist)"
    text = path.read_text(errors="replace").splitlines()
    return "\n".join(text[-lines:])


def _prepare_config(home: Path, conf_dir: Path, logs_dir: Path, data_dir: Path) -> None:
    """Copy the distribution's config into ``conf_dir`` with the JVM's relative paths fixed.

    The stock ``jvm.options`` writes ``logs/gc.log``, heap dumps and crash files
    relative to the shared home; each node gets its own copy pointing into its
    own directories so that several nodes can share one cached home.
    """
    if conf_dir.exists():
        shutil.rmtree(conf_dir)
    shutil.copytree(home / "config", conf_dir)
    jvm_options = conf_dir / "jvm.options"
    text = jvm_options.read_text()
    text = text.replace("file=logs/", f"file={logs_dir}/")
    text = text.replace("-Xloggc:logs/", f"-Xloggc:{logs_dir}/")
    text = text.replace("-XX:ErrorFile=logs/", f"-XX:ErrorFile={logs_dir}/")
    text = text.replace("-XX:HeapDumpPath=data", f"-XX:HeapDumpPath={data_dir}")
    jvm_options.write_text(text)


@dataclass
class OpenSearchNode:
    """A running single-node OpenSearch cluster started by :func:`start_node`."""

    process: subprocess.Popen[bytes]
    home: Path
    port: int
    transport_port: int
    node_dir: Path
    cluster_name: str
    console_log: Path
    started_in: float = 0.0
    _console: object = field(default=None, repr=False)

    @property
    def url(self) -> str:
        """The node's HTTP endpoint, e.g. ``http://127.0.0.1:9200``."""
        return f"http://127.0.0.1:{self.port}"

    def is_running(self) -> bool:
        """Return True while the node's process has not exited."""
        return self.process.poll() is None

    def log_tail(self, lines: int = 40) -> str:
        """Return the last ``lines`` lines of the node's console output."""
        return _tail(self.console_log, lines)

    def stop(self, timeout: float = 30.0) -> None:
        """Terminate the node's process group: SIGTERM, then SIGKILL after ``timeout`` s."""
        try:
            if self.process.poll() is None:
                with contextlib.suppress(ProcessLookupError):
                    os.killpg(self.process.pid, signal.SIGTERM)
                try:
                    self.process.wait(timeout=timeout)
                except subprocess.TimeoutExpired:
                    with contextlib.suppress(ProcessLookupError):
                        os.killpg(self.process.pid, signal.SIGKILL)
                    self.process.wait(timeout=10)
            # Reap anything the launcher left in the group.
            with contextlib.suppress(ProcessLookupError, PermissionError):
                os.killpg(self.process.pid, signal.SIGKILL)
        finally:
            close = getattr(self._console, "close", None)
            if close is not None:
                close()

    def __enter__(self) -> OpenSearchNode:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.stop()


def _cluster_health(url: str) -> dict[str, object] | None:
    """Return the parsed ``GET /_cluster/health`` answer, or None if the node is not up yet."""
    try:
        with urllib.request.urlopen(f"{url}/_cluster/health", timeout=2) as resp:
            body = json.loads(resp.read().decode())
    except (OSError, urllib.error.URLError, ValueError):
        return None
    return body if isinstance(body, dict) else None


def start_node(
    home: Path,
    port: int,
    data_dir: Path,
    heap: str = "512m",
    *,
    timeout: float = 180.0,
    java_home: Path | None = None,
    extra_settings: Sequence[str] = (),
) -> OpenSearchNode:
    """Start a single-node OpenSearch on 127.0.0.1:``port`` and wait until it is usable.

    Args:
        home: an OpenSearch home from :func:`ensure_distribution`.
        port: the HTTP port; it must be free.
        data_dir: the node's own directory; it gets ``data/``, ``logs/``,
            ``config/`` (a patched copy of the home's) and ``tmp/``. Reusing it
            keeps the indices of an earlier run.
        heap: the JVM heap (``-Xms`` = ``-Xmx``), e.g. ``"512m"``.
        timeout: seconds to wait for ``/_cluster/health`` to be yellow or green.
        java_home: the JDK to run on; default :func:`find_java_home`.
        extra_settings: more ``key=value`` node settings, passed as ``-E``.

    Returns:
        The running node; call ``.stop()`` (or use it as a context manager).

    Raises:
        OpenSearchNodeError: the port is taken, no suitable JDK was found, or the
            node exited or was not healthy in time (the message ends with the tail
            of its log).
    """
    home = home.resolve()
    node_dir = data_dir.resolve()
    if _port_in_use(port):
        raise OpenSearchNodeError(f"127.0.0.1:{port} is already in use")
    java = java_home or find_java_home()
    paths = {name: node_dir / name for name in ("data", "logs", "config", "tmp")}
    for path in paths.values():
        path.mkdir(parents=True, exist_ok=True)
    _prepare_config(home, paths["config"], paths["logs"], paths["data"])

    transport_port = free_port()
    while transport_port == port:
        transport_port = free_port()
    cluster_name = f"imagepool-local-{uuid.uuid4().hex[:8]}"
    settings = [
        f"cluster.name={cluster_name}",
        f"node.name=imagepool-{port}",
        "network.host=127.0.0.1",
        f"http.port={port}",
        f"transport.port={transport_port}",
        "discovery.type=single-node",
        f"path.data={paths['data']}",
        f"path.logs={paths['logs']}",
        "cluster.routing.allocation.disk.threshold_enabled=false",
        "bootstrap.memory_lock=false",
        "bootstrap.system_call_filter=false",
        "action.destructive_requires_name=false",
    ]
    # The integ-test-zip has no security plugin; a fuller distribution might.
    if (home / "plugins" / "opensearch-security").is_dir():
        settings.append("plugins.security.disabled=true")
    settings.extend(extra_settings)

    env = dict(os.environ)
    env.pop("JAVA_TOOL_OPTIONS", None)  # its banner would go to stderr on every java call
    env["OPENSEARCH_JAVA_HOME"] = str(java)
    env["OPENSEARCH_PATH_CONF"] = str(paths["config"])
    env["OPENSEARCH_TMPDIR"] = str(paths["tmp"])
    java_opts = [f"-Xms{heap}", f"-Xmx{heap}"]
    if os.geteuid() == 0:
        java_opts.extend(ROOT_WORKAROUND_JAVA_OPTS)
    env["OPENSEARCH_JAVA_OPTS"] = " ".join(java_opts)
    cmd = [str(home / "bin" / "opensearch"), *(f"-E{s}" for s in settings)]

    console_log = paths["logs"] / "console.log"
    console = console_log.open("ab")
    started = time.monotonic()
    try:
        process = subprocess.Popen(
            cmd,
            cwd=node_dir,
            env=env,
            stdin=subprocess.DEVNULL,
            stdout=console,
            stderr=subprocess.STDOUT,
            start_new_session=True,  # its own process group, so stop() reaches the JVM
        )
    except OSError:
        console.close()
        raise
    node = OpenSearchNode(
        process=process,
        home=home,
        port=port,
        transport_port=transport_port,
        node_dir=node_dir,
        cluster_name=cluster_name,
        console_log=console_log,
        _console=console,
    )

    deadline = started + timeout
    try:
        while True:
            if process.poll() is not None:
                raise OpenSearchNodeError(
                    f"OpenSearch exited with code {process.returncode} before it was healthy; "
                    f"last lines of {console_log}:\n{node.log_tail()}"
                )
            health = _cluster_health(node.url)
            if health is not None:
                if health.get("cluster_name") != cluster_name:
                    raise OpenSearchNodeError(
                        f"another OpenSearch ({health.get('cluster_name')}) answers on port {port}"
                    )
                if health.get("status") in ("yellow", "green"):
                    break
            if time.monotonic() > deadline:
                raise OpenSearchNodeError(
                    f"OpenSearch on port {port} was not yellow/green within {timeout:.0f}s "
                    f"(last health: {health}); last lines of {console_log}:\n{node.log_tail()}"
                )
            time.sleep(0.25)
    except BaseException:
        node.stop(timeout=10)
        raise
    node.started_in = time.monotonic() - started
    return node


def _cmd_fetch(args: argparse.Namespace) -> int:
    """``fetch``: make sure the distribution is cached; print its home."""
    started = time.monotonic()
    home = ensure_distribution(args.cache_dir, args.version)
    print(
        f"{artifact_coordinates(args.version)} ready at {home} ({time.monotonic() - started:.1f}s)"
    )
    return 0


def _cmd_start(args: argparse.Namespace) -> int:
    """``start``: run a node in the foreground until Ctrl-C or SIGTERM."""
    home = ensure_distribution(args.cache_dir, args.version)
    cache_dir = (args.cache_dir or default_cache_dir()).resolve()
    node_dir = args.data_dir or cache_dir / "nodes" / f"node-{args.port}"
    node = start_node(home, args.port, node_dir, heap=args.heap, timeout=args.timeout)
    print(f"OpenSearch {args.version} up at {node.url} in {node.started_in:.1f}s")
    print(f"data and logs in {node.node_dir}; Ctrl-C to stop", flush=True)

    def _on_signal(signum: int, frame: object) -> None:
        raise KeyboardInterrupt

    # Installed explicitly: a shell's background job starts with SIGINT ignored.
    signal.signal(signal.SIGINT, _on_signal)
    signal.signal(signal.SIGTERM, _on_signal)
    try:
        code = node.process.wait()
        print(
            f"OpenSearch exited with code {code}; last lines:\n{node.log_tail()}", file=sys.stderr
        )
        return 1
    except KeyboardInterrupt:
        print("stopping OpenSearch ...", flush=True)
        return 0
    finally:
        node.stop()


def main(argv: Sequence[str] | None = None) -> int:
    """Command-line entry point: ``fetch`` or ``start``."""
    parser = argparse.ArgumentParser(
        prog="python -m devstack.opensearch_node",
        description="Fetch OpenSearch from Maven Central and run a local single node.",
    )
    parser.add_argument(
        "--cache-dir", type=Path, default=None, help="default: <repo>/.local/opensearch"
    )
    parser.add_argument("--version", default=OPENSEARCH_VERSION, help="OpenSearch version")
    sub = parser.add_subparsers(dest="command", required=True)
    fetch = sub.add_parser("fetch", help="download and unpack the distribution once")
    fetch.set_defaults(func=_cmd_fetch)
    start = sub.add_parser("start", help="run a node on 127.0.0.1 until Ctrl-C")
    start.add_argument("--port", type=int, default=9200)
    start.add_argument(
        "--data-dir", type=Path, default=None, help="default: <cache>/nodes/node-PORT"
    )
    start.add_argument("--heap", default="512m")
    start.add_argument("--timeout", type=float, default=180.0)
    start.set_defaults(func=_cmd_start)
    args = parser.parse_args(argv)
    try:
        return int(args.func(args))
    except OpenSearchNodeError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1


if __name__ == "__main__":
    sys.exit(main())
