// replica.mjs — one ArenaDB replica inside the WebAssembly module, called synchronously.
//
// This is the layer that touches wasm memory. The public API (arenadb.mjs) runs it in the
// caller's thread or in a Worker (worker.mjs) and makes every call a Promise; tests and Workers
// may use it directly. Failures throw an ArenaDBError whose .code is the negative ADB_* status
// and whose .message is adb_errmsg().

import { ADB, ArenaDBError } from './status.mjs';
import { SyncClient } from './sync.mjs';
import { textDiff, textMap } from './textdiff.mjs';

function randomUint32() {
  const c = globalThis.crypto;
  if (c && typeof c.getRandomValues === 'function') {
    return c.getRandomValues(new Uint32Array(1))[0] >>> 0;
  }
  throw new Error('ArenaDB needs crypto.getRandomValues');
}

// The C functions, wrapped once per module instance.
function bind(M) {
  const f = (name, ret, args) => M.cwrap(name, ret, args);
  // The sizes and member offsets of the public structs, as the build laid them out (layout.c).
  const L = JSON.parse(f('adb_wasm_layout', 'string', [])());
  return {
    M,
    L,
    PTR: L.pointer,
    malloc: M._malloc,
    free: M._free,
    strerror: f('adb_strerror', 'string', ['number']),
    open: f('adb_open', 'number', ['string', 'number', 'number']),
    close: f('adb_close', 'number', ['number']),
    errmsg: f('adb_errmsg', 'string', ['number']),
    adbFree: f('adb_free', null, ['number']),
    replicaId: f('adb_replica_id', 'string', ['number']),
    dbId: f('adb_db_id', 'string', ['number']),
    begin: f('adb_begin', 'number', ['number']),
    commit: f('adb_commit', 'number', ['number']),
    rollback: f('adb_rollback', 'number', ['number']),
    nodeCreate: f('adb_node_create', 'number', ['number', 'string', 'string', 'string', 'number']),
    edgeCreate: f('adb_edge_create', 'number',
      ['number', 'string', 'string', 'string', 'string', 'string', 'number']),
    nodeGet: f('adb_node_get', 'number', ['number', 'string', 'number']),
    edgeGet: f('adb_edge_get', 'number', ['number', 'string', 'number']),
    nodeUpdate: f('adb_node_update', 'number', ['number', 'string', 'string', 'string']),
    edgeUpdate: f('adb_edge_update', 'number', ['number', 'string', 'string', 'string']),
    nodeDelete: f('adb_node_delete', 'number', ['number', 'string']),
    edgeDelete: f('adb_edge_delete', 'number', ['number', 'string']),
    elementClear: f('adb_element_clear', null, ['number']),
    // adb_prepare takes a pointer to the SQL text (not a converted string) so that *tail can be
    // related back to it.
    prepare: f('adb_prepare', 'number', ['number', 'number', 'number', 'number']),
    step: f('adb_step', 'number', ['number']),
    finalize: f('adb_finalize', 'number', ['number']),
    bindInt: f('adb_bind_int', 'number', ['number', 'number', 'bigint']),
    bindDouble: f('adb_bind_double', 'number', ['number', 'number', 'number']),
    bindText: f('adb_bind_text', 'number', ['number', 'number', 'string']),
    bindNull: f('adb_bind_null', 'number', ['number', 'number']),
    columnCount: f('adb_column_count', 'number', ['number']),
    columnName: f('adb_column_name', 'string', ['number', 'number']),
    columnType: f('adb_column_type', 'number', ['number', 'number']),
    columnInt: f('adb_column_int', 'bigint', ['number', 'number']),
    columnDouble: f('adb_column_double', 'number', ['number', 'number']),
    columnText: f('adb_column_text', 'string', ['number', 'number']),
    columnIsJson: f('adb_column_is_json', 'number', ['number', 'number']),
    vv: f('adb_vv', 'number', ['number', 'number', 'number']),
    vvJson: f('adb_vv_json', 'number', ['number', 'number', 'number', 'number']),
    changes: f('adb_changes', 'number', ['number', 'number', 'number', 'number', 'number']),
    apply: f('adb_apply', 'number', ['number', 'number', 'number', 'number']),
    check: f('adb_check', 'number', ['number', 'number']),
    nodeSet: f('adb_node_set', 'number', ['number', 'string', 'string', 'string']),
    nodeUnset: f('adb_node_unset', 'number', ['number', 'string', 'string']),
    edgeSet: f('adb_edge_set', 'number', ['number', 'string', 'string', 'string']),
    edgeUnset: f('adb_edge_unset', 'number', ['number', 'string', 'string']),
    nodeList: f('adb_node_list', 'number', ['number', 'string', 'number']),
    edgeList: f('adb_edge_list', 'number', ['number', 'string', 'string', 'string', 'number']),
    edgeListOf: f('adb_edge_list_of', 'number', ['number', 'string', 'string', 'number']),
    iterAfter: f('adb_iter_after', 'number', ['number', 'string']),
    iterNext: f('adb_iter_next', 'number', ['number', 'number']),
    iterFree: f('adb_iter_free', null, ['number']),
    neighbors: f('adb_neighbors', 'number', ['number', 'string', 'number', 'string', 'number']),
    khop: f('adb_khop', 'number', ['number', 'string', 'number', 'number', 'string', 'number']),
    traversalNext: f('adb_traversal_next', 'number', ['number', 'number']),
    traversalFree: f('adb_traversal_free', null, ['number']),
    hopClear: f('adb_hop_clear', null, ['number']),
    shortestPath: f('adb_shortest_path', 'number',
      ['number', 'string', 'string', 'number', 'number', 'string', 'number']),
    pathClear: f('adb_path_clear', null, ['number']),
    text: {
      node: {
        insert: f('adb_text_insert', 'number', ['number', 'string', 'string', 'number', 'string']),
        delete: f('adb_text_delete', 'number', ['number', 'string', 'string', 'number', 'number']),
        replace: f('adb_text_replace', 'number',
          ['number', 'string', 'string', 'number', 'number', 'string']),
        get: f('adb_text_get', 'number', ['number', 'string', 'string', 'number']),
      },
      edge: {
        insert: f('adb_edge_text_insert', 'number',
          ['number', 'string', 'string', 'number', 'string']),
        delete: f('adb_edge_text_delete', 'number',
          ['number', 'string', 'string', 'number', 'number']),
        replace: f('adb_edge_text_replace', 'number',
          ['number', 'string', 'string', 'number', 'number', 'string']),
        get: f('adb_edge_text_get', 'number', ['number', 'string', 'string', 'number']),
      },
    },
    vectorSetJson: f('adb_vector_set_json', 'number', ['number', 'string', 'string']),
    vectorClear: f('adb_vector_clear', 'number', ['number', 'string']),
    vectorGet: f('adb_vector_get', 'number', ['number', 'string', 'number', 'number']),
    cypherRun: f('adb_cypher_run', 'number', ['number', 'string', 'string', 'number']),
    cypherError: f('adb_cypher_error', 'number', ['number', 'number', 'number', 'number', 'number']),
    cypherColumns: f('adb_cypher_columns', 'number', ['number']),
    cypherColumnName: f('adb_cypher_column_name', 'string', ['number', 'number']),
    cypherNext: f('adb_cypher_next', 'number', ['number']),
    cypherText: f('adb_cypher_text', 'string', ['number', 'number', 'number']),
    cypherFree: f('adb_cypher_free', null, ['number']),
    watchNew: f('adb_wasm_watch_new', 'number', ['number']),
    watchTake: f('adb_wasm_watch_take', 'number', ['number']),
    watchFree: f('adb_wasm_watch_free', null, ['number', 'number']),
    checkpoint: f('adb_wasm_checkpoint', 'number', ['number']),
    http: f('adb_wasm_http', 'number', ['number', 'string', 'string', 'string']),
    sync: {
      create: f('adb_wasm_sync_new', 'number', ['number', 'number', 'number', 'string']),
      free: f('adb_wasm_sync_free', null, ['number']),
      start: f('adb_wasm_sync_start', 'number', ['number', 'number']),
      feed: f('adb_wasm_sync_feed', 'number', ['number', 'number', 'number', 'number']),
      tick: f('adb_wasm_sync_tick', 'number', ['number', 'number']),
      localChanged: f('adb_wasm_sync_local_changed', 'number', ['number', 'number']),
      out: f('adb_wasm_sync_out', 'number', ['number', 'number', 'number']),
      outPop: f('adb_wasm_sync_out_pop', null, ['number']),
      state: f('adb_wasm_sync_state', 'number', ['number']),
      reason: f('adb_wasm_sync_reason', 'string', ['number']),
      status: f('adb_wasm_sync_status', 'number', ['number']),
      initialDone: f('adb_wasm_sync_initial_done', 'number', ['number']),
      idle: f('adb_wasm_sync_idle', 'number', ['number']),
      peer: f('adb_wasm_sync_peer', 'string', ['number']),
      takeApplied: f('adb_wasm_sync_take_applied', 'number', ['number']),
      presenceSet: f('adb_wasm_sync_presence_set', 'number',
        ['number', 'string', 'string', 'number', 'number']),
      presence: f('adb_wasm_sync_presence', 'number', ['number', 'number']),
    },
  };
}

