"""Stored XSS, tried the way an attacker would: markup that runs script is planted in every
text field (the public pool's records, a partner's profile, team, submission and IMAGE
Template), then every page and popup is visited in Chromium. The test fails if any script
runs (a dialog, a global set), if any of the markup was parsed at all (the probe image was
requested, a probe element or an ``on…`` attribute or ``javascript:`` link is in the page,
the Content-Security-Policy refused something: a console error) or if the values were not
shown, as text, at all.
"""

from __future__ import annotations

import json
import re
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import quote, urlsplit

import pytest
import requests
from playwright.sync_api import Browser, Page, expect

from chalicelib.ingest import parse_file
from chalicelib.ingest.export import to_template_xlsx
from chalicelib.ingest.generate import generate
from chalicelib.records import AttributeValue
from devstack.web import portal_security_headers
from tests.e2e.portal.conftest import Problems
from tests.e2e.portal.pool_seed import PAYLOAD
from tests.e2e.portal.stack import RunningStack, start

pytestmark = pytest.mark.e2e
PASSWORD = "Hostile-Passw0rd!"
EMAIL = "mallory@example.org"
#: Set before any page script: a global the payload would set, and the CSP's refusals.
WATCH = """
window.__xss = 0;
window.__csp = [];
document.addEventListener("securitypolicyviolation",
  (e) => window.__csp.push(`${e.violatedDirective} ${e.blockedURI}`));
"""
#: What the payload leaves in a page whose code parsed it as HTML.
PARSED = """() => {
  const attrs = (el) => [...el.attributes];
  const bad = [...document.querySelectorAll("*")].filter((el) => attrs(el).some((a) =>
    a.name.startsWith("on") || (["href", "src", "action", "formaction"].includes(a.name)
      && /^\\s*javascript:/i.test(a.value))));
  return { xss: window.__xss, csp: window.__csp,
    probes: document.querySelectorAll(".xss-probe, img[src*='xss-probe']").length,
    injected: bad.map((el) => el.outerHTML.slice(0, 160)) };
}"""


@pytest.fixture(scope="module")
def hostile_stack(tmp_path_factory: pytest.TempPathFactory) -> Iterator[RunningStack]:
    running = start(tmp_path_factory.mktemp("hostile-stack"), demo=False, records=60,
                    hostile=True)
    yield running
    running.stop()


class Watcher:
    """Everything on a page that says the payload was parsed or ran."""

    def __init__(self, page: Page) -> None:
        self.page = page
        self.found: list[str] = []
        page.add_init_script(WATCH)
        page.on("dialog", self._dialog)
        page.on("request", self._request)

    def _dialog(self, dialog: Any) -> None:
        self.found.append(f"a dialog opened on {self.page.url}: {dialog.message}")
        dialog.dismiss()

    def _request(self, request: Any) -> None:
        if urlsplit(request.url).path.endswith("/xss-probe.png"):  # the payload's <img>
            self.found.append(f"{self.page.url} requested {request.url}")

    def check(self, where: str, *, shows_values: bool = True) -> None:
        """Inspect the page as it is now; ``shows_values``: the payload must be on it as
        text (so the page did show the hostile data)."""
        self.page.wait_for_load_state("networkidle")
        state = self.page.evaluate(PARSED)
        if state["xss"]:
            self.found.append(f"{where}: script ran")
        if state["csp"]:
            self.found.append(f"{where}: the CSP refused {state['csp']}")
        if state["probes"]:
            self.found.append(f"{where}: {state['probes']} probe element(s) parsed")
        if state["injected"]:
            self.found.append(f"{where}: injected {state['injected'][:3]}")
        if shows_values and "xss-probe" not in self.page.locator("body").inner_text():
            self.found.append(f"{where}: the hostile values are not shown")


def open_details(page: Page) -> None:
    page.evaluate("() => document.querySelectorAll('details').forEach((d) => { d.open = true; })")


