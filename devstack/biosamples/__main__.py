"""Command line: ``python -m devstack.biosamples --port N --state-dir DIR``.

Prints ``BioSamples stand-in listening on http://HOST:PORT`` (with the real port when
``--port 0``) once it accepts connections, then serves until SIGINT/SIGTERM.
"""

from __future__ import annotations

import argparse
import logging
import signal
import sys
import threading
from pathlib import Path
from types import FrameType

from devstack.biosamples.auth import Accounts
from devstack.biosamples.faults import FaultConfig
from devstack.biosamples.server import BioSamplesApp, make_server


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    """Command-line options."""
    parser = argparse.ArgumentParser(prog="python -m devstack.biosamples",
                                     description="Local EMBL-EBI BioSamples stand-in")
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=8081, help="0 picks a free port")
    parser.add_argument("--state-dir", required=True, type=Path,
                        help="directory holding biosamples.sqlite3 (kept across restarts)")
    parser.add_argument("--load", action="append", type=Path, default=[],
                        help="directory of BioSamples JSON records to load as public "
                             "records (repeatable)")
    parser.add_argument("--faults", help="fault configuration: inline JSON or a JSON file")
    parser.add_argument("--accounts", help='Webin accounts: inline JSON or a JSON file, '
                        '{"Webin-1": "password"}; default Webin-12345 / demo-password')
    parser.add_argument("--search-lag", type=float, default=None,
                        help="seconds before new samples appear in search results")
    parser.add_argument("--public-url", help="base URL used in links (default: from Host)")
    parser.add_argument("--verbose", action="store_true", help="log every request")
    return parser.parse_args(argv)


def main(argv: list[str] | None = None) -> int:
    """Run the server until interrupted."""
    args = parse_args(argv)
    logging.basicConfig(level=logging.DEBUG if args.verbose else logging.INFO,
                        format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    app = BioSamplesApp(args.state_dir, accounts=Accounts.from_option(args.accounts),
                        faults=FaultConfig.from_option(args.faults),
                        search_lag=args.search_lag)
    for directory in args.load:
        count = app.load_dir(directory)
        logging.getLogger("biosamples.local").info("loaded %d records from %s", count,
                                                   directory)
    server = make_server(args.host, args.port, app, args.public_url)

    def stop(signum: int, frame: FrameType | None) -> None:
        threading.Thread(target=server.shutdown, daemon=True).start()

    signal.signal(signal.SIGTERM, stop)
    signal.signal(signal.SIGINT, stop)
    print(f"BioSamples stand-in listening on {server.url}", flush=True)
    try:
        server.serve_forever()
    finally:
        server.server_close()
        app.store.close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
