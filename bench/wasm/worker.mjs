// worker.mjs — the Worker of `make bench-wasm` that runs ArenaDB's Replica and sqlite-wasm.
//
// Each runs synchronously against OPFS, with no message between a call and the database (what
// sqlite-wasm's synchronous OPFS API is compared with). It answers { id, op, args } with
// { id, value } or { id, error }.
//
// Both sides write the same rows: id "n%08d", label "Node", properties {i, name}; random reads
// draw ids from xorshift32 seeded with 1, as bench/wasm/native.c does. The SQLite side is a
// plain table through prepared statements, in its "opfs-sahpool" VFS (no COOP/COEP needed, and
// the fastest of its OPFS VFSes), both with their default durability: a rollback journal and
// every commit flushed.

import { Replica } from '/replica.mjs';
import { opfsDelete } from '/opfs.mjs';
import sqlite3InitModule from '/sqlite/sqlite3.mjs';

const now = () => performance.now();
const nodeId = (i) => `n${String(i).padStart(8, '0')}`;
const props = (i) => ({ i, name: `node ${i}` });

function xorshift32(seed) {
  let s = seed >>> 0;
  return () => {
    s ^= s << 13; s >>>= 0;
    s ^= s >>> 17;
    s ^= s << 5; s >>>= 0;
    return s;
  };
}

let pool = null;
async function sqlitePool() {
  if (!pool) {
    const sqlite3 = await sqlite3InitModule({ print: () => {}, printErr: console.error });
    pool = await sqlite3.installOpfsSAHPoolVfs({ name: 'bench-sahpool' });
  }
  return pool;
}

// Row 1 (n inserts in one transaction), row 3 (reads random point reads) and row 2 (singles
// writes, each its own transaction) on a new database: the same order as native.c's core.
const ops = {
  async arena({ n, singles, reads }) {
    const path = 'bench-core.db';
    await opfsDelete(path);
    const r = await Replica.open(path, { storage: 'opfs' });
    try {
      let t = now();
      r.begin();
      for (let i = 0; i < n; i++) r.nodeCreate('Node', props(i), nodeId(i));
      r.commit();
      const insertMs = now() - t;

      const rand = xorshift32(1);
      t = now();
      for (let k = 0; k < reads; k++) {
        if (!r.nodeGet(nodeId(rand() % n))) throw new Error('a node is missing');
      }
      const readUs = ((now() - t) * 1000) / reads;

      const singleMs = [];
      for (let k = 0; k < singles; k++) {
        t = now();
        r.nodeCreate('Node', props(n + k), nodeId(n + k));
        singleMs.push(now() - t);
      }
      return { insertMs, readUs, singleMs };
    } finally {
      r.close();
      await opfsDelete(path);
    }
  },

  async sqlite({ n, singles, reads }) {
    const p = await sqlitePool();
    const path = '/bench-core.sqlite3';
    p.unlink(path);
    const db = new p.OpfsSAHPoolDb(path);
    const stmts = []; // finalized before the database closes
    try {
      db.exec('CREATE TABLE t(id TEXT PRIMARY KEY, label TEXT, props TEXT)');
      const ins = db.prepare('INSERT INTO t(id, label, props) VALUES (?, ?, ?)');
      stmts.push(ins);
      const insert = (i) => ins.bind([nodeId(i), 'Node', JSON.stringify(props(i))]).stepReset();
      let t = now();
      db.exec('BEGIN');
      for (let i = 0; i < n; i++) insert(i);
      db.exec('COMMIT');
      const insertMs = now() - t;

      // What nodeGet gives: the row with its properties parsed.
      const sel = db.prepare('SELECT id, label, props FROM t WHERE id = ?');
      stmts.push(sel);
      const rand = xorshift32(1);
      t = now();
      for (let k = 0; k < reads; k++) {
        sel.bind([nodeId(rand() % n)]);
        if (!sel.step()) throw new Error('a row is missing');
        const row = { id: sel.get(0), label: sel.get(1), properties: JSON.parse(sel.get(2)) };
        sel.reset();
        if (!row.id) throw new Error('a row is empty');
      }
      const readUs = ((now() - t) * 1000) / reads;

      const singleMs = [];
      for (let k = 0; k < singles; k++) {
        t = now();
        insert(n + k);
        singleMs.push(now() - t);
      }
      return { insertMs, readUs, singleMs };
    } finally {
      for (const s of stmts) s.finalize();
      db.close();
      p.unlink(path);
    }
  },

  // Row 4's database: n nodes in transactions of 10,000, then closed.
  async arenaFill({ path, n }) {
    await opfsDelete(path);
    const r = await Replica.open(path, { storage: 'opfs' });
    const t = now();
    for (let i = 0; i < n; i += 10000) {
      r.transaction(() => {
        for (let j = i; j < Math.min(n, i + 10000); j++) r.nodeCreate('Node', props(j), nodeId(j));
      });
    }
    r.close();
    return now() - t;
  },

  // Row 4: Replica.open to the first answer. In a new Worker this includes loading the module.
  async arenaOpen({ path, n }) {
    const t = now();
    const r = await Replica.open(path, { storage: 'opfs', noCreate: true });
    if (!r.nodeGet(nodeId(Math.floor(n / 2)))) throw new Error('the middle node is missing');
    const ms = now() - t;
    r.close();
    return ms;
  },

  async remove({ path }) { await opfsDelete(path); },
};

onmessage = async ({ data }) => {
  try {
    postMessage({ id: data.id, value: await ops[data.op](data.args) });
  } catch (e) {
    postMessage({ id: data.id, error: String((e && e.stack) || e) });
  }
};
