// One submission, from upload to BioSamples: live status (polled), the validation report
// grouped by problem with "fix this" across records, the records (edit, delete), the
// proposed ontology mappings, export, submission to BioSamples with its progress, and the
// accessions once done.
import { api, downloadFile } from "../api.js";
import { busy, errorNotice, field, fill, h, link, loading, notice, number, pager, setTitle, statusBadge, table, when, announce } from "../ui.js";
import { progressBlock, uploadFile } from "./submission-new.js";

const STEPS = ["WAITING", "PROCESSING", "LOADED", "VALIDATING", "READY", "SUBMITTED", "COMPLETED"];
const BUSY = new Set(["WAITING", "PROCESSING", "LOADED", "VALIDATING", "SUBMITTED"]);
const EDITABLE = new Set(["LOADED", "READY", "NEED_REVISION", "ERROR", "COMPLETED"]);
const POLL_MS = 1500;

/** A notice about work under way, cleared when the submission is no longer busy. */
function inProgress(text) {
  const el = notice("info", text);
  el.dataset.inProgress = "1";
  return el;
}

function steps(status) {
  const at = status === "NEED_REVISION" ? STEPS.indexOf("READY") : STEPS.indexOf(status);
  return h("ol", { class: "steps", "aria-label": "Progress of the submission" }, STEPS.map((s, i) => {
    let cls = i < at ? "done" : i === at ? "current" : "";
    let text = s.replace(/_/g, " ").toLowerCase();
    if (i === at && (status === "NEED_REVISION" || status === "ERROR")) { cls = "failed"; text = status.replace(/_/g, " ").toLowerCase(); }
    return h("li", { class: cls, "aria-current": i === at ? "step" : undefined }, text);
  }));
}

