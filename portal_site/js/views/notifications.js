// What happened to the user's submissions and teams; each links to the page concerned.
import { api } from "../api.js";
import { busy, errorNotice, fill, h, link, loading, setTitle, when } from "../ui.js";

export async function render(main) {
  setTitle("Notifications");
  const box = h("div", {}, loading());
  main.append(h("h1", {}, "Notifications"), box);
  const load = async () => {
    try {
      const answer = await api("/me/notifications");
      const items = answer.results || [];
      fill(box, items.length ? h("ul", { class: "stack", style: "list-style:none;padding:0" }, items.map((n) => h("li", {
        class: `panel${n.read ? "" : " unread"}`, "data-read": String(n.read) },
      h("div", { class: "row spread" }, h("strong", {}, n.read ? "" : "● ", n.subject), h("span", { class: "muted" }, when(n.at))),
      h("p", {}, n.text),
      h("div", { class: "row" },
        n.details?.link ? link(n.details.link.startsWith("/workspace/submissions/") && n.team_id
          ? n.details.link.replace("/workspace/submissions/", `/workspace/teams/${encodeURIComponent(n.team_id)}/submissions/`) : n.details.link, "Open") : null,
        n.read ? null : h("button", { type: "button", class: "secondary small", onclick: (e) => busy(e.target, box, async () => {
          await api(`/me/notifications/${encodeURIComponent(n.id)}/read`, { method: "POST", body: {} });
          window.dispatchEvent(new Event("imagepool:notifications"));
          await load();
        }) }, "Mark as read")))))
        : h("p", {}, "Nothing yet."));
    } catch (error) { fill(box, errorNotice(error)); }
  };
  await load();
}
