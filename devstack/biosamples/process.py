"""Start the local BioSamples stand-in as its own process (for make run and tests)."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from devstack.service_process import ServiceProcess, start_service


@dataclass
class StandIn(ServiceProcess):
    """The stand-in: ``/biosamples`` and the Webin token endpoint live under its URL."""

    @property
    def biosamples_url(self) -> str:
        return f"{self.url}/biosamples"

    @property
    def webin_auth_url(self) -> str:
        return f"{self.url}/ena/submit/webin/auth/token"


def start_standin(port: int, state_dir: Path, *extra: str, host: str = "127.0.0.1",
                  log_path: Path | None = None) -> StandIn:
    """Start the stand-in (``port`` 0 picks a free one) and wait until it listens."""
    from devstack.ports import ensure_free

    if port:
        ensure_free(port, "local BioSamples", "--biosamples-port", host)
    state_dir.mkdir(parents=True, exist_ok=True)
    started = start_service("devstack.biosamples",
                            ["--host", host, "--port", str(port), "--state-dir",
                             str(state_dir), *extra],
                            what="local BioSamples", log_path=log_path)
    return StandIn(started.process, started.url)
