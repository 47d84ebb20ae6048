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
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from chalicelib.records import ParseResult

Command = Callable[[argparse.Namespace], int]


def _read(file: str, kind: str | None) -> ParseResult | None:
    """Parse a file; None (with the problems on stderr) when it cannot be read."""
    from chalicelib.ingest import UnreadableFile, parse_file

    try:
        return parse_file(Path(file), kind)
    except UnreadableFile as exc:
        for problem in exc.problems:
            print(str(problem), file=sys.stderr)
    except FileNotFoundError:
        print(f"{file}: no such file", file=sys.stderr)
    return None


def _parse(args: argparse.Namespace) -> int:
    """Print the canonical records of a file as JSON; problems go to stderr."""
    result = _read(args.file, args.type)
    if result is None:
        return 2
    for problem in [*result.problems, *result.skipped]:
        print(str(problem), file=sys.stderr)
    json.dump({"records": [r.to_dict() for r in result.records],
               "problems": [p.to_dict() for p in result.problems],
               "skipped": [p.to_dict() for p in result.skipped]},
              sys.stdout, indent=args.indent, ensure_ascii=False)
    sys.stdout.write("\n")
    return 0


def _validate(args: argparse.Namespace) -> int:
    """Check a file against the IMAGE standard; exit 0 clean, 1 errors, 2 unreadable."""
    from chalicelib.ingest import UnreadableFile, detect_format, parse_file
    from chalicelib.validate import RulesetError, load_default_terms, load_ruleset
    from chalicelib.validate.biosample import records_from_biosamples_docs
    from chalicelib.validate.flow import check_records

    path = Path(args.file)
    try:
        ruleset = load_ruleset(Path(args.ruleset)) if args.ruleset else None
    except (RulesetError, OSError, ValueError) as exc:
        print(f"{args.ruleset}: the ruleset cannot be used: {exc}", file=sys.stderr)
        return 2
    try:
        kind = args.type or detect_format(path, path.name)
        if kind == "biosamples":
            # Keep taxId and resolve relationships that name records of the same file.
            raw = json.loads(path.read_text(encoding="utf-8"))
            records = records_from_biosamples_docs(raw if isinstance(raw, list) else [raw])
        else:
            result = parse_file(path, args.type)
            for problem in [*result.problems, *result.skipped]:
                print(str(problem), file=sys.stderr)
            records = result.records
    except UnreadableFile as exc:
        for problem in exc.problems:
            print(str(problem), file=sys.stderr)
        return 2
    except (OSError, json.JSONDecodeError, UnicodeDecodeError, KeyError, TypeError) as exc:
        print(f"{path}: cannot be read: {exc}", file=sys.stderr)
        return 2
    from chalicelib.validate.ols import OlsUnavailable, resolving

    terms = resolving(load_default_terms(*args.obo), args.ols)
    try:
        report, proposals = check_records(records, ruleset, terms)
    except OlsUnavailable as exc:
        print(f"the ontology service is unavailable: {exc}", file=sys.stderr)
        return 2
    if args.format == "json":
        doc = report.to_dict()
        doc["proposals"] = proposals
        json.dump(doc, sys.stdout, indent=2, ensure_ascii=False)
        sys.stdout.write("\n")
    else:
        summary = report.summary()
        print(f"ruleset {report.ruleset}: {summary['pass']} pass, {summary['warning']} "
              f"warning, {summary['error']} error")
        for checked in report.records:
            for message in checked.messages:
                print(f"{checked.material} {checked.id}: {message.level.value}: "
                      f"{message.field}: {message.message} [{message.code}]")
    return 0 if report.ok else 1


def _generate(args: argparse.Namespace) -> int:
    """Write a realistic gene-bank file of any size (demo and benchmark data)."""
    from chalicelib.ingest.generate import generate

    generate(args.animals, args.samples_per_animal, args.format, args.seed, Path(args.out),
             error_share=args.errors)
    print(f"wrote {args.out}", file=sys.stderr)
    return 0


