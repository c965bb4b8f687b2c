// main.js — the ArenaDB browser UI: server status, graph view, node details, query console,
// a refresh whenever the server's version vector moves, and who else is looking (both pushed
// over the events socket, live.js); with the server out of reach, the same on the page's own
// replica (replica.js).
import { api, setToken, token, ApiError, isOffline, setOffline, onOffline } from "./api.js";
import { keepReplica, openReplica, syncedReplica, watchReplica } from "./replica.js";
import { GraphView, PAGE, MAX_SHOWN, colourOf } from "./graph.js";
import { createConsole } from "./console.js";
import { initTheme, themeMode } from "./theme.js";
import { installShortcuts, showShortcuts } from "./keys.js";
import { readState, writeState } from "./urlstate.js";
import { createPanels } from "./panels.js";
import { createEditing } from "./edit.js";
import { Live } from "./live.js";
import { createTextEditing } from "./textedit.js";

const $ = (id) => document.getElementById(id);

// Makes an element with text content (never HTML: every value shown comes from the database).
function el(tag, text, cls) {
  const e = document.createElement(tag);
  if (text !== undefined && text !== null) e.textContent = text;
  if (cls) e.className = cls;
  return e;
}

function show(value) {
  return typeof value === "string" ? value : JSON.stringify(value);
}

// A table of columns and rows of values.
function table(columns, rows) {
  const t = el("table");
  const head = t.createTHead().insertRow();
  for (const c of columns) head.appendChild(el("th", c));
  const body = t.createTBody();
  for (const r of rows) {
    const tr = body.insertRow();
    for (const v of r) tr.appendChild(el("td", v === null ? "NULL" : show(v), v === null ? "null" : ""));
  }
  return t;
}

let selected = null; // {id, edge}: what the details pane shows
let lastVV = null;
let lastStatus = null; // the last status the server pushed (its vv kept up to date)
let others = []; // the other tabs on this server: [{name, colour, node}]
let busy = Promise.resolve();

// A click on a node fills an open new-edge form's target instead of selecting it.
const graph = new GraphView($("graph"), { onSelect: (id) => editing.pick(id) || select(id), onSelectEdge: selectEdge,
  onExpand: expand, onCollapse: collapse });

// Runs one update at a time, so that polls and clicks never interleave their drawing.
function serial(fn) {
  busy = busy.then(fn).catch(report);
  return busy;
}

function report(err) {
  if (err instanceof ApiError && err.status === 401) {
    $("token-form").hidden = false;
    $("status").textContent = "this server needs a token";
    return;
  }
  $("status").textContent = `error: ${err.message}`;
}

// The count line, and the legend with each label's caption setting. Under a label filter the
// total is that label's, and only its nodes count against it; expanded neighbours of other
// labels are counted apart, so the line never says more shown than there are.
function renderCounts() {
  const c = graph.counts();
  const of = graph.label ? `${graph.label} nodes` : "nodes";
  const others = graph.label && c.others ? ` + ${c.others} of other labels` : "";
  $("graph-count").textContent = `${c.inFilter} ${of}${others}, ${c.edges} edges shown of ${c.total} ${of}`;
  $("more").disabled = graph.limit >= Math.min(graph.total, MAX_SHOWN);
  const legend = $("legend");
  legend.replaceChildren();
  for (const [label, colour] of graph.legend()) {
    const item = el("span", label || "(no label)", "legend-item");
    item.style.setProperty("--c", colour);
    const pick = el("select", undefined, "caption-pick");
    pick.title = `the property ${label || "(no label)"} nodes are captioned with`;
    pick.dataset.label = label;
    for (const k of ["", ...graph.captionKeys(label), "id"]) pick.appendChild(el("option", k || "caption: auto")).value = k;
    pick.value = graph.captions[label] || "";
    pick.onchange = () => graph.setCaption(label, pick.value);
    const entry = el("span", undefined, "legend-entry");
    entry.append(item, pick);
    legend.appendChild(entry);
  }
}

