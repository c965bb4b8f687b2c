// arenadb.mjs — a small JavaScript wrapper around the WebAssembly build of ArenaDB.
//
// `make wasm` puts this file next to arenadb.js (the emscripten module, one file with the
// wasm inside) in build/wasm/. Usage:
//
//   import { ArenaDB } from './build/wasm/arenadb.mjs';
//   const db = await ArenaDB.open();                 // in memory; or ArenaDB.open('/notes.db')
//   const id = db.nodeCreate('Person', { name: 'Ada' });
//   db.sql("SELECT id, json_extract(properties, '$.name') AS name FROM nodes");
//   const set = db.changes(otherVv);                 // Uint8Array, for another replica
//   db.apply(setFromElsewhere);
//   db.close();
//
// A path other than ':memory:' lives in emscripten's in-memory file system (MEMFS): reach it
// with ArenaDB.module().FS, e.g. to persist it elsewhere. Failures throw an ArenaDBError whose
// .code is the negative ADB_* status and whose .message is adb_errmsg().
//
// Outside Node, load arenadb.js yourself (a <script> defines createArenaDB) or pass its
// factory: ArenaDB.load({ factory }).

export const ADB = Object.freeze({
  // @ADB_STATUS_MAP@ (make puts arenadb.h's status codes here)
  TYPE_INTEGER: 1, TYPE_FLOAT: 2, TYPE_TEXT: 3, TYPE_BLOB: 4, TYPE_NULL: 5,
});

export class ArenaDBError extends Error {
  constructor(message, code, codeName) {
    super(message);
    this.name = 'ArenaDBError';
    this.code = code;
    this.codeName = codeName;
  }
}

function randomUint32() {
  const c = globalThis.crypto;
  if (c && typeof c.getRandomValues === 'function') {
    return c.getRandomValues(new Uint32Array(1))[0] >>> 0;
  }
  throw new Error('ArenaDB needs crypto.getRandomValues');
}

async function defaultFactory() {
  if (typeof globalThis.createArenaDB === 'function') return globalThis.createArenaDB;
  if (typeof process === 'object' && process.versions && process.versions.node) {
    const { createRequire } = await import('node:module');
    return createRequire(import.meta.url)('./arenadb.js');
  }
  throw new Error('arenadb.js is not loaded: pass { factory } to ArenaDB.load()');
}

// The C functions, wrapped once per module instance.
function bind(M) {
  const f = (name, ret, args) => M.cwrap(name, ret, args);
  const opt = (name, ret, args) => (M['_' + name] ? f(name, ret, args) : null);
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
    replicaId: opt('adb_replica_id', 'string', ['number']),
    dbId: opt('adb_db_id', 'string', ['number']),
    begin: opt('adb_begin', 'number', ['number']),
    commit: opt('adb_commit', 'number', ['number']),
    rollback: opt('adb_rollback', 'number', ['number']),
    nodeCreate: f('adb_node_create', 'number', ['number', 'string', 'string', 'string', 'number']),
    edgeCreate: f('adb_edge_create', 'number',
      ['number', 'string', 'string', 'string', 'string', 'string', 'number']),
    nodeGet: f('adb_node_get', 'number', ['number', 'string', 'number']),
    edgeGet: opt('adb_edge_get', 'number', ['number', 'string', 'number']),
    nodeUpdate: opt('adb_node_update', 'number', ['number', 'string', 'string', 'string']),
    edgeUpdate: opt('adb_edge_update', 'number', ['number', 'string', 'string', 'string']),
    nodeDelete: opt('adb_node_delete', 'number', ['number', 'string']),
    edgeDelete: opt('adb_edge_delete', 'number', ['number', 'string']),
    elementClear: f('adb_element_clear', null, ['number']),
    // adb_prepare takes a pointer to the SQL text (not a converted string) so that *tail can be
    // related back to it.
    prepare: f('adb_prepare', 'number', ['number', 'number', 'number', 'number']),
    step: f('adb_step', 'number', ['number']),
    finalize: f('adb_finalize', 'number', ['number']),
    bindInt: opt('adb_bind_int', 'number', ['number', 'number', 'bigint']),
    bindDouble: opt('adb_bind_double', 'number', ['number', 'number', 'number']),
    bindText: opt('adb_bind_text', 'number', ['number', 'number', 'string']),
    bindNull: opt('adb_bind_null', 'number', ['number', 'number']),
    columnCount: f('adb_column_count', 'number', ['number']),
    columnName: f('adb_column_name', 'string', ['number', 'number']),
    columnType: f('adb_column_type', 'number', ['number', 'number']),
    columnInt: f('adb_column_int', 'bigint', ['number', 'number']),
    columnDouble: f('adb_column_double', 'number', ['number', 'number']),
    columnText: f('adb_column_text', 'string', ['number', 'number']),
    columnIsJson: f('adb_column_is_json', 'number', ['number', 'number']),
    vv: f('adb_vv', 'number', ['number', 'number', 'number']),
    vvJson: opt('adb_vv_json', 'number', ['number', 'number', 'number', 'number']),
    changes: f('adb_changes', 'number', ['number', 'number', 'number', 'number', 'number']),
    apply: f('adb_apply', 'number', ['number', 'number', 'number', 'number']),
    check: opt('adb_check', 'number', ['number', 'number']),
  };
}

let loading = null;

