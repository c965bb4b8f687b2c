// live.js — the server's pushed updates over one WebSocket (GET /events, subprotocol
// arenadb-events; docs/http.md): its status, the version vector after every commit, and the
// presence table, reconnecting with backoff when the socket drops. Also this tab's own
// presence: a name and colour kept in sessionStorage, and the node it is viewing.
import { token } from "./api.js";

const PROTOCOL = "arenadb-events";
const ME_KEY = "arenadb.presence.me";
const KEY_PREFIX = "ui:"; // the presence keys of browser tabs
const TTL_MS = 15000; // an entry outlives a tab that vanished without closing its socket by this
const REFRESH_MS = 5000; // how often a tab says it is still there
const BACKOFF_MIN_MS = 250;
const BACKOFF_MAX_MS = 5000;

const NAMES = ["Otter", "Heron", "Lynx", "Marten", "Puffin", "Ibex", "Gecko", "Kestrel", "Tapir",
  "Wren", "Bison", "Civet", "Dingo", "Egret", "Falcon", "Koala"];
const COLOURS = ["#d62728", "#9467bd", "#ff7f0e", "#2ca02c", "#e377c2", "#17becf", "#8c564b",
  "#bcbd22"];

const pick = (list) => list[Math.floor(Math.random() * list.length)];

// This tab's identity: kept for the tab's life (a reload keeps it), new in every other tab.
export function me() {
  try {
    const saved = JSON.parse(sessionStorage.getItem(ME_KEY));
    if (saved && saved.id && saved.name && saved.colour) return saved;
  } catch { /* made anew below */ }
  const id = Array.from(crypto.getRandomValues(new Uint8Array(8)), (b) => b.toString(16).padStart(2, "0")).join("");
  const made = { id, name: pick(NAMES), colour: pick(COLOURS) };
  sessionStorage.setItem(ME_KEY, JSON.stringify(made));
  return made;
}

// The socket's URL: this page's server, with the token in the query (a browser cannot set
// headers on a WebSocket).
function url() {
  const u = new URL("/events", location.href);
  u.protocol = location.protocol === "https:" ? "wss:" : "ws:";
  const t = token();
  if (t) u.searchParams.set("token", t);
  return u.href;
}

// Opens the socket and keeps it open. Callbacks: onStatus(status) for the hello and status
// frames (what GET /status answers), onChange(vv) after commits, onPresence(others) with the
// other tabs ([{key, id, name, colour, node}]), onError(message, {auth}) for an error frame
// or a refused connection, onState("open"|"closed").
export class Live {
  constructor({ onStatus, onChange, onPresence, onError, onState } = {}) {
    this.cb = { onStatus, onChange, onPresence, onError, onState };
    this.me = me();
    this.key = KEY_PREFIX + this.me.id;
    this.viewing = null; // the node this tab shows in its details pane
    this.entries = []; // the presence table as last pushed
    this.ws = null;
    this.attempts = 0;
    this.timer = 0;
    this.refresh = 0;
    this.mayWrite = false; // a read-only token may watch, not set presence
  }

  start() {
    if (this.ws) return;
    clearTimeout(this.timer);
    const ws = new WebSocket(url(), PROTOCOL);
    this.ws = ws;
    ws.onopen = () => this.cb.onState?.("open");
    ws.onmessage = (ev) => this.receive(ev.data);
    ws.onclose = (ev) => {
      if (this.ws !== ws) return;
      this.ws = null;
      clearInterval(this.refresh);
      this.cb.onState?.("closed");
      if (ev.code === 1008 && /authentication/.test(ev.reason)) this.cb.onError?.(ev.reason, { auth: true });
      this.retry();
    };
  }

  // Starts over at once (a new token, say).
  restart() {
    const ws = this.ws;
    this.ws = null;
    if (ws) ws.close();
    this.attempts = 0;
    this.start();
  }

  // Reconnects after an exponential backoff with jitter: 250 ms doubling up to 5 s.
  retry() {
    const d = Math.min(BACKOFF_MAX_MS, BACKOFF_MIN_MS * 2 ** this.attempts++);
    this.timer = setTimeout(() => this.start(), d / 2 + Math.random() * (d / 2));
  }

  receive(text) {
    let m;
    try {
      m = JSON.parse(text);
    } catch {
      return;
    }
    if (m.type === "hello" || m.type === "status") {
      if (m.type === "hello") {
        this.attempts = 0;
        this.mayWrite = m.role !== "read";
        this.publish();
        clearInterval(this.refresh);
        this.refresh = setInterval(() => this.publish(), REFRESH_MS);
        this.setEntries(m.presence || []);
      }
      this.cb.onStatus?.(m);
    } else if (m.type === "change") {
      this.cb.onChange?.(m.vv);
    } else if (m.type === "presence") {
      this.setEntries(m.entries || []);
    } else if (m.type === "error") {
      this.cb.onError?.(m.error, { auth: /authentication/.test(m.error) });
    }
  }

  setEntries(entries) {
    this.entries = entries;
    this.cb.onPresence?.(this.others());
  }

  // The other tabs on this server, by their entries.
  others() {
    return this.entries
      .filter((e) => e.key.startsWith(KEY_PREFIX) && e.key !== this.key && e.value && e.value.name)
      .map((e) => ({ key: e.key, id: e.key.slice(KEY_PREFIX.length), name: String(e.value.name),
        colour: /^#[0-9a-f]{6}$/i.test(e.value.colour) ? e.value.colour : "#888",
        node: typeof e.value.node === "string" ? e.value.node : null }));
  }

  // Says which node this tab views (null: none).
  setViewing(node) {
    if (node === this.viewing) return;
    this.viewing = node;
    this.publish();
  }

  publish() {
    if (!this.ws || this.ws.readyState !== WebSocket.OPEN || !this.mayWrite) return;
    this.ws.send(JSON.stringify({ type: "presence", key: this.key, ttl_ms: TTL_MS,
      value: { name: this.me.name, colour: this.me.colour, node: this.viewing } }));
  }
}
