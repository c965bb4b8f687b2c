// sync.mjs — the sync client: the C session (src/sync/session.c, through wasm/sync.c) spoken
// over a WebSocket to `arenadb serve`, from a page, a Worker or Node.
//
// The protocol is the state machine in C; this file only carries its frames, keeps time, and
// reconnects. Writes made while offline wait in the replica itself: each new session sends
// whatever the server's version vector lacks. Events:
//   'status'   { state: 'connecting' | 'connected' | 'disconnected' | 'closed', peer?, error? }
//   'change'   { ids: [{ id, edge }] }     a batch from the server changed this replica
//   'presence' [{ replica, key, value }]  the visible presence entries, after any change
//   'error'    ArenaDBError               the session failed (bad input, refused, lost)
//   'synced'   {}                         a session's initial exchange is through, both ways
// A sync with live false ends ('status' closed) once its initial exchange is through.

import { ADB, ArenaDBError } from './status.mjs';

const TICK_MS = 250;
// Failures that another attempt cannot fix: stop reconnecting.
const PERMANENT = new Set([ADB.AUTH, ADB.CONFLICT, ADB.FORMAT, ADB.NOTADB]);
const SESSION_CLOSED = 2; // SYNC_S_CLOSED
const SESSION_READY = 1;

function now() { return globalThis.performance ? performance.now() : Date.now(); }

export class SyncClient {
  /**
   * replica: a Replica; url: ws:// or wss:// of `arenadb serve`. options: live (true), token,
   * presenceOnly, reconnect (true), minBackoffMs (250), maxBackoffMs (30000), WebSocket (the
   * constructor to use; globalThis.WebSocket by default).
   */
  constructor(replica, url, options = {}) {
    this.replica = replica;
    this.url = url;
    this.options = { live: true, reconnect: true, minBackoffMs: 250, maxBackoffMs: 30000, ...options };
    this.state = 'idle';
    this._handlers = new Map();
    this._own = new Map(); // this replica's presence: key -> { value, ttlMs, setAt }
    this._attempt = 0;
    this._w = 0;
    this._ws = null;
    this._timer = null;
    this._retry = null;
    this._closed = false;
    this._ready = false;
    this._synced = false;
    this._lastPresence = null;
  }

  on(name, fn) {
    if (!this._handlers.has(name)) this._handlers.set(name, new Set());
    this._handlers.get(name).add(fn);
    return () => this._handlers.get(name).delete(fn);
  }

  _emit(name, data) {
    for (const fn of this._handlers.get(name) || []) {
      try { fn(data); } catch (e) { queueMicrotask(() => { throw e; }); }
    }
  }

  _status(state, extra = {}) {
    this.state = state;
    this._emit('status', { state, ...extra });
  }

  start() {
    const WS = this.options.WebSocket || globalThis.WebSocket;
    if (!WS) {
      throw new ArenaDBError('no WebSocket here: pass options.WebSocket (in Node 20, run node ' +
        'with --experimental-websocket)', ADB.MISUSE, 'misuse');
    }
    this._WS = WS;
    this._connect();
  }

  _connect() {
    if (this._closed) return;
    const c = this.replica._c;
    const o = this.options;
    this._w = c.sync.create(this.replica._handle(), o.live ? 1 : 0, o.presenceOnly ? 1 : 0,
      o.token || null);
    if (!this._w) {
      this._fail(new ArenaDBError('cannot start a sync session: out of memory', ADB.NOMEM, 'nomem'));
      return;
    }
    this._ready = false;
    this._synced = false; // each session has its own initial exchange
    this._status('connecting', { attempt: this._attempt });
    c.sync.start(this._w, now());
    let ws;
    try {
      ws = new this._WS(this.url, 'arenadb-sync');
    } catch (e) {
      this._lost(`cannot connect to ${this.url}: ${e.message}`, ADB.IO);
      return;
    }
    ws.binaryType = 'arraybuffer';
    this._ws = ws;
    ws.onopen = () => { if (this._ws === ws) this._pump(); };
    ws.onmessage = (ev) => { if (this._ws === ws) this._receive(ev.data); };
    ws.onclose = (ev) => {
      if (this._ws !== ws) return;
      const why = ev.reason || `the connection closed (code ${ev.code})`;
      this._lost(why, ADB.IO);
    };
    ws.onerror = () => {};
    this._timer = setInterval(() => this._tick(), TICK_MS);
  }

  _receive(data) {
    const c = this.replica._c;
    if (typeof data === 'string') {
      this._lost('the server sent a text message (the protocol is binary)', ADB.PROTOCOL, true);
      return;
    }
    const u8 = new Uint8Array(data);
    const p = c.malloc(Math.max(1, u8.length));
    let rc;
    try {
      c.M.HEAPU8.set(u8, p);
      rc = c.sync.feed(this._w, p, u8.length, now());
    } finally {
      c.free(p);
    }
    // What the frames allow next (the first batches after a hello, more after an ACK) goes out
    // now, not at the next tick.
    if (rc >= 0 && c.sync.state(this._w) !== SESSION_CLOSED) rc = c.sync.tick(this._w, now());
    this._after(rc);
  }

  _tick() {
    if (!this._w) return;
    const t = now();
    for (const [key, e] of this._own) {
      if (t - e.setAt >= e.ttlMs / 2) this._setPresence(key, e.value, e.ttlMs);
    }
    this._after(this.replica._c.sync.tick(this._w, t));
  }

