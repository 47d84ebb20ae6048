// Small DOM helpers shared by every view: an element builder, notices, tables, pagers.
//
// Every value reaches the page through h(): children become text nodes, never markup
// (there is no way to pass HTML), event handlers are functions, a style goes through the
// CSSOM (the Content-Security-Policy refuses style attributes), and a URL attribute keeps
// only the schemes below, so data from the pool or a partner's file cannot run script.

const SAFE_URL = /^(https?:|ftp:|mailto:|blob:|[/?#.]|[^:/?#]*(?:[/?#]|$))/i;
const URL_ATTRIBUTES = new Set(["href", "src", "action", "formaction", "xlink:href"]);

/** Whether a URL may go into a link: http(s), ftp, mailto, blob or relative. */
export function safeUrl(url) {
  return SAFE_URL.test(String(url).trim());
}

/** h("a", {href: "/x", class: "y", onclick}, "text", child, [more]) → Element. */
export function h(tag, attrs = {}, ...children) {
  const el = document.createElement(tag);
  for (const [key, value] of Object.entries(attrs || {})) {
    if (value === undefined || value === null || value === false) continue;
    if (key.startsWith("on")) {
      if (typeof value === "function") el.addEventListener(key.slice(2).toLowerCase(), value);
    } else if (key === "class") {
      el.className = value;
    } else if (key === "dataset") {
      Object.assign(el.dataset, value);
    } else if (key === "style") {
      el.style.cssText = value;
    } else if (URL_ATTRIBUTES.has(key) && !safeUrl(value)) {
      continue; // javascript:, data: and the like
    } else if (value === true) {
      el.setAttribute(key, "");
    } else {
      el.setAttribute(key, String(value));
    }
  }
  append(el, children);
  return el;
}

function append(el, children) {
  for (const child of children) {
    if (child === undefined || child === null || child === false) continue;
    if (Array.isArray(child)) append(el, child);
    else el.append(child instanceof Node ? child : document.createTextNode(String(child)));
  }
}

/** A link handled by the client-side router. */
export function link(href, ...children) {
  return h("a", { href, "data-link": true }, ...children);
}

/** A link out (new tab); text only when the URL is not one a link may carry. */
export function external(href, ...children) {
  if (!safeUrl(href)) return h("span", {}, ...children);
  return h("a", { href, rel: "noopener", target: "_blank" }, ...children);
}

export function notice(kind, ...children) {
  return h("div", { class: `notice ${kind}`, role: kind === "error" ? "alert" : "status" }, ...children);
}

export function loading(text = "Loading…") {
  return h("p", { class: "loading", role: "status" }, text);
}

export function errorNotice(error, what = "") {
  const text = error?.message || String(error);
  return notice(error?.missing ? "warn" : "error", what ? `${what}: ${text}` : text);
}

export function number(n) {
  return typeof n === "number" ? n.toLocaleString("en-GB") : String(n ?? "");
}

export function statusBadge(status) {
  return h("span", { class: `status ${status}` }, String(status).replace(/_/g, " "));
}

export function when(iso) {
  if (!iso) return "";
  const date = new Date(iso);
  return Number.isNaN(date.getTime()) ? iso : date.toLocaleString("en-GB", { dateStyle: "medium", timeStyle: "short" });
}

/** Replace the content of an element. */
export function fill(el, ...children) {
  el.replaceChildren();
  append(el, children);
  return el;
}

/** Announce a change to screen readers. */
export function announce(text) {
  const box = document.getElementById("announcer");
  if (box) { box.textContent = ""; setTimeout(() => { box.textContent = text; }, 30); }
}

/**
 * A table. columns: [{key, label, render?(row), sortable?, class?}]; sort: {key, desc};
 * onSort(key) when a sortable header is pressed.
 */
export function table(columns, rows, { caption, sort, onSort, empty = "Nothing to show." } = {}) {
  if (!rows.length) return h("p", { class: "muted" }, empty);
  const head = columns.map((col) => {
    const state = sort && sort.key === col.key ? (sort.desc ? "descending" : "ascending") : undefined;
    const label = col.sortable && onSort
      ? h("button", { type: "button", class: "sort", onclick: () => onSort(col.key) },
        col.label, state ? (state === "ascending" ? " ▲" : " ▼") : "")
      : col.label;
    return h("th", { scope: "col", class: col.class, "aria-sort": state }, label);
  });
  const body = rows.map((row) => h("tr", {}, columns.map((col) =>
    h("td", { class: col.class }, col.render ? col.render(row) : String(row[col.key] ?? "")))));
  return h("div", { class: "table-wrap" },
    h("table", {}, caption ? h("caption", { class: "visually-hidden" }, caption) : null,
      h("thead", {}, h("tr", {}, head)), h("tbody", {}, body)));
}

/** Previous/next pager with "showing a–b of n". */
export function pager({ page, size, total, onPage, label = "Results pages" }) {
  const pages = Math.max(1, Math.ceil(total / size));
  const first = total ? (page - 1) * size + 1 : 0;
  const last = Math.min(total, page * size);
  return h("nav", { class: "pager", "aria-label": label },
    h("button", { type: "button", class: "secondary", disabled: page <= 1, onclick: () => onPage(page - 1) }, "← Previous"),
    h("span", {}, `${number(first)}–${number(last)} of ${number(total)} (page ${page} of ${number(pages)})`),
    h("button", { type: "button", class: "secondary", disabled: page >= pages, onclick: () => onPage(page + 1) }, "Next →"));
}

/** A labelled form field. */
export function field(label, input, hint) {
  const id = input.id || `f-${Math.random().toString(36).slice(2, 9)}`;
  input.id = id;
  const hintEl = hint ? h("span", { class: "hint", id: `${id}-hint` }, hint) : null;
  if (hintEl) input.setAttribute("aria-describedby", hintEl.id);
  return h("div", { class: "field" }, h("label", { for: id }, label), hintEl, input);
}

/** Read a form's named inputs into an object (trimmed strings; checkboxes as booleans). */
export function formData(form) {
  const out = {};
  for (const el of form.elements) {
    if (!el.name) continue;
    out[el.name] = el.type === "checkbox" ? el.checked : el.value.trim();
  }
  return out;
}

/** Run an async action from a form or button, showing its error in `where`. */
export async function busy(button, where, action) {
  if (button) button.disabled = true;
  try {
    return await action();
  } catch (error) {
    if (where) fill(where, errorNotice(error));
    return undefined;
  } finally {
    if (button) button.disabled = false;
  }
}

export function setTitle(text) {
  document.title = text ? `${text} – IMAGE Pool` : "IMAGE Pool";
}
