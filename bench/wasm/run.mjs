// run.mjs — `make bench-wasm`: the WebAssembly build in headless Chromium beside real peers.
//
// The same data for every side in the same run, one table of medians and ratios (ours / peer;
// below 1 is faster than the peer):
//
//   1. n inserts in one transaction into OPFS: the Replica in a Worker vs @sqlite.org/sqlite-wasm
//      (opfs-sahpool) in the same Worker, and vs native ArenaDB on a file
//   2. single-write commit latency, p50 and p99 over every write of every repetition
//   3. point reads (nodeGet of random ids): mean per read, median of the repetitions
//   4. opening a persisted database of 10n nodes until its first answer
//   5. initial sync of those 10n nodes from `arenadb serve` into a new OPFS replica (through the
//      public API) vs `arenadb sync ws://...` into a new file
//   6. live propagation A -> server -> B: two OPFS replicas in one page (and again two in-memory
//      ones: the transport without OPFS's commits), each write timed to B's 'change' event; vs
//      two files kept in sync by `arenadb sync --live` processes
//   and the public API's cost: the row-1 inserts through ArenaDB.open in the page (a Worker
//   message per call, or one batch()) vs the Replica called in its Worker.
//
// Usage (the Makefile passes them): node bench/wasm/run.mjs --wasm build/wasm --cli
// build/arenadb --native build/bench-wasm/native --modules build/bench-wasm/node_modules
// --scratch build/bench-wasm/run. Environment: BENCH_SCALE (default 1; 0.1 for a quick run),
// BENCH_REPS (default 5), BENCH_WASM_ONLY=live (row 6 alone). The page is served cross-origin isolated (COOP/COEP), which gives
// Workers a 5 us clock instead of a 100 us one.
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, rmSync } from 'node:fs';
import http from 'node:http';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { kill, launchUnobserved, repo } from '../../tests/wasm/chromium.mjs';

const { values: opt } = parseArgs({ options: {
  wasm: { type: 'string' }, cli: { type: 'string' }, native: { type: 'string' },
  modules: { type: 'string' }, scratch: { type: 'string' } } });
const abs = (p) => path.resolve(p);
const [wasmDir, cli, native, modules, scratch] =
  [opt.wasm, opt.cli, opt.native, opt.modules, opt.scratch].map(abs);

const scale = Number(process.env.BENCH_SCALE) > 0 ? Number(process.env.BENCH_SCALE) : 1;
const REPS = Math.max(1, Number(process.env.BENCH_REPS) || 5);
const scaled = (n, min) => Math.max(min, Math.round(n * scale));
const N = scaled(10000, 100); // rows 1-3
const SINGLES = scaled(500, 50);
const READS = scaled(10000, 100);
const BIG = scaled(100000, 1000); // rows 4-5
const EDITS = scaled(200, 50);
// The big rows cost seconds each: fewer repetitions keep a full run under ten minutes.
const BIG_REPS = Math.min(REPS, 3);
const ONLY_LIVE = process.env.BENCH_WASM_ONLY === 'live';
const SQLITE_WASM = JSON.parse(readFileSync(
  path.join(modules, '@sqlite.org/sqlite-wasm/package.json'), 'utf8')).version;

const CHROMIUM_VERSION = /[\d.]+/.exec(spawnSync('/usr/bin/chromium', ['--version'], { encoding: 'utf8' }).stdout)[0];
const log = (m) => process.stderr.write(`bench-wasm: ${m}\n`);

// ---- statistics ----------------------------------------------------------------------------

const sorted = (v) => [...v].sort((x, y) => x - y);
const median = (v) => {
  const s = sorted(v);
  return s.length % 2 ? s[s.length >> 1] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
};
const pct = (v, p) => { const s = sorted(v); return s[Math.min(s.length - 1, Math.ceil(p * s.length) - 1)]; };

// ---- native processes ----------------------------------------------------------------------

function run(cmd, args) {
  const r = spawnSync(cmd, args, { encoding: 'utf8', maxBuffer: 64 << 20 });
  if (r.status !== 0) throw new Error(`${path.basename(cmd)} ${args.join(' ')}: ${r.stderr || r.error}`);
  return r.stdout;
}
const nativeRun = (...args) => JSON.parse(run(native, args.map(String)));
const arenadb = (db, ...args) => run(cli, ['--db', db, ...args]);