def test_the_portal_sends_its_content_security_policy(page: Page,
                                                      hostile_stack: RunningStack,
                                                      problems: Problems) -> None:
    """The policy of infra/resources.yaml, and inline script is refused by it."""
    problems.allow("Content Security Policy")
    answer = page.goto(hostile_stack.url)
    assert answer is not None
    expected = portal_security_headers(
        uploads_origin=f"http://127.0.0.1:{hostile_stack.moto_port}")
    for name, value in expected.items():
        assert answer.headers[name.lower()] == value, name
    assert "script-src 'self';" in expected["Content-Security-Policy"]
    ran = page.evaluate("""() => {
      const s = document.createElement("script");
      s.textContent = "window.__inline = 1";
      document.head.append(s);
      const img = document.createElement("div");
      img.innerHTML = '<img src="/nothing.png" onerror="window.__inline = 2">';
      document.body.append(img);
      return new Promise((ok) => setTimeout(() => ok(window.__inline || 0), 500));
    }""")
    assert ran == 0


def test_public_pages_and_popups_show_hostile_pool_values_as_text(
        page: Page, hostile_stack: RunningStack) -> None:
    facts = hostile_stack.facts
    url = hostile_stack.url
    watch = Watcher(page)
    pages = [("home", "", "#figures"), ("search", "search", ".result"),
             ("search for the payload", "search?q=xss-probe", ".result"),
             ("animals", "organisms", "main table"), ("samples", "specimens", "main table"),
             ("files", "files", "main table"),
             ("animal", f"record/{facts['animal_with_parents']}", "#pedigree table"),
             ("sample", f"record/{facts['specimen_with_files']}", "#files table"),
             ("summary", "summary", "#chart-breeds canvas"),
             ("map selection", "map?bbox=-180,-85,180,85", "#selection table"),
             ("a missing page", "nowhere%3Cimg%20src=x%20onerror=alert(1)%3E", "h1")]
    for name, path, ready in pages:
        page.goto(url + path)
        page.locator(ready).first.wait_for()
        open_details(page)
        watch.check(name, shows_values=name not in ("a missing page",))
    # Every kind of record's popup on the map, one point at a time.
    for record_id, lat, lon in facts["located"]:
        page.goto(f"{url}map?view={lat},{lon},16")
        point = page.locator("path.leaflet-interactive").first
        point.wait_for()
        point.click(force=True)
        popup = page.locator(".leaflet-popup-content")
        popup.wait_for()
        if "xss-probe" not in popup.inner_text():
            watch.found.append(f"the popup near {record_id} does not show the values")
        watch.check(f"map popup near {record_id}")
    # The record page's own small map and its tooltip.
    page.goto(f"{url}record/{facts['animal_with_parents']}")
    page.locator("#record-map path.leaflet-interactive").hover()
    expect(page.locator(".leaflet-tooltip")).to_be_visible()
    watch.check("record map tooltip")
    assert not watch.found, "\n".join(watch.found)


def hostile_template(path: Path) -> Path:
    """A generated IMAGE Template with the payload after every free-text value."""
    generate(animals=3, samples_per_animal=1, fmt="template", seed=11, out=path)
    records = parse_file(path).records
    structural = {"Data source ID", "Birth date", "Collection date"}
    for record in records:
        for name, values in record.attributes.items():
            if name in structural or "latitude" in name or "longitude" in name or \
                    name in ("Animal age at collection", "Sampling to preparation interval"):
                continue
            record.attributes[name] = [AttributeValue(f"{v.value} {PAYLOAD}", v.units, v.terms)
                                       for v in values]
    path.write_bytes(to_template_xlsx(records))
    return path


def api_call(session: requests.Session, method: str, url: str, **kwargs: Any) -> Any:
    answer = session.request(method, url, timeout=30, **kwargs)
    assert answer.status_code < 400, (method, url, answer.status_code, answer.text[:300])
    return answer.json() if answer.content else {}


