// What the pool's fields are called, which ones each record type shows, and how values
// link out (OLS for ontology terms, BioSamples and ENA for accessions).
import { external, h, link } from "./ui.js";

const LABELS = {
  id: "Accession", record_type: "Type", data_source_id: "Accession", name: "Name",
  common_name: "Common name", species: "Species", supplied_breed: "Breed", mapped_breed: "Mapped breed",
  sex: "Sex", efabis_breed_country: "Breed country (EFABIS)", gene_bank_name: "Gene bank",
  gene_bank_country: "Gene bank country", birth_date: "Birth date", birth_location: "Birth location",
  organism_part: "Organism part", derived_from: "Animal", collection_date: "Collection date",
  availability: "Availability", quality_status: "Data quality", file_name: "File",
  file_size_human: "Size", specimen: "Sample", ena_accession: "ENA analysis",
  study_accession: "ENA study", file_url: "Download URL", ena_type: "ENA type",
  file_checksum: "Checksum", file_checksum_method: "Checksum method", alternative_id: "Alternative id",
  submission_title: "Submission", data_source_type: "Data source", developmental_stage: "Developmental stage",
  physiological_stage: "Physiological stage", sample_storage: "Storage", sample_storage_processing: "Storage processing",
  animal_age_at_collection: "Age at collection", collection_place: "Collection place", release_date: "Released",
  update_date: "Updated", tax_id: "Taxon", publication_doi: "Publication DOI", organization_name: "Organization",
};

export function label(name) {
  return LABELS[name] || name.replace(/_/g, " ").replace(/^\w/, (c) => c.toUpperCase());
}

export const TYPES = {
  organism: { title: "Animals", one: "animal", path: "/organisms",
    facets: ["species", "supplied_breed", "sex", "efabis_breed_country", "gene_bank_name", "quality_status"],
    columns: ["id", "species", "supplied_breed", "sex", "efabis_breed_country", "gene_bank_name", "birth_date", "quality_status"],
    more: ["name", "alternative_id", "common_name", "mapped_breed", "gene_bank_country", "birth_location",
      "birth_location_accuracy", "data_source_type", "submission_title", "release_date", "update_date"] },
  specimen: { title: "Samples", one: "sample", path: "/specimens",
    facets: ["species", "organism_part", "gene_bank_name", "gene_bank_country", "availability", "quality_status"],
    columns: ["id", "species", "organism_part", "derived_from", "collection_date", "gene_bank_name", "quality_status"],
    more: ["name", "alternative_id", "common_name", "gene_bank_country", "availability", "sample_storage",
      "sample_storage_processing", "developmental_stage", "physiological_stage", "animal_age_at_collection",
      "collection_place", "data_source_type", "submission_title", "release_date", "update_date"] },
  file: { title: "Files", one: "file", path: "/files",
    facets: ["species", "study_accession", "ena_type", "file_checksum_method"],
    columns: ["file_name", "specimen", "file_size_human", "ena_accession", "study_accession", "species"],
    more: ["file_url", "file_checksum", "file_checksum_method", "ena_type"] },
};

export const SORTABLE = new Set(["id", "species", "supplied_breed", "sex", "efabis_breed_country",
  "gene_bank_name", "gene_bank_country", "birth_date", "organism_part", "derived_from",
  "collection_date", "quality_status", "file_name", "specimen", "ena_accession", "study_accession",
  "release_date", "update_date", "availability", "common_name", "name"]);

const ACCESSION = /^SAM(E[AG]?|N|D)\d+$/;
const ENA = /^(ER|SR|DR)[SRXZAP]\d{6,}$|^PRJ[EDN][A-Z]\d+$/;

export function isAccession(value) { return ACCESSION.test(String(value)); }

/** A value as the portal shows it: accessions link to their record, ENA ids to ENA. */
export function valueNode(name, value) {
  if (value === undefined || value === null || value === "") return "";
  if (Array.isArray(value)) {
    const parts = value.filter((v) => v !== "" && v !== null);
    return parts.length ? h("span", {}, parts.map((v, i) => [i ? ", " : "", valueNode(name, v)])) : "";
  }
  const text = String(value);
  if (name === "quality_status") return h("span", { class: `status ${text}` }, text);
  if (isAccession(text)) return link(`/record/${encodeURIComponent(text)}`, text);
  if (ENA.test(text)) return external(`https://www.ebi.ac.uk/ena/browser/view/${text}`, text);
  if (/^(https?|ftp):\/\//.test(text)) return external(text, text);
  if (/^mailto:/.test(text)) return h("a", { href: text }, text.slice(7));
  if (name === "publication_doi" && text) return external(`https://doi.org/${text.replace(/^doi:/i, "")}`, text);
  return text;
}

/** The OLS page of an ontology term IRI (or a short id such as UBERON_0000178). */
export function olsUrl(term) {
  const short = String(term).split("/").pop();
  const iri = /^https?:/.test(term) ? term : `http://purl.obolibrary.org/obo/${short}`;
  const ontology = short.split("_")[0].toLowerCase();
  return `https://www.ebi.ac.uk/ols4/ontologies/${ontology}/classes/${encodeURIComponent(encodeURIComponent(iri))}`;
}

export function termLink(term) {
  const short = String(term).split("/").pop();
  return external(olsUrl(term), h("span", { class: "visually-hidden" }, "ontology term "), short);
}
