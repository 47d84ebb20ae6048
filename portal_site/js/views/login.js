// Log in: tokens go to the session; then back where the user was going.
import { api } from "../api.js";
import { session } from "../auth.js";
import { navigate } from "../router.js";
import { busy, field, fill, formData, h, link, notice, setTitle } from "../ui.js";

export function render(main, params, query) {
  setTitle("Log in");
  const message = h("div", { id: "form-message" });
  const form = h("form", { class: "narrow panel", id: "login-form" },
    field("Email", h("input", { type: "email", name: "email", required: true, autocomplete: "username", value: query.get("email") || "" })),
    field("Password", h("input", { type: "password", name: "password", required: true, autocomplete: "current-password" })),
    h("div", { class: "row" }, h("button", { type: "submit" }, "Log in"), link("/password", "Forgot your password?")));
  form.addEventListener("submit", (e) => {
    e.preventDefault();
    busy(form.querySelector("button"), message, async () => {
      const tokens = await api("/auth/login", { method: "POST", body: formData(form), auth: false });
      session.set(tokens);
      const next = query.get("next");
      // Only a path of this site ("//host" would be another one).
      navigate(next && /^\/(?![/\\])/.test(next) ? next : "/workspace", { replace: true });
    });
  });
  fill(main, h("h1", {}, "Log in"),
    query.get("confirmed") ? notice("ok", "Your address is confirmed: log in.") : null,
    message, form,
    h("p", {}, "No account yet? ", link("/signup", "Sign up"), ". Got a confirmation code? ", link("/confirm", "Confirm your address"), "."));

}
