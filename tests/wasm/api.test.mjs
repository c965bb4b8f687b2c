// tests/wasm/api.test.mjs — the JavaScript API (build/wasm/arenadb.mjs) and its sync client in
// Node, against a real `arenadb serve`: every call, change events, live sync both ways with the
// native CLI, presence, reconnection after the server comes back, and hostile servers.
// Run by `make test-wasm` with node --experimental-websocket. Last line: "wasm-api: P passed,
// F failed".

import assert from 'node:assert/strict';
import { execFileSync, spawn } from 'node:child_process';
import crypto from 'node:crypto';
import fs from 'node:fs';
import http from 'node:http';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');
const cli = process.env.ARENADB_CLI || path.join(root, 'build', 'arenadb');
const wasmDir = process.env.ARENADB_WASM || path.join(root, 'build', 'wasm');
const { ArenaDB, ArenaDBError, ADB } = await import(path.join(wasmDir, 'arenadb.mjs'));
const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'arenadb-api-'));

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

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

// Waits until cond() (maybe async) is truthy; fails after ms with what.
async function until(cond, what, ms = 10000) {
  const end = Date.now() + ms;
  for (;;) {
    const v = await cond();
    if (v) return v;
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await sleep(20);
  }
}

function arenadb(db, ...args) {
  return execFileSync(cli, ['--db', db, ...args], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
}

// A real server on a free port; resolves once it listens.
async function serve(db, extra = [], port = 0) {
  const p = spawn(cli, ['--db', db, 'serve', '--listen', `127.0.0.1:${port}`, '--no-ui', ...extra],
    { stdio: ['ignore', 'pipe', 'pipe'] });
  let log = '';
  const got = await new Promise((resolve, reject) => {
    const seen = (b) => {
      log += b;
      const m = /on http:\/\/127\.0\.0\.1:(\d+)/.exec(log);
      if (m) resolve(Number(m[1]));
    };
    p.stdout.on('data', seen);
    p.stderr.on('data', seen);
    p.on('exit', (code) => reject(new Error(`serve exited (${code}): ${log}`)));
  });
  return { proc: p, port: got, url: `ws://127.0.0.1:${got}`, stop: () => stop(p) };
}

function stop(p) {
  return new Promise((r) => {
    if (p.exitCode !== null) return r();
    p.on('exit', r);
    p.kill('SIGTERM');
  });
}

// The visible state, for comparing replicas.
async function dump(db) {
  return JSON.stringify(await db.sql(
    'SELECT id, label, properties FROM nodes UNION ALL ' +
    "SELECT id, label || ' ' || source_node_id || '>' || target_node_id, properties FROM edges ORDER BY 1"));
}

function serverDump(dbPath) {
  const out = arenadb(dbPath, 'sql', 'SELECT id, label, properties FROM nodes UNION ALL ' +
    "SELECT id, label || ' ' || source_node_id || '>' || target_node_id, properties FROM edges ORDER BY 1",
  '--format', 'json');
  return JSON.stringify(JSON.parse(out));
}

// ---- the API in this thread ---------------------------------------------------------------------

await test('every call returns a Promise and the graph calls work', async () => {
  const db = await ArenaDB.open('api.db');
  const p = db.nodeCreate('Note', { title: 'x' }, 'n1');
  assert.ok(p instanceof Promise);
  assert.equal(await p, 'n1');
  await db.nodeCreate('Note', { title: 'y' }, 'n2');
  await db.edgeCreate('n1', 'LINKS', 'n2', { w: 1 }, 'e1');
  assert.deepEqual(await db.nodeGet('n1'), { id: 'n1', label: 'Note', properties: { title: 'x' } });
  assert.equal((await db.edgeGet('e1')).target, 'n2');
  await db.nodeSet('n1', 'n', 5);
  await db.nodeUnset('n1', 'title');
  await db.nodeUpdate('n2', 'Memo', { extra: true });
  assert.deepEqual((await db.nodeGet('n1')).properties, { n: 5 });
  assert.equal((await db.nodeGet('n2')).label, 'Memo');
  assert.deepEqual((await db.nodeList({ limit: 1 })).map((e) => e.id), ['n1']);
  assert.deepEqual((await db.nodeList({ after: 'n1' })).map((e) => e.id), ['n2']);
  assert.deepEqual((await db.edgeList({ node: 'n2' })).map((e) => e.id), ['e1']);
  assert.deepEqual((await db.neighbors('n1')).map((h) => [h.id, h.edge]), [['n2', 'e1']]);
  assert.deepEqual((await db.khop('n2', 2, { direction: 'in' })).map((h) => h.id), ['n2', 'n1']);
  assert.deepEqual(await db.shortestPath('n1', 'n2'), { nodes: ['n1', 'n2'], edges: ['e1'] });
  assert.equal(await db.shortestPath('n2', 'n1'), null);
  assert.deepEqual(await db.sql('SELECT id FROM nodes WHERE label = ?', ['Memo']), [{ id: 'n2' }]);
  assert.deepEqual(await db.cypher('MATCH (a)-[r:LINKS]->(b) RETURN b.extra AS e, r.w AS w', {}),
    [{ e: true, w: 1 }]);
  await db.edgeDelete('e1');
  await db.nodeDelete('n2');
  assert.equal(await db.nodeGet('n2'), null);
  const info = await db.info();
  assert.match(info.db, /^[0-9a-f]{32}$/);
  assert.equal(info.vv[info.replica] > 0, true);
  await db.close();
  await assert.rejects(db.nodeGet('n1'), (e) => e instanceof ArenaDBError && e.code === ADB.MISUSE);
});

await test('text, vectors, transactions and batches', async () => {
  const db = await ArenaDB.open();
  await db.nodeCreate('Doc', {}, 'd');
  await db.textInsert('d', 'body', 0, 'hello world');
  await db.textDelete('d', 'body', 0, 6);
  await db.textReplace('d', 'body', 0, 5, 'there');
  assert.equal(await db.textGet('d', 'body'), 'there');
  assert.equal(await db.textGet('d', 'missing'), null);
  for (const [id, v] of [['a', [1, 0]], ['b', [0, 1]], ['c', [0.9, 0.1]]]) {
    await db.nodeCreate('V', {}, id);
    await db.vectorSet(id, v);
  }
  assert.deepEqual(Array.from(await db.vectorGet('a')), [1, 0]);
  assert.deepEqual((await db.vectorSearch([1, 0], { k: 2 })).map((h) => h.id), ['a', 'c']);
  await db.vectorClear('a');
  assert.equal(await db.vectorGet('a'), null);
  await assert.rejects(db.transaction(async (t) => {
    await t.nodeCreate('T', {}, 't1');
    throw new Error('undo');
  }), /undo/);
  assert.equal(await db.nodeGet('t1'), null);
  const ids = await db.transaction(async (t) => t.batch([['nodeCreate', 'T', {}, 't2'],
    ['nodeCreate', 'T', {}, 't3']]));
  assert.deepEqual(ids, ['t2', 't3']);
  await db.close();
});

await test('textUpdate rebases an editor\'s edit over text merged since it read it', async () => {
  const a = await ArenaDB.open();
  const info = await a.info();
  const b = await ArenaDB.open(':memory:', { dbId: info.db });
  await a.nodeCreate('Doc', {}, 'd');
  await a.textInsert('d', 'body', 0, 'hello world');
  await b.apply(await a.changes(await b.vv()));
  const shown = 'hello world'; // what b's editor shows
  await a.textInsert('d', 'body', 0, '>> '); // merged into b before its user's keystroke lands
  await a.textReplace('d', 'body', 9, 5, 'there');
  await b.apply(await a.changes(await b.vv()));
  assert.equal(await b.textGet('d', 'body'), '>> hello there');
  // The user typed "," after "hello" in the old view: it lands after "hello" in the new text.
  assert.equal(await b.textUpdate('d', 'body', shown, 'hello, world'), '>> hello, there');
  // An edit at the end of what the others replaced lands after their text.
  assert.equal(await b.textUpdate('d', 'body', 'hello, world', 'hello, worldly'), '>> hello, therely');
  await a.close();
  await b.close();
});

await test('textMap: kept text keeps its place, whatever the two versions', async () => {
  const { textMap } = await import(path.join(wasmDir, 'arenadb.mjs'));
  let seed = 7;
  const rnd = (n) => { seed = (seed * 1103515245 + 12345) % 2147483648; return seed % n; };
  for (let t = 0; t < 300; t++) {
    // b: a with random runs removed and inserted; kept characters are tagged so they are unique.
    const a = Array.from({ length: rnd(30) }, (_, i) => String.fromCodePoint(0x4e00 + i));
    const b = [];
    const where = new Map(); // position in a -> position in b, for kept characters
    for (let i = 0; i <= a.length; i++) {
      if (rnd(3) === 0) for (let k = rnd(4); k > 0; k--) b.push(String.fromCodePoint(0x61 + rnd(3)));
      if (i < a.length && rnd(4) !== 0) { where.set(i, b.length); b.push(a[i]); }
    }
    const map = textMap(a.join(''), b.join(''));
    for (const [i, j] of where) assert.equal(map(i), j, `${a.join('')} -> ${b.join('')}: ${i}`);
    let last = 0;
    for (let i = 0; i <= a.length; i++) {
      assert.ok(map(i) >= last && map(i) <= b.length, 'monotonic, in range');
      last = map(i);
    }
    assert.equal(map(a.length), b.length);
  }
});

await test('errors are ArenaDBErrors with the status and, for Cypher, the openCypher kind', async () => {
  const db = await ArenaDB.open();
  await db.nodeCreate('A', {}, 'a');
  await assert.rejects(db.nodeCreate('A', {}, 'a'), (e) => e.code === ADB.CONFLICT);
  await assert.rejects(db.nodeCreate('A', '{bad', null), (e) => e.code === ADB.INVALID);
  await assert.rejects(db.sql('SELEC 1'), (e) => e instanceof ArenaDBError && /syntax/.test(e.message));
  await assert.rejects(db.cypher('MATCH (n RETURN n'), (e) => e.cypher && e.cypher.type === 'SyntaxError');
  await assert.rejects(db.apply(new Uint8Array([1, 2, 3])), (e) => e.code < 0);
  await assert.rejects(ArenaDB.open('x', { storage: 'disk' }), (e) => e.code === ADB.INVALID);
  await assert.rejects(ArenaDB.open('x.db', { storage: 'opfs' }),
    (e) => e.code === ADB.MISUSE && /OPFS sync access handles are unavailable here/.test(e.message));
  assert.equal((await db.nodeList()).length, 1, 'nothing changed');
  await db.close();
});

await test('change events name the ids every commit saved', async () => {
  const db = await ArenaDB.open();
  const seen = [];
  db.on('change', (c) => seen.push(c));
  await db.nodeCreate('A', {}, 'a');
  await db.transaction(async (t) => {
    await t.nodeCreate('A', {}, 'b');
    await t.edgeCreate('a', 'R', 'b', null, 'ab');
  });
  await db.sql("UPDATE nodes SET label = 'B' WHERE id = 'a'");
  assert.deepEqual(seen.map((c) => c.ids.map((i) => (i.edge ? 'e:' : 'n:') + i.id).join(' ')),
    ['n:a', 'n:b e:ab', 'n:a']);
  assert.equal(seen.every((c) => c.remote === false), true);
  await db.close();
});

// ---- sync with a real server ----------------------------------------------------------------

await test('live sync both ways with the native CLI through arenadb serve', async () => {
  const hubDb = path.join(tmp, 'hub.db');
  arenadb(hubDb, 'init');
  arenadb(hubDb, 'node', 'add', 'Note', '{"t":"cli"}', '--id', 'from-cli');
  const hub = await serve(hubDb);
  try {
    const db = await ArenaDB.open();
    const changes = [];
    const s = db.sync(hub.url, { live: true });
    s.on('change', (c) => changes.push(...c.ids.map((i) => i.id)));
    await until(() => s.state === 'connected', 'connected');
    await until(async () => await db.nodeGet('from-cli'), 'the initial pull');
    assert.ok(changes.includes('from-cli'), 'the change event names the pulled id');
    assert.equal((await db.info()).db, JSON.parse(arenadb(hubDb, 'vv')).db, 'the fresh replica joined');
    await db.nodeCreate('Note', { t: 'wasm' }, 'from-wasm');
    await until(() => arenadb(hubDb, 'sql', "SELECT count(*) AS n FROM nodes WHERE id = 'from-wasm'",
      '--format', 'csv').includes('1'), 'the push reaching the server');
    arenadb(hubDb, 'node', 'add', 'Note', '--id', 'live-cli');
    await until(() => changes.includes('live-cli'), 'a later CLI write arriving live');
    await until(async () => (await dump(db)) === serverDump(hubDb), 'identical state');
    await s.close();
    assert.equal(s.state, 'closed');
    await db.close();
  } finally {
    await hub.stop();
  }
});

await test('a one-shot sync (live false) pulls, pushes and then closes', async () => {
  const hubDb = path.join(tmp, 'once.db');
  arenadb(hubDb, 'init');
  arenadb(hubDb, 'node', 'add', 'Note', '--id', 'at-hub');
  const hub = await serve(hubDb);
  try {
    const db = await ArenaDB.open();
    const s = db.sync(hub.url, { live: false });
    const states = [];
    s.on('status', (st) => states.push(st.state));
    await until(() => s.state === 'closed', 'the end of the first sync');
    assert.ok(await db.nodeGet('at-hub'), 'pulled');
    assert.ok(!states.includes('disconnected'), `states: ${states}`);
    await db.nodeCreate('Note', {}, 'from-once');
    const again = db.sync(hub.url, { live: false });
    await until(() => again.state === 'closed', 'the end of the second sync');
    await until(() => arenadb(hubDb, 'sql', "SELECT count(*) FROM nodes WHERE id = 'from-once'",
      '--format', 'csv').includes('1'), 'pushed');
    await db.close();
  } finally {
    await hub.stop();
  }
});

await test('http() answers the data routes as arenadb serve does, from the same code', async () => {
  const hubDb = path.join(tmp, 'routes.db');
  arenadb(hubDb, 'init');
  const ids = ['a b', 'x/y', 'ü+1', 'hub', 'n&m=2', 'lone'];
  for (const [k, id] of ids.entries()) {
    arenadb(hubDb, 'node', 'add', k % 2 ? 'City' : 'Person', JSON.stringify({ name: id, k }), '--id', id);
  }
  for (const id of ids.slice(0, 5)) if (id !== 'hub') arenadb(hubDb, 'edge', 'add', 'hub', 'LINKS', id, '--id', `e-${id}`);
  arenadb(hubDb, 'edge', 'add', 'a b', 'KNOWS', 'x/y', '{"since":2020}', '--id', 'e?1');
  for (const [k, id] of ids.entries()) arenadb(hubDb, 'vector', 'set', id, JSON.stringify([k, 1, -k]));
  const hub = await serve(hubDb);
  try {
    const db = await ArenaDB.open();
    const s = db.sync(hub.url, { live: false });
    await until(() => s.state === 'closed', 'the sync');
    const base = `http://127.0.0.1:${hub.port}`;
    // The vectors differ in one way: a replica's own lists itself, at 0 until it writes.
    const vv = await db.http('GET', '/vv');
    const own = (await db.info()).replica;
    assert.equal(vv.body.vv[own], 0);
    delete vv.body.vv[own];
    const hubVv = await (await fetch(`${base}/vv`)).json();
    assert.deepEqual(vv, { status: 200, body: hubVv });
    const q = encodeURIComponent;
    const requests = [
      ['GET', '/labels'], ['POST', '/labels', {}], ['POST', '/vv', {}],
      ['GET', '/nodes'], ['GET', '/nodes?limit=2'], [`GET`, `/nodes?label=City&after=${q('lone')}`],
      ['GET', `/nodes?after=${q('a b')}&limit=1`], ['GET', '/nodes?limit=0'], ['GET', '/nodes?label=Person+x'],
      ['GET', `/nodes/${q('x/y')}`], ['GET', `/nodes/${q('ü+1')}`], ['GET', '/nodes/nobody'],
      ['GET', `/edges?node=${q('x/y')}`], ['GET', `/edges?from=hub&label=LINKS&limit=2`],
      ['GET', `/edges?node=hub&from=hub`], ['GET', `/edges/${q('e?1')}`], ['GET', '/edges/'],
      ['POST', '/subgraph', { hubs: 2, limit: 4 }], ['POST', '/subgraph', { nodes: ['lone', 'hub', 'a b', 'none'] }],
      ['POST', '/subgraph', { hubs: 1, label: 'Person' }], ['POST', '/subgraph', { hubs: 0 }], ['GET', '/subgraph'],
      ['POST', '/vectors/search', { vector: [1, 1, -1], k: 3 }], ['POST', '/vectors/search', { node: 'hub', k: 2 }],
      ['POST', '/vectors/search', { node: 'nobody' }], ['POST', '/vectors/search', []],
      ['POST', '/sql', { sql: 'SELECT id, properties FROM nodes WHERE label = ? ORDER BY id', params: ['City'] }],
      ['POST', '/sql', { sql: 'SELEC 1' }], ['POST', '/sql', { sql: 'SELECT 1; SELECT 2' }],
      ['POST', '/cypher', { query: 'MATCH (a)-[r]->(b) RETURN a.name AS a, type(r) AS t, b ORDER BY a, t, b.name' }],
      ['POST', '/cypher', { query: 'MATCH (n RETURN n' }], ['POST', '/cypher', { query: 'RETURN $x + 1 AS y', params: { x: 41 } }],
      ['POST', '/nodes', { label: 'New', id: 'made here', properties: { v: [1, { w: null }] } }],
      ['POST', '/nodes', { label: 'New', id: 'made here' }], ['POST', '/nodes', { id: 'no label' }],
      ['PATCH', `/nodes/${q('made here')}`, { label: 'Newer', properties: { v: null, z: 1 } }],
      ['POST', '/edges', { label: 'TO', id: 'e new', source: 'made here', target: 'lone' }],
      ['POST', '/edges', { label: 'TO', source: 'made here' }], ['PUT', '/edges/e%20new', { properties: { p: 1 } }],
      ['DELETE', '/edges/e%20new'], ['DELETE', '/nodes/made%20here'], ['DELETE', '/nodes/made%20here'],
      ['POST', '/cypher', { query: 'CREATE (n:Q {k: 1}) RETURN n.k AS k' }],
      ['GET', '/nodes?label=Q'], ['POST', '/sql', { sql: 'UPDATE nodes SET label = 1' }],
    ];
    for (const [method, target, body] of requests) {
      const r = await fetch(base + target, {
        method, body: body === undefined ? undefined : JSON.stringify(body),
        headers: body === undefined ? {} : { 'content-type': 'application/json' },
      });
      const want = { status: r.status, body: JSON.parse(await r.text().catch((e) => { throw new Error(`${method} ${target}: ${e.message}`); })) };
      if (r.headers.get('link')) want.link = r.headers.get('link');
      const got = await db.http(method, target, body);
      // Cypher's generated ids differ between two databases by design; all else must not.
      if (target === '/nodes?label=Q') for (const x of [want, got]) for (const n of x.body) n.id = '*';
      assert.deepEqual(got, want, `${method} ${target}`);
    }
    // Ids with '?', '/', '&' and '+' are reachable on both sides.
    for (const id of ['x/y', 'ü+1', 'n&m=2']) assert.equal((await db.http('GET', `/nodes/${q(id)}`)).body.id, id);
    assert.equal((await (await fetch(`${base}/edges/${q('e?1')}`)).json()).id, 'e?1');
    await db.close();
  } finally {
    await hub.stop();
  }
});

await test('presence: set, seen by another client, refreshed, removed, expired', async () => {
  const hubDb = path.join(tmp, 'pres.db');
  arenadb(hubDb, 'init');
  const hub = await serve(hubDb);
  try {
    const a = await ArenaDB.open();
    const b = await ArenaDB.open();
    const sa = a.sync(hub.url, { live: true });
    const sb = b.sync(hub.url, { live: true });
    let seen = [];
    sb.on('presence', (entries) => { seen = entries; });
    await until(() => sa.state === 'connected' && sb.state === 'connected', 'both connected');
    await sa.setPresence('cursor', { node: 'n1', pos: 3 }, 2000);
    const ra = (await a.info()).replica;
    await until(() => seen.some((e) => e.replica === ra && e.value.pos === 3), 'the entry at b');
    await sa.setPresence('cursor', null);
    await until(() => !seen.some((e) => e.replica === ra), 'the removal at b');
    await assert.rejects(sa.setPresence('', 1), (e) => e.code === ADB.INVALID);
    // Kept alive while a runs (refreshed before its 600 ms run out), gone once a stops.
    await sa.setPresence('typing', true, 600);
    await until(() => seen.some((e) => e.replica === ra && e.key === 'typing'), 'the typing entry');
    await sleep(1500);
    assert.ok(seen.some((e) => e.replica === ra && e.key === 'typing'), 'the entry expired while a ran');
    await sa.close();
    await until(() => !seen.some((e) => e.replica === ra), 'the entry expiring after a stopped', 5000);
    await sb.close();
    await a.close();
    await b.close();
  } finally {
    await hub.stop();
  }
});

await test('offline writes wait in the replica and sync when the server returns', async () => {
  const hubDb = path.join(tmp, 'offline.db');
  arenadb(hubDb, 'init');
  let hub = await serve(hubDb);
  const port = hub.port;
  const db = await ArenaDB.open();
  const states = [];
  const s = db.sync(hub.url, { live: true, minBackoffMs: 50, maxBackoffMs: 400 });
  s.on('status', (st) => states.push(st.state));
  await until(() => s.state === 'connected', 'connected');
  await hub.stop();
  await until(() => s.state === 'disconnected' || s.state === 'connecting', 'noticing the loss');
  await db.nodeCreate('Note', { t: 'offline' }, 'written-offline');
  arenadb(hubDb, 'node', 'add', 'Note', '--id', 'written-at-hub');
  hub = await serve(hubDb, [], port); // where the client keeps knocking
  try {
    await until(async () => await db.nodeGet('written-at-hub'), 'the hub write after reconnecting');
    await until(() => arenadb(hubDb, 'sql', "SELECT count(*) FROM nodes WHERE id = 'written-offline'",
      '--format', 'csv').includes('1'), 'the offline write at the hub');
    assert.ok(states.includes('disconnected') && states.lastIndexOf('connected') > states.indexOf('disconnected'),
      `states: ${states.join(' ')}`);
    await s.close();
    await db.close();
  } finally {
    await hub.stop();
  }
});

// A WebSocket server that answers the handshake and then sends what bad() returns.
function hostile(bad) {
  const server = http.createServer();
  server.on('upgrade', (req, sock) => {
    const accept = crypto.createHash('sha1')
      .update(req.headers['sec-websocket-key'] + '258EAFA5-E914-47DA-95CA-C5AB0DC85B11').digest('base64');
    sock.write('HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n' +
      `Sec-WebSocket-Accept: ${accept}\r\nSec-WebSocket-Protocol: arenadb-sync\r\n\r\n`);
    sock.on('error', () => {});
    setTimeout(() => sock.write(bad()), 20);
  });
  return new Promise((r) => server.listen(0, '127.0.0.1', () =>
    r({ url: `ws://127.0.0.1:${server.address().port}`, close: () => server.close() })));
}

// One unmasked binary WebSocket message.
function wsBinary(payload) {
  const n = payload.length;
  const head = n < 126 ? Buffer.from([0x82, n])
    : n < 65536 ? Buffer.from([0x82, 126, n >> 8, n & 255])
      : Buffer.concat([Buffer.from([0x82, 127]), (() => { const b = Buffer.alloc(8); b.writeBigUInt64BE(BigInt(n)); return b; })()]);
  return Buffer.concat([head, payload]);
}

function frame(type, body) {
  const b = Buffer.alloc(5 + body.length);
  b.writeUInt32BE(body.length + 1, 0);
  b[4] = type;
  body.copy(b, 5);
  return b;
}

await test('a hostile server: a clear error event and the local database unchanged', async () => {
  const cases = {
    garbage: () => wsBinary(Buffer.from('this is not the protocol at all')),
    'a frame claiming 4 GB': () => wsBinary(Buffer.from([0xff, 0xff, 0xff, 0xff, 2, 0, 0])),
    'a batch before any hello': () => wsBinary(frame(2, Buffer.from([1, 1, 0, 0x41, 0x44]))),
    'a truncated hello': () => wsBinary(frame(1, Buffer.from('ADBS\x01'))),
    'a text message': () => Buffer.concat([Buffer.from([0x81, 5]), Buffer.from('hello')]),
    'another protocol version': () => wsBinary(frame(1, Buffer.from('ADBS\x02\x04'))),
  };
  const codes = { 'another protocol version': ADB.FORMAT };
  const db = await ArenaDB.open();
  await db.nodeCreate('Keep', { v: 1 }, 'keep');
  const before = await dump(db);
  for (const [name, bad] of Object.entries(cases)) {
    const srv = await hostile(bad);
    const errors = [];
    const s = db.sync(srv.url, { live: true, reconnect: false });
    s.on('error', (e) => errors.push(e));
    await until(() => s.state === 'closed', `${name}: the client giving up`);
    assert.ok(errors.length >= 1 && errors[0] instanceof ArenaDBError && errors[0].message.length > 5,
      `${name}: an error event (${errors.map((e) => e.message)})`);
    assert.ok(errors[0].code < 0, `${name}: a status code`);
    if (codes[name]) assert.equal(errors[0].code, codes[name], `${name}: ${errors[0].message}`);
    srv.close();
  }
  assert.equal(await dump(db), before);
  assert.equal(await db.check(), null);
  await db.close();
});

await test('a server of another database: refused with ADB_CONFLICT, no retry, nothing changed', async () => {
  const hubDb = path.join(tmp, 'other.db');
  arenadb(hubDb, 'init');
  arenadb(hubDb, 'node', 'add', 'X', '--id', 'theirs');
  const hub = await serve(hubDb);
  try {
    const db = await ArenaDB.open();
    await db.nodeCreate('Mine', {}, 'mine');
    const before = await dump(db);
    const errors = [];
    const s = db.sync(hub.url, { live: true });
    s.on('error', (e) => errors.push(e));
    await until(() => s.state === 'closed', 'the refusal');
    assert.equal(errors[0].code, ADB.CONFLICT, errors.map((e) => e.message).join('; '));
    assert.match(errors[0].message, /database/);
    assert.equal(await dump(db), before);
    await db.close();
  } finally {
    await hub.stop();
  }
});

fs.rmSync(tmp, { recursive: true, force: true });
console.log(`wasm-api: ${passed} passed, ${failed} failed`);
process.exit(failed ? 1 : 0);
