"""The partners' workspace in a browser: sign up, confirm, log in, create a team, invite,
create a submission and upload its file, follow its status, read the validation report,
fix a problem on many records at once, edit a record, export, submit to BioSamples."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
import requests
from playwright.sync_api import Page, expect

from chalicelib.ingest.generate import generate
from tests.e2e.portal.conftest import Problems, artifact
from tests.e2e.portal.stack import RunningStack

pytestmark = pytest.mark.e2e
PASSWORD = "Portal-Passw0rd!"
SLOW = 60_000  # the pipeline's steps: ingest, validation


def make_account(stack: RunningStack, email: str) -> None:
    api = stack.url + "api/"
    answer = requests.post(api + "auth/signup", timeout=20, json={
        "email": email, "password": PASSWORD, "first_name": "Second", "last_name": "Member",
        "affiliation": "Elsewhere"})
    assert answer.status_code == 201, answer.text
    requests.post(api + "auth/confirm", timeout=20, json={"email": email, "code": "000000"})


def submit_route_exists(stack: RunningStack) -> bool:
    """API Gateway answers unknown routes itself (403 with x-amzn-ErrorType)."""
    answer = requests.post(stack.url + "api/teams/t/submissions/s/submit", timeout=20)
    return not (answer.status_code == 403 and "x-amzn-ErrorType" in answer.headers)


def sign_up_and_log_in(page: Page, stack: RunningStack, email: str) -> None:
    page.goto(stack.url)
    page.get_by_role("link", name="Sign up").click()
    form = page.locator("#signup-form")
    form.get_by_label("First name").fill("Ada")
    form.get_by_label("Last name").fill("Portal")
    form.get_by_label("Email").fill(email)
    form.get_by_label("Password").fill(PASSWORD)
    form.get_by_label("Affiliation").fill("Test Gene Bank")
    form.get_by_role("button", name="Create my account").click()
    expect(page).to_have_url(re.compile(r"/confirm\?email="))
    expect(page.locator(".notice.ok")).to_contain_text(email)
    page.get_by_label("Confirmation code").fill("000000")  # the local user pool takes any
    page.get_by_role("button", name="Confirm").click()
    expect(page).to_have_url(re.compile(r"/login\?confirmed=1"))
    page.get_by_label("Password").fill(PASSWORD)
    page.locator("#login-form").get_by_role("button", name="Log in").click()
    expect(page).to_have_url(re.compile(r"/workspace$"))
    expect(page.locator("#account-nav")).to_contain_text("Ada")


def test_partner_story(page: Page, stack: RunningStack, problems: Problems,
                       tmp_path: Path) -> None:
    email = "ada.portal@example.org"
    sign_up_and_log_in(page, stack, email)

    # A team, and a colleague added to it.
    page.locator("#team-form").get_by_label("Name").fill("Portal Gene Bank")
    page.locator("#team-form").get_by_label("Country").fill("Italy")
    page.get_by_role("button", name="Create the team").click()
    expect(page.locator("h1")).to_contain_text("Portal Gene Bank")
    make_account(stack, "second.member@example.org")
    invite = page.locator("#invite-form")
    invite.get_by_label("Email of a person with an account").fill("second.member@example.org")
    invite.get_by_role("button", name="Add to the team").click()
    expect(page.locator("main table").first).to_contain_text("second.member@example.org")
    page.locator("#webin-form").get_by_label("Webin user name").fill("Webin-12345")
    # The account the local BioSamples knows.
    page.locator("#webin-form").get_by_label("Password").fill("demo-password")
    page.get_by_role("button", name="Save the Webin account").click()
    expect(page.locator(".notice.ok", has_text="Webin-12345")).to_be_visible()
    artifact(page, "team")

    # A submission and its file, with a progress bar.
    page.get_by_role("link", name="New submission").first.click()
    workbook = tmp_path / "portal_template.xlsx"
    generate(animals=12, samples_per_animal=2, fmt="template", seed=7, out=workbook)
    form = page.locator("#submission-form")
    form.get_by_label("Title").fill("Portal upload")
    form.get_by_label("Data source version").fill("1.0")
    form.get_by_label("Description").fill("Semen and blood of the portal's test herd")
    form.get_by_label("First name").fill("Ada")
    form.get_by_label("Last name").fill("Portal")
    form.get_by_label("Email").fill(email)
    form.get_by_label("Organization").fill("Portal Gene Bank")
    form.get_by_label("File").set_input_files(str(workbook))
    expect(form.get_by_label("Data source type")).to_have_value("Template")
    form.get_by_role("button", name="Create and upload").click()
    expect(page).to_have_url(re.compile(r"/submissions/sub-[^/?]+\?uploaded=1"))

    # Live status until validated: the workbook has records with errors.
    status = page.locator("#submission-status")
    expect(status).to_have_text("NEED REVISION", timeout=SLOW)
    expect(page.locator("#status-message")).to_contain_text("with errors")
    expect(page.locator("#action-message")).not_to_contain_text("being read")  # not stale
    errors = page.locator('#validation-summary [data-level="error"] .number')
    expect(errors).not_to_have_text("0")
    problem = page.locator('.problem[data-code="missing_term"][data-field="Organism part"]')
    expect(problem).to_contain_text("4 records")
    rows = page.locator("#records tbody tr")
    expect(page.locator("#records-count")).to_have_text("36 record(s).")
    expect(rows).to_have_count(25)  # a page of 25, then the pager
    records_pager = page.get_by_role("navigation", name="Records pages")
    expect(records_pager).to_contain_text("1–25 of 36")
    records_pager.get_by_role("button", name="Next →").click()
    expect(rows).to_have_count(11)
    last_id = page.locator("#records tbody a").last.inner_text()
    page.get_by_label("Find records by id or accession").fill(last_id)
    expect(page.locator("#records-count")).to_contain_text(f"matching “{last_id}”")
    expect(page.locator("#records tbody a").first).to_have_text(last_id)
    page.get_by_label("Find records by id or accession").fill("")
    page.get_by_label("Records per page").select_option("100")
    expect(rows).to_have_count(36)
    expect(records_pager).to_have_count(0)
    artifact(page, "validation-report")

    # The problem's records, then "fix this" on all of them at once.
    problem.get_by_role("button", name="Show the records").click()
    expect(page.locator("#records tbody tr")).to_have_count(4)
    problem.get_by_role("button", name="Fix this").click()
    problem.get_by_label("New value of Organism part").fill("blood")
    problem.get_by_role("button", name="Apply").click()
    expect(problem.locator(".notice.ok")).to_contain_text("4 records updated")
    expect(status).to_have_text("READY", timeout=SLOW)
    expect(errors).to_have_text("0")
    expect(page.locator('.problem[data-code="missing_term"]')).to_have_count(0)

    # Every record again, then edit one.
    page.get_by_role("button", name="Show every record").click()
    expect(page.locator("#records tbody tr")).to_have_count(36)
    page.locator("#records tbody a").first.click()
    expect(page.locator("h1")).to_contain_text("Animal")
    description = page.get_by_label("Description", exact=True)
    description.fill("edited in the portal")
    page.get_by_role("button", name="Save").click()
    expect(page.locator("#form-message .notice.ok")).to_contain_text("Description")
    page.get_by_role("link", name="← Back to the submission").click()
    expect(status).to_have_text("READY", timeout=SLOW)

    # Export the submission as JSON.
    with page.expect_download() as info:
        page.get_by_role("button", name="Export JSON").click()
    exported = json.loads(Path(info.value.path()).read_text(encoding="utf-8"))
    assert "edited in the portal" in json.dumps(exported)

    # Submit to BioSamples and see the accessions (once the submit API exists).
    if submit_route_exists(stack):
        page.get_by_role("button", name="Submit to BioSamples").click()
        expect(status).to_have_text("COMPLETED", timeout=SLOW)
        expect(page.locator("#accessions")).to_contain_text("accession")
        expect(page.locator("#records a.accession").first).to_have_text(re.compile(r"^SAM"))
    else:
        problems.allow(r"403 \(Forbidden\).*/submit")
        page.get_by_role("button", name="Submit to BioSamples").click()
        expect(page.locator("#action-message .notice")).to_contain_text(
            "not available on this server yet")
    artifact(page, "submission-after-submit")

    # History and notifications.
    page.get_by_role("link", name="Workspace", exact=True).first.click()
    expect(page.locator('[data-team] table')).to_contain_text("Portal upload")
    page.get_by_role("link", name=re.compile("^Notifications")).click()
    expect(page.locator("main")).to_contain_text("Validation finished")
    unread = page.locator('[data-read="false"]')
    before = unread.count()
    assert before > 0
    unread.first.get_by_role("button", name="Mark as read").click()
    expect(unread).to_have_count(before - 1)

    # The empty template, then log out.
    page.get_by_role("link", name="Workspace", exact=True).first.click()
    with page.expect_download() as info:
        page.locator("#template-link").click()
    assert Path(info.value.path()).read_bytes()[:2] == b"PK"  # an xlsx is a zip
    page.get_by_role("button", name="Log out").click()
    expect(page.locator("#account-nav")).to_contain_text("Log in")
    page.goto(stack.url + "workspace")
    expect(page).to_have_url(re.compile(r"/login\?next=%2Fworkspace"))


def test_wrong_password_is_explained(page: Page, stack: RunningStack,
                                    problems: Problems) -> None:
    problems.allow(r"status of 40[0-9].*/api/auth/login")  # the API's refusal itself
    page.goto(stack.url + "login")
    page.get_by_label("Email").fill("nobody@example.org")
    page.get_by_label("Password").fill("Wrong-Passw0rd!")
    page.locator("#login-form").get_by_role("button", name="Log in").click()
    expect(page.locator("#form-message .notice.error")).to_be_visible()
    expect(page).to_have_url(re.compile(r"/login$"))
