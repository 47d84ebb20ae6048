"""Generate realistic upload files (all formats) for benchmarks, demos and load tests.

Files are streamed row by row (CryoWeb sections go to temporary files that are joined in
pg_dump's table order; the xlsx is written by openpyxl's write-only mode), so memory stays
flat whatever the size. The same seed always gives the same file. ``error_share`` of the
records carry one deliberate, realistic mistake (bad date, unknown parent or breed, sample
of a missing animal, bad sex code, unmapped storage temperature, duplicate id).
"""

from __future__ import annotations

import csv
import json
import random
import shutil
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TextIO

from chalicelib.ingest.crbanim import MANDATORY

#: species: (CryoWeb code, latin name, NCBI taxon, breeds, organism parts)
SPECIES: tuple[tuple[str, str, str, tuple[str, ...], tuple[str, ...]], ...] = (
    ("Cattle", "Bos taurus", "9913",
     ("Holstein Friesian", "Aberdeen Angus", "Limousin", "Podolica", "Rotes Hoehenvieh"),
     ("semen", "blood", "embryo")),
    ("Sheep", "Ovis aries", "9940",
     ("Ostfriesisches Milchschaf", "Lacaune", "Merino", "Sarda"), ("semen", "blood")),
    ("Pig", "Sus scrofa", "9823",
     ("Cinta Senese", "Bunte Bentheimer", "Duroc", "Mangalica"), ("semen", "blood", "hair")),
    ("Goat", "Capra hircus", "9925", ("Saanen", "Alpine", "Girgentana"), ("semen", "blood")),
    ("Horse", "Equus caballus", "9796", ("Haflinger", "Camargue"), ("semen", "blood")),
    ("Chicken", "Gallus gallus", "9031", ("White Leghorn", "Padovana"),
     ("semen", "blood", "feather")),
)
COUNTRIES: tuple[tuple[str, str, float, float], ...] = (
    ("DE", "Germany", 51.2, 10.4), ("FR", "France", 46.6, 2.4), ("IT", "Italy", 42.8, 12.6),
    ("NL", "Netherlands", 52.2, 5.3), ("ES", "Spain", 40.2, -3.7), ("PL", "Poland", 52.1, 19.4),
    ("HU", "Hungary", 47.2, 19.5), ("PT", "Portugal", 39.6, -8.0),
)
STORAGE = (("-196°C", "frozen, liquid nitrogen"), ("-80°C", "frozen, -80 degrees Celsius freezer"),
           ("-20°C", "frozen, -20 degrees Celsius freezer"))
MISTAKES = ("date", "parent", "breed", "animal", "sex", "storage", "duplicate")


@dataclass(slots=True)
class Animal:
    index: int
    id: str
    species: int
    breed: int
    country: int
    male: bool
    birth: str
    lat: float
    lon: float
    sire: str | None
    dam: str | None
    mistake: str | None


@dataclass(slots=True)
class Sample:
    index: int
    id: str
    animal: Animal
    part: str
    date: str
    storage: int
    mistake: str | None


