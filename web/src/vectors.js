// vectors.js — the vector search panel: the k nodes nearest to a node's vector (the selected
// node unless another id is given) or to a pasted vector, with their distances, selected in the
// graph view (POST /vectors/search, docs/http.md).
import { api } from "./api.js";
import { el, action, table } from "./dom.js";

export const DEFAULT_K = 10;
const MAX_K = 10000;

// The pasted text as a query vector; throws a message for anything but a JSON array of numbers.
export function parseVector(text) {
  let v;
  try {
    v = JSON.parse(text);
  } catch (e) {
    throw new Error(`the vector is not JSON: ${e.message}`);
  }
  if (!Array.isArray(v) || !v.length) throw new Error("the vector must be a JSON array of numbers, such as [0.1, 0.2, 0.3]");
  const bad = v.findIndex((x) => typeof x !== "number" || !Number.isFinite(x));
  if (bad >= 0) throw new Error(`the vector's component ${bad} (${JSON.stringify(v[bad])}) is not a number`);
  return v;
}

// Wires the panel in box. selectedNode() is the node the details pane shows (or null);
// showInGraph({nodes, edges}) adds nodes to the view and selects them; open(id) shows a node.
export function createVectorPanel(box, { selectedNode, showInGraph, open }) {
  const form = el("form", undefined, "vector-form");
  form.id = "vec-form";
  const node = el("input");
  node.id = "vec-node";
  node.placeholder = "node id (the selected node)";
  node.setAttribute("aria-label", "node whose vector to search by");
  const byNode = el("button", "Search by node");
  byNode.type = "submit";
  byNode.id = "vec-by-node";
  const vector = el("textarea");
  vector.id = "vec-json";
  vector.rows = 2;
  vector.spellcheck = false;
  vector.placeholder = "or paste a vector: [0.1, 0.2, 0.3]";
  vector.setAttribute("aria-label", "vector to search by (JSON array)");
  const byVector = el("button", "Search by vector");
  byVector.type = "button";
  byVector.id = "vec-by-vector";
  const k = el("input");
  k.id = "vec-k";
  k.type = "number";
  k.min = "1";
  k.max = String(MAX_K);
  k.value = String(DEFAULT_K);
  k.setAttribute("aria-label", "how many nearest nodes");
  const kLabel = el("label", "k ");
  kLabel.appendChild(k);
  const msg = el("p", undefined, "error");
  msg.id = "vec-msg";
  msg.hidden = true;
  const out = el("div", "no search yet", "hint");
  out.id = "vec-out";
  const row1 = el("div", undefined, "row");
  row1.append(node, byNode);
  const row2 = el("div", undefined, "row");
  row2.append(kLabel, byVector);
  form.append(row1, vector, row2);
  box.append(form, msg, out);
  let busy = false;

  function fail(text) {
    msg.textContent = text;
    msg.hidden = false;
  }

  // Runs one search; bad input shows a message and leaves the results and the view as they were.
  async function search(by) {
    if (busy) return;
    const n = Number(k.value);
    if (!Number.isInteger(n) || n < 1 || n > MAX_K) return fail(`k must be a whole number from 1 to ${MAX_K}`);
    let body;
    if (by === "vector") {
      try {
        body = { vector: parseVector(vector.value), k: n };
      } catch (e) {
        return fail(e.message);
      }
    } else {
      const id = node.value.trim() || selectedNode();
      if (!id) return fail("give a node id, or select a node in the graph");
      body = { node: id, k: n };
    }
    busy = true;
    try {
      const hits = await api("POST", "/vectors/search", body);
      msg.hidden = true;
      const what = body.node ? `nearest to ${body.node}'s vector` : "nearest to the vector";
      out.className = "";
      const t = table(["#", "node", "distance"], hits.map((h, i) => {
        const link = action(h.id, "show this node", () => open(h.id));
        return [String(i + 1), link, h.distance.toPrecision(6)];
      }), "vector-hits");
      [...t.tBodies[0].rows].forEach((tr, i) => {
        tr.dataset.id = hits[i].id;
        tr.dataset.distance = String(hits[i].distance);
      });
      out.replaceChildren(el("p", `${hits.length} ${what}`, "hint"), t);
      await showInGraph({ nodes: hits.map((h) => h.id), edges: [] });
    } catch (err) {
      fail(err.message);
    } finally {
      busy = false;
    }
  }

  form.addEventListener("submit", (e) => {
    e.preventDefault();
    search("node");
  });
  byVector.addEventListener("click", () => search("vector"));
  // The node field's hint names the node a search by node would use.
  return {
    search,
    nodeSelected(id) {
      node.placeholder = id ? `node id (selected: ${id})` : "node id (the selected node)";
    },
  };
}