// `arenadb serve` on a free port, open to the bench page's origin; resolves to { proc, port, url }.
function serve(db, origin) {
  const proc = spawn(cli, ['--db', db, 'serve', '--listen', '127.0.0.1:0', '--no-ui', '--cors', origin],
    { stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  return new Promise((resolve, reject) => {
    const seen = (d) => {
      out += d;
      const m = /on http:\/\/127\.0\.0\.1:(\d+)/.exec(out);
      if (m) resolve({ proc, port: Number(m[1]), url: `ws://127.0.0.1:${m[1]}` });
    };
    proc.stdout.on('data', seen);
    proc.stderr.on('data', seen);
    proc.on('exit', (c) => reject(new Error(`serve exited (${c}): ${out}`)));
  });
}

// Resolves once fn() is true, polling; fails after ms.
async function until(fn, what, ms = 20000) {
  const end = Date.now() + ms;
  while (!(await fn())) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

const sessions = async (port) =>
  (await (await fetch(`http://127.0.0.1:${port}/status`)).json()).sessions;

// ---- the page ------------------------------------------------------------------------------

const PAGE = '<!doctype html><meta charset="utf-8"><title>bench-wasm</title>' +
  '<script type="module" src="/bench/page.mjs"></script>';
const TYPES = { '.mjs': 'text/javascript', '.js': 'text/javascript', '.wasm': 'application/wasm',
  '.html': 'text/html', '.json': 'application/json' };
const ISOLATED = { 'cross-origin-opener-policy': 'same-origin',
  'cross-origin-embedder-policy': 'require-corp', 'cross-origin-resource-policy': 'same-origin',
  'cache-control': 'no-store' };

// The page, bench/wasm at /bench/, sqlite-wasm's files at /sqlite/, the package at /.
function staticServer() {
  const dirs = [['/bench/', path.join(repo, 'bench/wasm')],
    ['/sqlite/', path.join(modules, '@sqlite.org/sqlite-wasm/sqlite-wasm/jswasm')], ['/', wasmDir]];
  const server = http.createServer((req, res) => {
    const url = decodeURIComponent(req.url.split('?')[0]);
    if (url.startsWith('/rpc/')) { rpcRoute(url, req, res); return; }
    if (url === '/') { res.writeHead(200, { ...ISOLATED, 'content-type': 'text/html' }).end(PAGE); return; }
    for (const [prefix, dir] of dirs) {
      if (!url.startsWith(prefix)) continue;
      const file = path.join(dir, url.slice(prefix.length));
      if (!file.startsWith(dir + path.sep) || !existsSync(file)) continue;
      res.writeHead(200, { ...ISOLATED, 'content-type': TYPES[path.extname(file)] || 'application/octet-stream' })
        .end(readFileSync(file));
      return;
    }
    res.writeHead(404).end();
  });
  return new Promise((resolve) => server.listen(0, '127.0.0.1', () =>
    resolve({ server, base: `http://127.0.0.1:${server.address().port}` })));
}

// The page is not driven over CDP (launchUnobserved says why): it asks for its next call with
// POST /rpc/next (answered 204 after 10 s of nothing, 410 once the bench is over), posts each
// answer to /rpc/done and its uncaught errors to /rpc/log (page.mjs).
const rpc = { next: 1, queue: [], asking: null, pending: new Map(), over: false, ready: null };
rpc.started = new Promise((resolve) => { rpc.ready = resolve; });

function rpcSend() {
  if (!rpc.asking) return;
  const res = rpc.asking;
  clearTimeout(res.idle);
  if (rpc.over) res.writeHead(410).end();
  else if (rpc.queue.length) res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(rpc.queue.shift()));
  else return;
  rpc.asking = null;
}

function rpcRoute(url, req, res) {
  let body = '';
  req.on('data', (d) => { body += d; });
  req.on('end', () => {
    if (url === '/rpc/next') {
      rpc.ready();
      rpc.asking = res;
      res.idle = setTimeout(() => { if (rpc.asking === res) { rpc.asking = null; res.writeHead(204).end(); } }, 10000);
      rpcSend();
      return;
    }
    if (url === '/rpc/done') {
      const m = JSON.parse(body);
      const w = rpc.pending.get(m.id);
      rpc.pending.delete(m.id);
      if (w) { if ('error' in m) w.reject(new Error(m.error)); else w.resolve(m.value); }
    } else if (url === '/rpc/log') log(`page error: ${body}`);
    res.writeHead(204).end();
  });
}

// Resolves to window.bench[fn](...args) in the page, or rejects with its error or after ms.
function inPage(fn, args = [], ms = 120000) {
  let timer;
  const id = rpc.next++;
  return new Promise((resolve, reject) => {
    rpc.pending.set(id, { resolve, reject });
    timer = setTimeout(() => { rpc.pending.delete(id); reject(new Error(`${fn}: no answer in ${ms} ms`)); }, ms);
    rpc.queue.push({ id, fn, args });
    rpcSend();
  }).finally(() => clearTimeout(timer));
}

// ---- the table -----------------------------------------------------------------------------

const rows = [];
// value: a number in unit; ratio ours / peer; target: [text, met(ratio, ours)] or null.
function row(name, ours, peerName, peer, unit, target = null) {
  rows.push({ name, ours, peerName, peer, unit, ratio: peer ? ours / peer : null, target });
}
function fmt(v, unit) {
  if (v == null) return '—';
  const d = v >= 100 ? 0 : v >= 10 ? 1 : v >= 1 ? 2 : 3;
  return `${v.toLocaleString('en-US', { minimumFractionDigits: d, maximumFractionDigits: d })} ${unit}`;
}
function printTable() {
  const head = ['measurement', 'ArenaDB wasm', 'peer', 'peer value', 'ours/peer', 'target'];
  const body = rows.map((r) => [r.name, fmt(r.ours, r.unit), r.peerName, fmt(r.peer, r.unit),
    r.ratio == null ? '—' : `${r.ratio.toFixed(2)}x`,
    r.target ? `${r.target[0]} ${r.target[1](r.ratio, r.ours) ? 'met' : 'MISSED'}` : '']);
  const w = head.map((h, i) => Math.max(h.length, ...body.map((b) => b[i].length)));
  const line = (cells) => cells.map((c, i) => (i === 1 || i === 3 || i === 4 ? c.padStart(w[i]) : c.padEnd(w[i])))
    .join('  ').trimEnd();
  console.log(line(head));
  console.log(w.map((x) => '-'.repeat(x)).join('  '));
  for (const b of body) console.log(line(b));
}

// ---- the run -------------------------------------------------------------------------------

rmSync(scratch, { recursive: true, force: true });
mkdirSync(scratch, { recursive: true });
const file = (name) => path.join(scratch, name);
const procs = [];
const { server, base } = await staticServer();
const profile = file('chromium-profile');
const k = (n) => n.toLocaleString('en-US');
const within = (x) => [`<= ${x}x`, (ratio) => ratio <= x];

// Rows 1-5 and the API's cost, each side's data made in this run.
async function coreRows() {
  log(`native: ${BIG} nodes for rows 4-5, then rows 1-4`);
  const src = file('src.db');
  const fill = nativeRun('fill', src, BIG);
  const nOpen = nativeRun('open', src, BIG, REPS).open_ms;
  const nCore = nativeRun('core', scratch, N, SINGLES, READS, REPS);

  log(`browser rows 1-3: ${REPS} repetitions of ArenaDB and sqlite-wasm ${SQLITE_WASM}, alternating`);
  // A first round of each, untimed, so that no repetition pays for compiling the code.
  const warm = { n: Math.min(N, 1000), singles: 10, reads: 1000 };
  await inPage('call', ['arena', warm]);
  await inPage('call', ['sqlite', warm]);
  const ours = [], sq = [];
  for (let r = 0; r < REPS; r++) {
    ours.push(await inPage('call', ['arena', { n: N, singles: SINGLES, reads: READS }]));
    sq.push(await inPage('call', ['sqlite', { n: N, singles: SINGLES, reads: READS }]));
  }
  log('the public API: batch() and one message per call');
  const api = [];
  for (let r = 0; r < REPS; r++) api.push(await inPage('api', [N]));

  log(`row 4: ${BIG} nodes into OPFS, then ${REPS} reopenings`);
  const bigPath = 'bench-big.db';
  const oFill = await inPage('call', ['arenaFill', { path: bigPath, n: BIG }]);
  const opens = [];
  for (let r = 0; r < REPS; r++) opens.push(await inPage('reopen', [bigPath, BIG]));
  await inPage('call', ['remove', { path: bigPath }]);

  log(`row 5: initial sync of ${BIG} nodes, ${BIG_REPS} repetitions each side`);
  const srv = await serve(src, base);
  procs.push(srv.proc);
  const oSync = [], nSync = [];
  for (let r = 0; r < BIG_REPS; r++) {
    const got = await inPage('initialSync', [srv.url, fill.db]);
    if (got.nodes !== BIG) throw new Error(`the browser replica has ${got.nodes} nodes, not ${BIG}`);
    oSync.push(got.ms);
    const dst = file(`dst${r}.db`);
    const t = performance.now();
    arenadb(dst, 'sync', srv.url);
    nSync.push(performance.now() - t);
    const n = Number(arenadb(dst, 'sql', 'SELECT count(*) FROM nodes', '--format', 'csv').trim().split('\n').pop());
    if (n !== BIG) throw new Error(`the native replica has ${n} nodes, not ${BIG}`);
  }
  srv.proc.kill('SIGTERM');

  const oIns = median(ours.map((x) => x.insertMs));
  const oSingle = ours.flatMap((x) => x.singleMs);
  const sSingle = sq.flatMap((x) => x.singleMs);
  const nSingle = nCore.single_us.map((us) => us / 1000);
  row(`1. ${k(N)} inserts, 1 transaction`, oIns, 'sqlite-wasm OPFS', median(sq.map((x) => x.insertMs)), 'ms', within(1.5));
  row('', oIns, 'native', median(nCore.insert_ms), 'ms', within(2.5));
  row('2. single-write commit p50', pct(oSingle, 0.5), 'sqlite-wasm OPFS', pct(sSingle, 0.5), 'ms');
  row('   single-write commit p99', pct(oSingle, 0.99), 'sqlite-wasm OPFS', pct(sSingle, 0.99), 'ms');
  row('   single-write commit p50', pct(oSingle, 0.5), 'native', pct(nSingle, 0.5), 'ms');
  row('   single-write commit p99', pct(oSingle, 0.99), 'native', pct(nSingle, 0.99), 'ms');
  const oRead = median(ours.map((x) => x.readUs));
  row(`3. point read, per read`, oRead, 'native', median(nCore.read_us), 'us');
  row('', oRead, 'sqlite-wasm (ref.)', median(sq.map((x) => x.readUs)), 'us');
  row(`4. open ${k(BIG)} nodes + 1st query`, median(opens.map((x) => x.warm)), 'native', median(nOpen), 'ms');
  row('   same, new Worker (+ module load)', median(opens.map((x) => x.cold)), 'native', median(nOpen), 'ms');
  row(`5. initial sync of ${k(BIG)} nodes`, median(oSync), 'arenadb sync', median(nSync), 'ms');
  return { api, oIns, fill, oFill };
}

// Row 6: REPS rounds of EDITS live edits for each side, alternating, every sample pooled.
async function liveRows() {
  log(`row 6: ${REPS} rounds of ${EDITS} live edits through one server, browser then native`);
  const hubDb = file('hub.db');
  const hubId = nativeRun('fill', hubDb, 0).db;
  const hub = await serve(hubDb, base);
  procs.push(hub.proc);
  const peers = ['a.db', 'b.db'].map(file);
  for (const p of peers) arenadb(p, 'init', '--db-id', hubId);
  const oLive = [], mLive = [], nLive = [];
  for (let r = 0; r < REPS; r++) {
    oLive.push(...await inPage('live', [hub.url, hubId, EDITS, 'opfs', r]));
    await until(async () => (await sessions(hub.port)) === 0, 'the pages to leave the server');
    mLive.push(...await inPage('live', [hub.url, hubId, EDITS, 'memory', r]));
    await until(async () => (await sessions(hub.port)) === 0, 'the pages to leave the server');
    // --poll 1: the sync process sees the driver's commits within 1 ms (default 10).
    const syncs = peers.map((p) => spawn(cli, ['--db', p, 'sync', hub.url, '--live', '--poll', '1'],
      { stdio: 'ignore' }));
    procs.push(...syncs);
    await until(async () => (await sessions(hub.port)) === 2, 'both native replicas to connect');
    nLive.push(...nativeRun('live', peers[0], peers[1], EDITS, r).live_ms);
    for (const s of syncs) s.kill('SIGTERM');
    await until(async () => (await sessions(hub.port)) === 0, 'the native replicas to leave');
  }
  row(`6. live A->server->B p50`, pct(oLive, 0.5), 'native sync --live', pct(nLive, 0.5), 'ms');
  row('   live A->server->B p99', pct(oLive, 0.99), 'native sync --live', pct(nLive, 0.99), 'ms',
    ['p99 < 20 ms', (_, v) => v < 20]);
  row('   same, replicas in memory p50', pct(mLive, 0.5), 'native sync --live', pct(nLive, 0.5), 'ms');
  row('   same, replicas in memory p99', pct(mLive, 0.99), 'native sync --live', pct(nLive, 0.99), 'ms',
    ['p99 < 20 ms', (_, v) => v < 20]);
  // Each live edit waits for three commits in turn; the disk's own tail is the floor under p99.
  const disk = nativeRun('fsync', file('fsync.bin'), 3 * EDITS).fsync_ms;
  row('   (disk: one fsync, p50)', pct(disk, 0.5), '', null, 'ms');
  row('   (disk: one fsync, p99)', pct(disk, 0.99), '', null, 'ms');
}

let b = null;
try {
  b = launchUnobserved(profile, `${base}/`);
  await Promise.race([rpc.started, new Promise((_, reject) =>
    setTimeout(() => reject(new Error('the bench page did not start in 30 s')), 30000))]);

  const core = ONLY_LIVE ? null : await coreRows();
  await liveRows();
  if (core) {
    row(`API: ${k(N)} inserts, batch()`, median(core.api.map((x) => x.batch)), 'Replica in Worker', core.oIns, 'ms');
    row(`API: ${k(N)} inserts, 1 msg/call`, median(core.api.map((x) => x.calls)), 'Replica in Worker', core.oIns, 'ms');
  }

  console.log(`bench-wasm: ArenaDB ${wasmDir} in Chromium ${CHROMIUM_VERSION} (headless), ` +
    `@sqlite.org/sqlite-wasm ${SQLITE_WASM} (opfs-sahpool), native ArenaDB (${path.basename(cli)}, ` +
    'libarenadb.a); ours/peer < 1 is faster than the peer');
  console.log(`n = ${k(N)} nodes, ${k(SINGLES)} single writes, ${k(READS)} reads, ${k(BIG)} nodes ` +
    `for rows 4-5, ${REPS} x ${k(EDITS)} live edits; medians of ${REPS} repetitions (row 5: ${BIG_REPS}); ` +
    'p50/p99 over every sample of every repetition');
  printTable();
  if (core) {
    console.log(`(building the ${k(BIG)}-node databases: native ${fmt(core.fill.ms, 'ms')}, ` +
      `wasm OPFS ${fmt(core.oFill, 'ms')}; row 5 native is the whole \`arenadb sync\` process, the ` +
      'browser from sync() to its \'synced\' event)');
  }
  console.log('(row 6 native: each replica\'s sync process polls its file every 1 ms, the writer reads ' +
    'B every 50 us)');
} finally {
  for (const p of procs) { try { p.kill('SIGTERM'); } catch { /* gone */ } }
  rpc.over = true;
  rpcSend();
  if (b) await kill(b, profile);
  server.close();
  rmSync(scratch, { recursive: true, force: true });
}
