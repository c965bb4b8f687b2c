// edit.js — editing in the browser UI: create, edit and delete nodes and edges through the HTTP
// API (docs/http.md), with the properties in a JSON editor (CodeMirror 6) checked as you type,
// a confirmation in the page before a delete, and an undo stack of the inverse operations of
// the edits made in this tab, kept across reloads. Forms and messages go into the edit panel
// above the details.
import { EditorState } from "@codemirror/state";
import { EditorView, drawSelection, keymap, lineNumbers } from "@codemirror/view";
import { defaultKeymap, history, historyKeymap } from "@codemirror/commands";
import { bracketMatching, defaultHighlightStyle, syntaxHighlighting } from "@codemirror/language";
import { json, jsonLanguage } from "@codemirror/lang-json";
import { api, ApiError } from "./api.js";

const UNDO_MAX = 100;

// Makes an element with text content (never HTML: every value shown comes from the database).
function el(tag, text, cls) {
  const e = document.createElement(tag);
  if (text !== undefined && text !== null) e.textContent = text;
  if (cls) e.className = cls;
  return e;
}

function button(text, id, title) {
  const b = el("button", text, "small");
  b.type = "button";
  if (id) b.id = id;
  if (title) b.title = title;
  return b;
}

const path = (kind, id) => `/${kind}s/${encodeURIComponent(id)}`;

// Line and column (from 1) of a string index.
function lineColumn(text, pos) {
  const before = text.slice(0, pos).split("\n");
  return { line: before.length, column: before[before.length - 1].length + 1 };
}

// Where the JSON parser of the editor's language first finds an error (for the engines'
// messages that name no position), else the end of the text.
function errorPosition(text) {
  let at = -1;
  jsonLanguage.parser.parse(text).iterate({
    enter(n) {
      if (at < 0 && n.type.isError) at = n.from;
      return at < 0;
    },
  });
  return at < 0 ? text.length : at;
}

function kindOf(v) {
  if (v === null) return "null";
  if (Array.isArray(v)) return "an array";
  return `a ${typeof v}`;
}

// Checks the text of a properties editor: resolves to {value} (a JSON object; empty text is {})
// or {error} naming the problem, with its line and column for a syntax error. A top-level null
// is refused: a merge patch removes a key set to null (delete the key instead).
export function parseProperties(text) {
  if (!text.trim()) return { value: {} };
  let value;
  try {
    value = JSON.parse(text);
  } catch (e) {
    const m = /at position (\d+)/.exec(e.message);
    const pos = m ? Number(m[1]) : errorPosition(text);
    let why = e.message.replace(/\s*in JSON at position \d+.*$/s, "")
      .replace(/^(Unexpected token .*?), ".*" is not valid JSON$/s, "$1");
    if (why.length > 120) why = `${why.slice(0, 120)}…`;
    const { line, column } = lineColumn(text, pos);
    return { error: `invalid JSON at line ${line}, column ${column}: ${why}`, pos };
  }
  if (value === null || typeof value !== "object" || Array.isArray(value)) {
    return { error: `the properties must be a JSON object, not ${kindOf(value)}` };
  }
  const nulls = Object.keys(value).filter((k) => value[k] === null);
  if (nulls.length) {
    return { error: `"${nulls[0]}" is null: a property cannot be set to null here (delete the key to remove it)` };
  }
  return { value };
}

const same = (a, b) => JSON.stringify(canonical(a)) === JSON.stringify(canonical(b));

// A value with its objects' keys in order, so that equal values compare equal as text.
function canonical(v) {
  if (Array.isArray(v)) return v.map(canonical);
  if (v && typeof v === "object") {
    return Object.fromEntries(Object.keys(v).sort().map((k) => [k, canonical(v[k])]));
  }
  return v;
}

// The merge patch (RFC 7386 at the top level: the server replaces a key's whole value) that
// turns properties FROM into TO: changed and new keys with their new values, removed keys null.
export function mergePatch(from, to) {
  const patch = {};
  for (const k of Object.keys(from)) if (!(k in to)) patch[k] = null;
  for (const [k, v] of Object.entries(to)) if (!(k in from) || !same(from[k], v)) patch[k] = v;
  return patch;
}