async function reloadGraph() {
  await graph.refresh();
  renderCounts();
  panels.schema.refresh();
  if (selected) await renderSelected();
}

function renderSelected() {
  if (!selected) return undefined;
  return selected.edge ? renderEdge(selected.id) : renderDetails(selected.id);
}

// Makes sel ({id, edge?} or null) what the details pane shows, and tells the URL, the other
// tabs (presence) and the vector panel.
function setSelected(sel) {
  selected = sel;
  const node = sel && !sel.edge ? sel.id : null;
  writeState({ node, edge: sel && sel.edge ? sel.id : null });
  live.setViewing(node);
  if (node) panels.vectors.nodeSelected(node);
}

function select(id) {
  setSelected({ id });
  return serial(renderSelected);
}

function selectEdge(id) {
  setSelected({ id, edge: true });
  return serial(renderSelected);
}

function unselect() {
  setSelected(null);
  graph.select([]);
  $("details").replaceChildren(el("p", "Nothing selected.", "hint"));
}

// Expands or collapses a node (change: graph.expand or graph.collapse), then shows it selected,
// unless the selection moved on meanwhile (Escape, another click).
function reshape(id, change) {
  const sel = { id };
  setSelected(sel);
  return serial(async () => {
    await change(id);
    renderCounts();
    if (selected !== sel) return;
    graph.select(id);
    await renderDetails(id);
  });
}

function expand(id) {
  return reshape(id, (n) => graph.expand(n));
}

function collapse(id) {
  return reshape(id, (n) => graph.collapse(n));
}

// A link that shows a node (loading its neighbourhood into the graph), named by TEXT or its id.
function nodeLink(id, text = id) {
  const link = el("a", text);
  link.title = id;
  link.href = "#";
  link.onclick = (ev) => {
    ev.preventDefault();
    expand(id);
  };
  return link;
}

function propsTable(properties) {
  const props = Object.entries(properties || {});
  return props.length ? table(["key", "value"], props.map(([k, v]) => [k, show(v)])) : el("p", "none", "hint");
}

// "Edit text:" and a button per string property of a node, each opening the collaborative
// editor (textedit.js) on it. Outside the table, whose rows stay key and value.
function textActions(node) {
  const keys = Object.entries(node.properties || {}).filter(([, v]) => typeof v === "string").map(([k]) => k);
  if (!keys.length) return null;
  const line = el("p", "Edit text: ", "text-actions");
  keys.forEach((k, i) => {
    const b = el("button", k, "small edit-text");
    b.type = "button";
    b.dataset.key = k;
    b.title = `edit the text of ${k} together with others (live, with their cursors)`;
    b.onclick = () => textEditing.open(node.id, k);
    line.append(...(i ? [" ", b] : [b]));
  });
  return line;
}

function heading(label, id) {
  const title = el("h2");
  const badge = el("span", label || "(no label)", "badge");
  badge.style.background = colourOf(label);
  title.append(badge, " ", el("code", id));
  return title;
}

async function renderEdge(id) {
  const box = $("details");
  let edge;
  try {
    edge = await api("GET", `/edges/${encodeURIComponent(id)}`);
  } catch (err) {
    if (!(err instanceof ApiError) || err.status !== 404) throw err;
    box.replaceChildren(el("p", `Edge ${id} no longer exists.`, "hint"));
    if (selected?.id === id) selected = null; // unless a click chose another meanwhile
    return;
  }
  const ends = el("p");
  ends.append(nodeLink(edge.source), " → ", nodeLink(edge.target));
  box.replaceChildren(heading(edge.label, edge.id), editing.edgeActions(edge), ends, el("h3", "Properties"),
    propsTable(edge.properties));
}

