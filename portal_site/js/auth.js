// The signed-in session (tokens and profile), kept in localStorage so a reload keeps it.
const KEY = "imagepool.session";
const listeners = new Set();

function read() {
  try { return JSON.parse(localStorage.getItem(KEY) || "null"); } catch { return null; }
}

export const session = {
  get() { return read(); },
  signedIn() { return Boolean(read()?.access_token); },
  set(tokens) {
    localStorage.setItem(KEY, JSON.stringify(tokens));
    listeners.forEach((fn) => fn());
  },
  update(tokens) {
    const current = read() || {};
    session.set({ ...current, ...tokens, refresh_token: tokens.refresh_token || current.refresh_token });
  },
  setProfile(profile) { session.update({ profile }); },
  clear() {
    if (localStorage.getItem(KEY) === null) return;
    localStorage.removeItem(KEY);
    listeners.forEach((fn) => fn());
  },
  onChange(fn) { listeners.add(fn); },
};