let loading = null;

/** Loads (once per realm) the module and its bound functions. options.factory: createArenaDB. */
export function loadModule(options = {}) {
  if (!loading) {
    loading = (async () => {
      const factory = options.factory || (await import('./module.mjs')).default;
      // libsodium's emscripten code draws its random numbers from Module.getRandomValue.
      const M = await factory({ getRandomValue: randomUint32, ...(options.moduleArgs || {}) });
      return bind(M);
    })();
    loading.catch(() => { loading = null; });
  }
  return loading;
}

// Opens path in the origin's private file system for the "opfs" VFS (opfs.mjs); returns the
// function that lets it go. Its failures become ArenaDBErrors.
async function opfsAttach(M, path, lockWaitMs) {
  const opfs = await import('./opfs.mjs');
  try {
    await opfs.opfsOpen(M, path, { lockWaitMs });
  } catch (e) {
    const code = e.code === 'EOPFS_LOCKED' ? ADB.BUSY : e.code === 'EOPFS_UNAVAILABLE' ? ADB.MISUSE
      : ADB.IO;
    throw new ArenaDBError(`cannot open ${path}: ${e.message}`, code, e.code || 'EOPFS_IO');
  }
  return () => opfs.opfsClose(M, path);
}

const DIRECTIONS = { out: 1, in: 2, both: 3 };