export class ArenaDB {
  /** Loads (once) and returns the emscripten module. options.factory: createArenaDB. */
  static load(options = {}) {
    if (!loading) {
      loading = (async () => {
        const factory = options.factory || (await defaultFactory());
        // libsodium's emscripten code draws its random numbers from Module.getRandomValue.
        const M = await factory({ getRandomValue: randomUint32, ...(options.moduleArgs || {}) });
        return bind(M);
      })();
      loading.catch(() => { loading = null; });
    }
    return loading.then((c) => c.M);
  }

  /**
   * Opens (creating when missing) a database: ':memory:' (the default) or a MEMFS path.
   * options (all optional): readonly, noCreate, synchronous ('full' | 'normal'), dbId (32 hex
   * digits naming a new database, e.g. to make a replica of an existing one), maxDriftMs; and
   * factory / moduleArgs for the first load.
   */
  static async open(path = ':memory:', options = {}) {
    await ArenaDB.load(options);
    const c = await loading;
    return new ArenaDB(c, path, options);
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
    } finally {
      c.free(out);
      c.free(opts);
      if (dbId) c.free(dbId);
    }
    this.path = path;
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

  _need(fn, name) {
    if (!fn) throw new ArenaDBError(`${name} is not in this build`, ADB.MISUSE, 'misuse');
    return fn;
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
      const rc = this._c.close(this._db);
      this._db = 0;
      return rc;
    }
    return ADB.OK;
  }

  /** The explanation of the last failure. */
  errmsg() { return this._c.errmsg(this._handle()); }

  get replicaId() { return this._need(this._c.replicaId, 'adb_replica_id')(this._handle()); }
  get dbId() { return this._need(this._c.dbId, 'adb_db_id')(this._handle()); }

  begin() { this._check(this._need(this._c.begin, 'adb_begin')(this._handle())); }
  commit() { this._check(this._need(this._c.commit, 'adb_commit')(this._handle())); }
  rollback() { this._check(this._need(this._c.rollback, 'adb_rollback')(this._handle())); }

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
    return this._withOutString((out) =>
      this._c.nodeCreate(db, id, label, ArenaDB._json(properties), out));
  }

  /** Creates an edge source -[label]-> target. Returns the id. */
  edgeCreate(source, label, target, properties = null, id = null) {
    const db = this._handle();
    return this._withOutString((out) =>
      this._c.edgeCreate(db, id, source, label, target, ArenaDB._json(properties), out));
  }

  _get(fn, id) {
    const c = this._c;
    const db = this._handle();
    const E = c.L.adb_element;
    const el = c.malloc(E.size);
    try {
      c.M.HEAPU8.fill(0, el, el + E.size);
      const rc = fn(db, id, el);
      if (rc === ADB.NOTFOUND) return null;
      this._check(rc);
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
      c.elementClear(el);
      return r;
    } finally {
      c.free(el);
    }
  }

  /** The node {id, label, properties} or null when there is none. */
  nodeGet(id) { return this._get(this._c.nodeGet, id); }

  /** The edge {id, label, properties, source, target} or null. */
  edgeGet(id) { return this._get(this._need(this._c.edgeGet, 'adb_edge_get'), id); }

  nodeUpdate(id, label = null, patch = null) {
    this._check(this._need(this._c.nodeUpdate, 'adb_node_update')(
      this._handle(), id, label, ArenaDB._json(patch)));
  }

  edgeUpdate(id, label = null, patch = null) {
    this._check(this._need(this._c.edgeUpdate, 'adb_edge_update')(
      this._handle(), id, label, ArenaDB._json(patch)));
  }

  nodeDelete(id) { this._check(this._need(this._c.nodeDelete, 'adb_node_delete')(this._handle(), id)); }
  edgeDelete(id) { this._check(this._need(this._c.edgeDelete, 'adb_edge_delete')(this._handle(), id)); }

  _bind(st, params) {
    const c = this._c;
    params.forEach((v, k) => {
      const i = k + 1;
      let rc;
      if (v === null || v === undefined) rc = this._need(c.bindNull, 'adb_bind_null')(st, i);
      else if (typeof v === 'bigint') rc = this._need(c.bindInt, 'adb_bind_int')(st, i, v);
      else if (typeof v === 'number' && Number.isInteger(v)) {
        rc = this._need(c.bindInt, 'adb_bind_int')(st, i, BigInt(v));
      } else if (typeof v === 'number') rc = this._need(c.bindDouble, 'adb_bind_double')(st, i, v);
      else if (typeof v === 'boolean') rc = this._need(c.bindInt, 'adb_bind_int')(st, i, v ? 1n : 0n);
      else if (typeof v === 'string') rc = this._need(c.bindText, 'adb_bind_text')(st, i, v);
      else rc = this._need(c.bindText, 'adb_bind_text')(st, i, JSON.stringify(v));
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
    const fn = this._need(this._c.vvJson, 'adb_vv_json');
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
      this._withBytes(bytes, (p, n) => this._check(c.apply(db, p, n, stats)));
      const u64 = (off) => Number(new BigUint64Array(c.M.HEAPU8.buffer, stats + off, 1)[0]);
      return { elements: u64(S.elements), registers: u64(S.registers), changed: u64(S.changed) };
    } finally {
      c.free(stats);
    }
  }

  /** Runs the integrity check; returns null when all is well, else the report. */
  check() {
    const c = this._c;
    const fn = this._need(c.check, 'adb_check');
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

export default ArenaDB;
