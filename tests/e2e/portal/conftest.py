"""Browser fixtures for the portal's tests: the local stack over a seeded pool, Debian's
chromium driven by Playwright, a page that fails the test on any console error and leaves
a screenshot in ``test-artifacts/portal/``."""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import (
    Browser,
    ConsoleMessage,
    Page,
    Playwright,
    Request,
    Route,
    sync_playwright,
)

from devstack.paths import REPO_ROOT
from tests.e2e.portal.stack import RunningStack, start

CHROMIUM = "/usr/bin/chromium"
ARTIFACTS = REPO_ROOT / "test-artifacts" / "portal"
#: A 1x1 transparent PNG: OpenStreetMap tiles are answered with it, so the tests never
#: depend on the internet and the bundled Natural Earth basemap shows through.
BLANK_PNG = bytes.fromhex(
    "89504e470d0a1a0a0000000d4948445200000001000000010806000000"
    "1f15c4890000000d49444154789c6360000002000001e221bc330000000049454e44ae426082")


@pytest.fixture(scope="session")
def stack(tmp_path_factory: pytest.TempPathFactory) -> Iterator[RunningStack]:
    """The whole system on free ports, over a pool of 600 synthetic records."""
    running = start(tmp_path_factory.mktemp("portal-stack"), demo=False, records=600)
    yield running
    running.stop()


@pytest.fixture(scope="session")
def playwright() -> Iterator[Playwright]:
    with sync_playwright() as p:
        yield p


@pytest.fixture(scope="session")
def browser(playwright: Playwright) -> Iterator[Browser]:
    browser = playwright.chromium.launch(executable_path=CHROMIUM, headless=True,
                                         args=["--no-sandbox", "--disable-dev-shm-usage"])
    yield browser
    browser.close()


@dataclass
class Problems:
    """Console errors and uncaught exceptions seen on a page."""

    errors: list[str] = field(default_factory=list)
    allowed: list[str] = field(default_factory=list)

    def allow(self, pattern: str) -> None:
        """Accept console errors matching ``pattern`` (e.g. an API the test expects to
        be missing)."""
        self.allowed.append(pattern)

    def unexpected(self) -> list[str]:
        return [e for e in self.errors if not any(re.search(p, e) for p in self.allowed)]


def fulfil_tile(route: Route) -> None:
    route.fulfill(status=200, content_type="image/png", body=BLANK_PNG)


def open_page(browser: Browser, problems: Problems, **context: Any) -> Page:
    ctx = browser.new_context(viewport=context.pop("viewport", {"width": 1280, "height": 900}),
                              accept_downloads=True, **context)
    ctx.set_default_timeout(15_000)
    page = ctx.new_page()
    page.route("https://tile.openstreetmap.org/**", fulfil_tile)

    def on_console(message: ConsoleMessage) -> None:
        if message.type == "error":
            where = message.location.get("url", "") if message.location else ""
            problems.errors.append(f"{message.text} ({where})")

    page.on("console", on_console)
    page.on("pageerror", lambda exc: problems.errors.append(f"uncaught: {exc}"))

    def on_failed(request: Request) -> None:
        # A request cut short by leaving the page (ERR_ABORTED) is not a fault.
        if "ERR_ABORTED" not in (request.failure or ""):
            problems.errors.append(f"request failed: {request.url} {request.failure}")

    page.on("requestfailed", on_failed)
    return page


@pytest.fixture
def problems() -> Problems:
    return Problems()


@pytest.fixture
def page(browser: Browser, problems: Problems, request: pytest.FixtureRequest) -> Iterator[Page]:
    """A fresh browser page; the test fails on any console error, and the page's last
    state is saved as a screenshot."""
    page = open_page(browser, problems)
    yield page
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    name = re.sub(r"[^\w-]+", "_", request.node.name)
    try:
        page.screenshot(path=str(ARTIFACTS / f"{name}.png"), full_page=True)
    finally:
        page.context.close()
    unexpected = problems.unexpected()
    assert not unexpected, "console errors on the page:\n" + "\n".join(unexpected)


def artifact(page: Page, name: str) -> Path:
    """Save a screenshot of the current state under test-artifacts/portal/."""
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    path = ARTIFACTS / f"{name}.png"
    page.screenshot(path=str(path), full_page=True)
    return path