@dataclass
class _World:
    """The random stream of animals and samples, pedigrees included (bounded memory)."""

    animals: int
    per_animal: int
    seed: int
    error_share: float
    rng: random.Random = field(init=False)
    _parents: dict[tuple[int, int, bool], list[str]] = field(default_factory=dict)

    def __post_init__(self) -> None:
        self.rng = random.Random(self.seed)

    def mistake(self) -> str | None:
        if self.error_share and self.rng.random() < self.error_share:
            return self.rng.choice(MISTAKES)
        return None

    def stream(self, prefix: str) -> Iterator[tuple[Animal, list[Sample]]]:
        rng = self.rng
        sample_no = 0
        for i in range(self.animals):
            sp = rng.randrange(len(SPECIES))
            br = rng.randrange(len(SPECIES[sp][3]))
            country = rng.randrange(len(COUNTRIES))
            male = rng.random() < 0.5
            pool_m = self._parents.setdefault((sp, br, True), [])
            pool_f = self._parents.setdefault((sp, br, False), [])
            sire = rng.choice(pool_m) if pool_m and rng.random() < 0.7 else None
            dam = rng.choice(pool_f) if pool_f and rng.random() < 0.7 else None
            year = rng.randrange(1985, 2022)
            _, _, lat, lon = COUNTRIES[country]
            animal = Animal(
                index=i, id=f"{prefix}{i:07d}", species=sp, breed=br, country=country,
                male=male, birth=f"{year}-{rng.randrange(1, 13):02d}-{rng.randrange(1, 29):02d}",
                lat=round(lat + rng.uniform(-1.5, 1.5), 5),
                lon=round(lon + rng.uniform(-1.5, 1.5), 5), sire=sire, dam=dam,
                mistake=self.mistake())
            pool = pool_m if male else pool_f
            pool.append(animal.id)
            if len(pool) > 64:
                pool.pop(rng.randrange(len(pool)))
            samples = []
            for _ in range(self.per_animal):
                parts = SPECIES[sp][4] if male else tuple(p for p in SPECIES[sp][4]
                                                          if p != "semen")
                samples.append(Sample(
                    index=sample_no, id=f"S{sample_no:08d}", animal=animal,
                    part=rng.choice(parts),
                    date=f"{min(year + rng.randrange(1, 6), 2024)}-"
                         f"{rng.randrange(1, 13):02d}-{rng.randrange(1, 29):02d}",
                    storage=rng.randrange(len(STORAGE)), mistake=self.mistake()))
                sample_no += 1
            yield animal, samples


def generate(animals: int, samples_per_animal: int, fmt: str, seed: int, out: Path,
             error_share: float = 0.0) -> None:
    """Write ``animals`` animals with ``samples_per_animal`` samples each as ``fmt``
    (template, crbanim, cryoweb, biosamples) to ``out``."""
    world = _World(animals, samples_per_animal, seed, error_share)
    out = Path(out)
    writers = {"cryoweb": _cryoweb, "template": _template, "crbanim": _crbanim,
               "biosamples": _biosamples}
    if fmt not in writers:
        raise ValueError(f"unknown format {fmt!r}: choose one of {', '.join(writers)}")
    writers[fmt](world, out)


# -- CryoWeb -------------------------------------------------------------------------------
def _sql(value: Any) -> str:
    if value is None:
        return "NULL"
    if isinstance(value, int | float):
        return repr(value)
    return "'" + str(value).replace("'", "''") + "'"


def _insert(fh: TextIO, table: str, columns: tuple[str, ...], values: tuple[Any, ...]) -> None:
    fh.write(f"INSERT INTO {table} ({', '.join(columns)}) VALUES "
             f"({', '.join(_sql(v) for v in values)});\n")