// How long a replica goes without a commit before its WAL is checkpointed (_checkpointWhenQuiet).
const CHECKPOINT_QUIET_MS = 250;

function direction(d) {
  if (d == null) return 1;
  if (typeof d === 'number') return d;
  const v = DIRECTIONS[String(d).toLowerCase()];
  if (!v) throw new ArenaDBError(`direction '${d}' is not out, in or both`, ADB.INVALID, 'invalid');
  return v;
}

export class Replica {
  /**
   * Opens (creating when missing) a database: ':memory:' or a path in the module's file system
   * (with storage 'opfs', a file of the origin's private file system, opened by opfs.mjs).
   * options (all optional): readonly, noCreate, synchronous ('full' | 'normal'), dbId (32 hex
   * digits naming a new database, e.g. to make a replica of an existing one), maxDriftMs; and
   * factory / moduleArgs for the first load.
   */
  static async open(path = ':memory:', options = {}) {
    const c = await loadModule(options);
    const release = options.storage === 'opfs'
      ? await opfsAttach(c.M, path, options.lockWaitMs || 0) : null;
    try {
      const r = new Replica(c, path, options);
      r._release = release;
      return r;
    } catch (e) {
      if (release) release();
      throw e;
    }
  }

  constructor(c, path, options = {}) {
    this._c = c;
    this._db = 0;
    const out = c.malloc(c.PTR);
    const O = c.L.adb_options;
    const opts = c.malloc(O.size);
    const dbId = options.dbId ? c.malloc(c.M.lengthBytesUTF8(options.dbId) + 1) : 0;
    try {
      c.M.HEAPU8.fill(0, opts, opts + O.size);
      const i32 = (off, v) => { c.M.HEAP32[(opts + off) >> 2] = v; };
      i32(O.readonly, options.readonly ? 1 : 0);
      i32(O.no_create, options.noCreate ? 1 : 0);
      i32(O.synchronous, options.synchronous === 'normal' || options.synchronous === 1 ? 1 : 0);
      if (dbId) {
        c.M.stringToUTF8(options.dbId, dbId, c.M.lengthBytesUTF8(options.dbId) + 1);
        i32(O.db_id, dbId);
      }
      if (options.maxDriftMs) {
        new BigInt64Array(c.M.HEAPU8.buffer, opts + O.max_drift_ms, 1)[0] =
          BigInt(options.maxDriftMs);
      }
      c.M.HEAPU32[out >> 2] = 0;
      const rc = c.open(path, opts, out);
      const db = c.M.HEAPU32[out >> 2];
      if (rc !== ADB.OK) {
        const msg = db ? c.errmsg(db) : c.strerror(rc);
        if (db) c.close(db);
        throw new ArenaDBError(`cannot open ${path}: ${msg}`, rc, c.strerror(rc));
      }
      this._db = db;
      this._watch = c.watchNew(db);
      if (!this._watch) throw new ArenaDBError('out of memory', ADB.NOMEM, 'nomem');
    } finally {
      c.free(out);
      c.free(opts);
      if (dbId) c.free(dbId);
    }
    this.path = path;
    this._listeners = new Set(); // change listeners: fn({ ids, remote })
    this._syncs = new Set();
  }

  /** Calls fn({ ids: [{ id, edge }], remote }) after each commit that saved elements. */
  onChange(fn) {
    this._listeners.add(fn);
    return () => this._listeners.delete(fn);
  }

  // Tells the listeners what the last commits saved, and the sync sessions that there is news
  // (all but from, the session whose batch made the change). Returns the ids.
  _flush(remote = false, from = null) {
    const c = this._c;
    if (!this._watch) return [];
    const p = c.watchTake(this._watch);
    if (!p) return [];
    const ids = JSON.parse(c.M.UTF8ToString(p)).map(([k, id]) => ({ id, edge: k === 'e' }));
    c.adbFree(p);
    this._checkpointWhenQuiet();
    for (const s of this._syncs) if (s !== from) s.localChanged();
    for (const fn of this._listeners) {
      try { fn({ ids, remote }); } catch (e) { queueMicrotask(() => { throw e; }); }
    }
    return ids;
  }

