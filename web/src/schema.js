// schema.js — the schema panel: the graph's node labels, relationship types and property keys,
// each with its count, and a click that runs a query showing them in the console.
import { api, sql } from "./api.js";
import { el, action, table } from "./dom.js";

// Edges per type, and per property key the nodes and the edges that have it (a key is one
// top-level member of an element's properties, so each element counts once per key). Both scan
// every element: they run when the panel is open and the graph changed.
export const SCHEMA_TYPES_SQL = "SELECT label, count(*) FROM edges GROUP BY label ORDER BY label";
export const SCHEMA_KEYS_SQL = "SELECT key, sum(n), sum(e) FROM (SELECT j.key AS key, 1 AS n, 0 AS e"
  + " FROM nodes, json_each(nodes.properties) AS j UNION ALL SELECT j.key, 0, 1 FROM edges,"
  + " json_each(edges.properties) AS j) GROUP BY key ORDER BY key";

// A name as Cypher reads it: plain when it is an identifier, else in backticks.
export function cypherName(name) {
  return /^[A-Za-z_][A-Za-z0-9_]*$/.test(name) ? name : "`" + name.replace(/`/g, "``") + "`";
}

// The query a click runs: a label's nodes, a type's relationships, the nodes having a key.
export function labelQuery(label) {
  // A node's Cypher labels are stored joined with ':' (docs/cypher.md); one without any has ":"
  // or "", which SQL finds.
  const parts = label.split(":").filter(Boolean);
  if (!parts.length) return `SELECT id, label, properties FROM nodes WHERE label = '${label}' LIMIT 25`;
  return `MATCH (n:${parts.map(cypherName).join(":")}) RETURN n LIMIT 25`;
}
export const typeQuery = (type) => `MATCH ()-[r:${cypherName(type)}]->() RETURN r LIMIT 25`;
export const keyQuery = (key) => `MATCH (n) WHERE n.${cypherName(key)} IS NOT NULL RETURN n LIMIT 25`;

// Wires the panel in box. runQuery(text) puts a query in the console and runs it.
export function createSchemaPanel(box, { runQuery }) {
  const out = el("div", "loading…", "hint");
  out.id = "schema-out";
  const msg = el("p", undefined, "error");
  msg.id = "schema-msg";
  msg.hidden = true;
  box.append(msg, out);
  let stale = true;
  let pending = null;

  function section(title, columns, rows, kind, query, what) {
    const h = el("h3", `${title} (${rows.length})`);
    if (!rows.length) return [h, el("p", "none", "hint")];
    const t = table(columns, rows.map(([name, ...counts]) => [
      action(name === "" ? "(no label)" : name, `run: ${query(name)}`, () => runQuery(query(name))),
      ...counts,
    ]), "schema-table");
    t.dataset.kind = kind;
    t.title = what;
    return [h, t];
  }

  async function load() {
    const [labels, types, keys] = await Promise.all([
      api("GET", "/labels"), sql(SCHEMA_TYPES_SQL), sql(SCHEMA_KEYS_SQL)]);
    out.className = "";
    out.replaceChildren(
      ...section("Labels", ["label", "nodes"], labels.map((l) => [l.label, l.nodes]), "labels",
        labelQuery, "click a label for its first 25 nodes"),
      ...section("Relationship types", ["type", "edges"], types.rows.map((r) => [r[0] ?? "", r[1]]), "types",
        typeQuery, "click a type for its first 25 relationships"),
      ...section("Property keys", ["key", "nodes", "edges"], keys.rows.map((r) => [r[0], r[1], r[2]]), "keys",
        keyQuery, "click a key for the first 25 nodes that have it"));
    msg.hidden = true;
  }

  // Looks the schema up again now when the panel is open, else when it opens. One look-up at a
  // time: a refresh asked during one runs once it ends.
  function refresh() {
    stale = true;
    if (!box.open) return Promise.resolve();
    if (pending) return pending.then(() => (stale ? refresh() : undefined));
    stale = false;
    pending = load().catch((err) => {
      msg.textContent = `schema: ${err.message}`;
      msg.hidden = false;
    }).finally(() => { pending = null; });
    return pending;
  }

  box.addEventListener("toggle", () => { if (box.open && stale) refresh(); });
  return { refresh };
}
