// One team: its submissions, members (invite, remove), Webin account and audit log.
import { api } from "../api.js";
import { busy, errorNotice, field, fill, formData, h, link, loading, notice, setTitle, table, when } from "../ui.js";
import { submissionsTable } from "./workspace.js";

export async function render(main, params) {
  const teamId = params.team;
  const t = encodeURIComponent(teamId);
  main.append(loading());
  let team;
  try {
    team = await api(`/teams/${t}`);
  } catch (error) {
    fill(main, h("h1", {}, "Team"), errorNotice(error));
    return;
  }
  setTitle(team.name);
  const admin = team.role === "admin" || team.role === "site admin";
  const subsBox = h("div", {}, loading());
  const membersBox = h("div", {}, loading());
  const auditBox = h("div", {}, loading());
  const message = h("div", {});
  const invite = h("form", { class: "row", id: "invite-form", "aria-label": "Invite a member" },
    field("Email of a person with an account", h("input", { type: "email", name: "email", required: true })),
    field("Role", h("select", { name: "role" }, h("option", { value: "member" }, "member"), h("option", { value: "admin" }, "admin"))),
    h("button", { type: "submit" }, "Add to the team"));
  invite.addEventListener("submit", (e) => {
    e.preventDefault();
    busy(invite.querySelector("button"), message, async () => {
      const added = await api(`/teams/${t}/members`, { method: "POST", body: formData(invite) });
      fill(message, notice("ok", `${added.email || "The person"} is now a ${added.role || "member"} of the team.`));
      invite.reset();
      await members();
    });
  });
  const webinMessage = h("div", {});
  const webin = h("form", { class: "panel", id: "webin-form" },
    h("h2", {}, "Webin account"),
    h("p", {}, team.webin?.configured ? `Submissions go to BioSamples as ${team.webin.username}.` : "No Webin account yet: BioSamples needs one to accept this team's submissions."),
    h("div", { class: "form-grid" },
      field("Webin user name", h("input", { name: "username", required: true, placeholder: "Webin-12345", value: team.webin?.username || "" })),
      field("Password", h("input", { type: "password", name: "password", required: true, autocomplete: "off" }), "Stored encrypted; never shown again")),
    h("button", { type: "submit" }, "Save the Webin account"));
  webin.addEventListener("submit", (e) => {
    e.preventDefault();
    busy(webin.querySelector("button"), webinMessage, async () => {
      const stored = await api(`/teams/${t}/webin`, { method: "PUT", body: formData(webin) });
      fill(webinMessage, notice("ok", `Webin account ${stored.username || ""} saved.`));
      webin.elements.password.value = "";
    });
  });

  async function members() {
    try {
      const list = (await api(`/teams/${t}/members`)).results || [];
      fill(membersBox, table([
        { key: "email", label: "Email" }, { key: "role", label: "Role" },
        ...(admin ? [{ key: "remove", label: "", render: (m) => h("button", { type: "button", class: "secondary small",
          onclick: (e) => busy(e.target, message, async () => {
            await api(`/teams/${t}/members/${encodeURIComponent(m.user_id)}`, { method: "DELETE" });
            await members();
          }) }, "Remove") }] : []),
      ], list));
    } catch (error) { fill(membersBox, errorNotice(error)); }
  }

  fill(main,
    h("p", { class: "muted" }, link("/workspace", "Workspace"), " / ", team.name),
    h("h1", {}, team.name, h("span", { class: "muted" }, ` – ${team.country}`)),
    h("p", {}, `You are ${team.role} of this team.`),
    h("div", { class: "row spread" }, h("h2", {}, "Submissions"),
      h("a", { class: "button", href: `/workspace/teams/${t}/submissions/new`, "data-link": true }, "New submission")),
    subsBox,
    h("h2", {}, "Members"), membersBox, message, admin ? invite : null,
    admin ? [webinMessage, webin] : null,
    h("details", { class: "panel" }, h("summary", {}, "Audit log: who did what"), auditBox));
  api(`/teams/${t}/submissions`).then((answer) => fill(subsBox, submissionsTable(teamId, answer.results || [])))
    .catch((error) => fill(subsBox, errorNotice(error)));
  members();
  api(`/teams/${t}/audit`, { query: { limit: 50 } }).then((answer) => fill(auditBox, table([
    { key: "at", label: "When", render: (a) => when(a.at) },
    { key: "email", label: "Who", render: (a) => a.email || a.user_id || "" },
    { key: "action", label: "What", render: (a) => a.action || a.event || "" },
    { key: "target", label: "On", render: (a) => a.target || a.submission_id || "" },
  ], answer.results || []))).catch((error) => fill(auditBox, errorNotice(error)));
}