def _ontology_load(args: argparse.Namespace) -> int:
    """Parse an OBO / OBO-JSON ontology file and store its terms for the validator."""
    from chalicelib.validate.term_table import save_terms
    from chalicelib.validate.terms import InMemoryTermStore

    store = InMemoryTermStore()
    path = Path(args.file)
    try:
        if path.suffix == ".json":
            count = store.load_obojson(path, kind=args.kind)
        else:
            count = store.load_obo(path, kind=args.kind)
    except (OSError, ValueError) as exc:
        print(f"{path}: cannot be read as an ontology: {exc}", file=sys.stderr)
        return 2
    if args.dry_run:
        print(f"{path}: {count} terms read (not stored: --dry-run)")
        return 0
    stored = save_terms(store.all_terms())
    print(f"{path}: {stored} terms stored for the validator")
    return 0


def _biosamples_json(args: argparse.Namespace) -> int:
    """Print the BioSamples JSON each record of a file would be sent as (no AWS)."""
    from datetime import UTC, datetime

    from chalicelib.submit.builder import build

    result = _read(args.file, args.type)
    if result is None:
        return 2
    release = datetime.now(UTC).replace(microsecond=0)
    samples = []
    for record in result.records:
        built = build(record, accessions={}, release=release, facts_applied=False)
        for rel in built.unresolved:
            print(f"{record.material.value} {record.id}: '{rel.type.value}' {rel.target} is "
                  "sent once both records have accessions", file=sys.stderr)
        samples.append(built.sample)
    json.dump(samples, sys.stdout, indent=args.indent, ensure_ascii=False)
    sys.stdout.write("\n")
    return 0


def _pool_doc(args: argparse.Namespace) -> int:
    """Print the pool document(s) of BioSamples JSON records (no AWS)."""
    from chalicelib.harvest.dadis import load_dadis_export
    from chalicelib.harvest.transform import pool_documents

    try:
        raw = json.loads(Path(args.file).read_text(encoding="utf-8"))
    except (OSError, json.JSONDecodeError, UnicodeDecodeError) as exc:
        print(f"{args.file}: cannot be read as BioSamples JSON: {exc}", file=sys.stderr)
        return 2
    samples = raw if isinstance(raw, list) else [raw]
    if not all(isinstance(s, dict) for s in samples):
        print(f"{args.file}: expected a BioSamples record or an array of them",
              file=sys.stderr)
        return 2
    dadis = load_dadis_export(args.dadis) if args.dadis else None
    docs = list(pool_documents(samples, dadis=dadis))
    json.dump(docs if isinstance(raw, list) else (docs[0] if docs else None), sys.stdout,
              indent=args.indent, ensure_ascii=False)
    sys.stdout.write("\n")
    return 0


def _dadis_load(args: argparse.Namespace) -> int:
    """Store an operator's DAD-IS export so every harvest links breeds with it."""
    from chalicelib.harvest.dadis import parse_dadis_export
    from chalicelib.harvest.dadis_store import save_rows

    try:
        rows = parse_dadis_export(Path(args.file).read_text(encoding="utf-8-sig"),
                                  skip_lines=args.skip_lines)
    except (OSError, UnicodeDecodeError) as exc:
        print(f"{args.file}: cannot be read: {exc}", file=sys.stderr)
        return 2
    if not rows:
        print(f"{args.file}: no breed rows found (is it a DAD-IS export?)", file=sys.stderr)
        return 2
    print(f"{args.file}: {save_rows(rows)} breed links stored for the harvest")
    return 0


