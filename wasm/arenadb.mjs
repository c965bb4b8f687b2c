// arenadb.mjs — ArenaDB for JavaScript: one API in a page, a Worker, a bundler and Node.
//
//   import { ArenaDB } from './arenadb.mjs';
//   const db = await ArenaDB.open('notes.db', { storage: 'opfs' });   // or 'memory'
//   await db.nodeCreate('Note', { title: 'x' }, 'n1');
//   const rows = await db.sql('SELECT id FROM nodes WHERE label = ?', ['Note']);
//   const s = db.sync('ws://127.0.0.1:7420', { live: true, token });
//   s.on('change', ({ ids }) => ...);
//   await db.close();
//
// Every call returns a Promise. The replica runs in a dedicated Worker (worker.mjs) when the
// storage is 'opfs' in a page (OPFS's synchronous file handles exist only in Workers), or when
// options.worker is true; otherwise in this thread (Node, a Worker of the application's own,
// or 'memory' in a page). Failures reject with an ArenaDBError (.code: the negative ADB_*
// status). docs/wasm.md has the whole API.

import { ADB, ArenaDBError } from './status.mjs';

export { ADB, ArenaDBError };
export { textDiff, textMap } from './textdiff.mjs';

// Every call of the replica (replica.mjs) the API forwards as it is.
const CALLS = [
  'nodeCreate', 'edgeCreate', 'nodeGet', 'edgeGet', 'nodeUpdate', 'edgeUpdate', 'nodeSet',
  'edgeSet', 'nodeUnset', 'edgeUnset', 'nodeDelete', 'edgeDelete', 'nodeList', 'edgeList',
  'neighbors', 'khop', 'shortestPath', 'textInsert', 'textDelete', 'textReplace', 'textGet',
  'textUpdate',
  'vectorSet', 'vectorGet', 'vectorClear', 'vectorSearch', 'sql', 'cypher', 'begin', 'commit',
  'rollback', 'vv', 'vvJson', 'changes', 'apply', 'check', 'info', 'batch', 'http',
];

const inPage = typeof window === 'object' && typeof document === 'object';

function errorFrom(e) {
  const err = new ArenaDBError(e.message, e.code, e.codeName);
  if (e.cypher) err.cypher = e.cypher;
  return err;
}

// The replica in this thread: calls run at once, their results wrapped in Promises.
class LocalPort {
  static async start(path, options, onEvent) {
    const { Replica } = await import('./replica.mjs');
    const p = new LocalPort();
    p.replica = await Replica.open(path, options);
    p.syncs = new Map();
    p.onEvent = onEvent;
    p.replica.onChange((data) => onEvent('db', 'change', data));
    return p;
  }

  async call(method, args) {
    try {
      return this.replica[method](...args);
    } catch (e) {
      throw e instanceof ArenaDBError ? e : errorFrom({ message: e.message, code: ADB.ERROR });
    }
  }

  async syncOpen(id, url, options) {
    const s = this.replica.sync(url, options);
    this.syncs.set(id, s);
    for (const name of ['status', 'change', 'presence', 'error', 'synced']) {
      s.on(name, (data) => this.onEvent(id, name, data));
    }
    s.on('status', ({ state }) => { if (state === 'closed') this.syncs.delete(id); });
  }

  async syncCall(id, method, args) {
    const s = this.syncs.get(id);
    return s ? s[method](...args) : undefined; // closed already: nothing left to do
  }

  async close() {
    this.replica.close();
  }
}

// The replica in a dedicated Worker: calls are messages { id, method, args }.
class WorkerPort {
  static async start(path, options, onEvent) {
    const p = new WorkerPort();
    p.worker = new Worker(new URL('./worker.mjs', import.meta.url), { type: 'module' });
    p.next = 1;
    p.pending = new Map();
    p.worker.onmessage = ({ data }) => {
      if (data.event) {
        let d = data.error ? errorFrom(data.error) : data.data;
        if (d && d.error && !(d.error instanceof Error)) d = { ...d, error: errorFrom(d.error) };
        onEvent(data.target, data.event, d);
        return;
      }
      const w = p.pending.get(data.id);
      p.pending.delete(data.id);
      if (data.error) w.reject(errorFrom(data.error));
      else w.resolve(data.value);
    };
    p.worker.onerror = (ev) => {
      const err = new ArenaDBError(`the database worker failed: ${ev.message}`, ADB.ERROR, 'error');
      for (const w of p.pending.values()) w.reject(err);
      p.pending.clear();
    };
    const { factory, ...plain } = options;
    await p.send('open', [path, plain]);
    return p;
  }

  send(op, args) {
    const id = this.next++;
    return new Promise((resolve, reject) => {
      this.pending.set(id, { resolve, reject });
      this.worker.postMessage({ id, op, args });
    });
  }

