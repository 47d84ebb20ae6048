// Client-side routes over the History API: the URL carries the state, so any page (a
// search with its filters, a map selection) can be reloaded, bookmarked and shared.
const routes = [];
let cleanup = null;
let token = 0;

/** route("/record/:id", () => import("./views/record.js")) */
export function route(pattern, load, { auth = false } = {}) {
  const names = [];
  const regex = new RegExp("^" + pattern.replace(/\/:(\w+)/g, (_, name) => {
    names.push(name);
    return "/([^/]+)";
  }) + "/?$");
  routes.push({ regex, names, load, auth });
}

export function currentQuery() {
  return new URLSearchParams(location.search);
}

/** Go to a URL. replace: no new history entry; render: false only updates the URL. */
export function navigate(url, { replace = false, render = true } = {}) {
  if (replace) history.replaceState(null, "", url);
  else history.pushState(null, "", url);
  if (render) return show();
  return undefined;
}

export function onBeforeShow(fn) { hooks.push(fn); }
const hooks = [];

export async function show() {
  const mine = ++token;
  if (typeof cleanup === "function") {
    try { cleanup(); } catch { /* a view's cleanup must not stop navigation */ }
  }
  cleanup = null;
  const path = decodeURI(location.pathname);
  const main = document.getElementById("main");
  let match = null;
  let found = null;
  for (const r of routes) {
    match = r.regex.exec(path);
    if (match) { found = r; break; }
  }
  hooks.forEach((fn) => fn(path, found));
  if (!found) {
    const view = await import("./views/notfound.js");
    cleanup = await view.render(main, {}, currentQuery());
    return;
  }
  const params = {};
  found.names.forEach((name, i) => { params[name] = decodeURIComponent(match[i + 1]); });
  const view = await found.load();
  if (mine !== token) return; // the user moved on while the module loaded
  if (found.auth) {
    const { session } = await import("./auth.js");
    if (!session.signedIn()) {
      navigate(`/login?next=${encodeURIComponent(location.pathname + location.search)}`, { replace: true });
      return;
    }
  }
  main.replaceChildren();
  const result = await view.render(main, params, currentQuery(), () => mine === token);
  if (mine === token) cleanup = result;
  else if (typeof result === "function") result();
}

export function start() {
  document.addEventListener("click", (event) => {
    const a = event.target.closest("a[data-link]");
    if (!a || event.defaultPrevented || event.button !== 0 || event.metaKey || event.ctrlKey ||
        event.shiftKey || event.altKey || a.target === "_blank") return;
    const url = new URL(a.href, location.href);
    if (url.origin !== location.origin) return;
    event.preventDefault();
    navigate(url.pathname + url.search + url.hash);
    document.getElementById("main")?.focus({ preventScroll: true });
    window.scrollTo(0, 0);
  });
  window.addEventListener("popstate", () => show());
  return show();
}