def _cryoweb(world: _World, out: Path) -> None:
    codes: list[tuple[str, str, int]] = [("m", "SEX", 1), ("f", "SEX", 2)]
    species_code = {}
    breed_code: dict[tuple[int, int], int] = {}
    material_code: dict[str, int] = {}
    next_code = 100
    for s, (name, _, _, breeds, species_parts) in enumerate(SPECIES):
        species_code[s] = next_code
        codes.append((name, "SPECIES", next_code))
        next_code += 1
        for b, breed_name in enumerate(breeds):
            breed_code[(s, b)] = next_code
            codes.append((breed_name[:20], "BREED", next_code))
            next_code += 1
        for part in species_parts:
            if part not in material_code:
                material_code[part] = next_code
                codes.append((part.capitalize(), "CRYO_TYPE", next_code))
                next_code += 1
    code_cols = ("ext_code", "class", "db_code", "short_name", "long_name", "opening_dt",
                 "owner", "version")
    animal_cols = ("db_animal", "db_sire", "db_dam", "db_sex", "db_breed", "db_species",
                   "birth_dt", "birth_year", "latitude", "longitude", "image_id", "db_org",
                   "last_change_dt", "last_change_user", "guid", "owner", "version", "comment")
    transfer_cols = ("db_animal", "ext_animal", "db_unit", "id_set", "opening_dt",
                     "closing_dt", "last_change_dt", "last_change_user", "guid", "owner",
                     "version")
    vessel_cols = ("db_vessel", "ext_vessel", "db_animal", "protocol_id", "production_dt",
                   "freezing_dt", "db_vessel_type", "comment", "guid", "last_change_dt",
                   "last_change_user", "owner", "version")
    db_of: dict[str, int] = {}
    with tempfile.TemporaryDirectory(dir=out.parent) as tmp:
        parts = {name: open(Path(tmp) / name, "w", encoding="utf-8")  # noqa: SIM115
                 for name in ("animal", "transfer", "vessels")}
        try:
            for animal, samples in world.stream("DE"):
                db = 1000 + animal.index
                db_of[animal.id] = db
                sex = 1 if animal.male else 2
                sire = db_of.get(animal.sire) if animal.sire else None
                dam = db_of.get(animal.dam) if animal.dam else None
                if animal.mistake == "parent":
                    sire = 999_999_999
                if animal.mistake == "sex":
                    sex = 3  # a code that is no sex
                birth: str | None = animal.birth
                if animal.mistake == "date":
                    birth = None
                breed = breed_code[(animal.species, animal.breed)]
                if animal.mistake == "breed":
                    breed = 99
                _insert(parts["animal"], "animal", animal_cols, (
                    db, sire, dam, sex, breed, species_code[animal.species], birth, None,
                    animal.lat, animal.lon, None, 1, "2019-01-01 10:00:00", "gen", db,
                    "Germany", 1, f"generated animal {animal.index}"))
                ext = animal.id + ("'s" if animal.index % 997 == 0 else "")
                _insert(parts["transfer"], "transfer", transfer_cols, (
                    db, ext, 1, None, "2019-01-01", None, "2019-01-01 10:00:00", "gen", db,
                    "Germany", 1))
                for sample in samples:
                    vessel_animal = 9_999_999 if sample.mistake == "animal" else db
                    name = (f"S{sample.index - 1:08d}" if sample.mistake == "duplicate"
                            and sample.index else sample.id)
                    _insert(parts["vessels"], "vessels", vessel_cols, (
                        sample.index + 1, name, vessel_animal,
                        100 + list(material_code).index(sample.part), sample.date,
                        sample.date, None, "Qualität; ok", sample.index, "2019-01-01 10:00:00",
                        "gen", "Germany", 1))
        finally:
            for fh in parts.values():
                fh.close()
        with open(out, "w", encoding="utf-8") as fh:
            fh.write("--\n-- PostgreSQL database dump\n--\n\nSET statement_timeout = 0;\n"
                     "SET client_encoding = 'UTF8';\nSET standard_conforming_strings = on;\n"
                     "SET search_path = apiis_admin, pg_catalog;\n\n")
            _copy_section(fh, Path(tmp) / "animal", "animal")
            fh.write("\n--\n-- Data for Name: breeds_species; Type: TABLE DATA\n--\n\n")
            bs_cols = ("breed_id", "db_breed", "db_species", "efabis_mcname", "efabis_species",
                       "efabis_country", "efabis_lang", "guid", "owner", "version")
            for (s, b), code in breed_code.items():
                _insert(fh, "breeds_species", bs_cols, (
                    code, code, species_code[s], SPECIES[s][3][b], SPECIES[s][0],
                    COUNTRIES[(s + b) % len(COUNTRIES)][1], "en", code, "Germany", 1))
            fh.write("\n--\n-- Data for Name: codes; Type: TABLE DATA\n--\n\n")
            for ext_code, klass, code in codes:
                _insert(fh, "codes", code_cols, (ext_code, klass, code, ext_code, ext_code,
                                                 "2007-04-26", "Germany", 1))
            fh.write("\n--\n-- Data for Name: protocols; Type: TABLE DATA\n--\n\n")
            for n, (part, code) in enumerate(material_code.items()):
                _insert(fh, "protocols", ("protocol_id", "protocol_name", "db_material_type",
                                          "comment", "guid", "owner", "version"),
                        (100 + n, f"protocol_{part}", code, None, 500 + n, "Germany", 1))
            fh.write("\nSELECT pg_catalog.setval('seq_vessels__db_vessel', 1745, true);\n")
            _copy_section(fh, Path(tmp) / "transfer", "transfer")
            fh.write("\n--\n-- Data for Name: unit; Type: TABLE DATA\n--\n\n")
            _insert(fh, "unit", ("db_unit", "ext_unit", "ext_id", "opening_dt", "owner"),
                    (1, "ANIMAL", "ID", "2007-04-26", "Germany"))
            _copy_section(fh, Path(tmp) / "vessels", "vessels")
            fh.write("\n--\n-- PostgreSQL database dump complete\n--\n\n")


