"""The public portal, one story per page, against the real stack over a seeded pool."""

from __future__ import annotations

import csv
import io
import re
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import pytest
from playwright.sync_api import Page, expect

from tests.e2e.portal.conftest import artifact
from tests.e2e.portal.stack import RunningStack

pytestmark = pytest.mark.e2e


def count_of(page: Page) -> int:
    text = page.locator("#result-count strong").inner_text()
    return int(text.replace(",", ""))


def test_home_shows_live_figures(page: Page, stack: RunningStack) -> None:
    facts = stack.facts
    page.goto(stack.url)
    records = page.locator('[data-figure="Records"] .number')
    expect(records).to_have_text(f"{facts['count'] + facts['files']:,}")
    expect(page.locator('[data-figure="Animals"] .number')).to_have_text(f"{facts['animals']:,}")
    expect(page.locator('[data-figure="Samples"] .number')).to_have_text(f"{facts['specimens']:,}")
    expect(page.locator('[data-figure="Species"] .number')).to_have_text(str(len(facts["species"])))
    species = page.locator("#by-species tbody tr")
    expect(species).to_have_count(len(facts["species"]))
    expect(page.locator("#api-status")).to_contain_text("API ok")
    # The home search box leads to the search page with the words in the URL.
    page.get_by_label("Search the pool").fill("Limousin")
    page.get_by_role("button", name="Search").click()
    expect(page).to_have_url(re.compile(r"/search\?q=Limousin$"))


def test_search_facet_detail_download(page: Page, stack: RunningStack) -> None:
    page.goto(stack.url + "search?q=cattle")
    expect(page.locator("#result-count")).to_contain_text("for “cattle”")
    total = count_of(page)
    assert total > 0
    # A facet narrows the results and goes into the URL (so the search can be shared).
    france = page.locator('[data-facet="gene_bank_country"] label', has_text="France")
    expected = int(france.locator(".count").inner_text().replace(",", ""))
    france.locator("input").check()
    expect(page).to_have_url(re.compile(r"gene_bank_country=France"))
    expect(page.locator("#result-count strong")).to_have_text(f"{expected:,}")
    assert 0 < expected < total
    expect(page.locator(".chip", has_text="Gene bank country: France")).to_be_visible()
    # A second value of the same facet is still offered (OR within a facet).
    poland = page.locator('[data-facet="gene_bank_country"] label', has_text="Poland")
    expect(poland).to_be_visible()
    # Reloading the shared URL gives the same results.
    page.reload()
    expect(page.locator("#result-count strong")).to_have_text(f"{expected:,}")
    # Sorting by accession is reflected in the URL and the order.
    page.get_by_label("Sort by").select_option("id")
    expect(page).to_have_url(re.compile(r"sort=id"))
    expect(page.get_by_label("Sort by")).to_have_value("id")
    expect(page.locator(".result")).to_have_count(min(20, expected))
    ids = page.locator(".result").evaluate_all("els => els.map(e => e.dataset.id)")
    assert ids == sorted(ids) and len(ids) == min(20, expected)
    artifact(page, "search-facet")
    # Download every match as CSV: the file has one row per match.
    with page.expect_download() as info:
        page.locator('a[data-format="csv"]').click()
    body = Path(info.value.path()).read_text(encoding="utf-8")
    rows = list(csv.DictReader(io.StringIO(body)))
    assert len(rows) == expected
    assert {r["gene_bank_country"] for r in rows} == {"France"}
    assert all("cattle" in " ".join(r.values()).lower() for r in rows)
    # The first result's detail page.
    first = ids[0]
    page.locator(f'.result[data-id="{first}"] h3 a').click()
    expect(page).to_have_url(re.compile(f"/record/{first}$"))
    expect(page.locator("h1")).to_contain_text(first)
    expect(page.locator("#quality .status")).to_be_visible()
    expect(page.locator('#attributes dd[data-field="gene_bank_country"]')).to_contain_text(
        "France")
    expect(page.get_by_role("link", name=f"BioSamples: {first}")).to_have_attribute(
        "href", f"https://www.ebi.ac.uk/biosamples/samples/{first}")