  // Checkpoints the WAL once no commit came for CHECKPOINT_QUIET_MS (wasm/checkpoint.c). A
  // failed checkpoint loses nothing, and the next commit arms another.
  _checkpointWhenQuiet() {
    clearTimeout(this._checkpoint);
    this._checkpoint = setTimeout(() => {
      this._checkpoint = null;
      if (this._db) this._c.checkpoint(this._db);
    }, CHECKPOINT_QUIET_MS);
    this._checkpoint.unref?.(); // in Node, the timer alone does not keep the process running
  }

  // Runs a call that may write, then reports what it committed.
  _write(fn) {
    try {
      return fn();
    } finally {
      this._flush();
    }
  }

  /** The emscripten module (FS, HEAPU8, ...). */
  get module() { return this._c.M; }

  _handle() {
    if (!this._db) throw new ArenaDBError('the database is closed', ADB.MISUSE, 'misuse');
    return this._db;
  }

  _check(rc) {
    if (rc < 0) {
      const c = this._c;
      throw new ArenaDBError(c.errmsg(this._db), rc, c.strerror(rc));
    }
    return rc;
  }

  // Calls fn(ptr) with a zeroed out-pointer slot, returns the char* left in it as a JS string
  // (freed with adb_free), or null.
  _withOutString(fn) {
    const c = this._c;
    const out = c.malloc(c.PTR);
    try {
      c.M.HEAPU32[out >> 2] = 0;
      this._check(fn(out));
      const p = c.M.HEAPU32[out >> 2];
      if (!p) return null;
      const s = c.M.UTF8ToString(p);
      c.adbFree(p);
      return s;
    } finally {
      c.free(out);
    }
  }

  // Copies a JS byte array into wasm memory for the duration of fn(ptr, len).
  _withBytes(bytes, fn) {
    const c = this._c;
    if (bytes == null) return fn(0, 0);
    const u8 = bytes instanceof Uint8Array ? bytes
      : ArrayBuffer.isView(bytes) ? new Uint8Array(bytes.buffer, bytes.byteOffset, bytes.byteLength)
        : new Uint8Array(bytes);
    const p = c.malloc(Math.max(1, u8.length));
    try {
      c.M.HEAPU8.set(u8, p);
      return fn(p, u8.length);
    } finally {
      c.free(p);
    }
  }

  // Calls fn(outPtr, outLenPtr) and returns the void*/size_t pair it filled as a Uint8Array.
  _withOutBytes(fn) {
    const c = this._c;
    const out = c.malloc(2 * c.PTR);
    try {
      c.M.HEAPU32[out >> 2] = 0;
      c.M.HEAPU32[(out >> 2) + 1] = 0;
      this._check(fn(out, out + c.PTR));
      const p = c.M.HEAPU32[out >> 2];
      const n = c.M.HEAPU32[(out >> 2) + 1];
      const bytes = c.M.HEAPU8.slice(p, p + n);
      c.adbFree(p);
      return bytes;
    } finally {
      c.free(out);
    }
  }

  static _json(props) {
    if (props == null) return null;
    return typeof props === 'string' ? props : JSON.stringify(props);
  }

  close() {
    if (this._db) {
      clearTimeout(this._checkpoint);
      for (const s of [...this._syncs]) s.close();
      this._c.watchFree(this._db, this._watch);
      this._watch = 0;
      if (this._el) this._c.free(this._el);
      this._el = 0;
      const rc = this._c.close(this._db);
      this._db = 0;
      if (this._release) this._release();
      return rc;
    }
    return ADB.OK;
  }

  /** The explanation of the last failure. */
  errmsg() { return this._c.errmsg(this._handle()); }

  get replicaId() { return this._c.replicaId(this._handle()); }
  get dbId() { return this._c.dbId(this._handle()); }

  begin() { this._check(this._c.begin(this._handle())); }
  commit() { this._write(() => this._check(this._c.commit(this._handle()))); }
  rollback() { this._check(this._c.rollback(this._handle())); }

  /** Runs calls, each [method, ...args], in order; returns their results. One message for many
   * calls when the replica runs in a Worker. */
  batch(calls) {
    return calls.map(([method, ...args]) => {
      if (method === 'batch' || method.startsWith('_') || typeof this[method] !== 'function') {
        throw new ArenaDBError(`batch: no such call: ${method}`, ADB.MISUSE, 'misuse');
      }
      return this[method](...args);
    });
  }

  /** Runs fn inside one local transaction (rolled back if fn throws). */
  transaction(fn) {
    this.begin();
    try {
      const r = fn(this);
      this.commit();
      return r;
    } catch (e) {
      try { this.rollback(); } catch { /* the first error matters */ }
      throw e;
    }
  }

  /** Creates a node; id null generates one. Returns the id. */
  nodeCreate(label, properties = null, id = null) {
    const db = this._handle();
    return this._write(() => this._withOutString((out) =>
      this._c.nodeCreate(db, id, label, Replica._json(properties), out)));
  }

