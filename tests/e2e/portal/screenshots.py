"""Commit-ready screenshots of every portal page, in docs/screenshots/ (PNG).

Run: ``.venv/bin/python -m tests.e2e.portal.screenshots`` (starts its own stack on free
ports over the seeded pool, signs a partner up through the API, uploads a workbook, then
photographs each page at desktop size, and the map at phone size).
"""

from __future__ import annotations

import json
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import requests
from playwright.sync_api import Page, sync_playwright

from chalicelib.ingest.generate import generate
from devstack.paths import REPO_ROOT
from tests.e2e.portal.conftest import BLANK_PNG, CHROMIUM
from tests.e2e.portal.stack import start

OUT = REPO_ROOT / "docs" / "screenshots"
EMAIL, PASSWORD = "screenshots@example.org", "Shots-Passw0rd!"


def partner(api: str, workdir: Path) -> dict[str, Any]:
    """A partner with a team and one validated submission; returns tokens and ids."""
    requests.post(api + "auth/signup", timeout=20, json={
        "email": EMAIL, "password": PASSWORD, "first_name": "Ada", "last_name": "Lovelace",
        "affiliation": "Example Gene Bank"}).raise_for_status()
    requests.post(api + "auth/confirm", timeout=20, json={"email": EMAIL, "code": "0"})
    tokens = requests.post(api + "auth/login", timeout=20,
                           json={"email": EMAIL, "password": PASSWORD}).json()
    auth = {"Authorization": f"Bearer {tokens['access_token']}"}
    team = requests.post(api + "teams", headers=auth, timeout=20,
                         json={"name": "Example Gene Bank", "country": "Italy"}).json()
    workbook = workdir / "example_template.xlsx"
    generate(animals=12, samples_per_animal=2, fmt="template", seed=7, out=workbook)
    created = requests.post(f"{api}teams/{team['team_id']}/submissions", headers=auth,
                            timeout=20, json={
        "title": "Example upload", "gene_bank_name": "Example Gene Bank",
        "gene_bank_country": "Italy", "data_source_type": "Template",
        "data_source_version": "1.0", "file_name": workbook.name,
        "description": "Semen and blood of the example herd",
        "people": [{"first_name": "Ada", "last_name": "Lovelace", "email": EMAIL,
                    "affiliation": "Example Gene Bank", "role": "submitter"}],
        "organizations": [{"name": "Example Gene Bank", "role": "submitter",
                           "country": "Italy"}]}).json()
    upload = created["upload"]
    with workbook.open("rb") as handle:
        requests.post(upload["url"], data=upload["fields"], timeout=60,
                      files={"file": (workbook.name, handle)}).raise_for_status()
    sub_url = f"{api}teams/{team['team_id']}/submissions/{created['submission_id']}"
    for _ in range(120):
        if requests.get(sub_url, headers=auth, timeout=20).json()["status"] in (
                "READY", "NEED_REVISION"):
            break
        time.sleep(0.5)
    return {"tokens": tokens, "team": team["team_id"], "sub": created["submission_id"]}


def shoot(page: Page, url: str, name: str, wait: str, full: bool = True) -> None:
    page.goto(url)
    page.locator(wait).first.wait_for(state="visible", timeout=60_000)
    page.wait_for_timeout(800)  # maps and charts settle
    page.screenshot(path=str(OUT / f"{name}.png"), full_page=full)
    print(f"docs/screenshots/{name}.png")


def main() -> int:
    OUT.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix="portal-shots-") as tmp:
        stack = start(Path(tmp) / "state", demo=False, records=600)
        try:
            url = stack.url
            setup = partner(url + "api/", Path(tmp))
            animal = stack.facts["animal_with_parents"]
            with sync_playwright() as p:
                browser = p.chromium.launch(executable_path=CHROMIUM, args=["--no-sandbox"])
                ctx = browser.new_context(viewport={"width": 1280, "height": 900})
                page = ctx.new_page()
                page.route("https://tile.openstreetmap.org/**", lambda route: route.fulfill(
                    status=200, content_type="image/png", body=BLANK_PNG))
                shoot(page, url, "home", "#figures")
                shoot(page, url + "search?q=cattle&gene_bank_country=France", "search", ".result")
                shoot(page, url + "organisms?species=Bos+taurus", "organisms", "tbody tr")
                shoot(page, url + "specimens", "specimens", "tbody tr")
                shoot(page, url + "files", "files", "tbody tr")
                shoot(page, f"{url}record/{animal}", "record-animal", "#pedigree table")
                shoot(page, f"{url}record/{stack.facts['specimen_with_files']}",
                      "record-sample", "#files table")
                shoot(page, url + "map?type=organism&bbox=2,44,12,53", "map", "#selection-count",
                      full=False)
                shoot(page, url + "summary", "summary", "#quality-report")
                shoot(page, url + "api-docs", "api", "details.op")
                shoot(page, url + "signup", "signup", "#signup-form")
                session = dict(setup["tokens"])
                page.evaluate("s => localStorage.setItem('imagepool.session', s)",
                              json.dumps(session))
                team, sub = setup["team"], setup["sub"]
                shoot(page, url + "workspace", "workspace", "[data-team] table")
                shoot(page, f"{url}workspace/teams/{team}", "team", "main table")
                shoot(page, f"{url}workspace/teams/{team}/submissions/new", "submission-new",
                      "#submission-form")
                shoot(page, f"{url}workspace/teams/{team}/submissions/{sub}", "submission",
                      "#problems", full=False)
                shoot(page, url + "workspace/notifications", "notifications", ".panel")
                phone = browser.new_context(viewport={"width": 390, "height": 844},
                                            device_scale_factor=2)
                mobile = phone.new_page()
                mobile.route("https://tile.openstreetmap.org/**", lambda route: route.fulfill(
                    status=200, content_type="image/png", body=BLANK_PNG))
                shoot(mobile, url + "record/" + animal, "phone-record", "#pedigree table",
                      full=False)
                browser.close()
        finally:
            stack.stop()
    return 0


if __name__ == "__main__":
    sys.exit(main())
