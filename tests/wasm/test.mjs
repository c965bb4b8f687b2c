// tests/wasm/test.mjs — the WebAssembly build against the native CLI.
//
// A replica inside the WASM module and a native replica (driven through build/arenadb) write,
// exchange change sets in both directions, and must end with identical nodes and edges.
// Run by `make test-wasm` (which builds build/wasm/arenadb.js and build/arenadb first).
// Prints one line per test and a closing "wasm: N passed, M failed"; exits non-zero on failure.

import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');
const cli = process.env.ARENADB_CLI || path.join(root, 'build', 'arenadb');
const wasmDir = process.env.ARENADB_WASM || path.join(root, 'build', 'wasm');

// The synchronous replica layer, which the Promise API (api.test.mjs) runs in a thread or Worker.
const { Replica: ArenaDB } = await import(path.join(wasmDir, 'replica.mjs'));
const { ArenaDBError, ADB } = await import(path.join(wasmDir, 'status.mjs'));

const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'arenadb-wasm-'));
const nativeDb = path.join(tmp, 'native.db');

// ---- a tiny runner ---------------------------------------------------------------------------

let passed = 0;
let failed = 0;
async function test(name, fn) {
  try {
    await fn();
    passed++;
    console.log(`ok - ${name}`);
  } catch (e) {
    failed++;
    console.log(`not ok - ${name}`);
    console.log(String(e && e.stack ? e.stack : e).replace(/^/gm, '    '));
  }
}

// ---- the native side -------------------------------------------------------------------------

function native(...args) {
  try {
    return execFileSync(cli, ['--db', nativeDb, ...args], {
      encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'],
    });
  } catch (e) {
    throw new Error(`arenadb ${args.join(' ')} failed (${e.status}): ${e.stderr || e.message}`);
  }
}

// `arenadb sql ... --format json`: a JSON array of row objects (JSON lines are accepted too).
function nativeSql(query) {
  const out = native('sql', query, '--format', 'json').trim();
  if (out === '') return [];
  try {
    const v = JSON.parse(out);
    if (Array.isArray(v)) return v;
    if (v && Array.isArray(v.rows)) return v.rows;
    return [v];
  } catch {
    return out.split('\n').filter((l) => l.trim()).map((l) => JSON.parse(l));
  }
}

let fileNo = 0;
function tmpFile(name) {
  return path.join(tmp, `${++fileNo}-${name}`);
}

// Native -> WASM: the native changes the WASM replica lacks (by its version vector).
function pullFromNative(w) {
  const vvFile = tmpFile('wasm.vv');
  fs.writeFileSync(vvFile, w.vv());
  const setFile = tmpFile('native.changes');
  native('changes', '--since', vvFile, '-o', setFile);
  return w.apply(fs.readFileSync(setFile));
}

// WASM -> native: the WASM changes the native replica lacks.
function pushToNative(w) {
  const vvFile = tmpFile('native.vv');
  native('vv', '-o', vvFile);
  const setFile = tmpFile('wasm.changes');
  fs.writeFileSync(setFile, w.changes(fs.readFileSync(vvFile)));
  native('apply', setFile);
}

const NODES = 'SELECT id, label, properties FROM nodes ORDER BY id';
const EDGES = 'SELECT id, source_node_id, target_node_id, label, properties FROM edges ORDER BY id';

// Rows as arrays in a fixed column order, so that both sides compare whatever their key order.
function rowsOf(rows, cols) {
  return rows.map((r) => cols.map((c) => (r[c] === undefined ? null : r[c])));
}
const NODE_COLS = ['id', 'label', 'properties'];
const EDGE_COLS = ['id', 'source_node_id', 'target_node_id', 'label', 'properties'];

function assertSameState(w) {
  const wn = rowsOf(w.sql(NODES), NODE_COLS);
  const nn = rowsOf(nativeSql(NODES), NODE_COLS);
  assert.deepEqual(wn, nn, 'nodes differ between the WASM and the native replica');
  const we = rowsOf(w.sql(EDGES), EDGE_COLS);
  const ne = rowsOf(nativeSql(EDGES), EDGE_COLS);
  assert.deepEqual(we, ne, 'edges differ between the WASM and the native replica');
  return { nodes: wn.length, edges: we.length };
}

function expectError(fn, code) {
  let err = null;
  try {
    fn();
  } catch (e) {
    err = e;
  }
  assert.ok(err instanceof ArenaDBError, `expected an ArenaDBError, got ${err}`);
  if (code !== undefined) {
    const codes = Array.isArray(code) ? code : [code];
    assert.ok(codes.includes(err.code), `expected code ${codes.join('|')}, got ${err.code}: ${err.message}`);
  }
  assert.ok(err.message.length > 0, 'an error carries adb_errmsg()');
  return err;
}

