// panels.js — the collapsible left sidebar: the schema, vector search and sync panels, each a
// section that opens and closes on its own.
import { el } from "./dom.js";
import { createSchemaPanel } from "./schema.js";
import { createVectorPanel } from "./vectors.js";
import { createSyncPanel } from "./syncpanel.js";

const HIDDEN_KEY = "arenadb.sidebar.hidden";

// Builds the sidebar in aside. deps: runQuery(text), selectedNode(), showInGraph({nodes,
// edges}), open(id), onKeep(on) (the sync panel's replica switch). Returns the panels: schema.refresh(), vectors.nodeSelected(id),
// sync.update(status).
export function createPanels(aside, deps) {
  const toggle = el("button", undefined, "sidebar-toggle");
  toggle.type = "button";
  toggle.id = "sidebar-toggle";
  const body = el("div", undefined, "sidebar-body");
  function section(id, title, open) {
    const d = el("details", undefined, "panel");
    d.id = id;
    d.open = open;
    d.appendChild(el("summary", title));
    body.appendChild(d);
    return d;
  }
  const schema = createSchemaPanel(section("schema-panel", "Schema", true), deps);
  const vectors = createVectorPanel(section("vector-panel", "Vector search", true), deps);
  const sync = createSyncPanel(section("sync-panel", "Sync", true), deps);
  aside.replaceChildren(toggle, body);

  function setHidden(hidden) {
    aside.classList.toggle("collapsed", hidden);
    toggle.textContent = hidden ? "▶" : "◀";
    toggle.title = hidden ? "show the side panels" : "hide the side panels";
    toggle.setAttribute("aria-expanded", String(!hidden));
    localStorage.setItem(HIDDEN_KEY, hidden ? "1" : "");
    // sigma sizes its canvases on a window resize: the graph pane just changed width.
    window.dispatchEvent(new Event("resize"));
  }
  toggle.onclick = () => setHidden(!aside.classList.contains("collapsed"));
  setHidden(localStorage.getItem(HIDDEN_KEY) === "1");
  return { schema, vectors, sync };
}
