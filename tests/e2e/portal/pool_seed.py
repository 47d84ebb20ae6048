"""A known public pool for the portal's browser tests and screenshots.

The local stack reads the pool from an embedded SQLite file (``SEARCH_PATH``). These
helpers fill such a file with synthetic IMAGE records (animals, their specimens, pedigree)
put through the real harvest transform (quality verdicts, DAD-IS links, reverse links),
plus a few ENA data files, so every public page has something to show.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from chalicelib.harvest.synthetic import generate
from chalicelib.harvest.transform import pool_documents
from chalicelib.search.mappings import DATE, FIELDS, NUMBER
from chalicelib.search.port import versioned_name
from chalicelib.search.sqlite_backend import SqliteBackend

ALIAS = "imagepool"
#: Markup that runs script, or at least shows itself, if a page ever parses a value as
#: HTML: a request for ``xss-probe.png``, an element of class ``xss-probe``, a global.
PAYLOAD = ('"\'><img src="/xss-probe.png" onerror="window.__xss=1">'
           '<svg onload="window.__xss=1"><b class="xss-probe">x</b></svg>')
#: What a link made from data would run.
HOSTILE_URL = "javascript:window.__xss=1//xss-probe"
#: Fields a page makes a link of (the rest get the payload after their value).
URL_FIELDS = frozenset({"biosamples_url", "dadis_url", "file_url", "external_references",
                        "organization_uri", "specimen_collection_protocol"})
#: Structure: ids and links between records, typed values, coordinates.
KEEP = frozenset({"id", "record_type", "derived_from", "child_of", "children", "specimens",
                  "files", "specimen", "data_source_id", "location", "geom"})


def hostile(value: Any, key: str = "") -> Any:
    """``value`` with the payload planted in every text it holds."""
    if isinstance(value, list):
        return [hostile(v, key) for v in value]
    if isinstance(value, dict):
        return {k: hostile(v, k) for k, v in value.items()}
    if not isinstance(value, str):
        return value
    if key in URL_FIELDS or key.endswith("_url"):
        return HOSTILE_URL
    return f"{value} {PAYLOAD}"


def hostile_document(doc: dict[str, Any]) -> dict[str, Any]:
    """A pool document with the payload in every text field (typed ones excepted)."""
    return {k: v if k in KEEP or FIELDS.get(k) in (DATE, NUMBER) else hostile(v, k)
            for k, v in doc.items()}


def file_documents(specimens: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Two ENA analysis files for each of the given specimens."""
    files = []
    for n, spec in enumerate(specimens):
        for i in range(2):
            name = f"{spec['id']}_{i}.vcf.gz"
            files.append({
                "id": f"ERZ9{n:03d}{i}/{name}", "record_type": "file",
                "data_source_id": spec["id"], "specimen": spec["id"], "file_name": name,
                "file_url": f"ftp://ftp.sra.ebi.ac.uk/vol1/ERZ9{n:03d}{i}/{name}",
                "file_size": 1536.0 * (i + 1) * (n + 1),
                "file_size_human": f"{1.5 * (i + 1) * (n + 1):.1f}KB",
                "file_checksum": f"{n * 10 + i:032x}", "file_checksum_method": "md5",
                "ena_accession": f"ERZ9{n:03d}{i}", "ena_type": "analysis",
                "study_accession": "PRJEB9000", "species": spec.get("species", "")})
    return files


def seed_pool(path: Path, records: int = 240, *, hostile_values: bool = False
              ) -> dict[str, Any]:
    """Write a pool of ``records`` synthetic records (and some files) to ``path``; with
    ``hostile_values``, :data:`PAYLOAD` is planted in every text field.

    Returns facts the tests check the pages against (ids of an animal with specimens
    and parents, species counts, a few records with coordinates).
    """
    docs = list(pool_documents(generate(records)))
    specimens = [d for d in docs if d["record_type"] == "specimen"]
    with_files = specimens[:5]
    files = file_documents(with_files)
    for spec in with_files:
        spec["files"] = [f["id"] for f in files if f["specimen"] == spec["id"]]
    if hostile_values:
        docs, files = [hostile_document(d) for d in docs], [hostile_document(f) for f in files]
    backend = SqliteBackend(path, alias=ALIAS)
    name = versioned_name(ALIAS)
    backend.create_index(name)
    backend.bulk_index(name, docs + files)
    backend.finish_loading(name)
    backend.swap_alias(name)
    backend.close()
    animals = [d for d in docs if d["record_type"] == "organism"]
    parented = next(d for d in animals if d.get("child_of") and d.get("specimens"))
    species: dict[str, int] = {}
    species_animals: dict[str, int] = {}
    for d in docs:
        species[d["species"]] = species.get(d["species"], 0) + 1
        if d["record_type"] == "organism":
            species_animals[d["species"]] = species_animals.get(d["species"], 0) + 1
    return {"count": len(docs), "animals": len(animals), "specimens": len(specimens),
            "files": len(files), "animal_with_parents": parented["id"],
            "specimen_with_files": with_files[0]["id"], "species": species,
            "species_animals": species_animals,
            "located": [(d["id"], d["location"]["lat"], d["location"]["lon"])
                        for d in docs if d.get("location")][:6]}
