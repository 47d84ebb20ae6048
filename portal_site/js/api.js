// The one way the portal talks to the API: JSON in and out, errors as ApiError with the
// server's message, the access token attached and refreshed when it runs out.
import { session } from "./auth.js";

const config = window.IMAGEPOOL_CONFIG || { apiBase: "/api" };
export const API_BASE = config.apiBase.replace(/\/$/, "");
export const STAGE = config.stage || "";

export class ApiError extends Error {
  constructor(status, code, message) {
    super(message);
    this.status = status;
    this.code = code;
  }
  /** True when the server has no such route (yet): API Gateway answers those itself. */
  get missing() { return this.code === "missing_route"; }
}

/** The URL of an API path with a query (object of string | string[]; blanks skipped). */
export function apiUrl(path, query = {}) {
  const params = new URLSearchParams();
  for (const [key, value] of Object.entries(query)) {
    for (const item of Array.isArray(value) ? value : [value]) {
      if (item !== undefined && item !== null && item !== "") params.append(key, String(item));
    }
  }
  const text = params.toString();
  return `${API_BASE}${path}${text ? "?" + text : ""}`;
}

async function errorOf(answer) {
  let body = {};
  try { body = await answer.json(); } catch { /* not JSON */ }
  const gateway = answer.headers.get("x-amzn-ErrorType");
  if (gateway && (answer.status === 403 || answer.status === 404) && !body.Code) {
    return new ApiError(answer.status, "missing_route",
      "This feature is not available on this server yet.");
  }
  const message = body.Message || body.message || `${answer.status} ${answer.statusText}`;
  return new ApiError(answer.status, body.Code || String(answer.status), message);
}

let refreshing = null;
async function refreshTokens() {
  const current = session.get();
  if (!current || !current.refresh_token) return false;
  refreshing = refreshing || fetch(apiUrl("/auth/refresh"), {
    method: "POST", headers: { "Content-Type": "application/json" },
    body: JSON.stringify({ refresh_token: current.refresh_token, email: current.profile?.email }),
  }).then(async (answer) => {
    if (!answer.ok) return false;
    session.update(await answer.json());
    return true;
  }).catch(() => false).finally(() => { refreshing = null; });
  return refreshing;
}

/**
 * Call the API. Options: method, body (JSON), query, auth (send the token; default: when
 * signed in), raw (return the Response, e.g. for downloads).
 */
export async function api(path, { method = "GET", body, query, auth, raw = false, retry = true } = {}) {
  const headers = {};
  const current = session.get();
  if (body !== undefined) headers["Content-Type"] = "application/json";
  if ((auth ?? true) && current?.access_token) headers.Authorization = `Bearer ${current.access_token}`;
  let answer;
  try {
    answer = await fetch(apiUrl(path, query), {
      method, headers, body: body === undefined ? undefined : JSON.stringify(body),
    });
  } catch (error) {
    throw new ApiError(0, "network", `The API cannot be reached (${error.message}).`);
  }
  if (answer.status === 401 && headers.Authorization && retry && await refreshTokens()) {
    return api(path, { method, body, query, auth, raw, retry: false });
  }
  if (answer.status === 401 && headers.Authorization) {
    session.clear();
  }
  if (!answer.ok) throw await errorOf(answer);
  if (raw) return answer;
  if (answer.status === 204) return {};
  const type = answer.headers.get("Content-Type") || "";
  return type.includes("json") ? answer.json() : answer.text();
}

/** Fetch a file through the API (with the token) and hand it to the browser as a download. */
export async function downloadFile(path, query = {}, fallbackName = "download") {
  const answer = await api(path, { query, raw: true });
  const disposition = answer.headers.get("Content-Disposition") || "";
  const match = /filename="?([^";]+)"?/.exec(disposition);
  const blob = await answer.blob();
  const link = document.createElement("a");
  link.href = URL.createObjectURL(blob);
  link.download = match ? match[1] : fallbackName;
  document.body.append(link);
  link.click();
  link.remove();
  setTimeout(() => URL.revokeObjectURL(link.href), 10_000);
  return { name: link.download, size: blob.size, next: answer.headers.get("X-Next-Cursor") };
}
