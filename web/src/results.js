// results.js — the query console's answer: a paged, sortable table, the JSON, the nodes and
// relationships it holds (handed to the graph view), a query plan, or the error.

export const PAGE_ROWS = 100;

// Makes an element with text content (never HTML: every value shown comes from the database).
function el(tag, text, cls) {
  const e = document.createElement(tag);
  if (text !== undefined && text !== null) e.textContent = text;
  if (cls) e.className = cls;
  return e;
}

function button(text, cls, onclick) {
  const b = el("button", text, cls);
  b.type = "button";
  b.onclick = onclick;
  return b;
}

const show = (v) => (typeof v === "string" ? v : JSON.stringify(v));
const plural = (n, what, many = `${what}s`) => `${n} ${n === 1 ? what : many}`;

// Orders values as SQL does: NULL first, then numbers by value, then text (naturally, so
// "n10" follows "n9"), then anything else by its JSON.
function compare(a, b) {
  if (a === null || b === null) return (a === null ? 0 : 1) - (b === null ? 0 : 1);
  if (typeof a === "number" && typeof b === "number") return a - b;
  if (typeof a === "number") return -1;
  if (typeof b === "number") return 1;
  return show(a).localeCompare(show(b), undefined, { numeric: true });
}

const isNode = (v) => v && typeof v === "object" && typeof v.id === "string" && Array.isArray(v.labels);
const isRel = (v) => v && typeof v === "object" && typeof v.id === "string" && typeof v.type === "string" && "start" in v;

// The graph elements of an answer: Cypher's nodes and relationships (also inside paths and
// lists), or SQL rows of the nodes view (an id column) or the edges view (id, source_node_id,
// target_node_id). The ends of each relationship count among the nodes.
export function graphElements(columns, rows) {
  const nodes = new Set(), edges = new Set();
  const walk = (v) => {
    if (Array.isArray(v)) v.forEach(walk);
    else if (isRel(v)) {
      edges.add(v.id);
      nodes.add(v.start);
      nodes.add(v.end);
    } else if (isNode(v)) nodes.add(v.id);
  };
  rows.forEach(walk);
  const at = (name) => columns.indexOf(name);
  const [id, src, dst] = [at("id"), at("source_node_id"), at("target_node_id")];
  for (const r of rows) {
    if (src >= 0 && dst >= 0) {
      if (id >= 0 && typeof r[id] === "string") edges.add(r[id]);
      if (typeof r[src] === "string") nodes.add(r[src]);
      if (typeof r[dst] === "string") nodes.add(r[dst]);
    } else if (id >= 0 && typeof r[id] === "string") nodes.add(r[id]);
  }
  return { nodes: [...nodes], edges: [...edges] };
}

// A plan as nested lists: SQLite's EXPLAIN QUERY PLAN rows (id, parent, notused, detail) as
// the tree they describe, Cypher's EXPLAIN rows (plan) as operators in order.
function planView(columns, rows) {
  const list = el("ul", undefined, "plan");
  if (columns[0] === "plan") {
    for (const [op] of rows) list.appendChild(el("li", op));
    return list;
  }
  const lists = new Map([[0, list]]);
  for (const [id, parent, , detail] of rows) {
    const li = el("li", detail);
    const sub = el("ul");
    li.appendChild(sub);
    lists.set(id, sub);
    (lists.get(parent) || list).appendChild(li);
  }
  for (const sub of lists.values()) if (sub !== list && !sub.children.length) sub.remove();
  return list;
}

export const isSqlPlan = (columns) => columns.join() === "id,parent,notused,detail";

// What a write changed: SQL's row count, or Cypher's statistics that are not zero.
function changesText(res) {
  if (res.stats) {
    const said = Object.entries(res.stats).filter(([, n]) => n).map(([k, n]) => {
      const [what, done] = k.replace("relationships", "relationship").replace("nodes", "node")
        .replace("properties", "property").replace("labels", "label").split("_");
      return `${plural(n, what, what === "property" ? "properties" : `${what}s`)} ${done}`;
    });
    return said.length ? said.join(", ") : res.columns.length ? "" : "no changes";
  }
  return res.changes || !res.columns.length ? `${plural(res.changes ?? 0, "row")} changed` : "";
}

export class Results {
  // out: the element to fill; onGraph({nodes, edges}): shows graph elements in the graph view.
  constructor(out, onGraph) {
    this.out = out;
    this.onGraph = onGraph;
    this.view = "table"; // the tab last chosen, kept across runs
  }

