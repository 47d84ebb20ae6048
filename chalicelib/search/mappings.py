"""The pool's document schema: one field registry both search backends derive from.

Why one registry: the OpenSearch mapping is ``dynamic: strict`` (a typo in a document
fails loudly instead of creating a stray field), and the embedded SQLite backend must
index, filter, facet and sort the very same fields the same way. Both read this table.

Kinds:

* ``keyword`` – strings (or lists of strings): exact filters, facets, sort, and words of
  the full-text field. OpenSearch maps them as plain ``keyword`` fields: every text query
  goes to ``all_text``, so a per-field analysed copy would only be indexing work (it cost
  a third of the engine's CPU per document).
* ``date`` – ISO dates (``YYYY-MM-DD``); ``number`` – floats; both filter by value or
  range and sort.
* ``geo`` – a ``{"lat", "lon"}`` point (the map's field).
* ``object`` – stored and returned, never indexed (``geom``, ``dadis``, messages).
"""

from __future__ import annotations

import hashlib
import json
import math
import unicodedata
from functools import lru_cache
from typing import Any

KEYWORD, DATE, NUMBER, GEO, OBJECT = "keyword", "date", "number", "geo", "object"

#: The geo_point field maps and distance filters use.
GEO_FIELD = "location"
#: The document id field (also the OpenSearch ``_id``).
ID_FIELD = "id"
#: The analysed catch-all field holding every searchable word of a document.
TEXT_FIELD = "all_text"
#: Web-mercator tile keys (``zoom/x/y``) of a document's location, one field per map zoom
#: (``geotile_0`` … ``geotile_18``, see :func:`tile_field`). Precomputed because the
#: OpenSearch build used in tests has no ``geo`` module (no ``geotile_grid``): a terms
#: aggregation over one zoom's field gives the same cells on any OpenSearch, and the
#: embedded backend computes the very same keys. One single-valued field per zoom rather
#: than one field holding every zoom's key: an aggregation then reads one value per
#: document and needs no include pattern over millions of keys (a cold clustered query
#: at 1,000,000 documents took 150 ms that way).
TILES_FIELD = "geotile"
#: Deepest zoom the map clustering serves.
MAX_CLUSTER_ZOOM = 18
MAX_MERCATOR_LAT = 85.05112878


def tile_field(zoom: int) -> str:
    """The field holding the tile keys of one zoom."""
    return f"{TILES_FIELD}_{zoom}"


TILE_FIELDS = tuple(tile_field(z) for z in range(MAX_CLUSTER_ZOOM + 1))

_KEYWORDS = (
    "id", "record_type", "data_source_id", "name", "common_name", "submission_id",
    "biosamples_url", "external_references", "ena_accessions", "tax_id", "dadis_url",
    "alternative_id", "project", "submission_title", "material", "material_ontology",
    "person_last_name", "person_email", "person_affiliation", "person_role",
    "person_role_ontology", "organization_name", "organization_role",
    "organization_role_ontology", "gene_bank_name", "gene_bank_country",
    "gene_bank_country_ontology", "data_source_type", "data_source_version", "species",
    "species_ontology", "etag", "submission_description", "person_first_name",
    "organization_address", "organization_country", "organization_country_ontology",
    "description", "person_initial", "organization_uri", "publication_doi", "supplied_breed",
    "efabis_breed_country", "sex", "sex_ontology", "birth_location_accuracy", "mapped_breed",
    "mapped_breed_ontology", "birth_date", "birth_date_unit", "birth_location",
    "birth_location_longitude", "birth_location_longitude_unit", "birth_location_latitude",
    "birth_location_latitude_unit", "child_of", "specimens", "children", "derived_from",
    "collection_place_accuracy", "organism_part", "organism_part_ontology",
    "specimen_collection_protocol", "collection_date", "collection_date_unit",
    "collection_place_latitude", "collection_place_latitude_unit",
    "collection_place_longitude", "collection_place_longitude_unit", "collection_place",
    "developmental_stage", "developmental_stage_ontology", "physiological_stage",
    "physiological_stage_ontology", "availability", "sample_storage",
    "sample_storage_processing", "animal_age_at_collection", "animal_age_at_collection_unit",
    "sampling_to_preparation_interval", "sampling_to_preparation_interval_unit", "files",
    "quality_status", "quality_errors", "quality_warnings", "quality_codes", "specimen",
    "file_name", "file_url", "file_size_human", "file_checksum", "file_checksum_method",
    "ena_accession", "ena_type", "study_accession",
)

FIELDS: dict[str, str] = {name: KEYWORD for name in _KEYWORDS}
FIELDS.update({
    "birth_date_value": DATE,
    "collection_date_value": DATE,
    "release_date": DATE,
    "update_date": DATE,
    "animal_age_at_collection_value": NUMBER,
    "sampling_to_preparation_interval_value": NUMBER,
    "file_size": NUMBER,
    GEO_FIELD: GEO,
    "geom": OBJECT,
    "dadis": OBJECT,
    "quality_messages": OBJECT,
})

#: Keyword fields whose value is a list in every document that has them (the others hold
#: one string). Doc values keep no such distinction, so reads that skip ``_source`` need it.
LIST_FIELDS = frozenset({
    "person_last_name", "person_email", "person_affiliation", "person_role",
    "person_role_ontology", "organization_name", "organization_role",
    "organization_role_ontology", "person_first_name", "organization_address",
    "organization_country", "organization_country_ontology", "person_initial",
    "organization_uri", "child_of", "specimens", "children", "files", "external_references",
    "ena_accessions", "quality_errors", "quality_warnings", "quality_codes",
})