export async function render(main, params, query, alive) {
  const t = encodeURIComponent(params.team);
  const s = encodeURIComponent(params.sub);
  const base = `/teams/${t}/submissions/${s}`;
  let timer = null;
  let sub = null;
  let records = [];
  let byId = new Map();
  let recordsFilter = null;
  // the records table pages on the client: every record is loaded once (up to 20,000)
  let recordsPage = 1;
  let recordsSize = 25;
  let recordsText = "";
  let stopped = false;

  const header = h("div", {}, loading());
  const actions = h("div", { class: "row", id: "actions" });
  const actionMessage = h("div", { id: "action-message" });
  const reportBox = h("section", { id: "report", "aria-labelledby": "report-title" });
  const mappingsBox = h("section", { id: "mappings", "aria-labelledby": "mappings-title" });
  const recordsBox = h("section", { id: "records", "aria-labelledby": "records-title" });
  const submitBox = h("section", { id: "submit", "aria-labelledby": "submit-title" });
  main.append(h("p", { class: "muted" }, link("/workspace", "Workspace"), " / ", link(`/workspace/teams/${t}`, params.team), " / submission"),
    header, actions, actionMessage, submitBox, reportBox, mappingsBox, recordsBox);

  async function loadSubmission() {
    sub = await api(base);
    return sub;
  }

  function renderHeader() {
    setTitle(sub.title);
    const c = sub.counts || {};
    fill(header,
      h("h1", {}, sub.title),
      h("p", {}, "Status: ", h("span", { id: "submission-status" }, statusBadge(sub.status)), " ", BUSY.has(sub.status) ? h("span", { class: "loading" }, "working…") : ""),
      steps(sub.status),
      sub.message ? h("p", { id: "status-message" }, sub.message) : null,
      h("p", { class: "muted" },
        sub.file ? `File ${sub.file.name} (${number(sub.file.size)} bytes). ` : "No file yet. ",
        c.animals !== undefined ? `${number(c.animals)} animals, ${number(c.samples)} samples` : "",
        c.skipped ? `, ${number(c.skipped)} rows skipped` : "", ". ",
        `Gene bank ${sub.facts?.gene_bank_name || ""} (${sub.facts?.gene_bank_country || ""}), ${sub.facts?.data_source_type || ""} ${sub.facts?.data_source_version || ""}. `,
        `Updated ${when(sub.updated_at)}.`),
      (sub.problems || []).length ? notice("error", h("strong", {}, "Problems reading the file:"),
        h("ul", {}, sub.problems.map((p) => h("li", {}, typeof p === "string" ? p : p.message || JSON.stringify(p))))) : null);
    renderActions();
  }

  function renderActions() {
    const editable = EDITABLE.has(sub.status);
    const reloadInput = h("input", { type: "file", id: "reload-file", accept: ".xlsx,.csv,.sql,.json,.txt", class: "visually-hidden" });
    const progress = progressBlock("Upload progress");
    progress.el.hidden = true;
    reloadInput.addEventListener("change", () => busy(null, actionMessage, async () => {
      const file = reloadInput.files[0];
      if (!file) return;
      const target = await api(`${base}/upload`, { method: "POST", body: { file_name: file.name } });
      progress.el.hidden = false;
      await uploadFile(target, file, progress.set);
      fill(actionMessage, inProgress(`${file.name} uploaded: it is being read again.`));
      poll(true);
    }));
    fill(actions,
      h("button", { type: "button", id: "submit-button", disabled: sub.status !== "READY" && sub.status !== "COMPLETED",
        title: sub.status === "READY" ? "" : "Only a submission that passed validation can be submitted", onclick: (e) => submit(e.target) }, "Submit to BioSamples"),
      h("button", { type: "button", class: "secondary", disabled: !editable, onclick: (e) => busy(e.target, actionMessage, async () => {
        await api(`${base}/validate`, { method: "POST", body: {} });
        fill(actionMessage, inProgress("Validation started."));
        poll(true);
      }) }, "Validate again"),
      h("label", { for: "reload-file", class: "button secondary", tabindex: "0", role: "button",
        onkeydown: (e) => { if (e.key === "Enter" || e.key === " ") { e.preventDefault(); reloadInput.click(); } } }, "Upload a new version of the file"), reloadInput,
      h("button", { type: "button", class: "secondary", onclick: (e) => busy(e.target, actionMessage, async () => {
        const got = await downloadFile(`${base}/export`, { format: "json" }, `${params.sub}.json`);
        fill(actionMessage, notice("ok", `Downloaded ${got.name}.`));
      }) }, "Export JSON"),
      h("button", { type: "button", class: "secondary", onclick: (e) => busy(e.target, actionMessage, async () => {
        const got = await downloadFile(`${base}/export`, { format: "xlsx" }, `${params.sub}.xlsx`);
        fill(actionMessage, notice("ok", `Downloaded ${got.name}.`));
      }) }, "Export as IMAGE Template"),
      progress.el);
  }

  // ------------------------------------------------------------------ validation report
  function renderReport() {
    const v = sub.validation;
    if (!v) {
      fill(reportBox, h("h2", { id: "report-title" }, "Validation report"),
        h("p", { class: "muted" }, BUSY.has(sub.status) ? "The records are being read and checked…" : "Not validated yet."));
      return;
    }
    const sum = v.summary || {};
    fill(reportBox,
      h("h2", { id: "report-title" }, "Validation report"),
      h("div", { class: "figures", id: "validation-summary" },
        [["pass", "Pass"], ["warning", "Warnings"], ["error", "Errors"]].map(([k, text]) =>
          h("div", { class: "figure", "data-level": k }, h("span", { class: "number" }, number(sum[k] || 0)), h("span", { class: `status ${k}` }, text)))),
      h("p", { class: "muted" }, `Checked against the IMAGE ruleset ${v.ruleset || ""}. Each problem below is shared by the records it lists: fix it once for all of them.`),
      (v.problems || []).length ? h("div", { id: "problems" }, v.problems.map(problemBlock)) : notice("ok", "No problems: every record meets the IMAGE standard."));
  }

  function problemBlock(p) {
    const message = h("div", {});
    const valueInput = h("input", { name: "value", required: true, "aria-label": `New value of ${p.field}` });
    const unitsInput = h("input", { name: "units", placeholder: "units (optional)", "aria-label": `Units of ${p.field}`, size: 12 });
    const fixForm = h("form", { class: "fix row", hidden: true },
      h("label", { for: "" }, `Set ${p.field} on these ${p.count} records to`), valueInput, unitsInput,
      h("button", { type: "submit" }, "Apply"), h("button", { type: "button", class: "secondary", onclick: () => { fixForm.hidden = true; } }, "Cancel"));
    fixForm.querySelector("label").htmlFor = valueInput.id = `fix-${p.code}-${p.field}`.replace(/\W+/g, "-");
    fixForm.addEventListener("submit", (e) => {
      e.preventDefault();
      busy(fixForm.querySelector("button[type=submit]"), message, async () => {
        const body = { field: p.field, value: valueInput.value.trim(), record_ids: (p.records || []).map((id) => byId.get(id)?.record_id || id) };
        if (unitsInput.value.trim()) body.units = unitsInput.value.trim();
        const answer = await api(`${base}/fix`, { method: "POST", body });
        fill(message, notice("ok", `${answer.updated} records updated; they are being validated again.`));
        announce(`${answer.updated} records updated`);
        fixForm.hidden = true;
        poll(true);
      });
    });
    return h("article", { class: `problem ${p.level}`, "data-code": p.code, "data-field": p.field },
      h("div", { class: "row spread" },
        h("div", {}, h("span", { class: `status ${p.level}` }, p.level), " ", h("strong", {}, p.field), ` – ${number(p.count)} record${p.count === 1 ? "" : "s"}`),
        h("div", { class: "row" },
          h("button", { type: "button", class: "secondary small", onclick: () => { recordsFilter = { ids: new Set(p.records || []), label: `${p.field}: ${p.code}` }; recordsPage = 1; renderRecords(); recordsBox.scrollIntoView(); } }, "Show the records"),
          EDITABLE.has(sub.status) ? h("button", { type: "button", class: "small", onclick: () => { fixForm.hidden = false; valueInput.focus(); } }, "Fix this") : null)),
      h("p", { style: "margin:.3rem 0" }, p.example),
      fixForm, message);
  }

  // ------------------------------------------------------------------ records
  async function loadRecords() {
    const all = [];
    let cursor;
    for (let i = 0; i < 20; i++) {
      const page = await api(`${base}/records`, { query: { limit: 1000, cursor } });
      all.push(...(page.results || []));
      cursor = page.next;
      if (!cursor) break;
    }
    records = all;
    byId = new Map(all.map((r) => [r.id, r]));
  }

  /** Records matching the problem filter and the id box. */
  function matchingRecords() {
    let shown = recordsFilter ? records.filter((r) => recordsFilter.ids.has(r.id)) : records;
    const text = recordsText.trim().toLowerCase();
    if (text) shown = shown.filter((r) => r.id.toLowerCase().includes(text) || (r.accession || "").toLowerCase().includes(text));
    return shown;
  }

  /** The records section; the page, the page size and the id box survive a refresh. */
  function renderRecords() {
    const list = h("div", { id: "records-list" });
    const find = h("input", { type: "search", value: recordsText, autocomplete: "off" });
    find.addEventListener("input", () => { recordsText = find.value; recordsPage = 1; renderRecordList(list); });
    const size = h("select", {}, [25, 100, 500].map((n) => h("option", { value: String(n), selected: n === recordsSize }, String(n))));
    size.addEventListener("change", () => { recordsSize = Number(size.value); recordsPage = 1; renderRecordList(list); });
    fill(recordsBox,
      h("h2", { id: "records-title" }, "Records"),
      recordsFilter ? h("div", { class: "chips" }, h("span", { class: "chip" }, `Only: ${recordsFilter.label}`,
        h("button", { type: "button", "aria-label": "Show every record", onclick: () => { recordsFilter = null; recordsPage = 1; renderRecords(); } }, "×"))) : null,
      h("div", { class: "row" }, field("Find records by id or accession", find), field("Records per page", size)),
      list);
    renderRecordList(list);
  }

  function renderRecordList(list) {
    const shown = matchingRecords();
    const pages = Math.max(1, Math.ceil(shown.length / recordsSize));
    recordsPage = Math.min(Math.max(1, recordsPage), pages);
    const rows = shown.slice((recordsPage - 1) * recordsSize, recordsPage * recordsSize);
    const message = h("div", {});
    const checks = new Map();
    const editable = EDITABLE.has(sub.status);
    const del = h("button", { type: "button", class: "danger small", disabled: !editable, onclick: (e) => {
      const ids = [...checks].filter(([, box]) => box.checked).map(([id]) => id);
      if (!ids.length) { fill(message, notice("warn", "Tick the records to delete first.")); return; }
      if (!window.confirm(`Delete ${ids.length} record(s)? Records already in BioSamples are only marked as removed.`)) return;
      busy(e.target, message, async () => {
        const answer = await api(`${base}/records/delete`, { method: "POST", body: { record_ids: ids } });
        fill(message, notice("ok", `${answer.deleted} record(s) deleted.`));
        await refreshAll();
      });
    } }, "Delete the ticked records");
    fill(list,
      h("p", { class: "muted", id: "records-count", "aria-live": "polite" }, `${number(shown.length)} record(s)${recordsText.trim() ? ` matching “${recordsText.trim()}”` : ""}.`),
      message,
      table([
        { key: "pick", label: h("span", { class: "visually-hidden" }, "Select"), render: (r) => {
          const box = h("input", { type: "checkbox", "aria-label": `Select ${r.id}` });
          checks.set(r.record_id, box);
          return box;
        } },
        { key: "id", label: "Id", render: (r) => link(`/workspace/teams/${t}/submissions/${s}/records/${encodeURIComponent(r.record_id)}`, r.id) },
        { key: "material", label: "Material" },
        { key: "species", label: "Species", render: (r) => r.record?.attributes?.Species?.[0]?.value || "" },
        { key: "status", label: "Status", render: (r) => statusBadge(r.status) },
        { key: "validation", label: "Validation", render: (r) => (r.validation ? h("span", {}, h("span", { class: `status ${r.validation.status}` }, r.validation.status),
          (r.validation.messages || []).length ? h("details", { style: "font-size:.9rem" },
            h("summary", {}, `${r.validation.messages.length} message${r.validation.messages.length === 1 ? "" : "s"}`),
            h("ul", { style: "margin:.2rem 0 0;padding-left:1.1rem" },
              r.validation.messages.map((m) => h("li", {}, `${m.field}: ${m.message}`)))) : "") : "") },
        { key: "accession", label: "BioSamples", render: (r) => (r.accession ? h("a", { href: `/record/${encodeURIComponent(r.accession)}`, "data-link": true, class: "accession" }, r.accession) : "") },
      ], rows, { empty: "No records." }),
      shown.length > recordsSize ? pager({ page: recordsPage, size: recordsSize, total: shown.length, label: "Records pages",
        onPage: (n) => { recordsPage = n; renderRecordList(list); list.scrollIntoView({ block: "nearest" }); } }) : null,
      h("div", { class: "row", style: "margin-top:.5rem" }, del));
  }

  // ------------------------------------------------------------------ mappings
  async function renderMappings() {
    let results;
    try {
      results = (await api(`${base}/mappings`)).results || [];
    } catch (error) {
      fill(mappingsBox, h("h2", { id: "mappings-title" }, "Ontology mappings"), errorNotice(error, "Proposed mappings"));
      return;
    }
    if (!results.length) { fill(mappingsBox); return; }
    const message = h("div", {});
    const decide = (m, term) => (e) => busy(e.target, message, async () => {
      await api(`/teams/${t}/mappings`, { method: "POST", body: { kind: m.kind, text: m.text, term } });
      fill(message, notice("ok", term ? `“${m.text}” is mapped to ${term}; validate again to use it.` : `The proposals for “${m.text}” are rejected.`));
      e.target.closest("tr").querySelectorAll("button").forEach((b) => { b.disabled = true; });
    });
    fill(mappingsBox, h("h2", { id: "mappings-title" }, "Ontology mappings to confirm"),
      h("p", { class: "muted" }, "These values were matched to ontology terms without certainty. Confirm the right term, or reject them all."),
      message,
      table([
        { key: "kind", label: "Field" },
        { key: "text", label: "Your value" },
        { key: "proposals", label: "Proposed terms", render: (m) => h("div", { class: "stack" }, (m.proposals || []).map((p) => h("div", { class: "row" },
          h("button", { type: "button", class: "small", onclick: decide(m, p.term) }, "Confirm"),
          h("span", {}, `${p.label} (${p.term})`, p.confidence !== undefined ? h("span", { class: "muted" }, ` – ${p.confidence}`) : "")))) },
        { key: "reject", label: "", render: (m) => h("button", { type: "button", class: "secondary small", onclick: decide(m, null) }, "Reject all") },
      ], results));
  }

  // ------------------------------------------------------------------ submit to BioSamples
  async function submit(button) {
    await busy(button, actionMessage, async () => {
      await api(`${base}/submit`, { method: "POST", body: {} });
      fill(actionMessage, notice("info", "Submission to BioSamples started."));
      poll(true);
    });
  }

  async function renderProgress() {
    if (!["SUBMITTED", "COMPLETED"].includes(sub.status) && !submitBox.dataset.shown) { fill(submitBox); return; }
    submitBox.dataset.shown = "1";
    let progress;
    try {
      progress = await api(`${base}/progress`);
    } catch (error) {
      fill(submitBox, h("h2", { id: "submit-title" }, "Submission to BioSamples"), errorNotice(error, "Progress"));
      return;
    }
    const bar = progressBlock("Records sent to BioSamples");
    bar.set(progress.total ? progress.done / progress.total : 0);
    const accessioned = records.filter((r) => r.accession);
    fill(submitBox, h("h2", { id: "submit-title" }, "Submission to BioSamples"),
      h("p", {}, `${number(progress.done)} of ${number(progress.total)} records done (${progress.status}).`), bar.el,
      (progress.errors || []).length ? notice("error", h("strong", {}, "BioSamples refused some records:"),
        h("ul", {}, progress.errors.map((e) => h("li", {}, `${e.id}: ${e.message}`)))) : null,
      sub.status === "COMPLETED" ? h("div", { id: "accessions" }, notice("ok", `Done: ${number(accessioned.length)} records have a BioSamples accession.`),
        table([{ key: "id", label: "Your id" }, { key: "accession", label: "Accession", render: (r) => h("span", {},
          h("a", { href: `https://www.ebi.ac.uk/biosamples/samples/${r.accession}`, rel: "noopener", target: "_blank" }, r.accession)) }], accessioned.slice(0, 200))) : null);
  }

  // ------------------------------------------------------------------ polling
  async function refreshAll() {
    await loadSubmission();
    if (!alive() || stopped) return;
    renderHeader();
    renderReport();
    try { await loadRecords(); renderRecords(); } catch (error) { fill(recordsBox, errorNotice(error, "Records")); }
    await renderMappings();
    await renderProgress();
  }

  let extraRounds = 0;
  async function poll(force = false) {
    clearTimeout(timer);
    if (stopped) return;
    if (force) extraRounds = 8; // after an action, watch a while even if nothing looks busy
    const before = sub ? `${sub.status}|${sub.updated_at}` : "";
    try {
      await loadSubmission();
    } catch (error) {
      fill(actionMessage, errorNotice(error));
      return;
    }
    if (!alive() || stopped) return;
    const changed = `${sub.status}|${sub.updated_at}` !== before;
    if (force || changed) {
      renderHeader();
      if (!BUSY.has(sub.status)) await refreshAll();
      else renderReport();
      if (changed) announce(`Status: ${sub.status.replace(/_/g, " ")}`);
      // "being read…" notices are stale once the work is done: the status says the rest
      if (!BUSY.has(sub.status) && actionMessage.querySelector("[data-in-progress]")) fill(actionMessage);
    }
    if (sub.status === "SUBMITTED") await renderProgress();
    if (BUSY.has(sub.status) || extraRounds-- > 0) timer = setTimeout(() => poll(false), POLL_MS);
  }

  try {
    await refreshAll();
  } catch (error) {
    fill(header, h("h1", {}, "Submission"), errorNotice(error));
    return undefined;
  }
  if (query.get("uploaded") && BUSY.has(sub.status)) fill(actionMessage, inProgress("The file is uploaded: it is being read and checked."));
  if (BUSY.has(sub.status) || query.get("uploaded")) timer = setTimeout(() => poll(false), POLL_MS);
  return () => { stopped = true; clearTimeout(timer); };
}
