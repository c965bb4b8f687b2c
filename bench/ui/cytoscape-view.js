// cytoscape-view.js — the graph view as it was before sigma.js (web/src/graph.js at the commit
// that replaced it), kept only so that `make bench-ui` measures both renderers in one run.
import cytoscape from "cytoscape";
import { api } from "../../web/src/api.js";

export const PAGE = 200;
export const MAX_SHOWN = 10000; // the most nodes one /subgraph request takes
const NEIGHBOURS = 100; // edges loaded per expansion

const PALETTE = ["#4e79a7", "#f28e2b", "#e15759", "#76b7b2", "#59a14f", "#edc948", "#b07aa1",
  "#ff9da7", "#9c755f", "#17becf"];

// The colour of a label: a stable pick from the palette by a hash of its text.
export function colourOf(label) {
  let h = 0;
  for (const ch of label || "") h = (h * 31 + ch.codePointAt(0)) >>> 0;
  return PALETTE[h % PALETTE.length];
}

function parseProps(text) {
  try {
    return typeof text === "string" ? JSON.parse(text) : text || {};
  } catch {
    return {};
  }
}

// The text drawn on a node: its name or title when it has one, else its id.
function caption(id, props) {
  for (const k of ["name", "title", "label"]) {
    if (typeof props[k] === "string" || typeof props[k] === "number") return String(props[k]);
  }
  return id;
}

export class GraphView {
  constructor(container, { onSelect, onSelectEdge, onExpand }) {
    this.limit = PAGE;
    this.label = "";
    this.pinned = new Set(); // ids shown because the user expanded a neighbour
    this.total = 0;
    this.cy = cytoscape({
      container,
      wheelSensitivity: 0.3,
      style: [
        { selector: "node", style: {
          "background-color": "data(colour)", label: "data(caption)", "font-size": 10,
          color: "#222", "text-valign": "bottom", "text-margin-y": 3, width: 22, height: 22,
          "text-max-width": 90, "text-wrap": "ellipsis" } },
        { selector: "node:selected", style: { "border-width": 3, "border-color": "#111" } },
        { selector: "edge", style: {
          width: 1.5, "line-color": "#b8b8b8", "target-arrow-color": "#b8b8b8",
          "target-arrow-shape": "triangle", "curve-style": "bezier", label: "data(label)",
          "font-size": 8, color: "#777", "text-rotation": "autorotate" } },
      ],
    });
    this.cy.on("tap", "node", (e) => onSelect(e.target.id()));
    this.cy.on("tap", "edge", (e) => onSelectEdge(e.target.id()));
    this.cy.on("dbltap", "node", (e) => onExpand(e.target.id()));
  }

  // Loads the nodes and edges to show and updates the drawing in place. Resolves with the
  // number of nodes added.
  async refresh() {
    const filter = this.label ? `&label=${encodeURIComponent(this.label)}` : "";
    const [page, labels] = await Promise.all([
      api("GET", `/nodes?limit=${this.limit}${filter}`),
      api("GET", "/labels"),
    ]);
    this.total = labels.filter((l) => !this.label || l.label === this.label)
      .reduce((n, l) => n + l.nodes, 0);
    const ids = [...new Set([...page.map((n) => n.id), ...this.pinned])].slice(0, MAX_SHOWN);
    const sub = await api("POST", "/subgraph", { nodes: ids });
    const nodes = new Map(sub.nodes.map((n) => [n.id, n]));
    for (const id of this.pinned) if (!nodes.has(id)) this.pinned.delete(id);
    return this.apply(nodes, sub.edges);
  }

