"""Local stand-in for EMBL-EBI BioSamples and the ENA Webin token service.

Run it with ``python -m devstack.biosamples --host 127.0.0.1 --port 8081
--state-dir .local/biosamples [--load DIR] [--faults JSON|FILE] [--accounts JSON|FILE]``.
It implements the behaviour the project relies on (see ``server.py`` for the routes and
``faults.py`` for the fault-injection configuration) and persists its state in SQLite.
"""

from devstack.biosamples.faults import FaultConfig, FaultInjector
from devstack.biosamples.server import (
    BioSamplesApp,
    BioSamplesHTTPServer,
    make_server,
    start_in_thread,
)

__all__ = [
    "BioSamplesApp",
    "BioSamplesHTTPServer",
    "FaultConfig",
    "FaultInjector",
    "make_server",
    "start_in_thread",
]
