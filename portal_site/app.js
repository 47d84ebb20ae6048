// The portal's entry point: routes, the account menu, the API status line.
import { api, STAGE } from "./js/api.js";
import { session } from "./js/auth.js";
import { onBeforeShow, route, start } from "./js/router.js";
import { h, link } from "./js/ui.js";

const v = (name) => () => import(`./js/views/${name}.js`);

// Public pool
route("/", v("home"));
route("/search", v("search"));
route("/organisms", v("browse"));
route("/specimens", v("browse"));
route("/files", v("browse"));
route("/record/:id", v("record"));
route("/map", v("map"));
route("/summary", v("summary"));
route("/api-docs", v("apidocs"));
// Accounts
route("/login", v("login"));
route("/signup", v("signup"));
route("/confirm", v("confirm"));
route("/password", v("password"));
// Partners' workspace
route("/workspace", v("workspace"), { auth: true });
route("/workspace/profile", v("profile"), { auth: true });
route("/workspace/notifications", v("notifications"), { auth: true });
route("/workspace/teams/:team", v("team"), { auth: true });
route("/workspace/teams/:team/submissions/new", v("submission-new"), { auth: true });
route("/workspace/teams/:team/submissions/:sub", v("submission"), { auth: true });
route("/workspace/teams/:team/submissions/:sub/records/:record", v("record-edit"), { auth: true });
route("/workspace/submissions/:sub", v("submission-find"), { auth: true });

let unread = null;

async function refreshUnread() {
  if (!session.signedIn()) { unread = null; return; }
  try {
    unread = (await api("/me/notifications")).unread;
  } catch { unread = null; }
  renderAccountNav();
}

function renderAccountNav() {
  const nav = document.getElementById("account-nav");
  const current = session.get();
  if (!current?.access_token) {
    nav.replaceChildren(h("li", {}, link("/login", "Log in")), h("li", {}, link("/signup", "Sign up")));
  } else {
    const name = current.profile?.first_name || current.profile?.email || "Account";
    nav.replaceChildren(
      h("li", {}, link("/workspace", "Workspace")),
      h("li", {}, link("/workspace/notifications", "Notifications",
        unread ? [" ", h("span", { class: "badge", "aria-label": `${unread} unread` }, unread)] : "")),
      h("li", {}, link("/workspace/profile", name)),
      h("li", {}, h("button", { type: "button", class: "linkish", onclick: logOut }, "Log out")));
  }
  markCurrent(location.pathname);
}

async function logOut() {
  try { await api("/auth/logout", { method: "POST", body: {} }); } catch { /* signed out anyway */ }
  session.clear();
  const { navigate } = await import("./js/router.js");
  navigate("/");
}

function markCurrent(path) {
  for (const a of document.querySelectorAll("header nav a")) {
    const href = a.getAttribute("href");
    const here = href === "/" ? path === "/" : path === href || path.startsWith(href + "/");
    if (here) a.setAttribute("aria-current", "page"); else a.removeAttribute("aria-current");
  }
}

async function showStatus() {
  const target = document.getElementById("api-status");
  try {
    const body = await api("/health", { auth: false });
    target.textContent = `API ${body.status}${body.stage || STAGE ? ` · stage ${body.stage || STAGE}` : ""}`;
  } catch (error) {
    target.textContent = `The API cannot be reached: ${error.message}`;
  }
}

const toggle = document.querySelector(".menu-toggle");
toggle.addEventListener("click", () => {
  const nav = document.getElementById("site-nav");
  const open = nav.classList.toggle("open");
  toggle.setAttribute("aria-expanded", String(open));
});

onBeforeShow((path) => {
  markCurrent(path);
  document.getElementById("site-nav").classList.remove("open");
  toggle.setAttribute("aria-expanded", "false");
});
session.onChange(() => { renderAccountNav(); refreshUnread(); });
window.addEventListener("imagepool:notifications", refreshUnread);

renderAccountNav();
refreshUnread();
showStatus();
start();
