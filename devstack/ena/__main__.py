"""``python -m devstack.ena --port N [--data rows.json]``."""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from devstack.ena.server import EnaStandIn, make_server


def main(argv: list[str] | None = None) -> int:
    """Serve until interrupted."""
    parser = argparse.ArgumentParser(prog="python -m devstack.ena")
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=8082)
    parser.add_argument("--data", type=Path, help='{"analysis": [...], "read_run": [...]}')
    args = parser.parse_args(argv)
    rows = json.loads(args.data.read_text()) if args.data else {}
    server = make_server(args.host, args.port, EnaStandIn(rows))
    print(f"ENA stand-in listening on {server.url}/ena/portal/api", flush=True)
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        pass
    finally:
        server.server_close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