  call(method, args) { return this.send('call', [method, args]); }
  syncOpen(id, url, options) {
    const { WebSocket: _ignored, ...plain } = options;
    return this.send('syncOpen', [id, url, plain]);
  }

  syncCall(id, method, args) { return this.send('syncCall', [id, method, args]); }

  async close() {
    await this.send('close', []);
    this.worker.terminate();
  }
}

/** One sync connection of a database: events 'status', 'change', 'presence', 'error', 'synced'. */
export class Sync {
  constructor(db, id) {
    this._db = db;
    this._id = id;
    this._handlers = new Map();
    this.state = 'connecting';
    this.ready = null;
  }

  on(name, fn) {
    if (!this._handlers.has(name)) this._handlers.set(name, new Set());
    this._handlers.get(name).add(fn);
    return () => this._handlers.get(name).delete(fn);
  }

  _emit(name, data) {
    if (name === 'status') this.state = data.state;
    for (const fn of this._handlers.get(name) || []) fn(data);
  }

  /** Sets (any JSON value) or removes (null) this replica's presence entry key. */
  setPresence(key, value, ttlMs = 30000) {
    return this._db._port.syncCall(this._id, 'setPresence', [key, value, ttlMs]);
  }

  /** Stops syncing. */
  async close() {
    await this.ready;
    return this._db._port.syncCall(this._id, 'close', []);
  }
}

export class ArenaDB {
  /**
   * Opens (creating when missing) the database name. options: storage ('memory', the default,
   * or 'opfs': the origin private file system, kept across reloads), worker (run it in a
   * Worker even when not needed), lockWaitMs (how long to wait for another tab or Worker that
   * holds an OPFS database; 1000), readonly, noCreate, dbId, synchronous, maxDriftMs.
   */
  static async open(name = ':memory:', options = {}) {
    const db = new ArenaDB();
    const storage = options.storage || 'memory';
    if (storage !== 'memory' && storage !== 'opfs') {
      throw new ArenaDBError(`storage '${storage}' is not 'memory' or 'opfs'`, ADB.INVALID, 'invalid');
    }
    const path = storage === 'memory' && name !== ':memory:' ? `/${name.replace(/^\/+/, '')}` : name;
    const useWorker = options.worker ?? (storage === 'opfs' && inPage);
    const Port = useWorker ? WorkerPort : LocalPort;
    // A page that reloads gets the database as soon as its old Worker has let it go.
    const lockWaitMs = options.lockWaitMs ?? (storage === 'opfs' ? 1000 : 0);
    db._port = await Port.start(path, { ...options, storage, lockWaitMs }, (target, name2, data) =>
      db._event(target, name2, data));
    db.name = name;
    db.storage = storage;
    return db;
  }

  constructor() {
    this._handlers = new Map();
    this._syncs = new Map();
    this._nextSync = 1;
  }

  _event(target, name, data) {
    if (target === 'db') {
      for (const fn of this._handlers.get(name) || []) fn(data);
    } else if (this._syncs.has(target)) {
      this._syncs.get(target)._emit(name, data);
      if (name === 'status' && data.state === 'closed') this._syncs.delete(target);
    }
  }

  /** 'change': fn({ ids: [{ id, edge }], remote }) after every commit, local or synced. */
  on(name, fn) {
    if (!this._handlers.has(name)) this._handlers.set(name, new Set());
    this._handlers.get(name).add(fn);
    return () => this._handlers.get(name).delete(fn);
  }

  /** Runs fn(db) in one transaction: committed when it resolves, rolled back when it throws. */
  async transaction(fn) {
    await this.begin();
    try {
      const r = await fn(this);
      await this.commit();
      return r;
    } catch (e) {
      await this.rollback().catch(() => {});
      throw e;
    }
  }

  /**
   * Syncs with `arenadb serve` at url (ws:// or wss://). options: live (true), token,
   * presenceOnly, reconnect (true), WebSocket (a constructor, for Node without a global one).
   * Returns a Sync at once; its 'status' events tell how it goes.
   */
  sync(url, options = {}) {
    const id = `sync${this._nextSync++}`;
    const s = new Sync(this, id);
    this._syncs.set(id, s);
    s.ready = this._port.syncOpen(id, url, options).catch((e) => {
      this._syncs.delete(id);
      s._emit('error', e);
      s._emit('status', { state: 'closed', error: e });
    });
    return s;
  }

  /** Closes the database (and its syncs). */
  async close() {
    if (!this._port) return;
    const p = this._port;
    this._port = null;
    await p.close();
  }
}

for (const m of CALLS) {
  ArenaDB.prototype[m] = function call(...args) {
    if (!this._port) return Promise.reject(new ArenaDBError('the database is closed', ADB.MISUSE, 'misuse'));
    return this._port.call(m, args);
  };
}

export default ArenaDB;
