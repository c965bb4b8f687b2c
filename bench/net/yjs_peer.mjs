// yjs_peer.mjs — the network benchmark's peer from npm: the same workloads as net_bench.py
// through Yjs over WebSocket (yjs, y-protocols, ws), for a side-by-side line.
//   node yjs_peer.mjs relay PORT N   a relay holding a Y.Doc with N entries (y-websocket's
//                                    sync protocol: step 1/2, then updates broadcast)
//   node yjs_peer.mjs bench PORT N E  initial sync of the N entries to an empty doc, then E
//                                    live edits A -> relay -> B; prints one JSON line
// Modules come from $BENCH_NET_MODULES (an npm prefix's node_modules).
import { createRequire } from 'node:module';
const require = createRequire((process.env.BENCH_NET_MODULES || './node_modules') + '/');
const Y = require('yjs');
const syncProtocol = require('y-protocols/sync');
const encoding = require('lib0/encoding');
const decoding = require('lib0/decoding');
const WebSocket = require('ws');

const MSG_SYNC = 0;
const [mode, portArg, nArg, eArg] = process.argv.slice(2);
const port = Number(portArg), N = Number(nArg), E = Number(eArg || 0);

function fill(doc, n) {
  const m = doc.getMap('nodes');
  doc.transact(() => {
    for (let i = 0; i < n; i++) m.set('n' + i, { label: 'Bench', i, name: 'node ' + i });
  });
}

function syncStep1(doc) {
  const e = encoding.createEncoder();
  encoding.writeVarUint(e, MSG_SYNC);
  syncProtocol.writeSyncStep1(e, doc);
  return encoding.toUint8Array(e);
}

// Handles one message; returns a reply or null.
function onMessage(doc, data, origin) {
  const d = decoding.createDecoder(new Uint8Array(data));
  const e = encoding.createEncoder();
  if (decoding.readVarUint(d) !== MSG_SYNC) return null;
  encoding.writeVarUint(e, MSG_SYNC);
  syncProtocol.readSyncMessage(d, e, doc, origin);
  return encoding.length(e) > 1 ? encoding.toUint8Array(e) : null;
}

function updateMsg(update) {
  const e = encoding.createEncoder();
  encoding.writeVarUint(e, MSG_SYNC);
  syncProtocol.writeUpdate(e, update);
  return encoding.toUint8Array(e);
}

if (mode === 'relay') {
  const doc = new Y.Doc();
  fill(doc, N);
  const wss = new WebSocket.Server({ port, host: '127.0.0.1' });
  const conns = new Set();
  doc.on('update', (update, origin) => {
    const m = updateMsg(update);
    for (const c of conns) if (c !== origin) c.send(m);
  });
  wss.on('connection', (ws) => {
    conns.add(ws);
    ws.on('message', (data) => {
      const r = onMessage(doc, data, ws);
      if (r) ws.send(r);
    });
    ws.on('close', () => conns.delete(ws));
    ws.send(syncStep1(doc));
  });
  console.log('ready');
} else {
  const connect = (doc) => new Promise((resolve) => {
    const ws = new WebSocket(`ws://127.0.0.1:${port}`);
    ws.binaryType = 'arraybuffer';
    let bytes = 0;
    ws.on('open', () => ws.send(syncStep1(doc)));
    ws.on('message', (data) => {
      bytes += data.byteLength;
      const r = onMessage(doc, data, ws);
      if (r) ws.send(r);
    });
    doc.on('update', (update, origin) => { if (origin !== ws) ws.send(updateMsg(update)); });
    resolve({ ws, bytes: () => bytes });
  });
  const t0 = performance.now();
  const fresh = new Y.Doc();
  const c = await connect(fresh);
  const m = fresh.getMap('nodes');
  await new Promise((res) => {
    const check = () => (m.size >= N ? res() : setTimeout(check, 1));
    check();
  });
  const dt = (performance.now() - t0) / 1000;
  const a = new Y.Doc(), b = new Y.Doc();
  await connect(a);
  await connect(b);
  await new Promise((r) => setTimeout(r, 500 + N / 200));
  const lat = [];
  const bm = b.getMap('nodes');
  for (let i = 0; i < E; i++) {
    const key = 'e' + i;
    const seen = new Promise((res) => {
      const f = () => { if (bm.has(key)) { bm.unobserve(f); res(); } };
      bm.observe(f);
    });
    const s = performance.now();
    a.getMap('nodes').set(key, { label: 'Edit', i });
    await seen;
    lat.push(performance.now() - s);
  }
  lat.sort((x, y) => x - y);
  const q = (f) => lat[Math.min(lat.length - 1, Math.floor(f * lat.length))];
  console.log(JSON.stringify({ n: N, seconds: dt, bytes: c.bytes(), p50: q(0.5), p99: q(0.99) }));
  process.exit(0);
}
