// The signed-in person's profile and which notifications also come by email.
import { api } from "../api.js";
import { session } from "../auth.js";
import { busy, errorNotice, field, fill, formData, h, loading, notice, setTitle } from "../ui.js";

const EVENT_NAMES = { upload_loaded: "An upload was read", upload_failed: "An upload failed",
  validation_finished: "A validation finished", submission_finished: "A submission to BioSamples finished",
  submission_failed: "A submission to BioSamples failed", team_invitation: "You were added to a team" };

export async function render(main) {
  setTitle("Your profile");
  const body = h("div", {}, loading());
  main.append(h("h1", {}, "Your profile"), body);
  try {
    const [me, prefs] = await Promise.all([api("/me"), api("/me/preferences")]);
    const message = h("div", {});
    const form = h("form", { class: "panel", id: "profile-form", style: "max-width:44rem" },
      h("p", {}, "Signed in as ", h("strong", {}, me.email), me.site_admin ? " (site administrator)" : ""),
      h("div", { class: "form-grid" },
        ["first_name", "last_name", "initials", "affiliation", "role", "organization"].map((name) =>
          field(name.replace("_", " ").replace(/^\w/, (c) => c.toUpperCase()), h("input", { name, value: me[name] || "" })))),
      h("button", { type: "submit" }, "Save"));
    form.addEventListener("submit", (e) => {
      e.preventDefault();
      busy(form.querySelector("button"), message, async () => {
        const saved = await api("/me", { method: "PUT", body: formData(form) });
        session.setProfile(saved);
        fill(message, notice("ok", "Your profile is saved."));
      });
    });
    const prefMessage = h("div", {});
    const prefForm = h("form", { class: "panel", id: "preferences-form", style: "max-width:44rem" },
      h("fieldset", {}, h("legend", {}, "Also send me an email when…"),
        Object.entries(prefs.email || {}).map(([event, on]) => h("div", {}, h("label", { style: "font-weight:400" },
          h("input", { type: "checkbox", name: event, checked: on }), " ", EVENT_NAMES[event] || event.replace(/_/g, " "))))),
      h("button", { type: "submit" }, "Save preferences"));
    prefForm.addEventListener("submit", (e) => {
      e.preventDefault();
      busy(prefForm.querySelector("button"), prefMessage, async () => {
        await api("/me/preferences", { method: "PUT", body: { email: formData(prefForm) } });
        fill(prefMessage, notice("ok", "Preferences saved."));
      });
    });
    fill(body, message, form, h("h2", {}, "Email notifications"), prefMessage, prefForm,
      h("h2", {}, "Your teams"), h("ul", {}, (me.teams || []).map((t) => h("li", {},
        h("a", { href: `/workspace/teams/${encodeURIComponent(t.team_id)}`, "data-link": true }, t.name), ` (${t.role})`))));
  } catch (error) {
    fill(body, errorNotice(error));
  }
}
