// The home page: what the pool is, a search box, and live figures (records by type,
// species, country and gene bank) straight from the search API.
import { api } from "../api.js";
import { navigate } from "../router.js";
import { errorNotice, fill, h, link, loading, number, setTitle } from "../ui.js";

function bars(title, id, counts, hrefOf) {
  const entries = Object.entries(counts || {}).slice(0, 12);
  const max = Math.max(1, ...entries.map(([, n]) => n));
  return h("section", { class: "panel", id, "aria-labelledby": `${id}-title` },
    h("h2", { id: `${id}-title` }, title),
    entries.length ? h("table", {}, h("caption", { class: "visually-hidden" }, title),
      h("thead", { class: "visually-hidden" }, h("tr", {}, h("th", { scope: "col" }, "Value"), h("th", { scope: "col" }, "Records"))),
      h("tbody", {}, entries.map(([name, n]) => h("tr", {},
        h("td", {}, link(hrefOf(name), name)),
        h("td", { class: "num", style: "width:55%" },
          h("span", { style: `display:inline-block;height:.7rem;margin-right:.4rem;background:#0b5d7a;width:${Math.round((n / max) * 70)}%`, "aria-hidden": "true" }),
          number(n))))))
      : h("p", { class: "muted" }, "Nothing yet."));
}

export async function render(main) {
  setTitle("");
  const input = h("input", { type: "search", id: "home-q", placeholder: "e.g. Limousin semen, Bos taurus, SAMEA…" });
  const figures = h("div", {}, loading("Counting the pool…"));
  main.append(
    h("section", { class: "hero" },
      h("h1", {}, "The metadata of Europe's livestock gene banks"),
      h("p", {}, "IMAGE Pool gathers the animals and samples kept in European cryo-collections, as published in ",
        h("a", { href: "https://www.ebi.ac.uk/biosamples/" }, "EMBL-EBI BioSamples"),
        ". Search it, browse it, see it on a map and download it. Gene banks share their records from the ",
        link("/workspace", "partners' workspace"), "."),
      h("form", { role: "search", class: "searchbox", onsubmit: (e) => { e.preventDefault(); navigate(`/search?q=${encodeURIComponent(input.value.trim())}`); } },
        h("label", { for: "home-q", class: "visually-hidden" }, "Search the pool"), input, h("button", { type: "submit" }, "Search"))),
    figures);
  try {
    const pool = await api("/search", { auth: false, query: { size: 0, facets: "record_type,species,gene_bank_country,gene_bank_name", facet_size: 50 } });
    const f = pool.facets || {};
    const types = f.record_type || {};
    fill(figures,
      h("div", { class: "figures", id: "figures" },
        [["Records", pool.count, "/search"], ["Animals", types.organism || 0, "/organisms"], ["Samples", types.specimen || 0, "/specimens"],
          ["Data files", types.file || 0, "/files"], ["Species", Object.keys(f.species || {}).length, "/summary"],
          ["Countries", Object.keys(f.gene_bank_country || {}).length, "/map"], ["Gene banks", Object.keys(f.gene_bank_name || {}).length, "/summary"]]
          .map(([name, n, href]) => h("a", { class: "figure", href, "data-link": true, "data-figure": name },
            h("span", { class: "number" }, number(n)), name))),
      h("div", { class: "grid" },
        bars("Records by species", "by-species", f.species, (v) => `/search?species=${encodeURIComponent(v)}`),
        bars("Records by country", "by-country", f.gene_bank_country, (v) => `/search?gene_bank_country=${encodeURIComponent(v)}`),
        bars("Records by gene bank", "by-bank", f.gene_bank_name, (v) => `/search?gene_bank_name=${encodeURIComponent(v)}`)));
  } catch (error) {
    fill(figures, errorNotice(error, "The pool's figures could not be loaded"));
  }
}