// Styles live here: the editor sits in a shadow root (see jsonEditor).
const theme = EditorView.theme({
  "&": { fontSize: "12px", color: "var(--fg)", background: "var(--panel)", border: "1px solid var(--border-strong)", height: "12em" },
  "&.cm-focused": { outline: "1px solid #6b8bb0" },
  ".cm-scroller": { fontFamily: "ui-monospace, monospace", overflow: "auto" },
  ".cm-gutters": { background: "var(--th-bg)", color: "var(--faint)", border: "none" },
});

// A CodeMirror JSON editor inside host (in a shadow root, because the server's
// Content-Security-Policy refuses inline styles, as in editor.js); onChange(text) on each edit.
function jsonEditor(host, doc, onChange) {
  const shadow = host.attachShadow({ mode: "open" });
  const view = new EditorView({
    root: shadow,
    parent: shadow,
    state: EditorState.create({
      doc,
      extensions: [
        lineNumbers(),
        history(),
        drawSelection(),
        bracketMatching(),
        syntaxHighlighting(defaultHighlightStyle, { fallback: true }),
        json(),
        keymap.of([...historyKeymap, ...defaultKeymap]),
        theme,
        EditorView.contentAttributes.of({ id: "edit-props", "aria-label": "properties (JSON)" }),
        EditorView.updateListener.of((u) => { if (u.docChanged) onChange(u.state.doc.toString()); }),
      ],
    }),
  });
  return { text: () => view.state.doc.toString(), focus: () => view.focus() };
}

// Whether a key press belongs to a text field (an input, a textarea, or an editor in a shadow
// root), where Ctrl+Z undoes typing, not an edit of the database.
function inTextField(ev) {
  const t = ev.composedPath()[0];
  return t instanceof Element && (t.isContentEditable || /^(INPUT|TEXTAREA|SELECT)$/.test(t.tagName));
}

// The undo list lives in the tab's session storage, so that a reload keeps it (and another tab
// has its own). What cannot be read there is no list.
const UNDO_KEY = "arenadb.undo";

function loadUndo() {
  try {
    const list = JSON.parse(sessionStorage.getItem(UNDO_KEY));
    return Array.isArray(list) ? list.filter((u) => typeof u?.what === "string" && Array.isArray(u.request)
      && typeof u.request[0] === "string" && typeof u.request[1] === "string") : [];
  } catch {
    return [];
  }
}

function saveUndo(list) {
  sessionStorage.setItem(UNDO_KEY, JSON.stringify(list));
}

