"""The demo data ``make run`` pushes through the real pipeline, as a partner would.

A demo curator signs up, confirms, signs in, creates a team (gene bank) and one
submission per demo file through the API, and uploads each file with the presigned POST
the API returns: S3 → SQS → ingest → validation → notifications all run for real.
"""

from __future__ import annotations

import tempfile
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import requests

DEMO_DIR = Path(__file__).resolve().parent / "demo"
DEMO_EMAIL = "demo.curator@imagepool.example.org"
DEMO_PASSWORD = "Demo-Passw0rd!"
_KINDS = {".sql": "CryoWeb", ".csv": "CRB-Anim", ".xlsx": "Template"}


@dataclass(frozen=True)
class DemoResult:
    email: str
    password: str
    team_id: str
    submissions: list[str]


def _call(session: requests.Session, method: str, url: str, **kwargs: Any) -> Any:
    answer = session.request(method, url, timeout=30, **kwargs)
    if answer.status_code >= 400:
        raise RuntimeError(f"demo step {method} {url} failed: {answer.status_code} "
                           f"{answer.text[:300]}")
    return answer.json() if answer.content else {}


def demo_files(workdir: Path) -> list[Path]:
    """The real example files plus a generated IMAGE Template workbook."""
    from chalicelib.ingest.generate import generate

    files = sorted(p for p in DEMO_DIR.iterdir()
                   if p.is_file() and p.suffix in _KINDS)
    template = workdir / "generated_template.xlsx"
    generate(animals=12, samples_per_animal=2, fmt="template", seed=7, out=template)
    return [*files, template]


def push_demo(api: str) -> DemoResult:
    """Sign up the demo curator and upload every demo file; returns what was made."""
    session = requests.Session()
    _call(session, "POST", f"{api}auth/signup", json={
        "email": DEMO_EMAIL, "password": DEMO_PASSWORD, "first_name": "Demo",
        "last_name": "Curator", "initials": "DC", "affiliation": "IMAGE Pool demo",
        "role": "curator"})
    # The local Cognito (moto) sends no mail and accepts any code.
    _call(session, "POST", f"{api}auth/confirm", json={"email": DEMO_EMAIL, "code": "000000"})
    tokens = _call(session, "POST", f"{api}auth/login",
                   json={"email": DEMO_EMAIL, "password": DEMO_PASSWORD})
    session.headers["Authorization"] = f"Bearer {tokens['access_token']}"
    team = _call(session, "POST", f"{api}teams",
                 json={"name": "Demo Gene Bank", "country": "Italy"})
    team_id = team["team_id"]
    made = []
    with tempfile.TemporaryDirectory(prefix="imagepool-demo-") as tmp:
        for number, path in enumerate(demo_files(Path(tmp)), start=1):
            created = _call(session, "POST", f"{api}teams/{team_id}/submissions", json={
                "title": f"Demo {number}: {path.name}",
                "description": "Demo data pushed through the pipeline by make run",
                "gene_bank_name": "Demo Gene Bank", "gene_bank_country": "Italy",
                "data_source_type": _KINDS[path.suffix], "data_source_version": "1.0",
                "file_name": path.name,
                "people": [{"first_name": "Demo", "last_name": "Curator",
                            "email": DEMO_EMAIL, "affiliation": "IMAGE Pool demo",
                            "role": "submitter"}],
                "organizations": [{"name": "IMAGE Pool demo", "role": "submitter",
                                   "country": "Italy"}]})
            upload = created["upload"]
            with path.open("rb") as handle:
                answer = requests.post(upload["url"], data=upload["fields"],
                                       files={"file": (path.name, handle)}, timeout=60)
            if answer.status_code >= 300:
                raise RuntimeError(f"demo upload of {path.name} failed: "
                                   f"{answer.status_code} {answer.text[:300]}")
            made.append(created["submission_id"])
    # The team's Webin account: the local BioSamples knows Webin-12345 / demo-password.
    _call(session, "PUT", f"{api}teams/{team_id}/webin",
          json={"username": "Webin-12345", "password": "demo-password"})
    return DemoResult(DEMO_EMAIL, DEMO_PASSWORD, team_id, made)


def _wait(session: requests.Session, url: str, done: set[str], timeout: float = 120) -> Any:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        state = _call(session, "GET", url)
        if state["status"] in done:
            return state
        time.sleep(0.5)
    raise RuntimeError(f"demo: {url} did not reach {sorted(done)} in {timeout:.0f} s")


def fix_and_submit(api: str, result: DemoResult) -> dict[str, Any]:
    """The rest of the partner's story on the generated Template: wait for validation,
    "fix this" on the organism parts the standard does not know, submit to the local
    BioSamples and wait for the accessions."""
    session = requests.Session()
    tokens = _call(session, "POST", f"{api}auth/login",
                   json={"email": result.email, "password": result.password})
    session.headers["Authorization"] = f"Bearer {tokens['access_token']}"
    base = f"{api}teams/{result.team_id}/submissions/{result.submissions[-1]}"
    state = _wait(session, base, {"READY", "NEED_REVISION", "ERROR"})
    if state["status"] == "NEED_REVISION":
        for group in state["validation"]["problems"]:
            if group["level"] == "error" and group["field"] == "Organism part":
                records = _call(session, "GET", f"{base}/records?limit=1000")["results"]
                ids = [r["record_id"] for r in records if r["id"] in set(group["records"])
                       and r["material"] != "organism"]
                _call(session, "POST", f"{base}/fix", json={
                    "field": "Organism part", "value": "blood",
                    "terms": ["UBERON_0000178"], "record_ids": ids})
        time.sleep(1)
        state = _wait(session, base, {"READY", "NEED_REVISION"})
    if state["status"] != "READY":
        raise RuntimeError(f"demo: the Template submission is {state['status']}: "
                           f"{state['message']}")
    _call(session, "POST", f"{base}/submit")
    return dict(_wait(session, f"{base}/progress", {"COMPLETED", "ERROR"}, timeout=300))
