// A pool query as the URL carries it (?q=&type=&species=a&species=b&sort=&page=&cols=),
// and the same query as the API wants it (/search, /download, /map, /geojson).
import { apiUrl } from "./api.js";
import { h } from "./ui.js";
import { label } from "./fields.js";

const RESERVED = new Set(["q", "type", "sort", "page", "cols", "size", "tiles", "view", "bbox", "lat", "lng", "rad", "zoom", "center"]);

export function parse(params) {
  const filters = {};
  for (const [key, value] of params) {
    if (RESERVED.has(key) || !value) continue;
    (filters[key] = filters[key] || []).push(value);
  }
  return {
    q: params.get("q") || "",
    type: params.get("type") || "",
    sort: params.get("sort") || "",
    page: Math.max(1, parseInt(params.get("page") || "1", 10) || 1),
    cols: params.get("cols") ? params.get("cols").split(",") : null,
    filters,
  };
}

/** The URL query string of a state (no leading "?"). */
export function toSearch(state, extra = {}) {
  const params = new URLSearchParams();
  if (state.q) params.set("q", state.q);
  if (state.type) params.set("type", state.type);
  for (const [key, values] of Object.entries(state.filters)) values.forEach((v) => params.append(key, v));
  if (state.sort) params.set("sort", state.sort);
  if (state.page > 1) params.set("page", String(state.page));
  if (state.cols) params.set("cols", state.cols.join(","));
  for (const [key, value] of Object.entries(extra)) if (value !== undefined && value !== "") params.set(key, value);
  return params.toString();
}

/** The API query (filters and text, without paging) of a state. */
export function apiQuery(state, { type = state.type } = {}) {
  const query = { ...state.filters };
  if (state.q) query.q = state.q;
  if (type) query.type = type;
  return query;
}

export function downloadLinks(state, type) {
  const base = apiQuery(state, { type });
  return h("div", { class: "row", role: "group", "aria-label": "Download these results" },
    h("span", {}, "Download:"),
    ["csv", "tsv", "json"].map((format) => h("a", {
      class: "button secondary small", href: apiUrl("/download", { ...base, format }), download: "",
      "data-format": format,
    }, format.toUpperCase())));
}

/** Chips of the active filters, each removable, plus "remove all". */
export function filterChips(state, onChange) {
  const chips = [];
  for (const [key, values] of Object.entries(state.filters)) {
    for (const value of values) {
      chips.push(h("span", { class: "chip" }, `${label(key)}: ${value}`,
        h("button", { type: "button", "aria-label": `Remove filter ${label(key)} ${value}`, onclick: () => {
          const rest = values.filter((v) => v !== value);
          const filters = { ...state.filters };
          if (rest.length) filters[key] = rest; else delete filters[key];
          onChange({ ...state, filters, page: 1 });
        } }, "×")));
    }
  }
  if (!chips.length) return null;
  chips.push(h("button", { type: "button", class: "secondary small", onclick: () => onChange({ ...state, filters: {}, page: 1 }) }, "Remove all filters"));
  return h("div", { class: "chips", "aria-label": "Active filters" }, chips);
}

/** The facet sidebar: one group per field, a checkbox per value with its count. */
export function facetPanel(facets, state, onChange, order) {
  const groups = (order || Object.keys(facets)).filter((name) => facets[name] && Object.keys(facets[name]).length);
  if (!groups.length) return h("p", { class: "muted" }, "No facets for these results.");
  return h("div", { class: "facets" }, groups.map((name) => {
    const chosen = state.filters[name] || [];
    const entries = Object.entries(facets[name]);
    for (const value of chosen) if (!facets[name][value]) entries.push([value, 0]);
    return h("details", { open: true, "data-facet": name },
      h("summary", {}, label(name)),
      h("ul", {}, entries.map(([value, count]) => h("li", {}, h("label", {},
        h("input", { type: "checkbox", checked: chosen.includes(value), value, name: `facet-${name}`,
          onchange: (event) => {
            const next = event.target.checked ? [...chosen, value] : chosen.filter((v) => v !== value);
            const filters = { ...state.filters };
            if (next.length) filters[name] = next; else delete filters[name];
            onChange({ ...state, filters, page: 1 });
          } }),
        h("span", {}, value), h("span", { class: "count" }, count.toLocaleString("en-GB")))))));
  }));
}
