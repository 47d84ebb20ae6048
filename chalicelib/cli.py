"""``python -m chalicelib.cli <command>``: the offline tools, no AWS needed.

The same domain code as the Lambda handlers runs here, so a curator or an operator can
check a file on a laptop exactly as the system will. ``--help`` lists the commands; each
command's ``--help`` says what it takes. Exit codes: 0 success, 1 the input has errors
(where a command checks), 2 the input cannot be read or the call is wrong.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Callable, Sequence
from pathlib import Path

Command = Callable[[argparse.Namespace], int]


def _parse(args: argparse.Namespace) -> int:
    """Print the canonical records of a file as JSON; problems go to stderr."""
    from chalicelib.ingest import UnreadableFile, parse_file

    try:
        result = parse_file(Path(args.file), args.type)
    except UnreadableFile as exc:
        for problem in exc.problems:
            print(str(problem), file=sys.stderr)
        return 2
    except FileNotFoundError:
        print(f"{args.file}: no such file", file=sys.stderr)
        return 2
    for problem in [*result.problems, *result.skipped]:
        print(str(problem), file=sys.stderr)
    json.dump({"records": [r.to_dict() for r in result.records],
               "problems": [p.to_dict() for p in result.problems],
               "skipped": [p.to_dict() for p in result.skipped]},
              sys.stdout, indent=args.indent, ensure_ascii=False)
    sys.stdout.write("\n")
    return 0


def _settings(args: argparse.Namespace) -> int:
    """Print the settings the current environment resolves to (names, endpoint, stage)."""
    from dataclasses import asdict

    from chalicelib.config import get_settings

    doc = asdict(get_settings())
    doc["names"] = dict(doc["names"])
    json.dump(doc, sys.stdout, indent=2, sort_keys=True)
    sys.stdout.write("\n")
    return 0


def _provision(args: argparse.Namespace) -> int:
    """Create the stack's resources (infra/resources.yaml) on a moto server."""
    import os

    from chalicelib import aws
    from chalicelib.config import get_settings
    from chalicelib.local.moto_server import FAKE_CREDENTIALS
    from chalicelib.local.provision import provision

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
    from chalicelib.local.stack import main

    return main(args.stack_args)


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="python -m chalicelib.cli",
        description="IMAGE Pool's offline tools: the same code as the service, no AWS.")
    commands = parser.add_subparsers(dest="command", metavar="<command>", required=True)

    parse = commands.add_parser(
        "parse", help="read a gene-bank file and print its canonical records as JSON",
        description="Read an IMAGE Template (xlsx), CRB-Anim CSV, CryoWeb SQL dump, "
                    "BioSamples JSON or IMAGE Pool JSON export; the format is guessed "
                    "from the content unless --type is given. Exit 0 when read, 2 when "
                    "the file cannot be read (problems on stderr).")
    parse.add_argument("file")
    parse.add_argument("--type", choices=["template", "crbanim", "cryoweb", "biosamples",
                                          "json"])
    parse.add_argument("--indent", type=int, default=None, help="pretty-print the JSON")
    parse.set_defaults(func=_parse)

    settings = commands.add_parser("settings", help="print the resolved stage settings")
    settings.set_defaults(func=_settings)

    prov = commands.add_parser("provision",
                               help="create the stack's resources on a moto server")
    prov.add_argument("--endpoint", default="http://127.0.0.1:5000",
                      help="the moto server's URL (default %(default)s)")
    prov.set_defaults(func=_provision)

    run = commands.add_parser("run", help="start the whole system locally (make run)")
    run.add_argument("stack_args", nargs=argparse.REMAINDER,
                     help="options of python -m chalicelib.local.stack")
    run.set_defaults(func=_run)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    func: Command = args.func
    return func(args)


if __name__ == "__main__":
    sys.exit(main())
