// Forgotten password: ask for a code, then set a new password with it.
import { api } from "../api.js";
import { navigate } from "../router.js";
import { busy, field, fill, formData, h, notice, setTitle } from "../ui.js";

export function render(main, params, query) {
  setTitle("Reset your password");
  const message = h("div", { id: "form-message" });
  const ask = h("form", { class: "narrow panel" },
    h("h2", {}, "1. Get a code"),
    field("Email", h("input", { type: "email", name: "email", required: true, value: query.get("email") || "" })),
    h("button", { type: "submit" }, "Email me a code"));
  const reset = h("form", { class: "narrow panel" },
    h("h2", {}, "2. Choose a new password"),
    field("Email", h("input", { type: "email", name: "email", required: true, value: query.get("email") || "" })),
    field("Code", h("input", { name: "code", required: true, autocomplete: "one-time-code" })),
    field("New password", h("input", { type: "password", name: "password", required: true, autocomplete: "new-password" })),
    h("button", { type: "submit" }, "Set the password"));
  ask.addEventListener("submit", (e) => {
    e.preventDefault();
    busy(ask.querySelector("button"), message, async () => {
      const body = formData(ask);
      const answer = await api("/auth/password/forgot", { method: "POST", body, auth: false });
      reset.elements.email.value = body.email;
      fill(message, notice("info", answer.message));
    });
  });
  reset.addEventListener("submit", (e) => {
    e.preventDefault();
    busy(reset.querySelector("button"), message, async () => {
      const body = formData(reset);
      await api("/auth/password/reset", { method: "POST", body, auth: false });
      navigate(`/login?email=${encodeURIComponent(body.email)}`);
    });
  });
  main.append(h("h1", {}, "Reset your password"), message, h("div", { class: "grid" }, ask, reset));
}
