// graph.js — the graph view: the neighbourhood of the best-connected nodes, pages of nodes by
// id, and the nodes the user expanded, with the edges among them, drawn with WebGL by sigma.js
// (graphology holds the graph, ForceAtlas2 lays it out in a Web Worker). It never asks for the
// whole graph: every request names a limit.
import Graph from "graphology";
import Sigma from "sigma";
import forceAtlas2 from "graphology-layout-forceatlas2";
import iterate from "graphology-layout-forceatlas2/iterate.js";
import FA2_DEFAULTS from "graphology-layout-forceatlas2/defaults.js";
import { graphToByteArrays, assignLayoutChanges } from "graphology-layout-forceatlas2/helpers.js";
import { api } from "./api.js";
import { attachGestures } from "./gesture.js";
import { PROGRAMS } from "./programs.js";

export const PAGE = 200;
export const MAX_SHOWN = 10000; // the most nodes one /subgraph request takes
const NEIGHBOURS = 100; // edges loaded per expansion
const HUBS = 20; // the best-connected nodes whose neighbourhood is the first view
const CAPTIONS_KEY = "arenadb.captions";
const AUTO_CAPTION = ["name", "title", "label"];
const EDGE_LABELS_UP_TO = 300; // edge labels past this many edges are only clutter
// Past this many edges the view draws them as plain lines (an arrow head doubles the work of
// each), and hides them while the camera moves, so that panning stays smooth.
const LIGHT_EDGES_FROM = 5000;
// Edges, labels and a selected edge, on a light and on a dark canvas (setDark).
const INK = {
  light: { edge: "#c4c4c4", label: "#000", selectedEdge: "#333" },
  dark: { edge: "#4a525b", label: "#d8dde3", selectedEdge: "#e8ecf0" },
};

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

function printable(v) {
  return typeof v === "string" || typeof v === "number";
}

// A random position in a disc of the radius, denser nowhere: where a layout starts from.
function scatter(radius) {
  const angle = Math.random() * 2 * Math.PI, d = radius * Math.sqrt(Math.random());
  return { x: d * Math.cos(angle), y: d * Math.sin(angle) };
}

function loadCaptions() {
  try {
    return JSON.parse(localStorage.getItem(CAPTIONS_KEY)) || {};
  } catch {
    return {};
  }
}

export class GraphView {
  constructor(container, { onSelect, onSelectEdge, onExpand, onCollapse }) {
    this.limit = PAGE;
    this.label = "";
    this.pinned = new Set(); // nodes the user expanded or went to
    this.expanded = new Map(); // expanded node -> the neighbours its expansion added
    this.total = 0;
    this.captions = loadCaptions(); // label -> the property its nodes are captioned with
    this.selection = new Set(); // what is highlighted: the details pane's, or a query's result
    this.remote = new Map(); // node -> colours of the other users who have it selected
    this.layoutId = 0; // the layout running, or the last one
    this.layoutRunning = false;
    this.worker = null; // the layout's (layoutWorker)
    this.ink = INK.light;
    this.graph = new Graph({ type: "directed", multi: true, allowSelfLoops: true });
    this.container = container;
    this.handlers = { onSelect, onSelectEdge, onExpand, onCollapse };
    this.drawing = null; // the sigma.js renderer, made on first use (renderer)
    this.renders = 0; // drawings made, for tests
  }

