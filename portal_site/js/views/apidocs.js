// The API page, built from /api/openapi.json: every public route with its parameters, a
// ready-to-copy curl line and a "try it" form that calls the API from the browser.
import { api, API_BASE } from "../api.js";
import { errorNotice, fill, h, loading, setTitle, table } from "../ui.js";

const TAG_TITLES = { pool: "Search, map and downloads", cdp: "The old Common Data Pool's API (same paths and shapes)", meta: "About the API" };

function absolute(path) {
  return new URL(API_BASE + path, location.origin).href;
}

function operation(path, method, op) {
  const params = (op.parameters || []).filter((p) => p.name !== "filters");
  const out = h("pre", { class: "try-output", hidden: true, tabindex: "0" });
  const inputs = params.map((p) => {
    const id = `p-${op.operationId}-${p.name}`;
    const input = p.schema?.enum
      ? h("select", { id, name: p.name }, h("option", { value: "" }, "–"), p.schema.enum.map((v) => h("option", { value: v }, v)))
      : h("input", { id, name: p.name, placeholder: p.in === "path" ? "required" : "" });
    return h("div", { class: "field" }, h("label", { for: id }, p.name, h("span", { class: "hint" }, ` (${p.in}) ${p.description || ""}`)), input);
  });
  const form = h("form", { onsubmit: async (e) => {
    e.preventDefault();
    let url = path;
    const query = new URLSearchParams();
    for (const p of params) {
      const value = form.elements[p.name].value.trim();
      if (p.in === "path") url = url.replace(`{${p.name}}`, encodeURIComponent(value));
      else if (value) query.append(p.name, value);
    }
    const full = `${url}${query.toString() ? "?" + query : ""}`;
    out.hidden = false;
    out.textContent = `GET ${absolute(full)}\n…`;
    try {
      const answer = await api(full, { auth: false, raw: true });
      const text = await answer.text();
      let shown = text;
      try { shown = JSON.stringify(JSON.parse(text), null, 2); } catch { /* not JSON */ }
      out.textContent = `GET ${absolute(full)}\n${answer.status} ${answer.headers.get("Content-Type") || ""}\n\n${shown.slice(0, 6000)}${shown.length > 6000 ? "\n…" : ""}`;
    } catch (error) {
      out.textContent = `GET ${absolute(full)}\n${error.status || ""} ${error.message}`;
    }
  } }, inputs, h("button", { type: "submit" }, "Try it"));
  const filters = (op.parameters || []).find((p) => p.name === "filters");
  return h("details", { class: "op", "data-path": path },
    h("summary", {}, h("span", { class: "method" }, method.toUpperCase()), h("code", {}, path), " – ", op.summary || ""),
    h("div", { class: "body" },
      h("pre", {}, `curl '${absolute(path.replace(/\{(\w+)\}/g, (_, n) => (n === "id" ? "SAMEA…" : `<${n}>`)))}'`),
      params.length ? table([{ key: "name", label: "Parameter", render: (p) => h("code", {}, p.name) }, { key: "in", label: "In" },
        { key: "type", label: "Type", render: (p) => (p.schema?.enum ? p.schema.enum.join(" | ") : p.schema?.type || "") },
        { key: "description", label: "Description" }], params) : h("p", { class: "muted" }, "No parameters."),
      filters ? h("p", { class: "muted" }, filters.description) : null,
      form, out));
}

export async function render(main, params, query, alive) {
  setTitle("API");
  const body = h("div", {}, loading());
  main.append(h("h1", {}, "The public API"),
    h("p", {}, "Everything on these pages comes from a public JSON API: use it from scripts. The description below is generated from ",
      h("a", { href: `${API_BASE}/openapi.json` }, h("code", {}, `${API_BASE}/openapi.json`)), " (OpenAPI 3)."),
    body);
  try {
    const spec = await api("/openapi.json", { auth: false });
    if (!alive()) return undefined;
    const byTag = {};
    for (const [path, ops] of Object.entries(spec.paths || {})) {
      for (const [method, op] of Object.entries(ops)) {
        const tag = (op.tags || ["other"])[0];
        (byTag[tag] = byTag[tag] || []).push(operation(path, method, op));
      }
    }
    const order = ["pool", "cdp", "meta", ...Object.keys(byTag).filter((t) => !TAG_TITLES[t])];
    fill(body,
      h("p", {}, h("strong", {}, spec.info?.title || "API"), ` – version ${spec.info?.version || ""}. `, spec.info?.description || ""),
      order.filter((t) => byTag[t]).map((tag) => h("section", { "data-tag": tag }, h("h2", {}, TAG_TITLES[tag] || tag), byTag[tag])));
  } catch (error) {
    fill(body, errorNotice(error, "The API description could not be loaded"));
  }
  return undefined;
}