  // Puts the loaded nodes and edges into cytoscape: removes what is gone, updates what changed,
  // adds what is new. Returns the number of nodes added.
  apply(nodes, edges) {
    const cy = this.cy;
    const first = cy.nodes().length === 0;
    const edgeIds = new Set(edges.map((e) => e.id));
    let fresh = cy.collection();
    cy.batch(() => {
      cy.edges().filter((e) => !edgeIds.has(e.id())).remove();
      cy.nodes().filter((n) => !nodes.has(n.id())).remove();
      for (const n of nodes.values()) {
        const props = parseProps(n.properties);
        const data = { id: n.id, label: n.label, props, colour: colourOf(n.label), caption: caption(n.id, props) };
        const el = cy.getElementById(n.id);
        if (el.nonempty()) el.data(data);
        else fresh = fresh.union(cy.add({ group: "nodes", data }));
      }
      for (const e of edges) {
        const data = { ...e, props: parseProps(e.properties) };
        delete data.properties;
        const el = cy.getElementById(e.id);
        if (el.nonempty()) el.data(data);
        else cy.add({ group: "edges", data });
      }
    });
    if (fresh.nonempty()) {
      if (first || fresh.length >= cy.nodes().length / 2) this.layout();
      else this.place(fresh);
    }
    return fresh.length;
  }

  // Lays the whole view out: a force layout for the nodes with edges in view, a grid below it
  // for the others (forces would only spread those apart, slowly).
  layout() {
    const cy = this.cy;
    const linked = cy.nodes().filter((n) => n.degree(false) > 0);
    const alone = cy.nodes().difference(linked);
    if (linked.nonempty()) {
      linked.union(cy.edges()).layout({ name: "cose", animate: false, randomize: true, fit: false,
        nodeRepulsion: () => 8000, idealEdgeLength: () => 60 }).run();
    }
    const bb = linked.nonempty() ? linked.boundingBox() : { x1: 0, y2: -70 };
    const cols = Math.max(6, Math.ceil(Math.sqrt(alone.length * 2)));
    alone.forEach((n, i) => {
      n.position({ x: bb.x1 + (i % cols) * 70, y: bb.y2 + 70 + Math.floor(i / cols) * 60 });
    });
    this.fit();
  }

  // Places a few new nodes without moving the others: around a neighbour already drawn, or
  // in a row below the drawing.
  place(fresh) {
    const cy = this.cy;
    const bb = cy.nodes().difference(fresh).boundingBox();
    const around = new Map();
    let row = 0;
    fresh.forEach((n) => {
      const anchor = n.neighborhood("node").difference(fresh)[0];
      if (anchor) {
        const k = around.get(anchor.id()) || 0;
        around.set(anchor.id(), k + 1);
        const p = anchor.position(), r = 50 + 8 * k, angle = 0.9 + k * 2.4;
        n.position({ x: p.x + r * Math.cos(angle), y: p.y + r * Math.sin(angle) });
      } else {
        n.position({ x: bb.x1 + (row % 10) * 70, y: bb.y2 + 70 + Math.floor(row / 10) * 60 });
        row++;
      }
    });
    const view = cy.extent();
    const out = fresh.some((n) => {
      const p = n.position();
      return p.x < view.x1 || p.x > view.x2 || p.y < view.y1 || p.y > view.y2;
    });
    if (out) this.fit();
  }

  // Fits the view to the drawing, but never draws a few nodes huge.
  fit() {
    this.cy.fit(undefined, 30);
    if (this.cy.zoom() > 2) {
      this.cy.zoom(2);
      this.cy.center();
    }
  }

  // Adds up to NEIGHBOURS neighbours of a node to the view.
  async expand(id) {
    const edges = await api("GET", `/edges?node=${encodeURIComponent(id)}&limit=${NEIGHBOURS}`);
    this.pinned.add(id);
    for (const e of edges) {
      this.pinned.add(e.source);
      this.pinned.add(e.target);
    }
    return this.refresh();
  }

  // The labels shown, with their colours.
  legend() {
    const labels = new Set(this.cy.nodes().map((n) => n.data("label")));
    return [...labels].sort().map((l) => [l, colourOf(l)]);
  }
}