  /** Creates an edge source -[label]-> target. Returns the id. */
  edgeCreate(source, label, target, properties = null, id = null) {
    const db = this._handle();
    return this._write(() => this._withOutString((out) =>
      this._c.edgeCreate(db, id, source, label, target, Replica._json(properties), out)));
  }

  // One adb_element for every read, made once: a read then allocates nothing in wasm memory.
  _get(fn, id) {
    const c = this._c;
    const db = this._handle();
    const E = c.L.adb_element;
    if (!this._el) this._el = c.malloc(E.size);
    const el = this._el;
    c.M.HEAPU8.fill(0, el, el + E.size);
    const rc = fn(db, id, el);
    if (rc === ADB.NOTFOUND) return null;
    this._check(rc);
    const r = this._element(el);
    c.elementClear(el);
    return r;
  }

  /** The node {id, label, properties} or null when there is none. */
  nodeGet(id) { return this._get(this._c.nodeGet, id); }

  /** The edge {id, label, properties, source, target} or null. */
  edgeGet(id) { return this._get(this._c.edgeGet, id); }

  // Runs a C write fn(db, ...args) and reports what it committed.
  _do(fn, ...args) {
    const db = this._handle();
    this._write(() => this._check(fn(db, ...args)));
  }

  /** Sets the label (null keeps it) and merges patch into the properties (null values remove). */
  nodeUpdate(id, label = null, patch = null) { this._do(this._c.nodeUpdate, id, label, Replica._json(patch)); }
  edgeUpdate(id, label = null, patch = null) { this._do(this._c.edgeUpdate, id, label, Replica._json(patch)); }
  /** Sets one property to a JSON value. */
  nodeSet(id, key, value) { this._do(this._c.nodeSet, id, key, JSON.stringify(value)); }
  edgeSet(id, key, value) { this._do(this._c.edgeSet, id, key, JSON.stringify(value)); }
  nodeUnset(id, key) { this._do(this._c.nodeUnset, id, key); }
  edgeUnset(id, key) { this._do(this._c.edgeUnset, id, key); }
  nodeDelete(id) { this._do(this._c.nodeDelete, id); }
  edgeDelete(id) { this._do(this._c.edgeDelete, id); }

  // Reads the adb_element at el into { id, label, properties[, source, target] }.
  _element(el) {
    const c = this._c;
    const E = c.L.adb_element;
    const w = (off) => {
      const p = c.M.HEAPU32[(el + off) >> 2];
      return p ? c.M.UTF8ToString(p) : null;
    };
    const props = w(E.properties);
    const r = { id: w(E.id), label: w(E.label), properties: props == null ? {} : JSON.parse(props) };
    const src = w(E.source_id);
    const dst = w(E.target_id);
    if (src != null || dst != null) {
      r.source = src;
      r.target = dst;
    }
    return r;
  }

  // Drains the adb_iter made by open(outPtr), at most limit elements after id `after`.
  _list(open, after, limit) {
    const c = this._c;
    const out = c.malloc(c.PTR);
    const el = c.malloc(c.L.adb_element.size);
    let it = 0;
    try {
      c.M.HEAPU32[out >> 2] = 0;
      this._check(open(out));
      it = c.M.HEAPU32[out >> 2];
      if (after != null) this._check(c.iterAfter(it, after));
      const rows = [];
      c.M.HEAPU8.fill(0, el, el + c.L.adb_element.size);
      while (limit == null || rows.length < limit) {
        const rc = c.iterNext(it, el);
        if (rc === ADB.DONE) break;
        if (rc !== ADB.ROW) this._check(rc < 0 ? rc : ADB.ERROR);
        rows.push(this._element(el));
        c.elementClear(el);
      }
      return rows;
    } finally {
      c.iterFree(it);
      c.free(el);
      c.free(out);
    }
  }

  /** Live nodes in id order: options label, after (an id), limit. */
  nodeList({ label = null, after = null, limit = null } = {}) {
    const db = this._handle();
    return this._list((out) => this._c.nodeList(db, label, out), after, limit);
  }

  /** Visible edges in id order: options source, target, node (either end), label, after, limit. */
  edgeList({ source = null, target = null, node = null, label = null, after = null, limit = null } = {}) {
    const db = this._handle();
    const c = this._c;
    return this._list((out) => (node != null ? c.edgeListOf(db, node, label, out)
      : c.edgeList(db, source, target, label, out)), after, limit);
  }