def hostile_partner(stack: RunningStack, tmp_path: Path) -> dict[str, str]:
    """A partner whose every text is hostile: profile, organization, team, submission and
    its Template, pushed through the real pipeline until validated."""
    api = stack.url + "api/"
    session = requests.Session()
    text = f"Mallory {PAYLOAD}"
    short = '<img src="/xss-probe.png" onerror="window.__xss=1">'  # 100-character fields
    api_call(session, "POST", api + "auth/signup", json={
        "email": EMAIL, "password": PASSWORD, "first_name": text, "last_name": text,
        "initials": "M", "affiliation": text})
    api_call(session, "POST", api + "auth/confirm", json={"email": EMAIL, "code": "000000"})
    tokens = api_call(session, "POST", api + "auth/login",
                      json={"email": EMAIL, "password": PASSWORD})
    session.headers["Authorization"] = f"Bearer {tokens['access_token']}"
    org = api_call(session, "POST", api + "organizations", json={"name": text,
                                                                  "country": short})
    api_call(session, "PUT", api + "me", json={"organization": org["id"]})
    team = api_call(session, "POST", api + "teams", json={"name": text, "country": short})
    team_id = team["team_id"]
    workbook = hostile_template(tmp_path / "hostile.xlsx")
    person = {"first_name": text, "last_name": text, "email": EMAIL, "affiliation": text,
              "role": "submitter"}
    created = api_call(session, "POST", f"{api}teams/{team_id}/submissions", json={
        "title": text, "description": text, "gene_bank_name": text,
        "gene_bank_country": short, "data_source_type": "Template",
        "data_source_version": "1.0", "file_name": workbook.name, "people": [person],
        "organizations": [{"name": text, "role": "submitter", "country": short,
                           "address": text, "uri": "javascript:window.__xss=1"}]})
    upload = created["upload"]
    with workbook.open("rb") as handle:
        sent = requests.post(upload["url"], data=upload["fields"],
                             files={"file": (workbook.name, handle)}, timeout=60)
    assert sent.status_code < 300, sent.text[:300]
    sub_id = created["submission_id"]
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        state = api_call(session, "GET", f"{api}teams/{team_id}/submissions/{sub_id}")
        if state["status"] in ("READY", "NEED_REVISION", "ERROR"):
            break
        time.sleep(0.5)
    assert state["status"] == "NEED_REVISION", json.dumps(state)[:500]
    records = api_call(session, "GET", f"{api}teams/{team_id}/submissions/{sub_id}/records")
    return {"team": team_id, "submission": sub_id,
            "record": records["results"][0]["record_id"]}


def test_workspace_pages_show_a_hostile_partners_values_as_text(
        browser: Browser, page: Page, hostile_stack: RunningStack, tmp_path: Path) -> None:
    made = hostile_partner(hostile_stack, tmp_path)
    url = hostile_stack.url
    watch = Watcher(page)
    page.goto(url + "login")
    page.get_by_label("Email").fill(EMAIL)
    page.get_by_label("Password").fill(PASSWORD)
    page.locator("#login-form").get_by_role("button", name="Log in").click()
    expect(page).to_have_url(re.compile(r"/workspace$"))
    team, sub = quote(made["team"]), quote(made["submission"])
    pages = [("workspace", "workspace", "[data-team] table"),
             ("profile", "workspace/profile", "form"),
             ("notifications", "workspace/notifications", "[data-read]"),
             ("team", f"workspace/teams/{team}", "main table"),
             ("new submission", f"workspace/teams/{team}/submissions/new", "form"),
             ("submission", f"workspace/teams/{team}/submissions/{sub}", ".problem"),
             ("record edit", f"workspace/teams/{team}/submissions/{sub}/records/"
                             f"{quote(made['record'], safe='')}", "input.value"),
             ("submission by id", f"workspace/submissions/{sub}", "h1")]
    for name, path, ready in pages:
        page.goto(url + path)
        page.locator(ready).first.wait_for()
        open_details(page)
        # Form fields hold the values as their value, which inner_text does not show.
        holds_inputs = name in ("profile", "record edit")
        watch.check(name, shows_values=not holds_inputs and name != "new submission")
        if holds_inputs:
            values = page.locator("input").evaluate_all("els => els.map((e) => e.value)")
            assert any("xss-probe" in v for v in values), name
    page.goto(f"{url}workspace/teams/{team}/submissions/{sub}")
    page.locator("#records tbody tr").first.wait_for()
    page.locator("#records details").first.evaluate("d => { d.open = true; }")
    watch.check("submission records and messages")
    assert not watch.found, "\n".join(watch.found)
