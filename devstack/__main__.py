"""The dev stack's commands (never shipped to AWS): ``python -m devstack <command>``.

``run`` starts the whole system locally (what ``make run`` does); ``provision`` creates the
stack's resources (``infra/resources.yaml``) on a running moto server.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
from collections.abc import Sequence


def _provision(args: argparse.Namespace) -> int:
    """Create the stack's resources (infra/resources.yaml) on a moto server."""
    from chalicelib import aws
    from chalicelib.config import get_settings
    from devstack.moto_server import FAKE_CREDENTIALS
    from devstack.provision import provision

    os.environ.update(FAKE_CREDENTIALS)
    os.environ["AWS_ENDPOINT_URL"] = args.endpoint
    aws.reset_clients()
    settings = get_settings()
    result = provision(aws.client, stack_name=settings.prefix, region=settings.region)
    json.dump({"created": {k: v.ref for k, v in result.resources.items()},
               "outputs": result.outputs, "not_emulated": result.skipped},
              sys.stdout, indent=2, sort_keys=True)
    sys.stdout.write("\n")
    return 0


def _run(args: argparse.Namespace) -> int:
    """Start the whole system locally (what `make run` does)."""
    from devstack.stack import main

    return main(args.stack_args)


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python -m devstack",
                                     description="IMAGE Pool's local stack (dev and tests only).")
    commands = parser.add_subparsers(dest="command", metavar="<command>", required=True)
    prov = commands.add_parser("provision", help="create the stack's resources on a moto server")
    prov.add_argument("--endpoint", default="http://127.0.0.1:5000",
                      help="the moto server's URL (default %(default)s)")
    prov.set_defaults(func=_provision)
    run = commands.add_parser("run", help="start the whole system locally (make run)")
    run.add_argument("stack_args", nargs=argparse.REMAINDER,
                     help="options of python -m devstack.stack")
    run.set_defaults(func=_run)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    return int(args.func(args))


if __name__ == "__main__":
    sys.exit(main())