  // The renderer, made the first time it is asked for: making it (WebGL contexts, shaders)
  // takes a few hundred milliseconds, which refresh spends while its request is out.
  renderer() {
    if (this.drawing) return this.drawing;
    const { onSelect, onSelectEdge, onExpand, onCollapse } = this.handlers;
    const sigma = new Sigma(this.graph, this.container, {
      defaultEdgeType: "arrow",
      ...PROGRAMS,
      enableEdgeEvents: true,
      renderEdgeLabels: true,
      labelSize: 11,
      edgeLabelSize: 9,
      labelRenderedSizeThreshold: 5,
      zIndex: true,
      nodeReducer: (id, attr) => (this.selection.has(id)
        ? { ...attr, highlighted: true, size: attr.size + 3, zIndex: 1 }
        : this.remote.has(id) ? { ...attr, highlighted: true, zIndex: 1 } : attr),
      edgeReducer: (id, attr) => (this.selection.has(id)
        ? { ...attr, color: this.ink.selectedEdge, size: 3, zIndex: 1 } : attr),
    });
    // Other users' selections: a ring per user around the node, over the canvases.
    this.rings = document.createElement("div");
    this.rings.className = "rings";
    this.container.appendChild(this.rings);
    sigma.on("afterRender", () => {
      this.renders++;
      this.drawRings();
    });
    // Every layer but the one that takes the mouse moves with a pan or zoom, the rings too.
    this.gesture = attachGestures(sigma,
      () => [...this.container.children].filter((el) => el !== sigma.getCanvases().mouse));
    sigma.on("clickNode", ({ node }) => {
      if (this.gesture.moved) return;
      this.select(node);
      onSelect(node);
    });
    sigma.on("clickEdge", ({ edge }) => {
      if (this.gesture.moved) return;
      this.select(edge);
      onSelectEdge(edge);
    });
    sigma.on("doubleClickNode", (e) => {
      e.preventSigmaDefault(); // a double-click on a node expands it, it does not zoom
      if (this.expanded.has(e.node) && onCollapse) onCollapse(e.node);
      else onExpand(e.node);
    });
    this.drawing = sigma;
    return sigma;
  }

  get sigma() {
    return this.renderer();
  }

  // Starts over with a label filter ("" for none): the first page, nothing expanded.
  setFilter(label) {
    this.label = label;
    this.limit = PAGE;
    this.pinned.clear();
    this.expanded.clear();
  }

  // Loads the nodes and edges to show and updates the drawing in place: the first view of the
  // graph (the best-connected nodes of the filter's label and their neighbours, POST /subgraph
  // with "hubs") and what the user holds in view. Resolves with the number of nodes added.
  async refresh() {
    const held = [...this.held()];
    const loaded = Promise.all([
      api("POST", "/subgraph", { hubs: HUBS, limit: Math.min(this.limit, MAX_SHOWN), label: this.label || null,
        nodes: held.slice(0, MAX_SHOWN) }),
      api("GET", "/labels"),
    ]);
    // Made while the request is out: the renderer, and the layout's worker (its script loads).
    this.renderer();
    this.layoutWorker();
    const [sub, labels] = await loaded;
    this.total = labels.filter((l) => !this.label || l.label === this.label)
      .reduce((n, l) => n + l.nodes, 0);
    const nodes = new Map(sub.nodes.map((n) => [n.id, n]));
    for (const id of this.pinned) if (!nodes.has(id)) this.pinned.delete(id);
    for (const id of this.expanded.keys()) if (!nodes.has(id)) this.expanded.delete(id);
    return this.apply(nodes, sub.edges);
  }

  // The nodes shown because of the user: those expanded or gone to, and what expansions added.
  held() {
    const s = new Set(this.pinned);
    for (const added of this.expanded.values()) for (const id of added) s.add(id);
    return s;
  }

  // The caption of a node: its label's chosen property when it has it, else its name, title or
  // label property, else its id.
  caption(id, label, props) {
    const chosen = this.captions[label];
    if (chosen === "id") return id;
    if (chosen && printable(props[chosen])) return String(props[chosen]);
    for (const k of AUTO_CAPTION) if (printable(props[k])) return String(props[k]);
    return id;
  }