async function renderDetails(id) {
  const box = $("details");
  let node;
  try {
    node = await api("GET", `/nodes/${encodeURIComponent(id)}`);
  } catch (err) {
    if (!(err instanceof ApiError) || err.status !== 404) throw err;
    box.replaceChildren(el("p", `Node ${id} no longer exists.`, "hint"));
    if (selected?.id === id) selected = null; // unless a click chose another meanwhile
    return;
  }
  const edges = await api("GET", `/edges?node=${encodeURIComponent(id)}&limit=101`);
  const parts = [heading(node.label, node.id), editing.nodeActions(node, edges.length), el("h3", "Properties"),
    propsTable(node.properties)];
  const texts = textActions(node);
  if (texts) parts.push(texts);
  const head = el("h3", `Edges (${edges.length > 100 ? "100+" : edges.length})`);
  const open = graph.isExpanded(id);
  const more = el("button", open ? "Collapse" : "Expand", "small");
  more.id = "expand";
  more.type = "button";
  more.title = open ? "remove the neighbours its expansion added" : "show this node's neighbours in the graph";
  more.onclick = () => (open ? collapse(id) : expand(id));
  head.append(" ", more);
  parts.push(head);
  const list = el("ul", undefined, "edges");
  // Neighbours go by their captions, which need their properties: one request for all.
  const ends = [...new Set(edges.slice(0, 100).map((e) => (e.source === id ? e.target : e.source)))];
  const near = ends.length ? (await api("POST", "/subgraph", { nodes: ends })).nodes : [];
  const names = new Map(near.map((n) => [n.id, graph.captionOf(n)]));
  for (const e of edges.slice(0, 100)) {
    const out = e.source === id;
    const other = out ? e.target : e.source;
    const li = el("li");
    li.append(out ? "→ " : "← ", el("span", e.label, "edge-label"), " ", nodeLink(other, names.get(other) ?? other));
    list.appendChild(li);
  }
  if (!edges.length) parts.push(el("p", "none", "hint"));
  else parts.push(list);
  box.replaceChildren(el("p", undefined, "also-viewing"), ...parts);
  renderAlsoViewing();
}

// "also viewing: NAME" above a node that other users have selected too.
function renderAlsoViewing() {
  const line = $("details").querySelector(".also-viewing");
  if (!line) return;
  const here = selected && !selected.edge ? others.filter((o) => o.node === selected.id) : [];
  line.hidden = !here.length;
  line.replaceChildren(...(here.length ? ["also viewing: "] : []), ...here.flatMap((o, i) => {
    const name = el("span", o.name, "who");
    name.style.color = o.colour;
    return i ? [", ", name] : [name];
  }));
}

// The other users: chips in the header, rings in the graph, the line in the details pane.
function renderPresence(list) {
  others = list;
  $("presence").replaceChildren(...list.map((o) => {
    const chip = el("span", o.name, "chip");
    chip.style.setProperty("--c", o.colour);
    chip.title = o.node ? `viewing ${o.node}` : "viewing no node";
    return chip;
  }));
  const rings = new Map();
  for (const o of list) if (o.node) rings.set(o.node, [...(rings.get(o.node) || []), o.colour]);
  graph.setRemoteSelections(rings);
  renderAlsoViewing();
}

function renderStatus(st) {
  const box = $("status");
  const peers = st.peers.length
    ? st.peers.map((p) => `${p.url} ${p.connected ? "connected" : "offline"}`).join(", ")
    : "none";
  const vv = Object.entries(st.vv || {}).map(([r, n]) => `${r.slice(0, 8)}…:${n}`).join(" ");
  const items = [
    ["replica", `${st.replica.slice(0, 12)}…`, st.replica],
    ["version", st.version],
    // sync sessions, and the other browser tabs on the events socket
    ["live peers", String(st.sessions + Math.max(0, (st.ui_clients ?? 1) - 1))],
    ["outgoing", peers],
    ["vv", vv || "{}", JSON.stringify(st.vv)],
  ];
  // What this page's token may do; a server without tokens lets everyone do everything.
  if (st.authenticates) items.unshift(["role", st.role]);
  box.replaceChildren(...items.map(([k, v, full]) => {
    const s = el("span", undefined, "stat");
    s.append(el("b", k), " ", el("span", v));
    if (full) s.title = full;
    s.dataset.key = k;
    return s;
  }));
}

