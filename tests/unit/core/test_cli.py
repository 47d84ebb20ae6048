"""The offline CLI: no AWS, the documented exit codes and JSON shapes."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from devstack.paths import REPO_ROOT

DATA = Path(__file__).parents[2] / "data"


def cli(*args: str) -> subprocess.CompletedProcess[str]:
    env = {"PATH": "/usr/bin:/bin", "HOME": "/tmp"}  # no AWS anything
    return subprocess.run([sys.executable, "-m", "chalicelib.cli", *args], cwd=REPO_ROOT,
                          capture_output=True, text=True, env=env, timeout=120)


def test_help_lists_the_commands():
    out = cli("--help").stdout
    for command in ("parse", "validate", "generate", "ontology", "settings"):
        assert command in out


def test_parse_prints_records_and_reports_skipped_rows():
    done = cli("parse", str(DATA / "ingest" / "crbanim_test_data.csv"))
    assert done.returncode == 0, done.stderr
    doc = json.loads(done.stdout)
    assert [r["material"] for r in doc["records"]].count("organism") == 1
    assert len(doc["records"]) == 3 and len(doc["skipped"]) == 1
    assert "already in BioSamples" in done.stderr


def test_parse_refuses_an_unreadable_file(tmp_path):
    bad = tmp_path / "notes.csv"
    bad.write_text("just some text\n")
    done = cli("parse", str(bad))
    assert done.returncode == 2 and "notes.csv" in done.stderr and not done.stdout


def test_validate_json_shape_and_exit_codes(tmp_path):
    animal = DATA / "ingest" / "biosamples-SAMEA6376980.json"
    done = cli("validate", str(animal), "--format", "json")
    assert done.returncode == 0, done.stderr
    doc = json.loads(done.stdout)
    assert set(doc) >= {"ruleset", "summary", "records"}
    assert doc["summary"] == {"pass": 0, "warning": 1, "error": 0}
    [record] = doc["records"]
    assert set(record) == {"id", "material", "status", "messages"}

    erroneous = cli("validate", str(DATA / "ingest" / "cryoweb_test_data_only.sql"))
    assert erroneous.returncode == 1 and "missing_mandatory" in erroneous.stdout
    unreadable = tmp_path / "x.json"
    unreadable.write_text("{not json")
    assert cli("validate", str(unreadable)).returncode == 2


def test_validate_resolves_names_within_a_biosamples_file(tmp_path):
    animal = json.loads((DATA / "ingest" / "biosamples-SAMEA6376980.json").read_text())
    sample = json.loads((DATA / "ingest" / "biosamples-SAMEA6376982.json").read_text())
    for doc in (animal, sample):
        for key in ("accession", "_links", "releaseDate", "updateDate"):
            doc.pop(key, None)
    sample["relationships"] = [{"source": sample["name"], "type": "derived from",
                                "target": animal["name"]}]
    animal["relationships"] = []
    path = tmp_path / "before_submission.json"
    path.write_text(json.dumps([animal, sample]))
    doc = json.loads(cli("validate", str(path), "--format", "json").stdout)
    codes = {m["code"] for r in doc["records"] for m in r["messages"]}
    assert "unresolved_relationship" not in codes
    cattle = [{"text": "Bos taurus",
               "ontologyTerms": ["http://purl.obolibrary.org/obo/NCBITaxon_9913"]}]
    sample["characteristics"]["organism"] = cattle
    sample["characteristics"]["species"] = cattle
    sample["taxId"] = 9913
    path.write_text(json.dumps([animal, sample]))
    doc = json.loads(cli("validate", str(path), "--format", "json").stdout)
    codes = {m["code"] for r in doc["records"] for m in r["messages"]}
    assert "sample_species" in codes  # a cattle sample from a pig
    assert "taxon_mismatch" not in codes


@pytest.mark.parametrize("fmt", ["template", "crbanim", "cryoweb", "biosamples"])
def test_generate_then_parse_every_format(tmp_path, fmt):
    suffix = {"template": ".xlsx", "crbanim": ".csv", "cryoweb": ".sql",
              "biosamples": ".json"}[fmt]
    out = tmp_path / f"gen{suffix}"
    assert cli("generate", str(out), "--animals", "5", "--samples-per-animal", "2",
               "--format", fmt, "--seed", "3").returncode == 0
    done = cli("parse", str(out))
    assert done.returncode == 0, done.stderr
    records = json.loads(done.stdout)["records"]
    assert sum(r["material"] == "organism" for r in records) == 5
    assert len(records) == 15
    checked = cli("validate", str(out), "--format", "json")
    assert checked.returncode in (0, 1) and json.loads(checked.stdout)["records"]


def test_biosamples_json_shows_what_would_be_sent():
    done = cli("biosamples-json", str(DATA / "ingest" / "cryoweb_test_data_only.sql"))
    assert done.returncode == 0, done.stderr
    samples = json.loads(done.stdout)
    assert len(samples) == 4
    animal = samples[0]
    assert animal["release"].endswith("Z") and "T" in animal["release"]
    assert animal["characteristics"]["material"][0]["ontologyTerms"] == [
        "http://purl.obolibrary.org/obo/OBI_0100026"]
    assert all("relationships" not in s or not s["relationships"] for s in samples)
    assert "'child of' ANIMAL:::ID:::WF60/B0811 is sent once" in done.stderr


def test_pool_doc_builds_the_cdp_document_offline(tmp_path):
    done = cli("pool-doc", str(DATA / "ingest" / "biosamples-SAMEA6376980.json"))
    assert done.returncode == 0, done.stderr
    doc = json.loads(done.stdout)
    assert doc["data_source_id"] == "SAMEA6376980" and doc["material"] == "organism"
    bad = tmp_path / "x.json"
    bad.write_text("[1, 2]")
    assert cli("pool-doc", str(bad)).returncode == 2