  // Puts the loaded nodes and edges into the graph: removes what is gone, updates what
  // changed, adds what is new. Returns the number of nodes added. Every attribute is set as the
  // element is added or merged, once: sigma.js re-indexes what changes, and a setting changed
  // re-indexes everything drawn.
  apply(nodes, edges) {
    const g = this.graph;
    const light = edges.length >= LIGHT_EDGES_FROM;
    this.configure({ renderEdgeLabels: edges.length <= EDGE_LABELS_UP_TO, defaultEdgeType: light ? "line" : "arrow",
      hideEdgesOnMove: light, hideLabelsOnMove: light });
    const edgeIds = new Set(edges.map((e) => e.id));
    g.forEachEdge((e) => { if (!edgeIds.has(e)) g.dropEdge(e); });
    const gone = g.nodes().filter((id) => !nodes.has(id));
    const fresh = [...nodes.keys()].filter((id) => !g.hasNode(id));
    // A layout running works on the nodes as they were, one by one in the graph's order.
    if (gone.length || fresh.length) this.stopLayout();
    for (const id of gone) g.dropNode(id);
    // Many new nodes: everything is laid out again, from scattered positions.
    const relayout = fresh.length > 0 && (g.order === 0 || fresh.length >= nodes.size / 2);
    const degree = new Map();
    for (const e of edges) for (const end of [e.source, e.target]) degree.set(end, (degree.get(end) || 0) + 1);
    const radius = 10 * Math.sqrt(nodes.size);
    for (const n of nodes.values()) {
      const props = parseProps(n.properties);
      // Bigger nodes for more edges in view, so hubs stand out in a crowd.
      const data = { kind: n.label, props, color: colourOf(n.label), label: this.caption(n.id, n.label, props),
        size: Math.min(14, 4 + 1.5 * Math.log2(1 + (degree.get(n.id) || 0))), ...(relayout ? scatter(radius) : {}) };
      if (g.hasNode(n.id)) g.mergeNodeAttributes(n.id, data);
      else g.addNode(n.id, { x: 0, y: 0, ...data });
    }
    for (const e of edges) {
      const data = { kind: e.label, label: e.label, props: parseProps(e.properties), color: this.ink.edge, size: 1 };
      if (g.hasEdge(e.id)) g.mergeEdgeAttributes(e.id, data);
      else g.addDirectedEdgeWithKey(e.id, e.source, e.target, data);
    }
    if (relayout) this.settle();
    else if (fresh.length) this.place(fresh);
    return fresh.length;
  }

  // Sets sigma.js's settings that differ from SETTINGS' values.
  configure(settings) {
    for (const [key, value] of Object.entries(settings)) {
      if (this.sigma.getSetting(key) !== value) this.sigma.setSetting(key, value);
    }
  }

  // Lays the whole view out again, from scattered positions.
  layout() {
    const radius = 10 * Math.sqrt(this.graph.order);
    this.graph.updateEachNodeAttributes((id, a) => ({ ...a, ...scatter(radius) }));
    this.settle();
  }

  // Runs ForceAtlas2 on the whole view: past a few thousand nodes an iteration costs ~90 ms, so
  // fewer of them, and none on the page's thread; the view is fitted to the window.
  settle() {
    this.stopLayout();
    if (!this.graph.order) return;
    const big = this.graph.order > 2000;
    this.runLayout(big ? 40 : 300, big ? 0 : 80);
    this.fit(false);
  }

  // Runs ITERATIONS of ForceAtlas2 on the graph as it is: FIRST_MS of them here, at once, the
  // rest in a Web Worker (fa2worker.js), whose positions are drawn as they come, one set per
  // frame. Without FIRST_MS it starts after the next drawing, which it does not delay. A change
  // to the graph stops it (apply, stopLayout).
  runLayout(iterations, firstMs) {
    const id = ++this.layoutId;
    this.layoutRunning = true;
    const start = () => {
      if (id !== this.layoutId) return; // stopped meanwhile
      const g = this.graph;
      const settings = { ...FA2_DEFAULTS, ...forceAtlas2.inferSettings(g), barnesHutOptimize: g.order > 500 };
      const { nodes, edges } = graphToByteArrays(g, () => 1);
      let left = iterations;
      for (const t0 = performance.now(); left > 0 && performance.now() - t0 < firstMs; left--) {
        iterate(settings, nodes, edges);
      }
      if (left < iterations) assignLayoutChanges(g, nodes, null);
      if (!left) this.layoutRunning = false;
      else this.layoutWorker().postMessage({ id, settings, nodes, edges, iterations: left }, [nodes.buffer, edges.buffer]);
    };
    if (firstMs > 0) start();
    else requestAnimationFrame(() => requestAnimationFrame(start));
  }

