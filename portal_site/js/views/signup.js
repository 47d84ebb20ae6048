// Sign up: the facts BioSamples records need about a submitter, then a confirmation code.
import { api } from "../api.js";
import { navigate } from "../router.js";
import { busy, field, formData, h, link, setTitle } from "../ui.js";

const ROLES = ["submitter", "curator", "principal investigator", "data manager", "researcher"];

export function render(main) {
  setTitle("Sign up");
  const message = h("div", { id: "form-message" });
  const organization = h("select", { name: "organization" }, h("option", { value: "" }, "– choose, or leave empty –"));
  api("/organizations", { auth: false }).then((answer) => {
    for (const org of answer.results || []) organization.append(h("option", { value: org.name }, `${org.name} (${org.country})`));
  }).catch(() => { /* optional */ });
  const form = h("form", { class: "panel", id: "signup-form", style: "max-width:44rem" },
    h("div", { class: "form-grid" },
      field("First name", h("input", { name: "first_name", required: true, autocomplete: "given-name" })),
      field("Last name", h("input", { name: "last_name", required: true, autocomplete: "family-name" })),
      field("Initials", h("input", { name: "initials", maxlength: 10 }), "Optional"),
      field("Email", h("input", { type: "email", name: "email", required: true, autocomplete: "email" })),
      field("Password", h("input", { type: "password", name: "password", required: true, minlength: 8, autocomplete: "new-password" }),
        "At least 8 characters, with upper and lower case letters, a digit and a symbol."),
      field("Affiliation", h("input", { name: "affiliation", required: true, autocomplete: "organization" }), "Your institute or gene bank"),
      field("Role", h("select", { name: "role" }, ROLES.map((r) => h("option", { value: r }, r)))),
      field("Organization", organization)),
    h("button", { type: "submit" }, "Create my account"));
  form.addEventListener("submit", (e) => {
    e.preventDefault();
    busy(form.querySelector("button[type=submit]"), message, async () => {
      const body = formData(form);
      for (const key of Object.keys(body)) if (body[key] === "") delete body[key];
      await api("/auth/signup", { method: "POST", body, auth: false });
      navigate(`/confirm?email=${encodeURIComponent(body.email)}&sent=1`);
    });
  });
  main.append(h("h1", {}, "Sign up"),
    h("p", {}, "An account lets you upload your gene bank's records, check them against the IMAGE standard and submit them to BioSamples. Already registered? ", link("/login", "Log in"), "."),
    message, form);
}
