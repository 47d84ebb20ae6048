// One search box over animals, samples and files: relevance-ranked results, facets,
// sorting, paging and downloads; the whole state lives in the URL.
import { searchPage, PAGE_SIZE } from "../pooldata.js";
import { downloadLinks, facetPanel, filterChips, parse, toSearch } from "../poolquery.js";
import { navigate } from "../router.js";
import { announce, errorNotice, fill, h, link, loading, number, pager, setTitle } from "../ui.js";
import { label, valueNode } from "../fields.js";

const FACETS = ["record_type", "species", "gene_bank_country", "gene_bank_name", "supplied_breed", "organism_part", "sex", "quality_status"];
const SORTS = [["", "Relevance"], ["id", "Accession"], ["species", "Species"], ["-update_date", "Recently updated"], ["gene_bank_name", "Gene bank"]];
const TYPE_NAMES = { organism: "Animal", specimen: "Sample", file: "File" };

export function summaryLine(doc) {
  if (doc.record_type === "file") return [doc.file_name, doc.file_size_human, doc.species].filter(Boolean).join(" · ");
  const what = doc.record_type === "organism"
    ? [doc.common_name || doc.species, doc.supplied_breed, doc.sex]
    : [doc.common_name || doc.species, doc.organism_part, doc.derived_from ? `from ${doc.derived_from}` : ""];
  return what.filter(Boolean).join(" · ");
}

function result(doc) {
  const id = doc.record_type === "file" ? doc.specimen : doc.id;
  return h("article", { class: "result", "data-id": doc.id },
    h("h3", {}, h("span", { class: "status" }, TYPE_NAMES[doc.record_type] || doc.record_type), " ",
      link(`/record/${encodeURIComponent(id)}`, doc.record_type === "file" ? doc.file_name : doc.id)),
    h("p", {}, summaryLine(doc)),
    h("p", { class: "muted" }, [doc.gene_bank_name, doc.gene_bank_country].filter(Boolean).join(", "),
      doc.quality_status ? [" · quality ", valueNode("quality_status", doc.quality_status)] : ""));
}

export async function render(main, params, query, alive) {
  const state = parse(query);
  if (state.type) state.filters.record_type = [state.type], state.type = "";
  setTitle(state.q ? `Search: ${state.q}` : "Search");
  const go = (next) => navigate(`/search?${toSearch(next)}`);
  const input = h("input", { type: "search", name: "q", value: state.q, id: "search-q",
    placeholder: "Breed, species, gene bank, accession…", autocomplete: "off" });
  const sort = h("select", { id: "search-sort", onchange: () => go({ ...state, sort: sort.value, page: 1 }) },
    SORTS.map(([value, text]) => h("option", { value, selected: state.sort === value }, text)));
  const results = h("div", { id: "results" }, loading());
  const side = h("aside", { "aria-label": "Filters" }, h("h2", { class: "visually-hidden" }, "Filters"));
  main.append(
    h("h1", {}, "Search the pool"),
    h("form", { role: "search", class: "searchbox", onsubmit: (e) => { e.preventDefault(); go({ ...state, q: input.value.trim(), page: 1 }); } },
      h("label", { for: "search-q", class: "visually-hidden" }, "Search animals, samples and files"), input,
      h("button", { type: "submit" }, "Search")),
    h("div", { class: "with-sidebar" }, side, h("section", { "aria-label": "Results" }, results)));
  try {
    const page = await searchPage(state, { facets: FACETS });
    if (!alive()) return;
    side.append(facetPanel(page.facets, state, go, FACETS));
    fill(results,
      h("div", { class: "row spread" },
        h("p", { id: "result-count" }, h("strong", {}, number(page.count)), ` ${page.count === 1 ? "record" : "records"}`,
          state.q ? ` for “${state.q}”` : ""),
        h("div", { class: "row" }, h("label", { for: "search-sort" }, "Sort by"), sort)),
      filterChips(state, go),
      page.results.length ? page.results.map(result) : h("p", {}, "Nothing matches: try fewer words or remove a filter."),
      pager({ page: state.page, size: PAGE_SIZE, total: Math.min(page.count, 10000), onPage: (p) => go({ ...state, page: p }) }),
      downloadLinks(state));
    announce(`${page.count} results`);
  } catch (error) {
    fill(results, errorNotice(error, "The search failed"));
  }
  return undefined;
}

export { label };