  // After the session ran: report what it did, send what it queued, and end it if it closed.
  _after(rc) {
    const c = this.replica._c;
    const w = this._w;
    if (!w) return;
    if (c.sync.takeApplied(w)) {
      const ids = this.replica._flush(true, this);
      if (ids.length) this._emit('change', { ids });
    }
    if (!this._ready && c.sync.state(w) === SESSION_READY) {
      this._ready = true;
      this._attempt = 0;
      for (const [key, e] of this._own) this._setPresence(key, e.value, e.ttlMs);
      this._status('connected', { peer: c.sync.peer(w) });
    }
    if (this._ready && c.sync.initialDone(w)) {
      if (!this._synced) {
        this._synced = true;
        this._emit('synced', {});
      }
      if (!this.options.live && c.sync.idle(w)) {
        this._pump();
        this._end(); // a one-shot sync is done once both deltas are through
        return;
      }
    }
    const pj = c.sync.presence(w, now());
    if (pj) {
      const text = c.M.UTF8ToString(pj);
      c.adbFree(pj);
      if (text !== this._lastPresence) {
        this._lastPresence = text;
        this._emit('presence', JSON.parse(text));
      }
    }
    this._pump();
    if (c.sync.state(w) === SESSION_CLOSED) {
      const status = c.sync.status(w);
      const reason = c.sync.reason(w);
      if (status === ADB.OK) this._end(); // a one-shot sync that finished
      else this._lost(reason, status, true);
    } else if (rc < 0) {
      this._lost(c.sync.reason(w) || c.strerror(rc), rc, true);
    }
  }

  // Sends every queued frame.
  _pump() {
    const c = this.replica._c;
    const ws = this._ws;
    if (!ws || ws.readyState !== 1) return;
    const slots = c.malloc(2 * c.PTR);
    try {
      while (c.sync.out(this._w, slots, slots + c.PTR)) {
        const p = c.M.HEAPU32[slots >> 2];
        const n = c.M.HEAPU32[(slots >> 2) + 1];
        ws.send(c.M.HEAPU8.slice(p, p + n));
        c.sync.outPop(this._w);
      }
    } finally {
      c.free(slots);
    }
  }

  // The session ended: free it and close the socket.
  _drop() {
    clearInterval(this._timer);
    this._timer = null;
    if (this._w) this.replica._c.sync.free(this._w);
    this._w = 0;
    const ws = this._ws;
    this._ws = null;
    if (ws && ws.readyState <= 1) {
      try { ws.close(1000); } catch { /* already closing */ }
    }
  }

  // The connection failed or was lost: tell, then try again later unless it cannot help.
  _lost(reason, status, fromSession = false) {
    if (!this._w && !this._ws) return;
    this._drop();
    const err = new ArenaDBError(reason || 'the connection was lost', status || ADB.IO,
      this.replica._c.strerror(status || ADB.IO));
    if (fromSession || this._ready) this._emit('error', err);
    this._ready = false;
    const again = this.options.reconnect && this.options.live && !this._closed &&
      !PERMANENT.has(err.code);
    this._status(again ? 'disconnected' : 'closed', { error: err });
    if (!again) {
      this._closed = true;
      this.replica._syncs.delete(this);
      return;
    }
    // Exponential backoff with full jitter, so that many clients do not return at once.
    const cap = Math.min(this.options.maxBackoffMs, this.options.minBackoffMs * 2 ** this._attempt);
    this._attempt = Math.min(this._attempt + 1, 30);
    this._retry = setTimeout(() => { this._retry = null; this._connect(); }, Math.random() * cap);
  }

  _end() {
    this._drop();
    this._closed = true;
    this.replica._syncs.delete(this);
    this._status('closed', {});
  }

  /** This replica's database changed: send it on. */
  localChanged() {
    if (!this._w || !this._ready) return;
    this._after(this.replica._c.sync.localChanged(this._w, now()));
  }

  _setPresence(key, value, ttlMs) {
    const c = this.replica._c;
    const rc = c.sync.presenceSet(this._w, key, value == null ? null : JSON.stringify(value),
      ttlMs, now());
    if (rc < 0) {
      throw new ArenaDBError(`invalid presence entry '${key}' (keys are 1 to 256 bytes, values ` +
        'JSON up to 4 KiB, ttl 1 ms to 1 hour)', rc, c.strerror(rc));
    }
    this._own.get(key).setAt = now();
    this._after(ADB.OK);
  }

  /** Sets (value any JSON value) or removes (null) this replica's presence entry key; it is
   * kept alive while the client runs and sent again on every reconnection. */
  setPresence(key, value, ttlMs = 30000) {
    if (value == null) {
      if (this._own.has(key) && this._w) this._setPresence(key, null, ttlMs);
      this._own.delete(key);
      return;
    }
    const old = this._own.get(key);
    this._own.set(key, { value, ttlMs, setAt: 0 });
    if (!this._w) return;
    try {
      this._setPresence(key, value, ttlMs);
    } catch (e) {
      if (old) this._own.set(key, old);
      else this._own.delete(key);
      throw e;
    }
  }

  /** Stops syncing (no more reconnection). */
  close() {
    if (this._closed && !this._w) return;
    this._closed = true;
    clearTimeout(this._retry);
    this._drop();
    this.replica._syncs.delete(this);
    this._status('closed', {});
  }
}
