"""ENA data files: fetched per sample from the portal stand-in, indexed, listed on specimens."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from typing import Any

import pytest
import requests

from chalicelib.harvest import synthetic
from chalicelib.harvest.ena import EnaClient
from chalicelib.search.port import Query
from devstack.ena import EnaStandIn, make_server
from tests.integration.harvest.conftest import N_RECORDS

pytestmark = pytest.mark.integration

SPECIMENS = [s["accession"] for s in synthetic.generate(N_RECORDS)
             if s["characteristics"]["material"][0]["text"] != "organism"]
ROWS = {
    "analysis": [{"analysis_accession": "ERZ000001", "sample_accession": SPECIMENS[0],
                  "study_accession": "PRJEB0001",
                  "submitted_ftp": "ftp.sra.ebi.ac.uk/vol1/ERZ000/a.vcf.gz;"
                                   "ftp.sra.ebi.ac.uk/vol1/ERZ000/a.vcf.gz.md5",
                  "submitted_bytes": "2048;32", "submitted_md5": "aa;bb"}],
    "read_run": [{"run_accession": "ERR000002", "sample_accession": SPECIMENS[1],
                  "study_accession": "PRJEB0002",
                  "fastq_ftp": "ftp.sra.ebi.ac.uk/vol1/fastq/r_1.fastq.gz;"
                               "ftp.sra.ebi.ac.uk/vol1/fastq/r_2.fastq.gz",
                  "fastq_bytes": "1073741824;1073741824", "fastq_md5": "cc;dd",
                  "submitted_ftp": "", "submitted_bytes": "", "submitted_md5": ""}],
}


@pytest.fixture
def ena() -> Iterator[tuple[str, EnaStandIn]]:
    app = EnaStandIn(ROWS)
    server = make_server("127.0.0.1", 0, app)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"{server.url}/ena/portal/api", app
    server.shutdown()
    server.server_close()


@pytest.mark.parametrize("fmt", ["json", "tsv"])
def test_client_reads_both_formats(ena: Any, fmt: str) -> None:
    url, _ = ena
    rows = EnaClient(url, fmt=fmt).search("read_run", [SPECIMENS[1], "SAMEA0"])
    assert [r["run_accession"] for r in rows] == ["ERR000002"]
    assert EnaClient(url, fmt=fmt).search("analysis", ["SAMEA0"]) == []
    assert requests.get(f"{url}/search", params={"result": "plant"},
                        timeout=5).status_code == 400


def test_files_are_indexed_and_listed_on_their_specimen(standin: Any, make_harvester: Any,
                                                        ena: Any) -> None:
    url, app = ena
    harvester, backend = make_harvester(standin, files=EnaClient(url, batch=10))
    assert harvester.full().status == "done"
    files = list(backend.iterate(Query(filters={"record_type": ("file",)})))
    assert sorted(f["file_name"] for f in files) == ["a.vcf.gz", "r_1.fastq.gz",
                                                    "r_2.fastq.gz"]
    vcf = next(f for f in files if f["file_name"] == "a.vcf.gz")
    assert vcf["file_url"] == "ftp://ftp.sra.ebi.ac.uk/vol1/ERZ000/a.vcf.gz"
    assert vcf["file_size"] == 2048 and vcf["file_size_human"] == "2.0KB"
    assert vcf["specimen"] == SPECIMENS[0] and vcf["study_accession"] == "PRJEB0001"
    assert backend.get(SPECIMENS[0])["files"] == ["ERZ000001/a.vcf.gz"]
    assert len(backend.get(SPECIMENS[1])["files"]) == 2
    assert backend.get(SPECIMENS[2])["files"] == []
    assert backend.count(Query(text="fastq", filters={"record_type": ("file",)})) == 2
    # one request per result type and batch of 10 specimens
    assert app.requests == 2 * -(-len(SPECIMENS) // 10)
