// The partners' workspace: your teams (create one), each team's submissions, the empty
// IMAGE Template.
import { api, apiUrl, downloadFile } from "../api.js";
import { navigate } from "../router.js";
import { busy, errorNotice, field, fill, formData, h, link, loading, setTitle, statusBadge, table, when } from "../ui.js";

export function submissionsTable(teamId, subs) {
  return table([
    { key: "title", label: "Submission", render: (s) => link(`/workspace/teams/${encodeURIComponent(teamId)}/submissions/${encodeURIComponent(s.submission_id)}`, s.title) },
    { key: "status", label: "Status", render: (s) => statusBadge(s.status) },
    { key: "counts", label: "Animals / samples", render: (s) => (s.counts ? `${s.counts.animals ?? 0} / ${s.counts.samples ?? 0}` : "") },
    { key: "summary", label: "Pass / warning / error", render: (s) => (s.summary ? `${s.summary.pass} / ${s.summary.warning} / ${s.summary.error}` : "") },
    { key: "updated_at", label: "Updated", render: (s) => when(s.updated_at) },
  ], subs, { empty: "No submissions yet." });
}

export async function render(main) {
  setTitle("Workspace");
  const teamsBox = h("div", {}, loading());
  const message = h("div", {});
  const form = h("form", { class: "panel", id: "team-form" },
    h("h2", {}, "Create a team"),
    h("p", { class: "muted" }, "A team is a gene bank: its members share its submissions."),
    h("div", { class: "form-grid" },
      field("Name", h("input", { name: "name", required: true })),
      field("Country", h("input", { name: "country", required: true, autocomplete: "country-name" }))),
    h("button", { type: "submit" }, "Create the team"));
  form.addEventListener("submit", (e) => {
    e.preventDefault();
    busy(form.querySelector("button"), message, async () => {
      const team = await api("/teams", { method: "POST", body: formData(form) });
      navigate(`/workspace/teams/${encodeURIComponent(team.team_id)}`);
    });
  });
  main.append(h("h1", {}, "Workspace"),
    h("div", { class: "row" },
      h("a", { class: "button secondary", href: apiUrl("/template.xlsx"), id: "template-link", onclick: (e) => {
        e.preventDefault();
        busy(null, message, () => downloadFile("/template.xlsx", {}, "IMAGE_sample_empty_template.xlsx"));
      } }, "Download the empty IMAGE Template (.xlsx)")),
    h("h2", {}, "Your teams"), teamsBox, message, form);
  try {
    const teams = (await api("/teams")).results || [];
    if (!teams.length) {
      fill(teamsBox, h("p", {}, "You are in no team yet: create one below, or ask a team's admin to add you."));
      return;
    }
    const sections = await Promise.all(teams.map(async (team) => {
      let subs;
      try { subs = submissionsTable(team.team_id, (await api(`/teams/${encodeURIComponent(team.team_id)}/submissions`)).results || []); } catch (error) { subs = errorNotice(error); }
      return h("section", { class: "panel", "data-team": team.team_id },
        h("div", { class: "row spread" },
          h("h3", { style: "margin:0" }, link(`/workspace/teams/${encodeURIComponent(team.team_id)}`, team.name), h("span", { class: "muted" }, ` – ${team.country}, you are ${team.role}`)),
          link(`/workspace/teams/${encodeURIComponent(team.team_id)}/submissions/new`, "New submission")),
        subs);
    }));
    fill(teamsBox, sections);
    teamsBox.querySelectorAll("a").forEach((a) => { if (a.textContent === "New submission") a.className = "button"; });
  } catch (error) {
    fill(teamsBox, errorNotice(error));
  }
}