def test_animal_detail_pedigree_samples_map_quality(page: Page, stack: RunningStack) -> None:
    animal = stack.facts["animal_with_parents"]
    page.goto(f"{stack.url}record/{animal}")
    expect(page.locator("#pedigree")).to_contain_text("Parents")
    parents = page.locator("#pedigree table").first.locator("tbody tr")
    expect(parents).to_have_count(2)
    expect(page.locator("#specimens tbody tr").first).to_be_visible()
    expect(page.locator("#record-map.leaflet-container")).to_be_visible()
    expect(page.locator("#record-map path.leaflet-interactive")).to_have_count(1)  # the point
    # Ontology terms link to OLS.
    species_term = page.locator('#attributes dd[data-field="species"] a')
    expect(species_term).to_have_attribute("href", re.compile(r"ols4/ontologies/ncbitaxon/"))
    # The quality verdict names the rules broken.
    expect(page.locator("#quality")).to_contain_text("rule")
    expect(page.locator("#access")).to_contain_text("Gene bank")
    expect(page.locator("#access")).to_contain_text("Contact people")
    # From the animal to one of its samples, and back.
    sample = page.locator("#specimens tbody tr a").first
    sample_id = sample.inner_text()
    sample.click()
    expect(page.locator("h1")).to_contain_text(f"Sample {sample_id}")
    expect(page.locator("#animal tbody a")).to_have_text(animal)


def test_sample_with_files(page: Page, stack: RunningStack) -> None:
    sample = stack.facts["specimen_with_files"]
    page.goto(f"{stack.url}record/{sample}")
    expect(page.locator("#files tbody tr")).to_have_count(2)
    expect(page.locator("#files tbody a").first).to_have_attribute("href", re.compile("^ftp://"))


def test_tables_columns_sort_page_and_download(page: Page, stack: RunningStack) -> None:
    page.goto(stack.url + "organisms")
    expect(page.locator("#result-count strong")).to_have_text(f"{stack.facts['animals']:,}")
    # Choose a column.
    page.get_by_role("button", name="Columns").click()
    page.locator("#columns-menu label", has_text="Mapped breed").locator("input").check()
    expect(page.locator("thead th", has_text="Mapped breed")).to_be_visible()
    assert "mapped_breed" in parse_qs(urlsplit(page.url).query)["cols"][0]
    # Sort by breed, descending on the second press.
    page.locator("thead th button", has_text="Breed").first.click()
    expect(page).to_have_url(re.compile(r"sort=supplied_breed"))
    page.locator("thead th button", has_text="Breed").first.click()
    expect(page).to_have_url(re.compile(r"sort=-supplied_breed"))
    expect(page.locator('thead th[aria-sort="descending"]')).to_have_count(1)
    # A facet filter, then page 2.
    page.locator('[data-facet="species"] label', has_text="Bos taurus").locator("input").check()
    expect(page.locator("#result-count strong")).to_have_text(
        f"{stack.facts['species_animals']['Bos taurus']:,}")
    page.get_by_role("button", name="Next →").click()
    expect(page).to_have_url(re.compile(r"page=2"))
    expect(page.locator(".pager span")).to_contain_text("page 2")
    with page.expect_download() as info:
        page.locator('a[data-format="tsv"]').click()
    lines = Path(info.value.path()).read_text(encoding="utf-8").strip().split("\n")
    assert len(lines) - 1 == stack.facts["species_animals"]["Bos taurus"]
    # The files table.
    page.goto(stack.url + "files")
    expect(page.locator("#result-count strong")).to_have_text(str(stack.facts["files"]))
    expect(page.locator("tbody tr")).to_have_count(stack.facts["files"])


