// /workspace/submissions/<id> (the links in notifications): find the team it belongs to.
import { api } from "../api.js";
import { navigate } from "../router.js";
import { fill, h, loading, notice } from "../ui.js";

export async function render(main, params) {
  main.append(loading());
  const teams = (await api("/teams")).results || [];
  for (const team of teams) {
    try {
      await api(`/teams/${encodeURIComponent(team.team_id)}/submissions/${encodeURIComponent(params.sub)}`);
      navigate(`/workspace/teams/${encodeURIComponent(team.team_id)}/submissions/${encodeURIComponent(params.sub)}`, { replace: true });
      return;
    } catch { /* not this team's */ }
  }
  fill(main, h("h1", {}, "Submission"), notice("warn", `None of your teams has a submission ${params.sub}.`));
}
