/**
 * The page's requests. The admin token comes from the address (`?token=`, the link that opened
 * the page) or from a previous visit (localStorage); it is kept, dropped from the address bar,
 * and sent as `Authorization: Bearer` with every data request — never put in a link.
 */
const KEY = "switchboard-admin-token"; // as in login.ts

/** Reads the token the page was opened with, keeps it, and cleans the address bar. */
function takeToken() {
  const url = new URL(location.href);
  const given = url.searchParams.get("token");
  if (given === null) return localStorage.getItem(KEY);
  localStorage.setItem(KEY, given);
  url.searchParams.delete("token");
  history.replaceState(null, "", url.href);
  return given;
}

const token = takeToken();
const headers = token ? { authorization: `Bearer ${token}` } : {};

/** A refused token: forget it and go back to the page, which asks for a new one. */
function refused() {
  localStorage.removeItem(KEY);
  location.reload();
}

/** The query string of a selection ({ bot, period, from, to }). */
export function queryOf(sel) {
  const q = new URLSearchParams({ bot: sel.bot, period: sel.period });
  if (sel.period === "custom") {
    q.set("from", sel.from);
    q.set("to", sel.to);
  }
  return q.toString();
}

/** The figures of a selection (see src/admin/analytics/view.ts). */
export async function loadView(sel) {
  const res = await fetch(`/api/analytics?${queryOf(sel)}`, { headers });
  if (res.status === 401) return refused();
  const body = await res.json();
  if (!res.ok) throw new Error(body.error ?? `HTTP ${res.status}`);
  return body;
}

/** The URL of a chart's CSV. */
export const csvUrl = (chart, sel) => `/api/analytics/${chart}.csv?${queryOf(sel)}`;

/** Downloads a chart's CSV with the token in a header (a plain link could not carry it). */
export async function downloadCsv(chart, sel) {
  const res = await fetch(csvUrl(chart, sel), { headers });
  if (res.status === 401) return refused();
  if (!res.ok) throw new Error((await res.json()).error ?? `HTTP ${res.status}`);
  const name = /filename="([^"]+)"/.exec(res.headers.get("content-disposition") ?? "")?.[1] ?? `${chart}.csv`;
  const link = Object.assign(document.createElement("a"), { href: URL.createObjectURL(await res.blob()), download: name });
  document.body.append(link);
  link.click();
  link.remove();
  setTimeout(() => URL.revokeObjectURL(link.href), 10_000);
}