// ---- tests -----------------------------------------------------------------------------------

assert.ok(fs.existsSync(cli), `${cli} is missing: run make first`);

let w; // the WASM replica, in MEMFS
const ids = {};

await test('open a WASM replica in MEMFS and one in memory', async () => {
  w = await ArenaDB.open('/replica.db');
  const m = await ArenaDB.open();
  assert.equal(m.sql('SELECT count(*) AS n FROM nodes')[0].n, 0);
  m.close();
  assert.ok(w.module.FS.stat('/replica.db').size > 0, 'the MEMFS file exists');
});

await test('create nodes and an edge in WASM', () => {
  ids.ada = w.nodeCreate('Person', { name: 'Ada', born: 1815 });
  assert.match(ids.ada, /\S/);
  ids.charles = w.nodeCreate('Person', { name: 'Charles' }, 'user:charles');
  assert.equal(ids.charles, 'user:charles');
  ids.engine = w.nodeCreate('Machine', { name: 'Analytical Engine', tags: ['mechanical', 'general'] });
  ids.knows = w.edgeCreate(ids.ada, 'KNOWS', ids.charles, { since: 1833 });
  ids.designed = w.edgeCreate(ids.charles, 'DESIGNED', ids.engine);

  const ada = w.nodeGet(ids.ada);
  assert.deepEqual(ada, { id: ids.ada, label: 'Person', properties: { born: 1815, name: 'Ada' } });
  assert.equal(w.nodeGet('no such node'), null);
});

await test('errors are ArenaDBErrors with codes and messages', () => {
  expectError(() => w.nodeCreate('Person', '[1, 2]'), ADB.INVALID);
  expectError(() => w.nodeCreate('Person', '{not json'), ADB.INVALID);
  expectError(() => w.nodeCreate('Person', {}, 'user:charles'), ADB.CONFLICT);
  expectError(() => w.edgeCreate(ids.ada, 'KNOWS', 'nobody', null), ADB.NOTFOUND);
  expectError(() => w.sql('SELECT * FROM no_such_table'), ADB.INVALID);
  assert.equal(w.sql('SELECT count(*) AS n FROM nodes')[0].n, 3, 'failed writes changed nothing');
});

await test('SQL on the nodes and edges views', () => {
  const names = w.sql("SELECT json_extract(properties, '$.name') AS name FROM nodes ORDER BY name");
  assert.deepEqual(names, [{ name: 'Ada' }, { name: 'Analytical Engine' }, { name: 'Charles' }]);
  const typed = w.sql("SELECT 1 AS i, 2.5 AS f, 'x' AS t, NULL AS n, 9007199254740993 AS big");
  assert.deepEqual(typed, [{ i: 1, f: 2.5, t: 'x', n: null, big: 9007199254740993n }]);
  const joined = w.sql(`SELECT s.label AS s, e.label AS rel, json_extract(t.properties, '$.name') AS t
                          FROM edges e JOIN nodes s ON s.id = e.source_node_id
                                       JOIN nodes t ON t.id = e.target_node_id
                         ORDER BY rel`);
  assert.deepEqual(joined, [
    { s: 'Person', rel: 'DESIGNED', t: 'Analytical Engine' },
    { s: 'Person', rel: 'KNOWS', t: 'Charles' },
  ]);
  const born = w.sql("SELECT id FROM nodes WHERE json_extract(properties, '$.born') = ?", [1815]);
  assert.deepEqual(born, [{ id: ids.ada }]);
  const e = w.sql(`SELECT source_node_id, target_node_id, properties FROM edges WHERE id = ?`, [ids.knows]);
  assert.deepEqual(e, [{ source_node_id: ids.ada, target_node_id: ids.charles, properties: { since: 1833 } }]);
});

await test('a change set of another database is refused', async () => {
  const other = await ArenaDB.open(':memory:');
  other.nodeCreate('Stranger', { name: 'X' });
  const before = w.sql(NODES);
  expectError(() => w.apply(other.changes()), ADB.CONFLICT);
  assert.deepEqual(w.sql(NODES), before);
  other.close();
});

await test('a second WASM replica made with the same dbId syncs in memory', async () => {
  const r = await ArenaDB.open(':memory:', { dbId: w.dbId });
  assert.equal(r.dbId, w.dbId);
  assert.notEqual(r.replicaId, w.replicaId);
  r.apply(w.changes(r.vv()));
  assert.deepEqual(r.sql(NODES), w.sql(NODES));
  assert.deepEqual(r.sql(EDGES), w.sql(EDGES));
  const seen = (vv) => Object.fromEntries(Object.entries(vv).filter(([, seq]) => seq > 0));
  assert.deepEqual(seen(r.vvJson(r.vv()).vv), seen(w.vvJson(w.vv()).vv));
  r.close();
});