// Shows a status (pushed, or asked for), and reloads the view when the version vector moved.
async function showStatus(st) {
  $("token-form").hidden = true;
  lastStatus = st;
  renderStatus(st);
  panels.sync.update(st);
  const vv = JSON.stringify(st.vv);
  if (vv !== lastVV) {
    lastVV = vv;
    await reloadGraph();
  }
}

// Asks for the status once (after the console ran a query, or a new token): no loop, the
// server pushes the rest.
async function poll() {
  await showStatus(await api("GET", "/status"));
}

const live = new Live({
  onStatus: (st) => serial(() => showStatus(st)),
  onChange: (vv) => serial(() => (lastStatus ? showStatus({ ...lastStatus, vv }) : poll())),
  onPresence: renderPresence,
  onError: (msg, { auth }) => (auth ? report(new ApiError(401, { error: msg })) : console.warn(`events: ${msg}`)),
});

// Collaborative text (textedit.js): its own panel above the details, so that the details'
// reload after every write leaves it alone.
const textEditing = createTextEditing({ panel: $("text-panel"), me: live.me });

// The console's graph tab: its nodes join the view (as expanded ones do) and are selected
// with its relationships.
function showInGraph({ nodes, edges }) {
  for (const id of nodes) graph.pinned.add(id);
  return serial(async () => {
    await reloadGraph();
    graph.select([...nodes, ...edges]);
  });
}

const queryConsole = createConsole({
  onGraph: showInGraph,
  onRun: () => {
    writeState({ q: queryConsole.editor.text() });
    return serial(poll);
  },
});
// The side panels (schema, vector search, sync), fed by the poll and the graph's reloads.
const panels = createPanels($("sidebar"), { runQuery: (text) => queryConsole.runText(text),
  selectedNode: () => (selected && !selected.edge ? selected.id : null), showInGraph, open: expand,
  onKeep: (on) => { if (on && lastStatus && !isOffline()) keepReplicaNow(); } });
// Editing (edit.js): after each successful write the view reloads, showing what was made.
const editing = createEditing({
  panel: $("edit-panel"),
  undoButton: $("undo"),
  newNodeButton: $("new-node"),
  changed({ node, edge }) {
    if (node) {
      graph.pinned.add(node);
      setSelected({ id: node });
    } else if (edge) setSelected({ id: edge, edge: true });
    return serial(async () => {
      await reloadGraph();
      if (node || edge) graph.select(node || edge);
    });
  },
});

$("more").addEventListener("click", () => {
  graph.limit += PAGE;
  serial(reloadGraph);
});
$("relayout").addEventListener("click", () => graph.layout());
$("fit").addEventListener("click", () => graph.fit());
$("zoom-in").addEventListener("click", () => graph.zoom(1.5));
$("zoom-out").addEventListener("click", () => graph.zoom(1 / 1.5));
$("label-filter").addEventListener("change", (e) => {
  graph.setFilter(e.target.value.trim());
  writeState({ label: graph.label });
  serial(reloadGraph);
});
$("token-form").addEventListener("submit", (e) => {
  e.preventDefault();
  setToken($("token").value);
  live.restart();
  serial(poll);
});

const theme = initTheme((dark) => {
  graph.setDark(dark);
  queryConsole.editor.setDark(dark);
  $("theme").textContent = `Theme: ${themeMode()}`;
});
$("theme").addEventListener("click", () => theme.cycle());

