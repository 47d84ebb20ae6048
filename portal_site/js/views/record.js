// One record of the pool: every attribute (ontology terms linked to OLS), BioSamples, ENA
// and DAD-IS links, pedigree, the animal's samples or the sample's animal and files, a
// small map, the data-quality verdict and how to reach the material.
import { api } from "../api.js";
import { recordsById } from "../pooldata.js";
import { pointMap } from "../maps.js";
import { errorNotice, external, fill, h, link, loading, notice, setTitle, table } from "../ui.js";
import { label, termLink, valueNode } from "../fields.js";
import { summaryLine } from "./search.js";

const HIDDEN = new Set(["geom", "location", "dadis", "dadis_url", "quality_status", "quality_errors",
  "quality_warnings", "quality_codes", "quality_messages", "etag", "record_type", "id", "files",
  "child_of", "children", "specimens", "derived_from", "external_references", "ena_accessions",
  "biosamples_url", "url"]);
const COMPANION = /_(ontology|unit|value)$/;

function attributes(doc) {
  const rows = [];
  for (const [name, value] of Object.entries(doc)) {
    if (HIDDEN.has(name) || (COMPANION.test(name) && name.replace(COMPANION, "") in doc)) continue;
    if (value === "" || value === null || (Array.isArray(value) && !value.length)) continue;
    const terms = doc[`${name}_ontology`];
    const unit = doc[`${name}_unit`];
    const values = Array.isArray(value) ? value : [value];
    const termList = Array.isArray(terms) ? terms : [terms];
    rows.push(h("dt", {}, label(name)), h("dd", { "data-field": name },
      values.map((v, i) => h("span", {}, i ? "; " : "", valueNode(name, v),
        unit && !/^(YYYY|decimal)/.test(unit) ? ` ${unit}` : "",
        termList[i] ? h("span", { class: "term" }, "(", termLink(termList[i]), ")") : ""))));
  }
  return h("dl", { class: "attrs" }, rows);
}

function links(doc) {
  const items = [];
  if (doc.biosamples_url) items.push(h("li", {}, external(doc.biosamples_url, `BioSamples: ${doc.id}`)));
  for (const acc of doc.ena_accessions || []) {
    items.push(h("li", {}, external(`https://www.ebi.ac.uk/ena/browser/view/${acc}`, `ENA: ${acc}`)));
  }
  for (const url of doc.external_references || []) {
    if (!(doc.ena_accessions || []).some((acc) => url.includes(acc))) items.push(h("li", {}, external(url, url)));
  }
  const dadis = doc.dadis_url || doc.dadis?.dadis_url;
  if (dadis) {
    const name = doc.dadis?.most_common_name || doc.supplied_breed;
    items.push(h("li", { id: "dadis-link" }, external(dadis, `DAD-IS breed: ${name}${doc.dadis?.country ? ` (${doc.dadis.country})` : ""}`)));
  } else if (doc.record_type === "organism") {
    items.push(h("li", { class: "muted" }, "No DAD-IS breed link for this breed and country yet."));
  }
  return h("ul", { class: "links" }, items);
}

function quality(doc) {
  const messages = doc.quality_messages || [];
  const status = doc.quality_status || "unchecked";
  const verdict = { pass: "Meets the IMAGE standard.", warning: "Meets the IMAGE standard, with warnings.",
    error: "Breaks rules of the IMAGE standard.", unchecked: "Not checked yet." }[status] || status;
  return h("section", { class: "panel", id: "quality", "aria-labelledby": "quality-title" },
    h("h2", { id: "quality-title" }, "Data quality"),
    h("p", {}, h("span", { class: `status ${status}` }, status), " ", verdict),
    messages.length ? h("ul", {}, messages.map((m) => h("li", { class: `problem ${m.level}` },
      h("strong", {}, m.field), ` (${m.level}, rule ${m.code}): `, m.message))) : null);
}

function contacts(doc) {
  const people = (doc.person_last_name || []).map((last, i) => ({
    name: [doc.person_first_name?.[i], doc.person_initial?.[i] && !doc.person_first_name?.[i] ? doc.person_initial[i] : "", last].filter(Boolean).join(" "),
    email: doc.person_email?.[i], affiliation: doc.person_affiliation?.[i], role: doc.person_role?.[i],
  }));
  const orgs = (doc.organization_name || []).map((name, i) => ({
    name, address: doc.organization_address?.[i], country: doc.organization_country?.[i], uri: doc.organization_uri?.[i],
  }));
  const availability = doc.availability;
  return h("section", { class: "panel", id: "access", "aria-labelledby": "access-title" },
    h("h2", { id: "access-title" }, "How to reach the material"),
    availability ? h("p", {}, h("strong", {}, "Availability: "), valueNode("availability", availability)) : null,
    h("p", {}, h("strong", {}, "Gene bank: "), [doc.gene_bank_name, doc.gene_bank_country].filter(Boolean).join(", ") || "not given"),
    orgs.length ? h("ul", {}, orgs.map((o) => h("li", {}, h("strong", {}, o.name),
      o.address ? `, ${o.address}` : "", o.country ? ` (${o.country})` : "", o.uri ? [" – ", external(o.uri, o.uri)] : ""))) : null,
    people.length ? [h("h3", {}, "Contact people"), h("ul", {}, people.map((p) => h("li", {}, p.name,
      p.role ? ` (${p.role})` : "", p.affiliation ? `, ${p.affiliation}` : "",
      p.email ? [" – ", valueNode("person_email", p.email.startsWith("mailto:") ? p.email : `mailto:${p.email}`)] : "")))] : null);
}