  // The layout's worker, started on first use.
  layoutWorker() {
    if (this.worker) return this.worker;
    this.worker = new Worker(new URL("fa2worker.js", document.baseURI), { type: "module" });
    this.worker.onmessage = ({ data: { id, nodes, done } }) => {
      if (id !== this.layoutId) return; // from a layout stopped since
      assignLayoutChanges(this.graph, nodes, null);
      if (done) this.layoutRunning = false;
      else requestAnimationFrame(() => { if (id === this.layoutId) this.worker.postMessage({ want: id }); });
    };
    this.worker.onerror = (e) => {
      this.layoutRunning = false;
      console.error("the layout's worker failed:", e.message);
    };
    return this.worker;
  }

  stopLayout() {
    if (!this.layoutRunning) return;
    this.layoutId++;
    this.layoutRunning = false;
    if (this.worker) this.worker.postMessage({ stop: true });
  }

  // Whether a layout is still moving nodes (benchmarks wait for it to settle).
  get layingOut() {
    return this.layoutRunning;
  }

  // Places a few new nodes without moving the others: around a neighbour already drawn, or in
  // a row below the drawing. A layout still running would work on stale positions: it stops.
  place(fresh) {
    this.stopLayout();
    const g = this.graph;
    const isNew = new Set(fresh);
    let minX = Infinity, maxY = -Infinity, maxX = -Infinity, minY = Infinity;
    g.forEachNode((id, a) => {
      if (isNew.has(id)) return;
      minX = Math.min(minX, a.x); maxX = Math.max(maxX, a.x);
      minY = Math.min(minY, a.y); maxY = Math.max(maxY, a.y);
    });
    if (minX === Infinity) minX = maxX = minY = maxY = 0;
    const step = Math.max(10, (maxX - minX) / 40);
    const around = new Map();
    let row = 0;
    for (const id of fresh) {
      const anchor = g.neighbors(id).find((n) => !isNew.has(n));
      if (anchor) {
        const k = around.get(anchor) || 0;
        around.set(anchor, k + 1);
        const p = g.getNodeAttributes(anchor), r = step * (2 + 0.3 * k), angle = 0.9 + k * 2.4;
        g.mergeNodeAttributes(id, { x: p.x + r * Math.cos(angle), y: p.y + r * Math.sin(angle) });
      } else {
        g.mergeNodeAttributes(id, { x: minX + (row % 10) * step * 3, y: minY - step * 3 * (1 + Math.floor(row / 10)) });
        row++;
      }
    }
  }

  // Shows the whole drawing (sigma scales the graph to the view, so the camera's home is a fit).
  fit(animate = true) {
    const cam = this.sigma.getCamera();
    if (animate) cam.animatedReset({ duration: 250 });
    else cam.setState({ x: 0.5, y: 0.5, ratio: 1, angle: 0 });
  }

  zoom(factor) {
    this.sigma.getCamera().animatedZoom({ factor, duration: 200 });
  }

  // Adds up to NEIGHBOURS neighbours of a node to the view; collapse takes back those it added.
  async expand(id) {
    const edges = await api("GET", `/edges?node=${encodeURIComponent(id)}&limit=${NEIGHBOURS}`);
    const added = new Set();
    for (const e of edges) {
      for (const n of [e.source, e.target]) if (!this.graph.hasNode(n)) added.add(n);
    }
    this.pinned.add(id);
    this.expanded.set(id, added);
    return this.refresh();
  }

  // Removes the neighbours a node's expansion added, unless something else still shows them.
  async collapse(id) {
    this.expanded.delete(id);
    return this.refresh();
  }

  isExpanded(id) {
    return this.expanded.has(id);
  }

  // Draws for a dark canvas, or a light one: edge and caption colours.
  setDark(dark) {
    this.ink = dark ? INK.dark : INK.light;
    this.graph.forEachEdge((id) => this.graph.setEdgeAttribute(id, "color", this.ink.edge));
    this.sigma.setSetting("labelColor", { color: this.ink.label });
    this.sigma.setSetting("edgeLabelColor", { color: this.ink.label });
  }

  // Highlights a node or edge (the one in the details pane), or several (a query's result).
  select(ids) {
    this.selection = new Set(Array.isArray(ids) ? ids : [ids]);
    this.sigma.refresh({ skipIndexation: true });
  }