await test('WASM -> native: a new native database adopts the WASM one and receives everything', () => {
  native('init');
  pushToNative(w);
  const vv = JSON.parse(native('vv'));
  assert.equal(vv.db, w.dbId, 'the native replica adopted the database id');
  native('node', 'add', 'Place', '{"name":"London"}'); // the native side writes too
  const n = nativeSql("SELECT count(*) AS n FROM nodes WHERE label = 'Person'");
  assert.equal(Number(n[0].n), 2);
  const e = nativeSql(EDGES);
  assert.equal(e.length, 2);
});

await test('native -> WASM: the WASM replica receives what it lacks', () => {
  native('node', 'add', 'Person', '{"name":"Mary","role":"tutor"}');
  const stats = pullFromNative(w);
  assert.ok(stats.elements >= 2, `two native nodes arrive (stats ${JSON.stringify(stats)})`);
  const mary = w.sql("SELECT id, properties FROM nodes WHERE json_extract(properties, '$.name') = 'Mary'");
  assert.equal(mary.length, 1);
  assert.deepEqual(mary[0].properties, { name: 'Mary', role: 'tutor' }, 'properties are an object');
  ids.mary = mary[0].id;
  ids.london = w.sql("SELECT id FROM nodes WHERE label = 'Place'")[0].id;
  assert.ok(w.nodeGet(ids.london));
});

await test('both replicas are identical after a two-way exchange', () => {
  pushToNative(w);
  const { nodes, edges } = assertSameState(w);
  assert.equal(nodes, 5);
  assert.equal(edges, 2);
});

await test('concurrent writes on both sides converge', () => {
  // WASM writes touching nodes that came from the native side, native writes concurrently.
  ids.taught = w.edgeCreate(ids.mary, 'TAUGHT', ids.ada, { subject: 'mathematics' });
  ids.lived = w.edgeCreate(ids.ada, 'LIVED_IN', ids.london);
  w.nodeCreate('Person', { name: 'Lord Byron' }, 'user:byron');
  native('node', 'add', 'Place', '{"name":"Paris"}');
  native('node', 'add', 'Person', '{"name":"Mary Somerville","field":"astronomy"}');
  pushToNative(w);
  pullFromNative(w);
  const { nodes, edges } = assertSameState(w);
  assert.equal(nodes, 8);
  assert.equal(edges, 4);
});

await test('applying a change set again changes nothing', () => {
  const before = w.sql(NODES);
  const full = w.changes();
  const stats = w.apply(full);
  assert.equal(stats.changed, 0, `re-applying changed ${stats.changed} registers`);
  assert.deepEqual(w.sql(NODES), before);
  const file = tmpFile('again.changes');
  fs.writeFileSync(file, full);
  native('apply', file);
  assertSameState(w);
});

await test('an up-to-date replica gets an empty or no-op change set', () => {
  const vvFile = tmpFile('wasm.vv');
  fs.writeFileSync(vvFile, w.vv());
  const setFile = tmpFile('nothing.changes');
  native('changes', '--since', vvFile, '-o', setFile);
  const stats = w.apply(fs.readFileSync(setFile));
  assert.equal(stats.changed, 0);
  assert.equal(stats.elements, 0, 'nothing the WASM replica has is sent again');
});

await test('a damaged change set is rejected and changes nothing', () => {
  native('node', 'add', 'Place', '{"name":"Edinburgh"}');
  const vvFile = tmpFile('wasm.vv');
  fs.writeFileSync(vvFile, w.vv());
  const setFile = tmpFile('damaged.changes');
  native('changes', '--since', vvFile, '-o', setFile);
  const good = new Uint8Array(fs.readFileSync(setFile));
  const before = w.sql(NODES);
  expectError(() => w.apply(good.subarray(0, good.length - 3)), [ADB.CORRUPT, ADB.PROTOCOL]);
  const flipped = good.slice();
  flipped[Math.floor(flipped.length / 2)] ^= 0x5a;
  expectError(() => w.apply(flipped), [ADB.CORRUPT, ADB.PROTOCOL, ADB.FORMAT]);
  expectError(() => w.apply(new Uint8Array(0)), [ADB.CORRUPT, ADB.PROTOCOL, ADB.INVALID]);
  assert.deepEqual(w.sql(NODES), before, 'the failed applies changed nothing');
  w.apply(good);
  assert.equal(w.sql("SELECT count(*) AS n FROM nodes WHERE properties LIKE '%Edinburgh%'")[0].n, 1);
});