const shortcuts = installShortcuts([
  { key: "?", label: "list these shortcuts", run: () => showShortcuts($("shortcuts"), shortcuts, EDITOR_KEYS) },
  { key: "/", label: "go to the query editor", run: () => queryConsole.editor.focus() },
  { key: "f", label: "fit the graph to the view", run: () => graph.fit() },
  { key: "+", label: "zoom in", run: () => graph.zoom(1.5) },
  { key: "-", label: "zoom out", run: () => graph.zoom(1 / 1.5) },
  { key: "l", label: "lay the graph out again", run: () => graph.layout() },
  { key: "e", label: "expand or collapse the selected node", run: () => {
    if (selected && !selected.edge) (graph.isExpanded(selected.id) ? collapse : expand)(selected.id);
  } },
  { key: "t", label: "switch colours: system, dark, light", run: () => theme.cycle() },
  { key: "Escape", label: "clear the selection", run: unselect },
]);
const EDITOR_KEYS = [["Ctrl+Enter", "run the query (in the editor)"], ["Ctrl+↑ / Ctrl+↓", "walk the history (in the editor)"],
  ["Ctrl+Space", "complete a name (in the editor)"]];
$("help").addEventListener("click", () => showShortcuts($("shortcuts"), shortcuts, EDITOR_KEYS));

// What the URL holds (urlstate.js): the query goes into the editor, unrun; the selection and
// the label filter show as if clicked.
function restoreState() {
  const st = readState();
  if (st.label) {
    $("label-filter").value = st.label;
    graph.setFilter(st.label);
  }
  if (st.q) queryConsole.editor.setText(st.q);
  if (st.node) {
    graph.pinned.add(st.node);
    graph.select(st.node);
    select(st.node);
  } else if (st.edge) {
    graph.select(st.edge);
    selectEdge(st.edge);
  }
}

// The page's replica (replica.js), when the user keeps one (the sync panel's switch), opens
// once the first view is up, so that it never slows the first drawing. It says "none" (with
// why in the console) where it cannot open, e.g. without the WebAssembly build. A page loaded
// with the server out of reach (the service worker kept its files) resumes the replica that
// last synced in full in this origin's OPFS, as it was.
const REPLICA_AFTER_MS = 1500;
async function startReplica(dbId, resume = false) {
  try {
    const r = await openReplica(dbId, token(), resume);
    if (!resume || r.storage !== "opfs") await r.synced;
    document.body.dataset.replica = r.storage;
    return true;
  } catch (e) {
    document.body.dataset.replica = "none";
    console.warn(`no replica in this page: ${e.message}`);
    return false;
  }
}

// The replica kept from now on: its files with it (the service worker, sw.js), so that a
// reload with the server out of reach still has a page.
function keepReplicaNow() {
  if ("serviceWorker" in navigator) {
    navigator.serviceWorker.register(new URL("sw.js", location.href))
      .catch((e) => console.warn(`no service worker: ${e.message}`));
  }
  startReplica(lastStatus.db);
}

// The first status: from the server, or with it out of reach, from the replica that can resume.
async function boot() {
  try {
    await poll();
  } catch (e) {
    const saved = syncedReplica();
    if (!(e instanceof ApiError && e.status === 0) || !saved || !(await startReplica(saved, true))) throw e;
    setOffline(true);
    await poll();
  }
}

// Offline, the page reads and writes its replica: each commit there (its own, or merged from
// the server) is shown as a pushed status would be, and the replica's sync coming back up
// brings the page back to the server.
watchReplica((r) => {
  if (r.connected && isOffline()) setOffline(false);
  else if (isOffline()) serial(poll);
});
onOffline((offline) => {
  $("offline").hidden = !offline;
  document.body.classList.toggle("offline", offline);
  if (!offline) {
    live.restart();
    serial(poll);
  }
});

// For tests and the console.
window.arena = { view: graph.probe(), graph, console: queryConsole, panels, editing, text: textEditing, live, poll: () => serial(poll) };
restoreState();
live.start();
serial(boot).then(() => setTimeout(() => {
  if (keepReplica() && lastStatus && !isOffline()) keepReplicaNow();
}, REPLICA_AFTER_MS));