function relatedTable(docs, empty) {
  return table([
    { key: "id", label: "Accession", render: (d) => link(`/record/${encodeURIComponent(d.id)}`, d.id) },
    { key: "what", label: "What", render: (d) => summaryLine(d) },
    { key: "quality_status", label: "Data quality", render: (d) => valueNode("quality_status", d.quality_status) },
  ], docs, { empty });
}

async function related(doc, box) {
  const ids = doc.record_type === "organism"
    ? [...(doc.child_of || []), ...(doc.children || []), ...(doc.specimens || [])]
    : [doc.derived_from].filter(Boolean);
  const found = new Map((await recordsById(ids)).map((d) => [d.id, d]));
  const pick = (list) => (list || []).map((id) => found.get(id) || { id, record_type: "", quality_status: "" });
  if (doc.record_type === "organism") {
    fill(box,
      h("section", { class: "panel", id: "pedigree" }, h("h2", {}, "Pedigree"),
        h("h3", {}, "Parents"), relatedTable(pick(doc.child_of), "No parents recorded."),
        h("h3", {}, "Offspring"), relatedTable(pick(doc.children), "No offspring in the pool.")),
      h("section", { class: "panel", id: "specimens" }, h("h2", {}, "Samples of this animal"),
        relatedTable(pick(doc.specimens), "No samples of this animal in the pool.")));
  } else {
    const files = doc.files?.length ? await recordsById(doc.files) : [];
    fill(box,
      h("section", { class: "panel", id: "animal" }, h("h2", {}, "The animal"),
        relatedTable(pick([doc.derived_from].filter(Boolean)), "The animal is not recorded.")),
      h("section", { class: "panel", id: "files" }, h("h2", {}, "Data files"),
        table([
          { key: "file_name", label: "File", render: (f) => external(f.file_url, f.file_name) },
          { key: "file_size_human", label: "Size" },
          { key: "ena_accession", label: "ENA analysis", render: (f) => valueNode("ena_accession", f.ena_accession) },
          { key: "study_accession", label: "ENA study", render: (f) => valueNode("study_accession", f.study_accession) },
          { key: "file_checksum", label: "Checksum", render: (f) => `${f.file_checksum_method || ""} ${f.file_checksum || ""}` },
        ], files, { empty: "No data files in ENA for this sample." })));
  }
}

export async function render(main, params, query, alive) {
  main.append(loading());
  let doc;
  try {
    doc = await api(`/records/${encodeURIComponent(params.id)}`, { auth: false });
  } catch (error) {
    fill(main, h("h1", {}, params.id), error.status === 404 ? notice("warn", `There is no record ${params.id} in the pool.`) : errorNotice(error));
    return undefined;
  }
  if (!alive()) return undefined;
  const kind = doc.record_type === "organism" ? "Animal" : "Sample";
  setTitle(`${kind} ${doc.id}`);
  const mapBox = h("div", { class: "map small", id: "record-map" });
  const relatedBox = h("div", {}, loading("Loading related records…"));
  const where = doc.record_type === "organism" ? "Birth location" : "Collection place";
  fill(main,
    h("p", { class: "muted" }, link(doc.record_type === "organism" ? "/organisms" : "/specimens", kind === "Animal" ? "Animals" : "Samples"), " / ", doc.id),
    h("h1", {}, `${kind} ${doc.id}`, h("span", { class: "muted" }, ` – ${summaryLine(doc)}`)),
    h("div", { class: "grid" },
      h("section", { class: "panel", "aria-labelledby": "links-title" }, h("h2", { id: "links-title" }, "Links"), links(doc)),
      doc.location ? h("section", { class: "panel", "aria-labelledby": "map-title" }, h("h2", { id: "map-title" }, where), mapBox)
        : h("section", { class: "panel" }, h("h2", {}, where), h("p", { class: "muted" }, "No coordinates recorded."))),
    quality(doc),
    contacts(doc),
    relatedBox,
    h("section", { class: "panel", id: "attributes", "aria-labelledby": "attrs-title" },
      h("h2", { id: "attrs-title" }, "Every attribute"), attributes(doc)));
  let map = null;
  if (doc.location) {
    pointMap(mapBox, doc.location.lat, doc.location.lon, `${where} of ${doc.id}`).then((m) => { map = m; });
  }
  related(doc, relatedBox).catch((error) => fill(relatedBox, errorNotice(error, "Related records could not be loaded")));
  return () => { if (map) map.remove(); };
}
