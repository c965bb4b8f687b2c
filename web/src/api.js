// api.js — the server's HTTP JSON API (docs/http.md), with the token a server started with
// --token wants; while the server is out of reach, the page's own replica (replica.js) answers
// the same routes with the server's code, and the page says it is offline.

const TOKEN_KEY = "arenadb.token";

export class ApiError extends Error {
  constructor(status, body) {
    super(body && body.error ? body.error : `HTTP ${status}`);
    this.status = status;
    this.body = body; // a Cypher error adds kind, phase and detail (docs/http.md)
  }
}

export function setToken(t) {
  if (t) localStorage.setItem(TOKEN_KEY, t);
  else localStorage.removeItem(TOKEN_KEY);
}

// The token this page sends, or null (live.js puts it in the events socket's URL).
export function token() {
  return localStorage.getItem(TOKEN_KEY);
}

let local = null; // the page's replica once synced with the server (useReplica), or null
let offline = false;
const offlineWatchers = new Set();

/** From now on, requests the server cannot be reached for go to r (replica.js), if not null. */
export function useReplica(r) {
  local = r;
}

/** Whether requests go to the page's replica, the server being out of reach. */
export function isOffline() {
  return offline;
}

/** Says whether the server is out of reach (never true without a replica to go to). */
export function setOffline(value) {
  if (value === offline || (value && !local)) return;
  offline = value;
  for (const fn of offlineWatchers) fn(offline);
}

/** Calls fn(offline) at each change of setOffline's state. */
export function onOffline(fn) {
  offlineWatchers.add(fn);
}

// The page's replica answers as the server would; GET /status tells its own state.
async function fromReplica(method, path, body) {
  if (path === "/status") return local.status();
  const r = await local.db.http(method, path, body);
  if (r.status >= 400) throw new ApiError(r.status, r.body);
  return r.body;
}

// Sends one request; resolves with the parsed JSON answer, rejects with an ApiError. A request
// the network fails goes to the page's replica, when there is one, and the page goes offline.
export async function api(method, path, body) {
  if (offline) return fromReplica(method, path, body);
  const headers = {};
  const t = token();
  if (t) headers.Authorization = `Bearer ${t}`;
  if (body !== undefined) headers["Content-Type"] = "application/json";
  let r;
  try {
    r = await fetch(path, {
      method,
      headers,
      body: body === undefined ? undefined : JSON.stringify(body),
      cache: "no-store",
    });
  } catch (e) {
    if (!local) {
      throw new ApiError(0, { error: `the server is out of reach (${e.message}), and this page has no replica of its own yet` });
    }
    setOffline(true);
    return fromReplica(method, path, body);
  }
  const text = await r.text();
  let json = null;
  try {
    json = text ? JSON.parse(text) : null;
  } catch {
    json = { error: text };
  }
  if (!r.ok) throw new ApiError(r.status, json);
  return json;
}

// The most rows the query console takes of an answer (the server's default).
export const MAX_ROWS = 10000;

// Runs one SQL statement; resolves with {columns, rows, truncated, changes}. The rest of the
// UI reads through the routes above (/nodes, /edges, /labels, /subgraph); the only SQL sent is
// the console's: what was typed, and its completion's look-ups of names.
export function sql(statement, params) {
  return api("POST", "/sql", { sql: statement, params, max_rows: MAX_ROWS });
}

// Runs one Cypher query; resolves with {columns, rows, truncated, stats}.
export function cypher(query, params) {
  return api("POST", "/cypher", { query, params, max_rows: MAX_ROWS });
}
