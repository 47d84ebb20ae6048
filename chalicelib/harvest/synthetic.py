"""Synthetic IMAGE BioSamples records for tests, demos and benchmarks.

Why: the harvester, the search backends and the API must be exercised at realistic
shapes and sizes (up to a million records) without touching EBI. Records follow the real
ones in ``/work/shared/examples/biosamples-*.json`` (characteristics, ontology IRIs,
relationships with incoming links left out, top-level ``update``). Deterministic: the
same arguments give the same records.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

OBO = "http://purl.obolibrary.org/obo/"
#: (scientific name, taxon, LBO general breed term, breeds, organism parts)
SPECIES = (
    ("Sus scrofa", "9823", ("pig breed", "LBO_0000003"),
     ("Cinta Senese", "Bunte Bentheimer", "Duroc", "Mangalica"), ("blood", "semen")),
    ("Bos taurus", "9913", ("cattle breed", "LBO_0000001"),
     ("Holstein Friesian", "Bearnaise", "Limousin", "Podolica"), ("semen", "blood")),
    ("Ovis aries", "9940", ("sheep breed", "LBO_0000004"),
     ("Lacaune", "Merino", "Sarda", "Schoonebeek heath"), ("semen", "blood")),
    ("Gallus gallus", "9031", ("chicken breed", "LBO_0000002"),
     ("White Leghorn", "Padovana"), ("semen", "blood")),
)
#: (country, NCIT term, latitude, longitude)
COUNTRIES = (
    ("Italy", "NCIT_C16761", 42.8, 12.6), ("France", "NCIT_C16592", 46.6, 2.4),
    ("Germany", "NCIT_C16636", 51.2, 10.4), ("Netherlands", "NCIT_C16903", 52.2, 5.3),
    ("Spain", "NCIT_C17152", 40.2, -3.7), ("Poland", "NCIT_C17181", 52.1, 19.4),
)
PARTS = {"blood": "UBERON_0000178", "semen": "UBERON_0001968"}
SEXES = (("male", "PATO_0000384"), ("female", "PATO_0000383"))


def _c(text: str, term: str | None = None, unit: str | None = None) -> list[dict[str, Any]]:
    item: dict[str, Any] = {"text": text}
    if term:
        item["ontologyTerms"] = [term if term.startswith("http") else OBO + term]
    if unit:
        item["unit"] = unit
    return [item]


def common_characteristics(species: str, taxon: str, country: str, country_term: str,
                           bank: str, local_id: str) -> dict[str, list[dict[str, Any]]]:
    """The IMAGE "standard" block every record carries."""
    return {
        "Alternative id": _c(local_id), "Data source ID": _c(local_id),
        "Data source type": _c("CryoWeb"), "Data source version": _c("2020-05-19"),
        "Gene bank country": _c(country, country_term), "Gene bank name": _c(bank),
        "IMAGE submission id": _c(bank.split()[-1]),
        "Organization address": _c("Via E. Bassini, 15, Milano"),
        "Organization country": _c(country, country_term),
        "Organization name": _c(bank), "Organization role": _c("submitter",
                                                                "http://www.ebi.ac.uk/efo/EFO_0001741"),
        "Organization uri": _c("http://www.example.org/"),
        "Person affiliation": _c(bank), "Person email": _c("mailto:curator@example.org"),
        "Person first name": _c("Robin"), "Person initial": _c("R"),
        "Person last name": _c("Garcia"),
        "Person role": _c("submitter", "http://www.ebi.ac.uk/efo/EFO_0001741"),
        "organism": _c(species, f"NCBITaxon_{taxon}"),
        "species": _c(species, f"NCBITaxon_{taxon}"),
        "project": _c("IMAGE"),
        "submission title": _c(f"{bank} collection"),
        "submission description": _c(f"Cryopreserved material of {bank}"),
    }


def organism(accession: str, *, species: int = 0, breed: int = 0, sex: int = 0,
             country: int = 0, lat: float | None = None, lon: float | None = None,
             birth: str = "2019-11-05", parents: tuple[str, ...] = (), bank: str = "Bank 1",
             update: str = "2020-01-15T15:04:44.041Z", description: str = "",
             local_id: str | None = None) -> dict[str, Any]:
    """One animal."""
    sci, taxon, (breed_label, breed_term), breeds, _ = SPECIES[species % len(SPECIES)]
    cname, cterm, _, _ = COUNTRIES[country % len(COUNTRIES)]
    chars = common_characteristics(sci, taxon, cname, cterm, bank, local_id or accession)
    sex_label, sex_term = SEXES[sex % 2]
    chars.update({
        "material": _c("organism", "OBI_0100026"),
        "Supplied breed": _c(breeds[breed % len(breeds)]),
        "EFABIS Breed country": _c(cname),
        "Mapped breed": _c(breed_label, breed_term),
        "Sex": _c(sex_label, sex_term),
        "Birth date": _c(birth, unit="YYYY-MM-DD"),
    })
    if description:
        chars["Description"] = _c(description)
    if lat is not None and lon is not None:
        chars.update({
            "Birth location accuracy": _c("precise coordinates"),
            "Birth location": _c(f"Farm near {cname}"),
            "Birth location latitude": _c(f"{lat:.6f}", unit="decimal degrees"),
            "Birth location longitude": _c(f"{lon:.6f}", unit="decimal degrees"),
        })
    else:
        chars["Birth location accuracy"] = _c("missing geographic information")
    return _sample(accession, "IMAGEA", chars, update,
                   [(accession, "child of", p) for p in parents], taxon)


def specimen(accession: str, animal: str, *, species: int = 0, part: str = "blood",
             country: int = 0, lat: float | None = None, lon: float | None = None,
             collected: str = "2020-03-01", age_days: int = 300, bank: str = "Bank 1",
             update: str = "2020-01-15T15:04:44.041Z",
             local_id: str | None = None) -> dict[str, Any]:
    """One sample derived from ``animal``."""
    sci, taxon, _, _, _ = SPECIES[species % len(SPECIES)]
    cname, cterm, _, _ = COUNTRIES[country % len(COUNTRIES)]
    chars = common_characteristics(sci, taxon, cname, cterm, bank, local_id or accession)
    chars.update({
        "material": _c("specimen from organism", "OBI_0001479"),
        "Derived from": _c(animal),
        "Organism part": _c(part, PARTS.get(part)),
        "Collection date": _c(collected, unit="YYYY-MM-DD"),
        "Animal age at collection": _c(str(age_days), unit="day"),
        "Availability": _c("mailto:curator@example.org"),
        "Sample storage": _c("frozen, liquid nitrogen"),
    })
    if lat is not None and lon is not None:
        chars.update({
            "Collection place accuracy": _c("precise coordinates"),
            "Collection place": _c(f"Station in {cname}"),
            "Collection place latitude": _c(f"{lat:.6f}", unit="decimal degrees"),
            "Collection place longitude": _c(f"{lon:.6f}", unit="decimal degrees"),
        })
    else:
        chars["Collection place accuracy"] = _c("missing geographic information")
    return _sample(accession, "IMAGES", chars, update,
                   [(accession, "derived from", animal)], taxon)


def _sample(accession: str, prefix: str, chars: dict[str, Any], update: str,
            rels: list[tuple[str, str, str]], taxon: str) -> dict[str, Any]:
    digits = "".join(ch for ch in accession if ch.isdigit())
    return {
        "name": f"{prefix}{int(digits or 0):09d}", "accession": accession,
        "release": "2020-01-14T00:00:00Z", "update": update, "create": update,
        "taxId": int(taxon), "characteristics": chars,
        "relationships": [{"source": s, "type": t, "target": g} for s, t, g in rels],
        "externalReferences": [], "submittedVia": "JSON_API",
    }


def generate(n: int, *, start: int = 1, update: str = "2020-01-15T15:04:44.041Z",
             specimen_share: int = 2) -> Iterator[dict[str, Any]]:
    """``n`` records: animals, and every ``specimen_share``-th record a specimen of the
    animal before it. Animals after the first two of a species have two parents."""
    last_animals: list[str] = []
    for i in range(start, start + n):
        acc = f"SAMEA{100_000_000 + i}"
        country = i % len(COUNTRIES)
        _, _, lat, lon = COUNTRIES[country]
        jitter = ((i * 7919) % 1000) / 1000.0 - 0.5
        if specimen_share and i % specimen_share == 0 and last_animals:
            yield specimen(acc, last_animals[-1], species=i % 4, country=country,
                           lat=lat + jitter, lon=lon - jitter, part=("blood", "semen")[i % 2],
                           update=update, age_days=100 + i % 900)
        else:
            parents = tuple(last_animals[-2:]) if len(last_animals) >= 2 and i % 3 == 0 else ()
            yield organism(acc, species=i % 4, breed=i // 4, sex=i % 2, country=country,
                           lat=lat + jitter, lon=lon + jitter, parents=parents, update=update,
                           birth=f"{2000 + i % 20}-{1 + i % 12:02d}-{1 + i % 28:02d}")
            last_animals = [*last_animals, acc][-4:]
