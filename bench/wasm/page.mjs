// page.mjs — the page of `make bench-wasm`, whose window.bench functions run.mjs calls through
// its /rpc routes (answerCalls below), with no debugger attached to the browser.
//
// It relays rows 1-4 to bench Workers (worker.mjs) and runs the rows that go through the public
// API (arenadb.mjs) in the page itself: the API's overhead, the initial sync and the live
// propagation.

import { ArenaDB } from '/arenadb.mjs';

const now = () => performance.now();
const nodeId = (prefix, i) => `${prefix}${String(i).padStart(8, '0')}`;

// One bench Worker: call(op, args) resolves to its answer.
function benchWorker() {
  const w = new Worker('/bench/worker.mjs', { type: 'module' });
  const waiting = new Map();
  let next = 0;
  w.onmessage = ({ data }) => {
    const { resolve, reject } = waiting.get(data.id);
    waiting.delete(data.id);
    if (data.error) reject(new Error(data.error));
    else resolve(data.value);
  };
  w.onerror = (ev) => {
    for (const { reject } of waiting.values()) reject(new Error(`bench worker: ${ev.message}`));
    waiting.clear();
  };
  return {
    call: (op, args = {}) => new Promise((resolve, reject) => {
      const id = next++;
      waiting.set(id, { resolve, reject });
      w.postMessage({ id, op, args });
    }),
    terminate: () => w.terminate(),
  };
}

let shared = null;
const worker = () => (shared ||= benchWorker());

// Resolves when the sync's status is state, or (state 'synced') when its initial exchange is through;
// rejects when it closes first.
function reached(s, state) {
  return new Promise((resolve, reject) => {
    const offs = [];
    const done = (f, v) => { for (const off of offs) off(); f(v); };
    if (state === 'synced') offs.push(s.on('synced', () => done(resolve)));
    offs.push(s.on('status', (st) => {
      if (st.state === state) done(resolve);
      else if (st.state === 'closed') done(reject, st.error || new Error('the sync closed'));
    }));
  });
}

window.bench = {
  call: (op, args) => worker().call(op, args),

  // Row 4 once: a new Worker opens the database (module loading included: cold), closes it and
  // opens it again (warm).
  async reopen(path, n) {
    const w = benchWorker();
    try {
      const cold = await w.call('arenaOpen', { path, n });
      const warm = await w.call('arenaOpen', { path, n });
      return { cold, warm };
    } finally {
      w.terminate();
    }
  },

  // The API's overhead: n inserts in one transaction through ArenaDB.open('opfs') in this page
  // (its own Worker, one message per call), as one batch() and as n pipelined calls.
  async api(n) {
    const out = {};
    for (const mode of ['batch', 'calls']) {
      const path = 'bench-api.db';
      await worker().call('remove', { path });
      const db = await ArenaDB.open(path, { storage: 'opfs' });
      const calls = [];
      for (let i = 0; i < n; i++) calls.push(['nodeCreate', 'Node', { i, name: `node ${i}` }, nodeId('n', i)]);
      const t = now();
      await db.begin();
      if (mode === 'batch') await db.batch(calls);
      else await Promise.all(calls.map(([m, ...args]) => db[m](...args)));
      await db.commit();
      out[mode] = now() - t;
      await db.close();
      await worker().call('remove', { path });
    }
    return out;
  },

  // Row 5 once: a new OPFS replica of the server's database (dbId), synced; the time from sync()
  // to its 'synced' event (the initial exchange through, both ways). Returns it and the nodes
  // then held.
  async initialSync(url, dbId) {
    const path = 'bench-sync.db';
    await worker().call('remove', { path });
    const db = await ArenaDB.open(path, { storage: 'opfs', dbId });
    try {
      const t = now();
      const s = db.sync(url, { live: false, reconnect: false });
      await reached(s, 'synced');
      const ms = now() - t;
      await s.close();
      const [{ n }] = await db.sql('SELECT count(*) AS n FROM nodes');
      return { ms, nodes: n };
    } finally {
      await db.close();
      await worker().call('remove', { path });
    }
  },

  // Row 6: two replicas synced live to one server, in OPFS (two Workers) or in memory (in the
  // page); each of edits writes in A, timed from the call to B's 'change' event that names its id.
  // Round r writes ids of its own, as the server keeps every earlier round's.
  async live(url, dbId, edits, storage, r) {
    const paths = ['bench-live-a.db', 'bench-live-b.db'];
    for (const path of paths) await worker().call('remove', { path });
    const [a, b] = await Promise.all(paths.map((p) => ArenaDB.open(p, { storage, dbId })));
    const [sa, sb] = [a.sync(url, { live: true }), b.sync(url, { live: true })];
    try {
      await Promise.all([reached(sa, 'synced'), reached(sb, 'synced')]);
      let waiting = null; // [id, resolve]
      sb.on('change', ({ ids }) => {
        if (waiting && ids.some((x) => x.id === waiting[0])) waiting[1]();
      });
      const ms = [];
      for (let k = 0; k < edits; k++) {
        const id = nodeId(storage === 'opfs' ? 'L' : 'M', r * edits + k);
        const arrived = new Promise((resolve) => { waiting = [id, resolve]; });
        const t = now();
        await a.nodeCreate('Node', { k }, id);
        await arrived;
        ms.push(now() - t);
      }
      return ms;
    } finally {
      await Promise.all([sa.close(), sb.close()]);
      await Promise.all([a.close(), b.close()]);
      for (const path of paths) await worker().call('remove', { path });
    }
  },
};

// Answers run.mjs's calls (inPage there) until the bench is over.
async function answerCalls() {
  for (;;) {
    const r = await fetch('/rpc/next', { method: 'POST' });
    if (r.status === 204) continue;
    if (r.status !== 200) return;
    const { id, fn, args } = await r.json();
    let out;
    try {
      out = { id, value: await window.bench[fn](...args) };
    } catch (e) {
      out = { id, error: String((e && e.stack) || e) };
    }
    await fetch('/rpc/done', { method: 'POST', body: JSON.stringify(out) });
  }
}

const report = (m) => fetch('/rpc/log', { method: 'POST', body: m });
window.addEventListener('error', (e) => report(e.message));
window.addEventListener('unhandledrejection', (e) => report(String(e.reason)));
if (crossOriginIsolated) answerCalls();
else report('the page is not cross-origin isolated');