def _copy_section(fh: TextIO, part: Path, table: str) -> None:
    fh.write(f"\n--\n-- Data for Name: {table}; Type: TABLE DATA; Schema: apiis_admin\n--\n\n")
    with open(part, encoding="utf-8") as src:
        shutil.copyfileobj(src, fh, 1 << 20)


# -- IMAGE Template -------------------------------------------------------------------------
def _template(world: _World, out: Path) -> None:
    import openpyxl

    from chalicelib.ingest.template import ANIMAL_COLUMNS, BREED_COLUMNS, SAMPLE_COLUMNS

    wb = openpyxl.Workbook(write_only=True)
    breed_ws = wb.create_sheet("breed")
    animal_ws = wb.create_sheet("animal")
    sample_ws = wb.create_sheet("sample")
    breed_ws.append(list(BREED_COLUMNS))
    for s, (_, latin, _, breeds, _) in enumerate(SPECIES):
        for b, breed in enumerate(breeds):
            breed_ws.append([breed, COUNTRIES[(s + b) % len(COUNTRIES)][1], latin])
    animal_ws.append(list(ANIMAL_COLUMNS))
    sample_ws.append(list(SAMPLE_COLUMNS))
    for animal, samples in world.stream("A"):
        latin = SPECIES[animal.species][1]
        breed = SPECIES[animal.species][3][animal.breed]
        m = animal.mistake
        animal_ws.append([
            animal.id, f"animal {animal.index}", f"ALT{animal.index}",
            "GHOST" if m == "parent" else animal.sire, animal.dam,
            "Unknown breed" if m == "breed" else breed, latin,
            "male" if animal.male else "female",
            "31/12/2001" if m == "date" else animal.birth, COUNTRIES[animal.country][1],
            animal.lon, animal.lat, "precise coordinates"])
        for sample in samples:
            sm = sample.mistake
            sample_ws.append([
                sample.id if sm != "duplicate" or not sample.index
                else f"S{sample.index - 1:08d}",
                f"ALTS{sample.index}", None, "NOBODY" if sm == "animal" else animal.id,
                "https://example.org/protocol.pdf", "mailto:genebank@example.org",
                "2001-13-40" if sm == "date" else sample.date, None, None, None,
                "missing geographic information", sample.part, "adult", None,
                f"{sample.index % 30 + 1} months", STORAGE[sample.storage][1],
                "cryopreservation in liquid nitrogen (dead tissue)", "1 day"])
    wb.save(out)


# -- CRB-Anim -------------------------------------------------------------------------------
CRBANIM_COLUMNS = (
    "BRC_identifier", "BRC_name", "associated_research_project_name",
    "BRC_responsible_last_name", "BRC_responsible_first_name", "BRC_contact_email",
    "organization_name", "organisation_adress", "organization_url", "organization_country",
    "BRC_address", "BRC_url", "BRC_country", "sample_identifier", "EBI_Biosample_identifier",
    "sample_availability", "sample_bibliographic_references", "animal_ID", "sex",
    "species_latin_name", "NCBI_taxo_id", "breed_name", "country_of_origin",
    "sampling_protocol_url", "sampling_date", "sample_type_name", "sample_type_identifier",
    "sample_type_ontology", "body_part_name", "body_part_identifier", "body_part_ontology",
    "animal_birth_date", "sample_storage_temperature", "sample_container_type",
    "sample_fixer_nature",
)
assert set(MANDATORY) <= set(CRBANIM_COLUMNS)
UBERON = {"semen": "UBERON:0001968", "blood": "UBERON:0000178", "hair": "UBERON:0001037",
          "embryo": "UBERON:0000922", "feather": "UBERON:0000022"}