// The editing of the page. panel: the element forms and messages go into; undoButton and
// newNodeButton: the toolbar's buttons; changed({node, edge, gone}) after each successful
// write (the page reloads the view and shows the node or edge named, if any).
export function createEditing({ panel, undoButton, newNodeButton, changed }) {
  const undoStack = loadUndo(); // {what, request}: the inverse request of an edit
  let picking = null; // the target field of an open new-edge form, filled by a click in the graph
  let working = false;

  function close() {
    picking = null;
    panel.replaceChildren();
    panel.hidden = true;
  }

  // Shows a form (or only a message) in the panel; returns its message line.
  function open(title, ...content) {
    picking = null;
    const head = el("h3", title);
    const x = button("×", "edit-close", "close");
    x.onclick = close;
    head.append(" ", x);
    const msg = el("p", undefined, "error edit-error");
    msg.id = "edit-error";
    msg.setAttribute("role", "alert");
    msg.hidden = true;
    panel.replaceChildren(head, ...content, msg);
    panel.hidden = false;
    return msg;
  }

  function say(msg, err) {
    const code = err instanceof ApiError ? ` (${err.status})` : "";
    msg.textContent = `${err.message}${code}`;
    msg.hidden = false;
  }

  function renderUndo() {
    const top = undoStack[undoStack.length - 1];
    undoButton.disabled = !top || working;
    undoButton.title = top ? `undo ${top.what} (Ctrl+Z)` : "nothing to undo";
  }

  function push(what, request) {
    undoStack.push({ what, request });
    if (undoStack.length > UNDO_MAX) undoStack.shift();
    saveUndo(undoStack);
    renderUndo();
  }

  function pop() {
    undoStack.pop();
    saveUndo(undoStack);
  }

  // Runs one write; on success records its inverse, closes the form and tells the page. On an
  // error shows the server's message in the form's message line and changes nothing here. The
  // next edit or undo may start as soon as the server answered, while the page reloads.
  async function write(msg, fn, ...controls) {
    if (working) return false;
    working = true;
    for (const c of controls) c.disabled = true;
    msg.hidden = true;
    let done;
    try {
      done = await fn();
      if (done.undo) push(done.what, done.undo);
      close();
    } catch (err) {
      say(msg, err);
      return false;
    } finally {
      working = false;
      for (const c of controls) c.disabled = false;
      renderUndo();
    }
    await changed(done.show || {});
    return true;
  }

  // A label field, a JSON editor and its message; save is disabled while the JSON is refused.
  function fields(label, props, save) {
    const labelInput = el("input");
    labelInput.id = "edit-label";
    labelInput.value = label;
    labelInput.placeholder = "label";
    labelInput.setAttribute("aria-label", "label");
    const host = el("div", undefined, "edit-json");
    const check = el("p", undefined, "error");
    check.id = "edit-json-msg";
    const editor = jsonEditor(host, props, (text) => validate(text));
    function validate(text) {
      const r = parseProperties(text);
      check.textContent = r.error || "";
      check.hidden = !r.error;
      save.disabled = Boolean(r.error);
      return r;
    }
    validate(props);
    return { labelInput, host, check, editor, parsed: () => validate(editor.text()) };
  }

  function saveButton(text = "Save") {
    const b = el("button", text);
    b.type = "submit";
    b.id = "edit-save";
    return b;
  }

  function row(name, ...content) {
    const r = el("label", undefined, "edit-row");
    r.append(el("span", name), ...content);
    return r;
  }

  // A form in the panel: on submit calls onSave(msg, save).
  function form(title, parts, save, onSave) {
    const f = el("form", undefined, "edit-form");
    const cancel = button("Cancel", "edit-cancel");
    cancel.onclick = close;
    const bar = el("div", undefined, "edit-bar");
    bar.append(save, cancel);
    f.append(...parts, bar);
    const msg = open(title, f);
    f.onsubmit = (ev) => {
      ev.preventDefault();
      if (!save.disabled) onSave(msg, save);
    };
    return msg;
  }

  const pretty = (props) => JSON.stringify(props || {}, null, 2);

  // "New node": a label, an optional id, properties.
  function newNode() {
    const save = saveButton("Create");
    const f = fields("", "{\n}", save);
    const idInput = el("input");
    idInput.id = "edit-id";
    idInput.placeholder = "generated when empty";
    form("New node", [row("label", f.labelInput), row("id", idInput), row("properties", f.host), f.check], save,
      (msg) => write(msg, async () => {
        const body = { label: f.labelInput.value, properties: f.parsed().value };
        if (idInput.value) body.id = idInput.value;
        const { id } = await api("POST", "/nodes", body);
        return { what: `creating node ${id}`, undo: ["DELETE", path("node", id)], show: { node: id } };
      }, save));
    f.labelInput.focus();
  }

  // Edits a node's or an edge's label and properties: the request is a PATCH whose properties
  // are the merge patch from the stored properties (read again now, so that a key someone else
  // added meanwhile is removed too) to the editor's, so the stored ones end equal to the editor's.
  function edit(kind, item) {
    const save = saveButton();
    const f = fields(item.label, pretty(item.properties), save);
    const parts = [row("label", f.labelInput), row("properties", f.host), f.check];
    if (kind === "edge") parts.unshift(el("p", `${item.source} → ${item.target}`, "hint"));
    form(`Edit ${kind} ${item.id}`, parts, save, (msg) => write(msg, async () => {
      const want = f.parsed().value;
      const now = await api("GET", path(kind, item.id));
      const body = {};
      const old = now.properties || {};
      const patch = mergePatch(old, want);
      if (Object.keys(patch).length) body.properties = patch;
      if (f.labelInput.value !== now.label) body.label = f.labelInput.value;
      const show = { [kind]: item.id };
      if (!Object.keys(body).length) return { show };
      await api("PATCH", path(kind, item.id), body);
      // The inverse puts back the label and the keys this edit changed, as they were.
      const back = {};
      if (body.label !== undefined) back.label = now.label;
      if (body.properties) back.properties = Object.fromEntries(Object.keys(patch).map((k) => [k, k in old ? old[k] : null]));
      return { what: `the edit of ${kind} ${item.id}`, undo: ["PATCH", path(kind, item.id), back], show };
    }, save));
  }

  // Asks in the page before deleting; the undo re-creates the node or edge with the same id,
  // label and properties (the server allows a deleted id to be created again; a node's edges,
  // hidden by its deletion, come back with it).
  function remove(kind, item, edgeCount) {
    const yes = el("button", `Delete ${kind}`, "danger");
    yes.type = "button";
    yes.id = "edit-confirm";
    const no = button("Cancel", "edit-cancel");
    no.onclick = close;
    const text = kind === "node" && edgeCount
      ? `Delete this node? Its ${edgeCount > 100 ? "more than 100" : edgeCount} edge${edgeCount === 1 ? "" : "s"} will be hidden with it.`
      : `Delete this ${kind}?`;
    const bar = el("div", undefined, "edit-bar");
    bar.append(yes, no);
    const msg = open(`Delete ${kind} ${item.id}`, el("p", text), bar);
    yes.onclick = () => write(msg, async () => {
      const was = await api("GET", path(kind, item.id));
      await api("DELETE", path(kind, item.id));
      const body = { id: was.id, label: was.label, properties: was.properties };
      if (kind === "edge") Object.assign(body, { source: was.source, target: was.target });
      return { what: `deleting ${kind} ${item.id}`, undo: ["POST", `/${kind}s`, body], show: { gone: true } };
    }, yes, no);
    yes.focus();
  }

  // "New edge from here": the target by id or by a click on a node in the graph, a label,
  // properties.
  function newEdge(source) {
    const save = saveButton("Create");
    const f = fields("", "{\n}", save);
    const target = el("input");
    target.id = "edit-target";
    target.placeholder = "node id, or click a node in the graph";
    form(`New edge from ${source}`, [row("target", target), row("label", f.labelInput), row("properties", f.host), f.check,
      el("p", "Click a node in the graph to make it the target.", "hint")], save, (msg) => write(msg, async () => {
      const body = { source, target: target.value, label: f.labelInput.value, properties: f.parsed().value };
      const { id } = await api("POST", "/edges", body);
      return { what: `creating edge ${id}`, undo: ["DELETE", path("edge", id)], show: { edge: id } };
    }, save));
    picking = target;
    target.focus();
  }

  // Undoes the last edit made in this page. An undo the server refuses stays on the stack (to
  // try again, e.g. with another token) unless the state moved on (404, 409): then it is dropped.
  async function undo() {
    const top = undoStack[undoStack.length - 1];
    if (!top || working) return;
    working = true;
    renderUndo();
    try {
      await api(...top.request);
      pop();
      close();
    } catch (err) {
      const msg = open(`Undo ${top.what}`);
      if (err instanceof ApiError && (err.status === 404 || err.status === 409)) {
        pop();
        say(msg, new ApiError(err.status, { error: `${err.message}: cannot undo ${top.what}; dropped from the undo list` }));
      } else say(msg, err);
      return;
    } finally {
      working = false;
      renderUndo();
    }
    await changed({});
  }

  undoButton.addEventListener("click", undo);
  newNodeButton.addEventListener("click", newNode);
  document.addEventListener("keydown", (ev) => {
    if ((ev.ctrlKey || ev.metaKey) && !ev.shiftKey && !ev.altKey && ev.key.toLowerCase() === "z" && !inTextField(ev)) {
      ev.preventDefault();
      undo();
    }
  });
  close();
  renderUndo();

  return {
    // The buttons of the details pane for a node (with its number of edges) or an edge.
    nodeActions(node, edgeCount) {
      const bar = el("div", undefined, "edit-actions");
      const e = button("Edit", "edit-node", "edit the label and properties");
      e.onclick = () => edit("node", node);
      const d = button("Delete", "delete-node", "delete this node (asks first)");
      d.onclick = () => remove("node", node, edgeCount);
      const n = button("New edge from here", "new-edge", "create an edge from this node");
      n.onclick = () => newEdge(node.id);
      bar.append(e, d, n);
      return bar;
    },
    edgeActions(edge) {
      const bar = el("div", undefined, "edit-actions");
      const e = button("Edit", "edit-edge", "edit the label and properties");
      e.onclick = () => edit("edge", edge);
      const d = button("Delete", "delete-edge", "delete this edge (asks first)");
      d.onclick = () => remove("edge", edge);
      bar.append(e, d);
      return bar;
    },
    // A click on a node in the graph: fills an open new-edge form's target (returns true), or
    // leaves the click to the page (false).
    pick(id) {
      if (!picking || !picking.isConnected) return false;
      picking.value = id;
      return true;
    },
    undo,
    undoList: () => undoStack.map((u) => u.what),
  };
}