  // Rings the nodes other users have selected: map node id -> [colour, ...].
  setRemoteSelections(map) {
    this.remote = new Map(map);
    this.sigma.refresh({ skipIndexation: true });
  }

  drawRings() {
    const rings = [];
    for (const [id, colours] of this.remote) {
      const d = this.graph.hasNode(id) && this.sigma.getNodeDisplayData(id);
      if (!d || d.hidden) continue;
      const p = this.sigma.framedGraphToViewport(d);
      const r = this.sigma.scaleSize(d.size);
      colours.forEach((colour, i) => {
        const ring = document.createElement("div");
        const rad = r + 3 + i * 4;
        ring.className = "ring";
        ring.dataset.node = id;
        Object.assign(ring.style, { left: `${p.x - rad}px`, top: `${p.y - rad}px`, width: `${2 * rad}px`,
          height: `${2 * rad}px`, borderColor: colour });
        rings.push(ring);
      });
    }
    this.rings.replaceChildren(...rings);
  }

  // What the count line says: nodes and edges shown, those of the filter's label among the
  // nodes, and the total they are of (the filter's label, or every node).
  counts() {
    const g = this.graph;
    let inFilter = 0;
    g.forEachNode((id, a) => { if (!this.label || a.kind === this.label) inFilter++; });
    return { nodes: g.order, edges: g.size, inFilter, others: g.order - inFilter, total: this.total };
  }

  // The labels shown, with their colours.
  legend() {
    const labels = new Set(this.graph.mapNodes((id, a) => a.kind));
    return [...labels].sort().map((l) => [l, colourOf(l)]);
  }

  // The properties a label's shown nodes have, to pick a caption from.
  captionKeys(label) {
    const keys = new Set();
    this.graph.forEachNode((id, a) => {
      if (a.kind === label) for (const [k, v] of Object.entries(a.props)) if (printable(v)) keys.add(k);
    });
    return [...keys].sort();
  }

  // Captions a label's nodes with PROP ("" for automatic, "id" for the id); remembered.
  setCaption(label, prop) {
    if (prop) this.captions[label] = prop;
    else delete this.captions[label];
    localStorage.setItem(CAPTIONS_KEY, JSON.stringify(this.captions));
    this.graph.updateEachNodeAttributes((id, a) => (a.kind === label
      ? { ...a, label: this.caption(id, a.kind, a.props) } : a));
  }

  // The caption of a node as the API gives it (the details pane names neighbours by it).
  captionOf(node) {
    return this.caption(node.id, node.label, parseProps(node.properties));
  }

  // For tests and the console: what is drawn, and where on the page.
  probe() {
    const g = this.graph, s = this.sigma;
    const box = () => s.getContainer().getBoundingClientRect();
    const onPage = (x, y) => {
      const p = s.framedGraphToViewport({ x, y }), b = box();
      return { x: b.left + p.x, y: b.top + p.y };
    };
    return {
      nodes: () => g.nodes(),
      edges: () => g.mapEdges((id, a, source, target) => ({ id, label: a.kind, source, target })),
      colour: (id) => g.getNodeAttribute(id, "color"),
      caption: (id) => g.getNodeAttribute(id, "label"),
      selected: () => [...this.selection].filter((id) => g.hasNode(id) || g.hasEdge(id)),
      // other users' selections drawn: [{node, colour}]
      rings: () => [...this.rings.children].map((r) => ({ node: r.dataset.node, colour: r.style.borderColor })),
      nodeAt: (id) => {
        const a = s.getNodeDisplayData(id);
        return onPage(a.x, a.y);
      },
      edgeAt: (id) => {
        const a = s.getNodeDisplayData(g.source(id)), b = s.getNodeDisplayData(g.target(id));
        return onPage((a.x + b.x) / 2, (a.y + b.y) / 2);
      },
      box: () => {
        const b = box();
        return { left: b.left, top: b.top, right: b.right, bottom: b.bottom };
      },
      camera: () => s.getCamera().getState(),
      renders: () => this.renders,
      ink: () => ({ label: s.getSetting("labelColor").color, edge: this.ink.edge }),
    };
  }
}