def test_map_clusters_filter_and_box_selection(page: Page, stack: RunningStack) -> None:
    page.goto(stack.url + "map")
    status = page.locator("#map-status")
    expect(status).to_contain_text("clusters")  # 600 records: server-side clusters
    expect(page.locator("#pool-map .cluster-icon").first).to_be_visible()
    # Filter on a species: few enough to show the points themselves.
    cattle = stack.facts["species"]["Bos taurus"]
    page.get_by_label("Species").select_option("Bos taurus")
    page.get_by_role("button", name="Apply filters").click()
    expect(page).to_have_url(re.compile(r"species=Bos\+taurus"))
    expect(status).to_contain_text("each its own point")
    expect(page.locator("#pool-map")).to_have_attribute("data-count", str(cattle))
    # Select the visible area: every cattle record.
    page.get_by_role("button", name="Select the visible area").click()
    expect(page.locator("#selection-count strong")).to_have_text(str(cattle))
    # Draw a box around part of the map: fewer records, and the box goes into the URL.
    page.get_by_role("button", name="Draw a box").click()
    box = page.locator("#pool-map").bounding_box()
    assert box is not None
    page.mouse.move(box["x"] + box["width"] * 0.2, box["y"] + box["height"] * 0.2)
    page.mouse.down()
    page.mouse.move(box["x"] + box["width"] * 0.5, box["y"] + box["height"] * 0.6, steps=5)
    page.mouse.up()
    expect(page).to_have_url(re.compile(r"bbox="))
    selected = page.locator("#selection-count strong")
    expect(selected).not_to_have_text(str(cattle))
    assert 0 <= int(selected.inner_text()) < cattle
    # A circle works too.
    page.get_by_role("button", name="Draw a circle").click()
    page.mouse.move(box["x"] + box["width"] * 0.5, box["y"] + box["height"] * 0.5)
    page.mouse.down()
    page.mouse.move(box["x"] + box["width"] * 0.7, box["y"] + box["height"] * 0.5, steps=5)
    page.mouse.up()
    expect(page).to_have_url(re.compile(r"rad="))
    expect(page.locator("#selection-count")).to_contain_text("circle of")


def test_summary_charts_and_quality(page: Page, stack: RunningStack) -> None:
    page.goto(stack.url + "summary")
    expect(page.locator("#chart-species canvas")).to_be_visible()
    expect(page.locator(".chart-box canvas")).to_have_count(6)  # 4 + breeds + quality
    expect(page.locator("#quality-report")).to_contain_text("Fields with errors")
    page.get_by_label("Species", exact=True).select_option("Gallus gallus")
    expect(page.locator("#chart-breeds")).to_contain_text("Animals of Gallus gallus by breed")
    expect(page).to_have_url(re.compile(r"species=Gallus(%20|\+)gallus"))


def test_api_page_from_openapi(page: Page, stack: RunningStack) -> None:
    page.goto(stack.url + "api-docs")
    search = page.locator('details.op[data-path="/search"]')
    expect(search).to_be_visible()
    expect(page.locator('details.op[data-path="/backend/organism/"]')).to_be_visible()
    species = page.locator('details.op[data-path="/backend/species/"]')
    species.locator("summary").click()
    species.get_by_role("button", name="Try it").click()
    expect(species.locator(".try-output")).to_contain_text("Bos taurus")


def test_phone_layout_has_a_menu(browser, stack: RunningStack, problems) -> None:
    from tests.e2e.portal.conftest import open_page

    page = open_page(browser, problems, viewport={"width": 390, "height": 844})
    page.goto(stack.url + "organisms")
    nav = page.locator("#site-nav")
    expect(nav).to_be_hidden()
    page.get_by_role("button", name="Menu").click()
    expect(nav).to_be_visible()
    page.get_by_role("link", name="Map", exact=True).click()
    expect(page.locator("h1")).to_have_text("Map of the pool")
    expect(nav).to_be_hidden()
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= 390, f"the page scrolls sideways on a phone ({width}px)"
    artifact(page, "phone-map")
    page.context.close()
    assert not problems.unexpected(), problems.unexpected()