def _admin(args: argparse.Namespace) -> int:
    """Grant or revoke the operators' (site admin) role; never possible through the API."""
    from chalicelib.accounts import repository as accounts

    try:
        profile = accounts.set_site_admin(args.email, args.action == "grant")
    except LookupError as exc:
        print(str(exc), file=sys.stderr)
        return 2
    print(f"{profile.email}: site admin = {profile.site_admin}")
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

    validate = commands.add_parser(
        "validate", help="check a file against the IMAGE standard (exit 0 ok, 1 errors)",
        description="Read any file the parsers read, map free text to ontology terms where "
                    "certain, and check every record against the IMAGE ruleset. Exit 0 "
                    "without errors, 1 with errors, 2 if the file cannot be read.")
    validate.add_argument("file")
    validate.add_argument("--type", choices=["template", "crbanim", "cryoweb", "biosamples",
                                             "json"])
    validate.add_argument("--format", choices=["text", "json"], default="text")
    validate.add_argument("--ruleset", help="another ruleset JSON file (default: shipped)")
    validate.add_argument("--obo", action="append", default=[],
                          help="an OBO or OBO-JSON ontology to add to the seed terms "
                               "(repeatable)")
    validate.add_argument("--ols", metavar="URL",
                          help="ask the EBI OLS API (e.g. https://www.ebi.ac.uk/ols4/api) "
                               "about terms the store lacks (off by default)")
    validate.set_defaults(func=_validate)

    generate = commands.add_parser(
        "generate", help="write realistic demo/test files of any size",
        description="Animals with pedigrees, samples, breeds, countries, coordinates, and "
                    "a chosen share of deliberate mistakes; deterministic per seed.")
    generate.add_argument("out")
    generate.add_argument("--animals", type=int, default=100)
    generate.add_argument("--samples-per-animal", type=int, default=2)
    generate.add_argument("--format", choices=["template", "crbanim", "cryoweb",
                                               "biosamples"], default="template")
    generate.add_argument("--seed", type=int, default=1)
    generate.add_argument("--errors", type=float, default=0.0,
                          help="share of records with a deliberate mistake (0 to 1)")
    generate.set_defaults(func=_generate)

    ontology = commands.add_parser("ontology", help="ontology files for the validator")
    onto_commands = ontology.add_subparsers(dest="ontology_command", required=True)
    load = onto_commands.add_parser(
        "load", help="store an OBO / OBO-JSON file's terms (DynamoDB of the stage)")
    load.add_argument("file")
    load.add_argument("--kind", choices=["species", "breed", "country", "organism_part",
                                         "developmental_stage", "physiological_stage",
                                         "sex"])
    load.add_argument("--dry-run", action="store_true", help="read only, store nothing")
    load.set_defaults(func=_ontology_load)

    bsjson = commands.add_parser(
        "biosamples-json", help="print the BioSamples JSON each record of a file becomes")
    bsjson.add_argument("file")
    bsjson.add_argument("--type", choices=["template", "crbanim", "cryoweb", "biosamples",
                                           "json"])
    bsjson.add_argument("--indent", type=int, default=2)
    bsjson.set_defaults(func=_biosamples_json)

    pooldoc = commands.add_parser(
        "pool-doc", help="print the Common Data Pool document(s) of BioSamples JSON")
    pooldoc.add_argument("file")
    pooldoc.add_argument("--dadis", help="a DAD-IS export CSV to link breeds with")
    pooldoc.add_argument("--indent", type=int, default=2)
    pooldoc.set_defaults(func=_pool_doc)

    dadis = commands.add_parser("dadis", help="DAD-IS breed links for the pool")
    dadis_commands = dadis.add_subparsers(dest="dadis_command", required=True)
    dadis_load = dadis_commands.add_parser(
        "load", help="store a DAD-IS export CSV (DynamoDB of the stage) for every harvest")
    dadis_load.add_argument("file")
    dadis_load.add_argument("--skip-lines", type=int, default=2,
                            help="title lines before the header (DAD-IS exports have 2)")
    dadis_load.set_defaults(func=_dadis_load)

    admin = commands.add_parser("admin", help="grant or revoke the operators' role")
    admin.add_argument("action", choices=["grant", "revoke"])
    admin.add_argument("email")
    admin.set_defaults(func=_admin)

    settings = commands.add_parser("settings", help="print the resolved stage settings")
    settings.set_defaults(func=_settings)

    return parser


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    func: Command = args.func
    return func(args)


if __name__ == "__main__":
    sys.exit(main())
