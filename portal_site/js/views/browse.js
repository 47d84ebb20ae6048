// Tables of animals, samples or files: filters (facets and text), a choice of columns,
// sorting by column, paging and downloads of everything that matches.
import { searchPage, PAGE_SIZE } from "../pooldata.js";
import { downloadLinks, facetPanel, filterChips, parse, toSearch } from "../poolquery.js";
import { navigate } from "../router.js";
import { announce, errorNotice, fill, h, link, loading, number, pager, setTitle, table } from "../ui.js";
import { label, SORTABLE, TYPES, valueNode } from "../fields.js";

const BY_PATH = { "/organisms": "organism", "/specimens": "specimen", "/files": "file" };

function columnsMenu(spec, chosen, onChange) {
  const all = [...spec.columns, ...spec.more.filter((c) => !spec.columns.includes(c))];
  const menu = h("div", { class: "menu", hidden: true, id: "columns-menu" },
    h("fieldset", {}, h("legend", {}, "Columns to show"),
      all.map((name) => h("label", {}, h("input", { type: "checkbox", value: name, checked: chosen.includes(name),
        onchange: () => {
          const next = [...menu.querySelectorAll("input:checked")].map((i) => i.value);
          if (next.length) onChange(next);
        } }), label(name)))));
  const button = h("button", { type: "button", class: "secondary", "aria-expanded": "false", "aria-controls": "columns-menu",
    onclick: () => {
      menu.hidden = !menu.hidden;
      button.setAttribute("aria-expanded", String(!menu.hidden));
    } }, "Columns");
  menu.addEventListener("keydown", (e) => { if (e.key === "Escape") { menu.hidden = true; button.focus(); } });
  return h("div", { class: "columns-menu" }, button, menu);
}

function cell(type, name, row) {
  if (name === "id" || (type === "file" && name === "file_name")) {
    const target = type === "file" ? row.specimen : row.id;
    return link(`/record/${encodeURIComponent(target)}`, row[name]);
  }
  return valueNode(name, row[name]);
}

export async function render(main, params, query, alive) {
  const type = BY_PATH[location.pathname.replace(/\/$/, "")];
  const spec = TYPES[type];
  const state = parse(query);
  state.type = type;
  const columns = state.cols || spec.columns;
  setTitle(spec.title);
  const go = (next) => navigate(`${spec.path}?${toSearch({ ...next, type: "" })}`);
  const input = h("input", { type: "search", id: "browse-q", value: state.q, placeholder: `Filter ${spec.title.toLowerCase()} by any text` });
  const results = h("div", {}, loading());
  const side = h("aside", { "aria-label": "Filters" });
  main.append(
    h("h1", {}, spec.title),
    h("form", { role: "search", class: "searchbox", onsubmit: (e) => { e.preventDefault(); go({ ...state, q: input.value.trim(), page: 1 }); } },
      h("label", { for: "browse-q", class: "visually-hidden" }, `Filter ${spec.title.toLowerCase()}`), input,
      h("button", { type: "submit" }, "Filter")),
    h("div", { class: "with-sidebar" }, side, h("section", { "aria-label": spec.title }, results)));
  try {
    const page = await searchPage(state, { facets: spec.facets, fields: [...new Set(["id", "specimen", ...columns])] });
    if (!alive()) return;
    side.append(h("h2", { class: "visually-hidden" }, "Filters"), facetPanel(page.facets, state, go, spec.facets));
    const sortKey = state.sort.replace(/^-/, "");
    fill(results,
      h("div", { class: "row spread" },
        h("p", { id: "result-count" }, h("strong", {}, number(page.count)), ` ${page.count === 1 ? spec.one : spec.title.toLowerCase()}`),
        columnsMenu(spec, columns, (cols) => go({ ...state, cols }))),
      filterChips({ ...state, type: "" }, go),
      table(columns.map((name) => ({ key: name, label: label(name), sortable: SORTABLE.has(name), render: (row) => cell(type, name, row) })),
        page.results, {
          caption: spec.title, empty: `No ${spec.title.toLowerCase()} match these filters.`,
          sort: sortKey ? { key: sortKey, desc: state.sort.startsWith("-") } : null,
          onSort: (key) => go({ ...state, sort: sortKey === key && !state.sort.startsWith("-") ? `-${key}` : key, page: 1 }),
        }),
      pager({ page: state.page, size: PAGE_SIZE, total: Math.min(page.count, 10000), onPage: (p) => go({ ...state, page: p }) }),
      downloadLinks(state, type));
    announce(`${page.count} ${spec.title.toLowerCase()}`);
  } catch (error) {
    fill(results, errorNotice(error, `The ${spec.title.toLowerCase()} could not be loaded`));
  }
  return undefined;
}
