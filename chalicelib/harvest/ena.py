"""Data files of IMAGE samples from the ENA portal API.

Why: the old CDP found genotype files through EVA study names and a study-by-study ENA
query, never updated them and could not list them per sample reliably. Here files are
asked for by the samples themselves (``sample_accession``), for both ``result=analysis``
(e.g. VCFs) and ``result=read_run`` (FASTQ/BAM), and become ``file`` documents listed on
their specimen.

The portal API (https://www.ebi.ac.uk/ena/portal/api, documented in its Swagger page):
``GET|POST /search`` with ``result``, ``query`` (e.g. ``sample_accession="SAMEA1" OR
sample_accession="SAMEA2"``), ``fields`` (comma-separated), ``format`` (``json`` or
``tsv``) and ``limit`` (0 = all). Multi-file fields (``submitted_ftp``, ``fastq_ftp`` and
their ``_bytes``/``_md5``) hold ``;``-separated values; FTP paths come without a scheme.
An empty result may be an empty body (204, UNCERTAIN), ``[]`` or a header-only TSV; all
are read as "no files". Long queries go by POST (form-encoded), as the API allows.
"""

from __future__ import annotations

import csv
import io
import logging
from collections.abc import Sequence
from typing import Any

import requests

LOG = logging.getLogger(__name__)

#: result → (accession field, file field groups (url, bytes, md5))
RESULTS: dict[str, tuple[str, tuple[tuple[str, str, str], ...]]] = {
    "analysis": ("analysis_accession",
                 (("submitted_ftp", "submitted_bytes", "submitted_md5"),)),
    "read_run": ("run_accession",
                 (("fastq_ftp", "fastq_bytes", "fastq_md5"),
                  ("submitted_ftp", "submitted_bytes", "submitted_md5"))),
}


def fields_for(result: str) -> list[str]:
    """The fields asked for one result type."""
    accession, groups = RESULTS[result]
    return [accession, "sample_accession", "study_accession",
            *[f for group in groups for f in group]]


def human_size(size: float) -> str:
    """``1.5KB``-style sizes, as the old CDP showed them."""
    for unit in ("B", "KB", "MB", "GB", "TB"):
        if size < 1024 or unit == "TB":
            return f"{size:.0f}{unit}" if unit == "B" else f"{size:.1f}{unit}"
        size /= 1024
    return f"{size:.1f}TB"  # pragma: no cover


def parse_answer(text: str, fmt: str) -> list[dict[str, str]]:
    """Rows of a portal answer (JSON list or TSV with a header)."""
    text = text.strip()
    if not text:
        return []
    if fmt == "json":
        import json

        data = json.loads(text)
        return [{k: str(v or "") for k, v in row.items()} for row in data]
    return list(csv.DictReader(io.StringIO(text), delimiter="\t"))


def file_documents(rows: Sequence[dict[str, str]], result: str,
                   specimens: dict[str, dict[str, Any]]) -> list[dict[str, Any]]:
    """Pool ``file`` documents from portal rows (``.md5`` side files skipped)."""
    accession_field, groups = RESULTS[result]
    docs: dict[str, dict[str, Any]] = {}
    for row in rows:
        sample = row.get("sample_accession", "")
        if sample not in specimens:
            continue
        for url_f, bytes_f, md5_f in groups:
            urls = [u for u in (row.get(url_f) or "").split(";")]
            sizes = (row.get(bytes_f) or "").split(";")
            sums = (row.get(md5_f) or "").split(";")
            for i, url in enumerate(urls):
                if not url or url.endswith(".md5"):
                    continue
                name = url.rsplit("/", 1)[-1]
                acc = row.get(accession_field, "")
                doc_id = f"{acc}/{name}"
                try:
                    size = float(sizes[i]) if i < len(sizes) and sizes[i] else None
                except ValueError:
                    size = None
                doc: dict[str, Any] = {
                    "id": doc_id, "record_type": "file", "data_source_id": sample,
                    "specimen": sample, "file_name": name,
                    "file_url": url if "://" in url else f"ftp://{url}",
                    "file_checksum": sums[i] if i < len(sums) else "",
                    "file_checksum_method": "md5", "ena_accession": acc,
                    "ena_type": result, "study_accession": row.get("study_accession", ""),
                    "species": specimens[sample].get("species", ""),
                }
                if size is not None:
                    doc["file_size"] = size
                    doc["file_size_human"] = human_size(size)
                docs.setdefault(doc_id, doc)
    return list(docs.values())


class EnaClient:
    """A small ENA portal API client (one POST per result type and batch of samples)."""

    def __init__(self, base_url: str = "https://www.ebi.ac.uk/ena/portal/api", *,
                 session: requests.Session | None = None, timeout: float = 60.0,
                 fmt: str = "json", batch: int = 100) -> None:
        self.base_url = base_url.rstrip("/")
        self.session = session or requests.Session()
        self.timeout = timeout
        self.fmt = fmt
        self.batch = batch

    def search(self, result: str, accessions: Sequence[str]) -> list[dict[str, str]]:
        """Rows of ``result`` for some sample accessions."""
        query = " OR ".join(f'sample_accession="{a}"' for a in accessions)
        response = self.session.post(
            f"{self.base_url}/search", timeout=self.timeout,
            data={"result": result, "query": query, "fields": ",".join(fields_for(result)),
                  "format": self.fmt, "limit": "0"})
        if response.status_code == 204:
            return []
        response.raise_for_status()
        if "html" in response.headers.get("Content-Type", ""):
            raise ValueError(f"ENA answered with HTML for {result}")
        return parse_answer(response.text, self.fmt)

    def file_documents(self, specimens: Sequence[dict[str, Any]]) -> list[dict[str, Any]]:
        """Every data file of these specimen documents."""
        by_acc = {s["id"]: s for s in specimens}
        accs = sorted(by_acc)
        out: list[dict[str, Any]] = []
        for start in range(0, len(accs), self.batch):
            chunk = accs[start:start + self.batch]
            for result in RESULTS:
                out += file_documents(self.search(result, chunk), result, by_acc)
        return out
