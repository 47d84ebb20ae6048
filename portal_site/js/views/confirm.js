// Confirm the email address with the code that was sent.
import { api } from "../api.js";
import { navigate } from "../router.js";
import { busy, field, fill, formData, h, notice, setTitle } from "../ui.js";

export function render(main, params, query) {
  setTitle("Confirm your address");
  const message = h("div", { id: "form-message" });
  const email = query.get("email") || "";
  const form = h("form", { class: "narrow panel", id: "confirm-form" },
    field("Email", h("input", { type: "email", name: "email", required: true, value: email })),
    field("Confirmation code", h("input", { name: "code", required: true, inputmode: "numeric", autocomplete: "one-time-code" }), "From the email we sent you"),
    h("div", { class: "row" }, h("button", { type: "submit" }, "Confirm"),
      h("button", { type: "button", class: "secondary", onclick: (e) => busy(e.target, message, async () => {
        const answer = await api("/auth/resend", { method: "POST", body: { email: form.elements.email.value.trim() }, auth: false });
        fill(message, notice("info", answer.message));
      }) }, "Send a new code")));
  form.addEventListener("submit", (e) => {
    e.preventDefault();
    busy(form.querySelector("button[type=submit]"), message, async () => {
      const body = formData(form);
      await api("/auth/confirm", { method: "POST", body, auth: false });
      navigate(`/login?confirmed=1&email=${encodeURIComponent(body.email)}`);
    });
  });
  fill(main, h("h1", {}, "Confirm your address"),
    query.get("sent") ? notice("ok", `Your account is created. We sent a confirmation code to ${email}.`) : null,
    message, form);
}
