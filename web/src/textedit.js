// textedit.js — collaborative editing of a node's text property (docs/ui.md, "Collaborative
// text"). Typing goes into the text CRDT of the page's own replica (replica.js), syncing live
// with the server (`textUpdate`, which rebases the edit over whatever was merged meanwhile, and
// turns a plain string property into text on the first edit); merged changes come back into the editor with the local cursor kept
// in place; this tab's cursor goes out through the sync session's presence, and the others'
// show as coloured carets with their names.
import { Annotation, EditorState, StateEffect, StateField, Transaction } from "@codemirror/state";
import { Decoration, EditorView, WidgetType, drawSelection, keymap } from "@codemirror/view";
import { defaultKeymap, history, historyKeymap } from "@codemirror/commands";
import { api, token } from "./api.js";
import { currentReplica, openReplica } from "./replica.js";

const PRESENCE_KEY = "text-cursor";
const PRESENCE_DELAY_MS = 40; // cursor moves within this are sent as one presence update

function el(tag, text, cls) {
  const e = document.createElement(tag);
  if (text !== undefined && text !== null) e.textContent = text;
  if (cls) e.className = cls;
  return e;
}

// Code points (what text positions count) and UTF-16 units (what CodeMirror counts).
const toPoints = (s, units) => Array.from(s.slice(0, units)).length;
function toUnits(s, points) {
  let u = 0;
  for (let i = 0; i < points && u < s.length; i++) u += s.codePointAt(u) > 0xffff ? 2 : 1;
  return u;
}

// ---- remote carets -----------------------------------------------------------------------------

class CaretWidget extends WidgetType {
  constructor(name, colour) {
    super();
    this.name = name;
    this.colour = colour;
  }

  eq(o) {
    return o.name === this.name && o.colour === this.colour;
  }

  toDOM() {
    const caret = el("span", undefined, "cm-remote-caret");
    caret.dataset.name = this.name;
    caret.style.borderLeftColor = this.colour; // CSSOM, which the CSP allows
    const label = el("span", this.name, "cm-remote-name");
    label.style.background = this.colour;
    caret.appendChild(label);
    return caret;
  }

  ignoreEvent() {
    return true;
  }
}

const setCarets = StateEffect.define(); // [{ name, colour, pos }] (UTF-16 positions)

// The other users' carets: replaced by each presence update, moved along by edits in between.
const caretField = StateField.define({
  create: () => Decoration.none,
  update(carets, tr) {
    carets = carets.map(tr.changes);
    for (const e of tr.effects) {
      if (!e.is(setCarets)) continue;
      const len = tr.state.doc.length;
      carets = Decoration.set(e.value.map((c) => Decoration.widget({ widget: new CaretWidget(c.name, c.colour), side: 1 })
        .range(Math.max(0, Math.min(c.pos, len)))), true);
    }
    return carets;
  },
  provide: (f) => EditorView.decorations.from(f),
});

const merged = Annotation.define(); // a transaction that shows merged text, not typing

const theme = EditorView.theme({
  "&": { fontSize: "13px", color: "var(--fg)", background: "var(--panel)", border: "1px solid var(--border-strong)",
    maxHeight: "40vh" },
  "&.cm-focused": { outline: "1px solid #6b8bb0" },
  ".cm-scroller": { fontFamily: "ui-monospace, monospace", overflow: "auto" },
  ".cm-content": { caretColor: "var(--fg)", minHeight: "4em" },
  ".cm-cursor": { borderLeftColor: "var(--fg)" },
  ".cm-remote-caret": { position: "relative", borderLeft: "2px solid", marginLeft: "-1px", marginRight: "-1px" },
  ".cm-remote-name": { position: "absolute", left: "-2px", top: "-1.35em", fontSize: "10px", lineHeight: "1.3",
    color: "#fff", padding: "0 3px", borderRadius: "3px 3px 3px 0", whiteSpace: "nowrap", pointerEvents: "none",
    fontFamily: "system-ui, sans-serif" },
  ".cm-line:first-child .cm-remote-name": { top: "auto", bottom: "-1.35em", borderRadius: "0 3px 3px 3px" },
});

// ---- the editor -------------------------------------------------------------------------------