  // Shows an answer. meta: {ms, plan} (plan: the answer is a query plan).
  show(res, { ms, plan }) {
    this.res = res;
    this.plan = plan;
    this.sort = null;
    this.page = 0;
    this.graph = graphElements(res.columns, res.rows);
    const summary = el("p", undefined, "result-summary");
    if (res.columns.length) {
      const n = plural(res.rows.length, "row");
      summary.appendChild(el("span", res.truncated ? `the first ${n}` : n, "hint row-count"));
    }
    const changes = changesText(res);
    if (changes) summary.appendChild(el("span", changes, "changes"));
    summary.appendChild(el("span", `${Math.round(ms)} ms`, "timing"));
    const parts = [summary];
    // A read that failed after its first rows ends its stream with the error (docs/http.md).
    if (res.error) parts.push(el("p", res.error, "error"));
    this.tabs = el("div", undefined, "result-tabs");
    this.body = el("div", undefined, "result-body");
    if (res.columns.length) parts.push(this.tabs, this.body);
    this.out.replaceChildren(...parts);
    if (!res.columns.length) return;
    const views = [["table", "Table"], ["json", "JSON"], ["graph", "Graph"]];
    if (plan) views.unshift(["plan", "Plan"]);
    for (const [name, title] of views) {
      const b = button(title, "tab", () => this.select(name));
      b.dataset.view = name;
      b.disabled = name === "graph" && !this.graph.nodes.length;
      this.tabs.appendChild(b);
    }
    // A plan is what EXPLAIN was asked for; the graph is drawn only when asked for.
    let view = plan ? "plan" : this.view;
    if (!plan && (view === "plan" || view === "graph")) view = "table";
    this.select(view, false);
  }

  select(name, remember = true) {
    if (remember) this.view = name;
    for (const b of this.tabs.children) b.classList.toggle("active", b.dataset.view === name);
    const { columns, rows } = this.res;
    if (name === "table") this.renderTable();
    else if (name === "json") {
      const objects = rows.map((r) => Object.fromEntries(columns.map((c, i) => [c, r[i]])));
      this.body.replaceChildren(el("pre", JSON.stringify(objects, null, 2), "json"));
    } else if (name === "plan") this.body.replaceChildren(planView(columns, rows));
    else {
      const { nodes, edges } = this.graph;
      this.onGraph({ nodes, edges });
      const said = `${plural(nodes.length, "node")} and ${plural(edges.length, "relationship")} shown and selected in the graph above`;
      this.body.replaceChildren(el("p", said, "hint graph-said"));
    }
  }

  renderTable() {
    const { columns } = this.res;
    let rows = this.res.rows;
    if (this.sort) {
      const { col, dir } = this.sort;
      rows = rows.map((r, i) => [r, i]).sort((a, b) => dir * compare(a[0][col], b[0][col]) || a[1] - b[1]).map((x) => x[0]);
    }
    const pages = Math.max(1, Math.ceil(rows.length / PAGE_ROWS));
    this.page = Math.min(this.page, pages - 1);
    const first = this.page * PAGE_ROWS;
    const t = el("table");
    const head = t.createTHead().insertRow();
    columns.forEach((c, i) => {
      const th = el("th", c);
      th.title = "sort by this column";
      if (this.sort && this.sort.col === i) th.className = this.sort.dir > 0 ? "sorted-asc" : "sorted-desc";
      th.onclick = () => {
        this.sort = { col: i, dir: this.sort && this.sort.col === i ? -this.sort.dir : 1 };
        this.page = 0;
        this.renderTable();
      };
      head.appendChild(th);
    });
    const body = t.createTBody();
    for (const r of rows.slice(first, first + PAGE_ROWS)) {
      const tr = body.insertRow();
      for (const v of r) tr.appendChild(el("td", v === null ? "NULL" : show(v), v === null ? "null" : ""));
    }
    const parts = [t];
    if (pages > 1) {
      const pager = el("div", undefined, "pager");
      const go = (p) => () => { this.page = p; this.renderTable(); };
      const prev = button("‹ Previous", "prev small", go(this.page - 1));
      const next = button("Next ›", "next small", go(this.page + 1));
      prev.disabled = this.page === 0;
      next.disabled = this.page === pages - 1;
      const info = el("span", `rows ${first + 1}–${Math.min(first + PAGE_ROWS, rows.length)} of ${rows.length}, page ${this.page + 1} of ${pages}`, "hint page-info");
      pager.append(prev, info, next);
      parts.unshift(pager);
    }
    this.body.replaceChildren(...parts);
  }

  // Shows a refused or failed query: the server's message, what kind of error it is, and the
  // place in the query (position: {line, column}) when the server named one.
  error(message, { ms, kind, position, hint }) {
    const parts = [el("p", message, "error")];
    const about = [];
    if (kind) about.push(kind);
    if (position) about.push(`at line ${position.line}, column ${position.column}`);
    if (about.length) parts.push(el("p", about.join(" "), "hint error-where"));
    if (hint) parts.push(el("p", hint, "hint"));
    if (ms !== undefined) parts.push(el("p", `${Math.round(ms)} ms`, "timing"));
    this.out.replaceChildren(...parts);
  }
}
