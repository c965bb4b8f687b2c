// api.js — the server's HTTP JSON API (docs/http.md), with the token a server started with
// --token wants.

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

// Sends one request; resolves with the parsed JSON answer, rejects with an ApiError.
export async function api(method, path, body) {
  const headers = {};
  const t = token();
  if (t) headers.Authorization = `Bearer ${t}`;
  if (body !== undefined) headers["Content-Type"] = "application/json";
  const r = await fetch(path, {
    method,
    headers,
    body: body === undefined ? undefined : JSON.stringify(body),
    cache: "no-store",
  });
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
