"""Generated IMAGE submissions (validated-looking records) for tests, benchmarks and demos.

Animals come in generations, so pedigrees have depth: an animal's parents are animals
generated before it. Every animal has ``samples_per_animal`` samples derived from it.
Same arguments, same records.
"""

from __future__ import annotations

import random

from chalicelib.records import Material, Record, Relationship, RelationshipType
from chalicelib.submission_facts import Organization, Person, SubmissionFacts

_SPECIES = (("Sus scrofa", "NCBITaxon_9823", ("Cinta Senese", "Duroc")),
            ("Bos taurus", "NCBITaxon_9913", ("Podolica", "Limousin")),
            ("Ovis aries", "NCBITaxon_9940", ("Sarda", "Merino")))
_PARTS = (("blood", "UBERON_0000178"), ("semen", "UBERON_0001968"))


def demo_facts(title: str = "Generated submission") -> SubmissionFacts:
    """Submission facts as a team would give them."""
    return SubmissionFacts(
        title=title, description="Generated records", gene_bank_name="Cryoweb IT",
        gene_bank_country="Italy", gene_bank_country_term="NCIT_C16761",
        data_source_type="CryoWeb", data_source_version="2024-01-01",
        people=(Person(last_name="Cozzi", email="paolo.cozzi@ibba.cnr.it",
                       affiliation="IBBA-CNR", first_name="Paolo", initials="PC"),),
        organizations=(Organization(name="IBBA-CNR", address="Via Bassini 15, Milano",
                                    uri="http://www.ibba.cnr.it/", country="Italy",
                                    country_term="NCIT_C16761"),),
    )


def generate_records(animals: int, samples_per_animal: int = 2, *, seed: int = 1,
                     parent_share: float = 0.7) -> list[Record]:
    """``animals`` animals (a ``parent_share`` of them with a sire and a dam among the
    earlier animals) and their samples; animals first, in generation order."""
    rng = random.Random(seed)
    out: list[Record] = []
    samples: list[Record] = []
    males: list[str] = []
    females: list[str] = []
    for i in range(animals):
        species, taxon, breeds = _SPECIES[i % len(_SPECIES)]
        male = rng.random() < 0.5
        rec = Record(f"A{i:07d}", Material.ORGANISM)
        rec.add("Data source ID", rec.id)
        rec.add("Species", species, terms=(taxon,))
        rec.add("Supplied breed", rng.choice(breeds))
        rec.add("EFABIS Breed country", "Italy")
        rec.add("Sex", "male" if male else "female",
                terms=("PATO_0000384" if male else "PATO_0000383",))
        rec.add("Birth date", f"{rng.randrange(1990, 2022)}-0{rng.randrange(1, 10)}-1"
                f"{rng.randrange(0, 10)}", units="YYYY-MM-DD")
        rec.add("Birth location accuracy", "missing geographic information")
        if males and females and rng.random() < parent_share:
            rec.relationships = [
                Relationship(RelationshipType.CHILD_OF, rng.choice(males[-200:])),
                Relationship(RelationshipType.CHILD_OF, rng.choice(females[-200:]))]
        (males if male else females).append(rec.id)
        out.append(rec)
        for j in range(samples_per_animal):
            part, term = _PARTS[j % len(_PARTS)]
            sample = Record(f"S{i:07d}-{j}", Material.SPECIMEN)
            sample.add("Data source ID", sample.id)
            sample.add("Species", species, terms=(taxon,))
            sample.add("Organism part", part, terms=(term,))
            sample.add("Collection date", "2023-05-01", units="YYYY-MM-DD")
            sample.add("Collection place accuracy", "missing geographic information")
            sample.add("Sample storage", "frozen, liquid nitrogen")
            sample.relationships = [Relationship(RelationshipType.DERIVED_FROM, rec.id)]
            samples.append(sample)
    return out + samples