await test('the MEMFS database survives close and reopen', async () => {
  const before = w.sql(NODES);
  w.close();
  w = await ArenaDB.open('/replica.db');
  assert.deepEqual(w.sql(NODES), before);
});

await test('a database file is held by one handle at a time (exclusive locking)', () => {
  expectError(() => new ArenaDB(w._c, '/replica.db', { readonly: true }), ADB.BUSY);
  assert.equal(w.sql('SELECT count(*) AS n FROM nodes')[0].n > 0, true, 'the holder still reads');
});

await test('open options reach the C structs at the offsets the build reports', async () => {
  const n = w.sql('SELECT count(*) AS n FROM nodes')[0].n;
  w.close();
  const ro = await ArenaDB.open('/replica.db', { readonly: true });
  assert.equal(ro.sql('SELECT count(*) AS n FROM nodes')[0].n, n);
  expectError(() => ro.nodeCreate('Person', {}), ADB.READONLY);
  ro.close();
  w = await ArenaDB.open('/replica.db');
  expectError(() => new ArenaDB(w._c, '/missing.db', { noCreate: true }), ADB.NOTFOUND);
  const id = '0123456789abcdef0123456789abcdef';
  const made = await ArenaDB.open('/made.db', { dbId: id, synchronous: 'normal', maxDriftMs: 5 });
  assert.equal(made.dbId, id);
  made.close();
  expectError(() => new ArenaDB(w._c, '/made.db', { dbId: 'ffffffffffffffffffffffffffffffff' }),
    ADB.CONFLICT);
});

await test('concurrent edits of one node: different keys both survive, one key converges', () => {
  w.nodeUpdate(ids.ada, null, { field: 'mathematics', motto: 'wasm' });
  native('node', 'set', ids.ada, 'title', '"Countess of Lovelace"');
  native('node', 'set', ids.ada, 'motto', '"native"');
  pushToNative(w);
  pullFromNative(w);
  assertSameState(w);
  const ada = w.nodeGet(ids.ada).properties;
  assert.equal(ada.field, 'mathematics');
  assert.equal(ada.title, 'Countess of Lovelace');
  assert.ok(['wasm', 'native'].includes(ada.motto), `motto is one of the two writes: ${ada.motto}`);
});

await test('writes made with SQL on the views replicate like API writes', () => {
  w.sql(`INSERT INTO nodes (id, label, properties) VALUES ('note:1', 'Note', '{"text":"first program"}')`);
  w.sql(`UPDATE nodes SET properties = json_set(properties, '$.year', 1843) WHERE id = 'note:1'`);
  pushToNative(w);
  const n = nativeSql("SELECT label, properties FROM nodes WHERE id = 'note:1'");
  assert.deepEqual(rowsOf(n, ['label', 'properties']), [['Note', { text: 'first program', year: 1843 }]]);
  assertSameState(w);
});

await test('vectors set in WebAssembly are searchable on both replicas', () => {
  w.sql(`INSERT INTO node_vectors (id, vector) VALUES ('note:1', '[1, 0, 0]')`);
  const near = w.sql("SELECT id, distance FROM vector_search('[0.9, 0.1, 0]', 1, 'l2')");
  assert.equal(near[0].id, 'note:1');
  pushToNative(w);
  const n = nativeSql("SELECT id FROM vector_search('[1, 0, 0]', 5)");
  assert.deepEqual(rowsOf(n, ['id']), [['note:1']]);
  assertSameState(w);
});

await test('deleting a node on one side hides its edges on both', () => {
  const visible = (id) => w.sql('SELECT count(*) AS n FROM edges WHERE id = ?', [id])[0].n;
  assert.equal(visible(ids.lived), 1);
  native('node', 'del', ids.london);
  pullFromNative(w);
  assert.equal(w.nodeGet(ids.london), null);
  assert.equal(visible(ids.lived), 0, 'the edge to the deleted node is hidden');
  assert.equal(w.edgeGet(ids.lived), null);
  assert.equal(visible(ids.knows), 1, 'other edges stay');
  assertSameState(w);
});

await test('final state: nodes and edges identical on both replicas', () => {
  pushToNative(w);
  pullFromNative(w);
  const { nodes, edges } = assertSameState(w);
  assert.equal(nodes, 9, 'nine live nodes: ten written, London deleted');
  assert.equal(edges, 3, 'three visible edges: one hidden behind the deleted London');
  assert.equal(w.check(), null, 'adb_check finds nothing wrong');
  w.close();
});

fs.rmSync(tmp, { recursive: true, force: true });
console.log(`wasm: ${passed} passed, ${failed} failed`);
process.exitCode = failed === 0 && passed > 0 ? 0 : 1;