def _crbanim(world: _World, out: Path) -> None:
    with open(out, "w", encoding="utf-8", newline="") as fh:
        writer = csv.writer(fh, lineterminator="\n")
        writer.writerow(CRBANIM_COLUMNS)
        for animal, samples in world.stream("CRB"):
            _, latin, taxon, breeds, _ = SPECIES[animal.species]
            for sample in samples:
                m = sample.mistake or animal.mistake
                accession = f"SAMEA{9_000_000 + sample.index}" if sample.index % 50 == 49 \
                    else "\\N"
                writer.writerow((
                    "CRB-ANIM-1", "CRB Anim", "IMAGE", "Dupont", "Marie",
                    "contact@crb-anim.fr", "INRAE", "147 rue de l'Universite\nParis",
                    "https://www.inrae.fr", "France", "1 rue du Labo\nNouzilly",
                    "https://www.crb-anim.fr", "France",
                    sample.id if m != "duplicate" or not sample.index
                    else f"S{sample.index - 1:08d}",
                    accession, "https://www.crb-anim.fr/access-to-collection/",
                    "doi:10.1139/o09-005" if sample.index % 10 == 0 else "\\N", animal.id,
                    "unknown" if m == "sex" else ("male" if animal.male else "female"),
                    latin, taxon, breeds[animal.breed],
                    "ZZ" if m == "breed" else COUNTRIES[animal.country][0],
                    "https://www.crb-anim.fr/protocol.pdf",
                    "13/01/2004" if m == "date" else sample.date, sample.part,
                    UBERON.get(sample.part, ""), "UBERON", "not relevant", "", "",
                    animal.birth, "+4°C" if m == "storage" else STORAGE[sample.storage][0],
                    "straw 0.25 ml", "\\N"))


# -- BioSamples JSON ------------------------------------------------------------------------
def _biosamples(world: _World, out: Path) -> None:
    def chars(**values: str) -> dict[str, list[dict[str, str]]]:
        return {k.replace("_", " "): [{"text": v}] for k, v in values.items()}

    with open(out, "w", encoding="utf-8") as fh:
        fh.write("[\n")
        first = True
        for animal, samples in world.stream("BS"):
            _, latin, taxon, breeds, _ = SPECIES[animal.species]
            acc = f"SAMEA{1_000_000 + animal.index}"
            organism = [{"text": latin, "ontologyTerms": [
                f"http://purl.obolibrary.org/obo/NCBITaxon_{taxon}"]}]
            docs: list[dict[str, Any]] = [{
                "name": animal.id, "accession": acc, "taxId": int(taxon),
                "characteristics": {
                    **chars(Data_source_ID=animal.id, Alternative_id=str(animal.index),
                            Supplied_breed=breeds[animal.breed], project="IMAGE",
                            material="organism",
                            sex="male" if animal.male else "female"),
                    "EFABIS Breed country": [{"text": COUNTRIES[animal.country][1]}],
                    "organism": organism,
                    "Birth date": [{"text": animal.birth, "unit": "YYYY-MM-DD"}]},
                "relationships": []}]
            for sample in samples:
                sacc = f"SAMEA{5_000_000 + sample.index}"
                docs[0]["relationships"].append(
                    {"source": sacc, "type": "derived from", "target": acc})
                docs.append({
                    "name": sample.id, "accession": sacc, "taxId": int(taxon),
                    "characteristics": {
                        **chars(Data_source_ID=sample.id, material="specimen from organism",
                                Organism_part=sample.part),
                        "organism": organism,
                        "collection date": [{"text": sample.date, "unit": "YYYY-MM-DD"}]},
                    "relationships": [{"source": sacc, "type": "derived from",
                                       "target": acc}]})
            for doc in docs:
                fh.write(("" if first else ",\n") + json.dumps(doc))
                first = False
        fh.write("\n]\n")