  // Drains the adb_traversal made by open(outPtr) into hops { id, depth, direction, edge, from }.
  _hops(open) {
    const c = this._c;
    const H = c.L.adb_hop;
    const out = c.malloc(c.PTR);
    const hop = c.malloc(H.size);
    let t = 0;
    try {
      c.M.HEAPU32[out >> 2] = 0;
      this._check(open(out));
      t = c.M.HEAPU32[out >> 2];
      c.M.HEAPU8.fill(0, hop, hop + H.size);
      const hops = [];
      const str = (off) => {
        const p = c.M.HEAPU32[(hop + off) >> 2];
        return p ? c.M.UTF8ToString(p) : null;
      };
      for (;;) {
        const rc = c.traversalNext(t, hop);
        if (rc === ADB.DONE) break;
        if (rc !== ADB.ROW) this._check(rc < 0 ? rc : ADB.ERROR);
        const d = c.M.HEAP32[(hop + H.direction) >> 2];
        hops.push({
          id: str(H.id), depth: c.M.HEAP32[(hop + H.depth) >> 2],
          direction: d === ADB.OUT ? 'out' : d === ADB.IN ? 'in' : null,
          edge: str(H.edge_id), from: str(H.from_id),
        });
      }
      c.hopClear(hop);
      return hops;
    } finally {
      c.traversalFree(t);
      c.free(hop);
      c.free(out);
    }
  }

  /** One hop per visible edge of node id: options direction ('out', 'in', 'both'), label. */
  neighbors(id, { direction: d = 'out', label = null } = {}) {
    const db = this._handle();
    return this._hops((out) => this._c.neighbors(db, id, direction(d), label, out));
  }

  /** Every node within depth hops of id, nearest first, each once: options direction, label. */
  khop(id, depth, { direction: d = 'out', label = null } = {}) {
    const db = this._handle();
    return this._hops((out) => this._c.khop(db, id, depth, direction(d), label, out));
  }

  /** A fewest-hops path { nodes, edges } from one node to another, or null when there is none.
   * options maxDepth, direction, label. */
  shortestPath(from, to, { maxDepth = 1000000, direction: d = 'out', label = null } = {}) {
    const c = this._c;
    const db = this._handle();
    const P = c.L.adb_path;
    const path = c.malloc(P.size);
    try {
      c.M.HEAPU8.fill(0, path, path + P.size);
      const rc = c.shortestPath(db, from, to, maxDepth, direction(d), label, path);
      if (rc === ADB.NOTFOUND && this.nodeGet(from) && this.nodeGet(to)) return null;
      this._check(rc);
      const n = c.M.HEAPU32[(path + P.length) >> 2];
      const strs = (off, k) => {
        const arr = c.M.HEAPU32[(path + off) >> 2];
        return Array.from({ length: k }, (_, i) => c.M.UTF8ToString(c.M.HEAPU32[(arr >> 2) + i]));
      };
      const r = { nodes: strs(P.nodes, n + 1), edges: strs(P.edges, n) };
      c.pathClear(path);
      return r;
    } finally {
      c.free(path);
    }
  }

  // Collaborative text: options.edge picks an edge's property instead of a node's.
  _text(options) { return this._c.text[options && options.edge ? 'edge' : 'node']; }

  /** Inserts str at code point pos of the text under key. */
  textInsert(id, key, pos, str, options) { this._do(this._text(options).insert, id, key, pos, str); }
  /** Deletes len code points from pos. */
  textDelete(id, key, pos, len, options) { this._do(this._text(options).delete, id, key, pos, len); }
  /** Replaces len code points from pos with str, in one write. */
  textReplace(id, key, pos, len, str, options) {
    this._do(this._text(options).replace, id, key, pos, len, str);
  }
  /**
   * Makes the text under key go from before (what an editor showed) to after (what it shows
   * now), as one replace rebased over the text as it is now: what other replicas merged since
   * the editor last read it is kept, and the edit lands where the user made it. This is how a
   * textarea stays in step with a replica that syncs while the user types. Returns the text
   * after the edit.
   */
  textUpdate(id, key, before, after, options) {
    const now = this.textGet(id, key, options) ?? '';
    const mine = textDiff(before, after);
    let { pos } = mine;
    let end = mine.pos + mine.len;
    if (now !== before) {
      const map = textMap(before, now);
      pos = map(pos);
      end = Math.max(pos, map(end));
    }
    if (end > pos || mine.text) this.textReplace(id, key, pos, end - pos, mine.text, options);
    return this.textGet(id, key, options) ?? '';
  }

  /** The string under key, or null when the element or key does not exist. */
  textGet(id, key, options) {
    const db = this._handle();
    const fn = this._text(options).get;
    try {
      return this._withOutString((out) => fn(db, id, key, out));
    } catch (e) {
      if (e.code === ADB.NOTFOUND) return null;
      throw e;
    }
  }

  /** Sets the vector (an array of numbers) of node id. */
  vectorSet(id, vector) { this._do(this._c.vectorSetJson, id, JSON.stringify(Array.from(vector))); }
  vectorClear(id) { this._do(this._c.vectorClear, id); }

