// Edit one record of a submission: each attribute's value and units, add or remove
// attributes, or delete the record. Saving sends the submission back to validation.
import { api } from "../api.js";
import { navigate } from "../router.js";
import { busy, errorNotice, fill, h, link, loading, notice, setTitle, statusBadge } from "../ui.js";

export async function render(main, params) {
  const t = encodeURIComponent(params.team);
  const s = encodeURIComponent(params.sub);
  const r = encodeURIComponent(params.record);
  const back = `/workspace/teams/${t}/submissions/${s}`;
  main.append(loading());
  let item;
  try {
    item = await api(`/teams/${t}/submissions/${s}/records/${r}`);
  } catch (error) {
    fill(main, h("h1", {}, `Record ${params.record}`), errorNotice(error, "The record could not be loaded"), link(back, "Back to the submission"));
    return;
  }
  setTitle(`Record ${item.id}`);
  const attrs = item.record?.attributes || {};
  const original = new Set(Object.keys(attrs));
  const rowsBox = h("tbody", {});
  const addRow = (name, value = "", units = "") => {
    const id = `attr-${rowsBox.children.length}`;
    rowsBox.append(h("tr", { "data-name": name },
      h("th", { scope: "row" }, name ? h("label", { for: id }, name) : h("input", { class: "new-name", "aria-label": "Attribute name", placeholder: "Attribute name" })),
      h("td", {}, h("input", { id, class: "value", value, style: "width:100%" })),
      h("td", {}, h("input", { class: "units", value: units, "aria-label": `Units of ${name || "the new attribute"}`, size: 14 })),
      h("td", {}, h("button", { type: "button", class: "secondary small", onclick: (e) => { e.target.closest("tr").remove(); } }, "Remove"))));
  };
  for (const [name, values] of Object.entries(attrs)) addRow(name, values?.[0]?.value ?? "", values?.[0]?.units ?? "");
  const message = h("div", { id: "form-message" });
  const form = h("form", { id: "record-form" },
    h("div", { class: "table-wrap" }, h("table", {},
      h("thead", {}, h("tr", {}, h("th", {}, "Attribute"), h("th", {}, "Value"), h("th", {}, "Units"), h("th", {}, h("span", { class: "visually-hidden" }, "Remove")))), rowsBox)),
    h("div", { class: "row", style: "margin-top:.6rem" },
      h("button", { type: "button", class: "secondary", onclick: () => addRow("") }, "Add an attribute"),
      h("button", { type: "submit" }, "Save"),
      h("button", { type: "button", class: "danger", onclick: (e) => {
        if (!window.confirm(`Delete the record ${item.id}?`)) return;
        busy(e.target, message, async () => {
          await api(`/teams/${t}/submissions/${s}/records/${r}`, { method: "DELETE" });
          navigate(back);
        });
      } }, "Delete the record")));
  form.addEventListener("submit", (e) => {
    e.preventDefault();
    busy(form.querySelector("button[type=submit]"), message, async () => {
      const patch = {};
      const kept = new Set();
      for (const row of rowsBox.children) {
        const name = row.dataset.name || row.querySelector(".new-name")?.value.trim();
        if (!name) continue;
        const value = row.querySelector(".value").value.trim();
        const units = row.querySelector(".units").value.trim();
        kept.add(name);
        const old = attrs[name]?.[0] || {};
        if (value === "") { if (original.has(name)) patch[name] = null; continue; }
        if (old.value === value && (old.units || "") === units) continue;
        patch[name] = [{ value, ...(units ? { units } : {}), ...(old.terms && old.value === value ? { terms: old.terms } : {}) }];
      }
      for (const name of original) if (!kept.has(name)) patch[name] = null;
      if (!Object.keys(patch).length) { fill(message, notice("info", "Nothing changed.")); return; }
      const body = { attributes: patch };
      if (Number.isInteger(item.version)) body.version = item.version;
      item = await api(`/teams/${t}/submissions/${s}/records/${r}`, { method: "PATCH", body });
      fill(message, notice("ok", `Saved (${Object.keys(patch).join(", ")}); the submission is being validated again.`));
    });
  });
  fill(main,
    h("p", { class: "muted" }, link("/workspace", "Workspace"), " / ", link(back, "submission"), " / ", item.id),
    h("h1", {}, `${item.material === "organism" ? "Animal" : "Sample"} ${item.id}`),
    h("p", {}, "Status: ", statusBadge(item.status), item.accession ? [" · BioSamples ", h("a", { href: `/record/${encodeURIComponent(item.accession)}`, "data-link": true }, item.accession)] : ""),
    (item.validation?.messages || []).length ? notice(item.validation.status === "error" ? "error" : "warn",
      h("ul", { style: "margin:0" }, item.validation.messages.map((m) => h("li", {}, h("strong", {}, m.field), `: ${m.message}`)))) : null,
    message, form,
    h("p", {}, link(back, "← Back to the submission")));
}
