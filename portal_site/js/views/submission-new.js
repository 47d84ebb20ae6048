// A new submission: the facts the file does not carry, then the file itself, sent
// straight to storage with the presigned POST the API gives (with a progress bar).
import { api } from "../api.js";
import { navigate } from "../router.js";
import { busy, field, fill, formData, h, link, notice, setTitle } from "../ui.js";

const KINDS = { ".xlsx": "Template", ".csv": "CRB-Anim", ".sql": "CryoWeb" };

/** POST a file to a presigned S3 target with XMLHttpRequest, reporting progress (0..1). */
export function uploadFile(target, file, onProgress) {
  return new Promise((resolve, reject) => {
    if (target.max_bytes && file.size > target.max_bytes) {
      reject(new Error(`the file is ${file.size} bytes; the limit is ${target.max_bytes}`));
      return;
    }
    const data = new FormData();
    for (const [key, value] of Object.entries(target.fields || {})) data.append(key, value);
    data.append("file", file);
    const xhr = new XMLHttpRequest();
    xhr.open(target.method || "POST", target.url);
    xhr.upload.onprogress = (e) => { if (e.lengthComputable) onProgress(e.loaded / e.total); };
    xhr.onload = () => (xhr.status < 300 ? resolve() : reject(new Error(`the upload was refused (${xhr.status})`)));
    xhr.onerror = () => reject(new Error("the upload failed: the storage could not be reached"));
    xhr.send(data);
  });
}

export function progressBlock(labelText) {
  const bar = h("progress", { max: 100, value: 0, "aria-label": labelText });
  const text = h("span", { class: "muted" }, "0%");
  return { el: h("div", { class: "upload-progress" }, bar, text), set: (f) => { bar.value = Math.round(f * 100); text.textContent = `${Math.round(f * 100)}%`; } };
}

export async function render(main, params) {
  const t = encodeURIComponent(params.team);
  setTitle("New submission");
  let team = { name: params.team, country: "" };
  try { team = await api(`/teams/${t}`); } catch { /* the form still works */ }
  const message = h("div", { id: "form-message" });
  const fileInput = h("input", { type: "file", name: "file", required: true, accept: ".xlsx,.csv,.sql,.json,.txt" });
  const typeSelect = h("select", { name: "data_source_type" }, ["Template", "CryoWeb", "CRB-Anim"].map((k) => h("option", { value: k }, k)));
  fileInput.addEventListener("change", () => {
    const name = fileInput.files[0]?.name || "";
    const kind = KINDS[name.slice(name.lastIndexOf(".")).toLowerCase()];
    if (kind) typeSelect.value = kind;
  });
  const progress = progressBlock("Upload progress");
  progress.el.hidden = true;
  const form = h("form", { class: "panel", id: "submission-form", style: "max-width:50rem" },
    h("div", { class: "form-grid" },
      field("Title", h("input", { name: "title", required: true })),
      field("Gene bank name", h("input", { name: "gene_bank_name", required: true, value: team.name || "" })),
      field("Gene bank country", h("input", { name: "gene_bank_country", required: true, value: team.country || "" })),
      field("Data source type", typeSelect, "Template (.xlsx), CryoWeb (.sql dump) or CRB-Anim (.csv)"),
      field("Data source version", h("input", { name: "data_source_version", required: true, placeholder: "e.g. 2024-05 or 1.5" }))),
    field("Description", h("textarea", { name: "description", rows: 3 })),
    h("fieldset", {}, h("legend", {}, "Contact person (BioSamples shows it with every record)"),
      h("div", { class: "form-grid" },
        field("First name", h("input", { name: "person_first_name" })),
        field("Last name", h("input", { name: "person_last_name" })),
        field("Email", h("input", { type: "email", name: "person_email" })),
        field("Organization", h("input", { name: "organization_name" })))),
    field("File", fileInput),
    progress.el,
    h("button", { type: "submit" }, "Create and upload"));
  form.addEventListener("submit", (e) => {
    e.preventDefault();
    const file = fileInput.files[0];
    if (!file) { fill(message, notice("error", "Choose the file to upload.")); return; }
    busy(form.querySelector("button[type=submit]"), message, async () => {
      const f = formData(form);
      const body = { title: f.title, description: f.description, gene_bank_name: f.gene_bank_name,
        gene_bank_country: f.gene_bank_country, data_source_type: f.data_source_type,
        data_source_version: f.data_source_version, file_name: file.name };
      if (f.person_last_name) {
        body.people = [{ first_name: f.person_first_name, last_name: f.person_last_name, email: f.person_email,
          affiliation: f.organization_name || "", role: "submitter" }];
      }
      if (f.organization_name) body.organizations = [{ name: f.organization_name, role: "submitter", country: f.gene_bank_country }];
      const created = await api(`/teams/${t}/submissions`, { method: "POST", body });
      progress.el.hidden = false;
      fill(message, notice("info", `Submission created; uploading ${file.name}…`));
      await uploadFile(created.upload, file, progress.set);
      progress.set(1);
      navigate(`/workspace/teams/${t}/submissions/${encodeURIComponent(created.submission_id)}?uploaded=1`);
    });
  });
  main.append(h("p", { class: "muted" }, link("/workspace", "Workspace"), " / ", link(`/workspace/teams/${t}`, team.name || params.team), " / New submission"),
    h("h1", {}, "New submission"),
    h("p", {}, "Upload your records as an IMAGE Template workbook, a CryoWeb dump or a CRB-Anim export. They are read and checked against the IMAGE standard; you then fix what is needed and submit to BioSamples."),
    message, form);
}