  /** The vector of node id as a Float32Array, or null when it has none. */
  vectorGet(id) {
    const c = this._c;
    const db = this._handle();
    const out = c.malloc(2 * c.PTR);
    try {
      c.M.HEAPU32[out >> 2] = 0;
      const rc = c.vectorGet(db, id, out, out + c.PTR);
      if (rc === ADB.NOTFOUND) return null;
      this._check(rc);
      const p = c.M.HEAPU32[out >> 2];
      const n = c.M.HEAPU32[(out >> 2) + 1];
      const v = new Float32Array(c.M.HEAPU8.buffer.slice(p, p + 4 * n));
      c.adbFree(p);
      return v;
    } finally {
      c.free(out);
    }
  }

  /** The k nodes nearest to vector, nearest first: [{ id, distance }]. options k (10), metric
   * ('cosine', 'l2', 'dot'), label, where (an SQL condition over the nodes view). */
  vectorSearch(vector, { k = 10, metric = null, label = null, where = null } = {}) {
    return this.sql('SELECT id, distance FROM vector_search(?, ?, ?, ?, ?)',
      [JSON.stringify(Array.from(vector)), k, metric, label, where]);
  }

  /**
   * Runs a Cypher query with params (an object) and returns its rows as objects keyed by
   * column name, values as JSON (a node as { id, labels, properties }). A failed query throws
   * an ArenaDBError with .cypher = { type, phase, detail }.
   */
  cypher(query, params = null) {
    const c = this._c;
    const db = this._handle();
    const out = c.malloc(5 * c.PTR);
    let r = 0;
    try {
      c.M.HEAPU32[out >> 2] = 0;
      const rc = this._write(() =>
        c.cypherRun(db, query, params == null ? null : JSON.stringify(params), out));
      r = c.M.HEAPU32[out >> 2];
      if (rc !== ADB.OK) {
        const slot = (i) => {
          const p = c.M.HEAPU32[(out >> 2) + i];
          return p ? c.M.UTF8ToString(p) : '';
        };
        if (r && c.cypherError(r, out + c.PTR, out + 2 * c.PTR, out + 3 * c.PTR, out + 4 * c.PTR) === ADB.OK) {
          const e = new ArenaDBError(slot(4), rc, c.strerror(rc));
          e.cypher = { type: slot(1), phase: slot(2), detail: slot(3) };
          throw e;
        }
        this._check(rc);
      }
      const n = c.cypherColumns(r);
      const names = Array.from({ length: n }, (_, i) => c.cypherColumnName(r, i));
      const rows = [];
      while (this._check(c.cypherNext(r)) === ADB.ROW) {
        const row = {};
        for (let i = 0; i < n; i++) row[names[i]] = JSON.parse(c.cypherText(r, i, 0));
        rows.push(row);
      }
      return rows;
    } finally {
      c.cypherFree(r);
      c.free(out);
    }
  }

  /**
   * Answers one request of the HTTP API's data routes (docs/http.md: /nodes, /edges, /labels,
   * /subgraph, /vectors/search, /vv, /sql, /cypher) as `arenadb serve` would, with the server's
   * own code (wasm/http.c): method 'GET' | 'POST' | ..., target a path with any query (e.g.
   * '/nodes?label=Person'), body any JSON value or undefined. Returns { status, body, link? }:
   * an HTTP status and the answer's JSON; it does not throw for an error status.
   */
  http(method, target, body) {
    const c = this._c;
    const text = body === undefined ? null : JSON.stringify(body);
    const p = this._write(() => c.http(this._handle(), method, target, text));
    if (!p) throw new ArenaDBError('out of memory', ADB.NOMEM, 'nomem');
    try {
      return JSON.parse(c.M.UTF8ToString(p));
    } finally {
      c.adbFree(p);
    }
  }

  /** { db, replica, vv: { replica: transactions } }, as GET /status reports them. */
  info() {
    const v = this.vvJson(this.vv());
    return { db: this.dbId, replica: this.replicaId, vv: v.vv };
  }

  /**
   * Syncs with `arenadb serve` over a WebSocket (sync.mjs): options live, token, presenceOnly,
   * reconnect. Returns the SyncClient; its events are 'status', 'change', 'presence', 'error'.
   */
  sync(url, options = {}) {
    const s = new SyncClient(this, url, options);
    this._syncs.add(s);
    s.on('status', (st) => { if (st.state === 'closed') this._syncs.delete(s); });
    s.start();
    return s;
  }

  _bind(st, params) {
    const c = this._c;
    params.forEach((v, k) => {
      const i = k + 1;
      let rc;
      if (v === null || v === undefined) rc = c.bindNull(st, i);
      else if (typeof v === 'bigint') rc = c.bindInt(st, i, v);
      else if (typeof v === 'number' && Number.isInteger(v)) {
        rc = c.bindInt(st, i, BigInt(v));
      } else if (typeof v === 'number') rc = c.bindDouble(st, i, v);
      else if (typeof v === 'boolean') rc = c.bindInt(st, i, v ? 1n : 0n);
      else if (typeof v === 'string') rc = c.bindText(st, i, v);
      else rc = c.bindText(st, i, JSON.stringify(v));
      this._check(rc);
    });
  }