// The text panel: createTextEditing({ panel, me }) where me is { id, name, colour } (live.js).
// open(node, key) shows the editor of that property; close() ends it.
export function createTextEditing({ panel, me }) {
  let session = null;

  function close() {
    if (session) session.stop();
    session = null;
    panel.replaceChildren();
    panel.hidden = true;
  }

  async function open(node, key) {
    close();
    const head = el("h3", undefined);
    head.append("Text ", el("code", key), " of ", el("code", node));
    const shut = el("button", "Close", "small");
    shut.type = "button";
    shut.id = "text-close";
    shut.onclick = close;
    const state = el("span", "connecting…", "text-state hint");
    state.id = "text-state";
    const bar = el("div", undefined, "edit-actions");
    bar.append(shut, " ", state);
    const host = el("div", undefined, "text-editor");
    host.id = "text-editor";
    panel.replaceChildren(head, bar, host);
    panel.hidden = false;
    panel.dataset.node = node;
    panel.dataset.key = key;
    const mine = { stopped: false, stop() { this.stopped = true; } };
    session = mine;
    let r;
    try {
      r = await openReplica((await api("GET", "/status")).db, token());
      await r.synced;
    } catch (e) {
      if (session !== mine) return;
      state.textContent = e.message;
      state.className = "text-state error";
      return;
    }
    if (session !== mine) return;
    session = bind(r, node, key, host, state);
  }

  // Ties the editor in host to the text property key of node in the replica r.
  function bind({ db, sync, mod }, node, key, host, state) {
    let shown = ""; // the text as the editor showed it after our last write or refresh
    let pending = 0; // edits sent to the replica and not answered yet
    let stopped = false;
    let presenceTimer = 0;
    let peers = [];
    const report = (e) => { state.textContent = `error: ${e.message}`; state.className = "text-state error"; };

    const shadow = host.attachShadow({ mode: "open" });
    const view = new EditorView({
      root: shadow,
      parent: shadow,
      state: EditorState.create({
        doc: "",
        extensions: [history(), drawSelection(), keymap.of([...historyKeymap, ...defaultKeymap]),
          EditorView.lineWrapping, caretField, theme,
          EditorView.contentAttributes.of({ id: "text-content", "aria-label": `text ${key}` }),
          EditorView.updateListener.of((u) => {
            if (stopped) return;
            if (u.docChanged && !u.transactions.some((t) => t.annotation(merged))) typed();
            if (u.selectionSet || u.docChanged) publishSoon();
          })],
      }),
    });

    // Every edit goes to the replica as what the editor showed → what it shows; the replica
    // rebases it over whatever it merged meanwhile and answers with the text after it.
    function typed() {
      const before = shown;
      shown = view.state.doc.toString();
      pending++;
      db.textUpdate(node, key, before, shown).then((text) => {
        if (--pending === 0) show(text);
      }, (e) => { pending--; report(e); });
    }

    // Shows merged text, keeping the local cursor where its text is, unless the user typed since
    // (the answer to that edit brings newer text).
    function show(text) {
      if (stopped || pending || view.state.doc.toString() !== shown || text === shown) return;
      const d = mod.textDiff(shown, text);
      const map = mod.textMap(shown, text);
      const from = toUnits(shown, d.pos);
      const to = toUnits(shown, d.pos + d.len);
      const sel = view.state.selection.main;
      const at = (u) => toUnits(text, map(toPoints(shown, u)));
      view.dispatch({
        changes: { from, to, insert: d.text },
        selection: { anchor: at(sel.anchor), head: at(sel.head) },
        annotations: [merged.of(true), Transaction.addToHistory.of(false)],
      });
      shown = text;
      renderCarets();
    }

    async function refresh() {
      try {
        const text = (await db.textGet(node, key)) ?? "";
        show(text);
      } catch (e) {
        report(e);
      }
    }

    // This tab's cursor, as a code point offset, for the others.
    function publish() {
      presenceTimer = 0;
      if (stopped) return;
      const doc = view.state.doc.toString();
      const offset = toPoints(doc, view.state.selection.main.head);
      sync.setPresence(PRESENCE_KEY, { tab: me.id, node, key, offset, name: me.name, colour: me.colour }).catch(() => {});
    }
    function publishSoon() {
      if (!presenceTimer) presenceTimer = setTimeout(publish, PRESENCE_DELAY_MS);
    }

    function renderCarets() {
      const doc = view.state.doc.toString();
      const here = peers.filter((p) => p.key === PRESENCE_KEY && p.value && p.value.tab !== me.id &&
        p.value.node === node && p.value.key === key && Number.isInteger(p.value.offset));
      view.dispatch({ effects: setCarets.of(here.map((p) => ({
        name: String(p.value.name || "someone"),
        colour: /^#[0-9a-f]{6}$/i.test(p.value.colour) ? p.value.colour : "#888",
        pos: toUnits(doc, p.value.offset),
      }))) });
    }

    const offChange = db.on("change", ({ ids, remote }) => {
      if (remote && ids.some((c) => c.id === node && !c.edge)) refresh();
    });
    const offPresence = sync.on("presence", (entries) => { peers = entries; if (!stopped) renderCarets(); });
    const offStatus = sync.on("status", ({ state: s, error }) => {
      state.textContent = s === "connected" ? "live" : error ? `sync ${s}: ${error.message}` : s;
      state.className = `text-state ${s}`;
    });

    state.textContent = "live";
    state.className = "text-state connected";
    db.textGet(node, key).then((text) => {
      shown = text ?? "";
      view.dispatch({ changes: { from: 0, to: 0, insert: shown }, annotations: [merged.of(true), Transaction.addToHistory.of(false)] });
      host.dataset.ready = "1";
      publish();
    }, report);

    return {
      view,
      text: () => view.state.doc.toString(),
      stop() {
        stopped = true;
        clearTimeout(presenceTimer);
        offChange?.();
        offPresence?.();
        offStatus?.();
        sync.setPresence(PRESENCE_KEY, null).catch(() => {});
        view.destroy();
      },
    };
  }

  return {
    open,
    close,
    // For tests: the open editor's text, or null; where the page's replica lives, and how many
    // elements the server's changes touched in it since the page opened.
    text: () => (session && session.text ? session.text() : null),
    replica: async () => {
      if (!currentReplica()) return null;
      const { storage, received } = await currentReplica();
      return { storage, received };
    },
    focus: () => session && session.view && session.view.focus(),
  };
}