#: The portal's facets: OpenSearch builds their global ordinals at refresh time, so the
#: first facet query after a refresh (an incremental harvest) does not pay for them. Kept
#: to low-cardinality fields: each refresh that changes the index rebuilds them.
EAGER_ORDINALS = frozenset({
    "record_type", "species", "supplied_breed", "sex", "efabis_breed_country",
    "gene_bank_name", "gene_bank_country", "organism_part", "availability", "quality_status",
})

#: The order documents are stored in (OpenSearch ``index.sort``): the pool's main filters,
#: coarsest first. Matches of a filter on them are then runs of neighbouring documents,
#: and their doc values are runs of one value, so filters intersect and facets count in
#: about half the CPU (text + 3 filters + 5 facets at 1,000,000: 23 → 12 ms per query,
#: measured; indexing cost no more).
INDEX_SORT = ("record_type", "species", "gene_bank_country")

#: Fields left out of the full-text field (hashes and bulky IRIs add only noise).
NOT_IN_TEXT = frozenset({"etag"})
TEXT_FIELDS = tuple(f for f, k in FIELDS.items() if k == KEYWORD and f not in NOT_IN_TEXT)
#: Fields that filters and sorts may name.
FILTERABLE = frozenset(f for f, k in FIELDS.items() if k in (KEYWORD, DATE, NUMBER))


def fold(text: str) -> str:
    """Lower-case and strip accents, identically for indexing and querying, so both
    backends match "Béarnaise" and "bearnaise" alike (the test OpenSearch node has no
    asciifolding filter, so this is done before text reaches either engine)."""
    if text.isascii():  # NFKD leaves ASCII alone and it has no combining marks
        return text.lower()
    decomposed = unicodedata.normalize("NFKD", text)
    if decomposed.isascii():
        return decomposed.lower()
    return "".join(c for c in decomposed if not unicodedata.combining(c)).lower()


def values_of(doc: dict[str, Any], name: str) -> list[Any]:
    """A field's values as a list, without blanks."""
    value = doc.get(name)
    if value is None or value == "":
        return []
    items = value if isinstance(value, list) else [value]
    return [v for v in items if v is not None and v != ""]


def full_text(doc: dict[str, Any]) -> str:
    """Every searchable word of a document, folded."""
    parts: list[str] = []
    for name in TEXT_FIELDS:
        value = doc.get(name)
        if value is None or value == "":
            continue
        if isinstance(value, list):
            parts.extend(str(v) for v in value if v is not None and v != "")
        else:
            parts.append(str(value))
    return fold(" ".join(parts))


def mercator(lat: float, lon: float) -> tuple[float, float]:
    """Web-mercator (x, y) in [0, 1), the grid of slippy-map tiles and geotile_grid."""
    lat = max(-MAX_MERCATOR_LAT, min(MAX_MERCATOR_LAT, lat))
    x = (lon + 180.0) / 360.0
    s = math.sin(math.radians(lat))
    y = 0.5 - math.log((1 + s) / (1 - s)) / (4 * math.pi)
    edge = 1.0 - 1e-12
    return min(max(x, 0.0), edge), min(max(y, 0.0), edge)


def tile_keys(lat: float, lon: float, max_zoom: int = MAX_CLUSTER_ZOOM) -> list[str]:
    """The ``zoom/x/y`` tile holding the point, at every zoom up to ``max_zoom``."""
    x, y = mercator(lat, lon)
    # the tile at zoom z is the deepest tile shifted right (exact: scaling by 2**z is)
    xi, yi = int(x * (1 << max_zoom)), int(y * (1 << max_zoom))
    return [f"{z}/{xi >> (max_zoom - z)}/{yi >> (max_zoom - z)}" for z in range(max_zoom + 1)]


def opensearch_mapping() -> dict[str, Any]:
    """The explicit, strict OpenSearch mapping of the pool documents."""
    props: dict[str, Any] = {}
    for name, kind in FIELDS.items():
        if kind == KEYWORD:
            props[name] = {"type": "keyword", "ignore_above": 2048}
            if name in EAGER_ORDINALS:
                props[name]["eager_global_ordinals"] = True
        elif kind == DATE:
            props[name] = {"type": "date", "format": "strict_date||strict_date_optional_time"}
        elif kind == NUMBER:
            props[name] = {"type": "double"}
        elif kind == GEO:
            props[name] = {"type": "geo_point"}
        else:
            props[name] = {"type": "object", "enabled": False}
    # term frequencies for relevance, no positions: queries are AND-ed words, never phrases
    props[TEXT_FIELD] = {"type": "text", "analyzer": "standard", "index_options": "freqs"}
    for name in TILE_FIELDS:  # only aggregated, never searched: doc values, no index
        props[name] = {"type": "keyword", "index": False}
    return {"dynamic": "strict", "date_detection": False, "numeric_detection": False,
            "_source": {"excludes": [TEXT_FIELD, f"{TILES_FIELD}_*"]}, "properties": props}


@lru_cache(maxsize=1)
def schema_version() -> str:
    """A hash of how documents are indexed (the mapping, the full-text fields, the order).

    An index built under another version cannot be updated in place (its fields are
    typed differently), so the harvester turns the next incremental run into a full one.
    """
    shape = {"mapping": opensearch_mapping(), "text": TEXT_FIELDS, "sort": INDEX_SORT}
    return hashlib.sha256(json.dumps(shape, sort_keys=True).encode()).hexdigest()[:12]