  /**
   * Runs every statement of query and returns the rows of the last one that produced rows, as
   * objects keyed by column name. Integers are numbers (BigInt beyond 2^53), NULL is null, and
   * the properties of nodes and edges are objects (adb_column_is_json).
   * params, if given, are bound to the first statement's ? parameters.
   */
  sql(query, params = []) {
    const c = this._c;
    const M = c.M;
    const db = this._handle();
    const len = M.lengthBytesUTF8(query) + 1;
    const text = c.malloc(len);
    const slots = c.malloc(2 * c.PTR); // [adb_stmt*, const char *tail]
    let rows = [];
    try {
      M.stringToUTF8(query, text, len);
      let p = text;
      let first = true;
      for (;;) {
        M.HEAPU32[slots >> 2] = 0;
        M.HEAPU32[(slots >> 2) + 1] = 0;
        this._check(c.prepare(db, p, slots, slots + c.PTR));
        const st = M.HEAPU32[slots >> 2];
        const tail = M.HEAPU32[(slots >> 2) + 1];
        if (st) {
          try {
            if (first && params.length) this._bind(st, params);
            first = false;
            const got = this._run(st);
            if (got.length || got.hasColumns) rows = got;
          } finally {
            c.finalize(st);
          }
        }
        if (!tail || tail <= p || tail >= text + len - 1) break;
        if (!M.UTF8ToString(tail).trim()) break;
        p = tail;
      }
    } finally {
      c.free(slots);
      c.free(text);
    }
    this._flush();
    delete rows.hasColumns;
    return rows;
  }

  _run(st) {
    const c = this._c;
    const rows = [];
    let names = null;
    for (;;) {
      const rc = c.step(st);
      if (rc === ADB.DONE) break;
      if (rc !== ADB.ROW) this._check(rc < 0 ? rc : ADB.ERROR);
      const n = c.columnCount(st);
      if (!names) names = Array.from({ length: n }, (_, i) => c.columnName(st, i));
      const row = {};
      for (let i = 0; i < n; i++) {
        const t = c.columnType(st, i);
        let v;
        if (t === ADB.TYPE_NULL) v = null;
        else if (t === ADB.TYPE_INTEGER) {
          const b = c.columnInt(st, i);
          v = b >= BigInt(Number.MIN_SAFE_INTEGER) && b <= BigInt(Number.MAX_SAFE_INTEGER)
            ? Number(b) : b;
        } else if (t === ADB.TYPE_FLOAT) v = c.columnDouble(st, i);
        else if (c.columnIsJson(st, i)) v = JSON.parse(c.columnText(st, i));
        else v = c.columnText(st, i);
        row[names[i]] = v;
      }
      rows.push(row);
    }
    if (names || c.columnCount(st) > 0) rows.hasColumns = true;
    return rows;
  }

  /** This replica's version vector, encoded (Uint8Array). */
  vv() {
    const db = this._handle();
    return this._withOutBytes((out, outLen) => this._c.vv(db, out, outLen));
  }

  /** An encoded version vector as {db, vv: {replica: seq}}. */
  vvJson(vvBytes) {
    const db = this._handle();
    const fn = this._c.vvJson;
    return JSON.parse(this._withBytes(vvBytes, (p, n) =>
      this._withOutString((out) => fn(db, p, n, out))));
  }

  /** The changes a replica with version vector vvBytes lacks (null: all), as a Uint8Array. */
  changes(vvBytes = null) {
    const db = this._handle();
    return this._withBytes(vvBytes, (p, n) =>
      this._withOutBytes((out, outLen) => this._c.changes(db, p, n, out, outLen)));
  }

  /** Merges a change set; returns {elements, registers, changed}. */
  apply(bytes) {
    const c = this._c;
    const db = this._handle();
    const S = c.L.adb_apply_stats;
    const stats = c.malloc(S.size);
    try {
      c.M.HEAPU8.fill(0, stats, stats + S.size);
      this._write(() => this._withBytes(bytes, (p, n) => this._check(c.apply(db, p, n, stats))));
      const u64 = (off) => Number(new BigUint64Array(c.M.HEAPU8.buffer, stats + off, 1)[0]);
      return { elements: u64(S.elements), registers: u64(S.registers), changed: u64(S.changed) };
    } finally {
      c.free(stats);
    }
  }

  /** Runs the integrity check; returns null when all is well, else the report. */
  check() {
    const c = this._c;
    const fn = c.check;
    const db = this._handle();
    const out = c.malloc(c.PTR);
    try {
      c.M.HEAPU32[out >> 2] = 0;
      const rc = fn(db, out);
      const p = c.M.HEAPU32[out >> 2];
      const report = p ? c.M.UTF8ToString(p) : null;
      if (p) c.adbFree(p);
      if (rc === ADB.OK) return null;
      if (rc === ADB.CORRUPT) return report || 'corrupt';
      this._check(rc);
      return report;
    } finally {
      c.free(out);
    }
  }
}
