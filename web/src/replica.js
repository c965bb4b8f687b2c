// replica.js — the page's own replica of the server's database (docs/ui.md, "Working
// offline"): the WebAssembly package (`make wasm`, copied by `make ui` into dist/wasm/) in the
// origin private file system (in memory where that cannot be had), syncing live with the server
// it came from over the sync protocol. It opens when the collaborative text editor needs it, or
// at load when the user asked the page to keep one (keepReplica). Once it has synced in full,
// the whole page reads and writes it while the server is out of reach (api.js), through the
// server's own routes (db.http), and its writes go to the server once it is back.
import { useReplica } from "./api.js";

export const NEEDS_WASM = "the page's replica (collaborative text, working offline) needs the WebAssembly build (make wasm)";
// How long the sync client waits, at most, between attempts to reach the server again.
const MAX_BACKOFF_MS = 3000;

let replica = null; // Promise of the state below, once opening started
const watchers = new Set(); // fn(state) on each change of connection or data
const KEEP_KEY = "arenadb.replica.keep"; // "1": open the replica at every load
const SYNCED_KEY = "arenadb.replica.synced"; // the database id of the replica last synced in full

/** Whether the user asked this origin's pages to keep a replica (the sync panel's switch). */
export function keepReplica(value) {
  if (value !== undefined) {
    if (value) localStorage.setItem(KEEP_KEY, "1");
    else localStorage.removeItem(KEEP_KEY);
  }
  return localStorage.getItem(KEEP_KEY) === "1";
}

/** The database id of the replica in this origin's OPFS that last synced in full, or null. */
export function syncedReplica() {
  return localStorage.getItem(SYNCED_KEY);
}

// The page's replica of database dbId: in OPFS, named by the database's id, so that a reload
// syncs only what changed since the last visit; in memory where OPFS is missing or another tab
// of this origin holds that file.
async function openLocal(mod, dbId) {
  try {
    const db = await mod.ArenaDB.open(`arenadb-ui-${dbId}.db`, { storage: "opfs", dbId });
    return { db, storage: "opfs" };
  } catch (e) {
    if (e.code !== mod.ADB.MISUSE && e.code !== mod.ADB.BUSY) throw e;
  }
  return { db: await mod.ArenaDB.open(":memory:", { storage: "memory", dbId }), storage: "memory" };
}

function tell(r) {
  for (const fn of watchers) {
    try { fn(r); } catch (e) { queueMicrotask(() => { throw e; }); }
  }
}

/**
 * Opens the page's replica once (later calls get the same Promise) and starts its live sync.
 * dbId: the server's database id; token: the page's token or null. Resolves to
 *   { db, sync, mod, storage, received, connected, synced, status() }
 * where synced is a Promise of the first complete exchange with the server, received counts the
 * elements the server changed here, and status() is what the page shows for /status while the
 * server is out of reach. Once synced, the replica answers for the server when it is out of
 * reach (api.js); resume says to do so at once, for a page loaded with the server out of reach:
 * an OPFS replica is as it was when it last synced.
 */
export function openReplica(dbId, token, resume = false) {
  if (!replica) {
    replica = (async () => {
      let mod;
      try {
        // Not bundled: the package is served beside the page when it was built.
        mod = await import(/* webpackIgnore: true */ new URL("wasm/arenadb.mjs", location.href).href);
      } catch {
        throw new Error(NEEDS_WASM);
      }
      const { db, storage } = await openLocal(mod, dbId);
      const url = new URL("/", location.href);
      url.protocol = location.protocol === "https:" ? "wss:" : "ws:";
      const sync = db.sync(url.href, { live: true, token: token || undefined, maxBackoffMs: MAX_BACKOFF_MS });
      const r = { db, sync, mod, storage, received: 0, connected: false, server: url.href };
      r.status = async () => {
        const { db: id, replica: rid, vv } = await db.info();
        return { db: id, replica: rid, vv, version: `this page's replica (${storage})`, offline: true,
          sessions: 0, ui_clients: 1, clients: [], peers: [{ url: r.server, connected: false }] };
      };
      sync.on("change", ({ ids }) => { r.received += ids.length; });
      sync.on("status", ({ state }) => {
        const up = state === "connected";
        if (up !== r.connected) {
          r.connected = up;
          tell(r);
        }
      });
      db.on("change", () => tell(r));
      r.synced = new Promise((resolve, reject) => {
        sync.on("synced", resolve);
        sync.on("status", ({ state, error }) => {
          if (state === "closed") reject(new Error(`sync stopped: ${error ? error.message : "closed"}`));
        });
      });
      r.synced.then(() => {
        localStorage.setItem(SYNCED_KEY, dbId);
        useReplica(r);
      }, () => {});
      if (resume && storage === "opfs") useReplica(r);
      return r;
    })();
    replica.catch(() => { replica = null; }); // a later try may work (e.g. after make wasm)
  }
  return replica;
}

/** The replica if opening it started, else null. */
export function currentReplica() {
  return replica;
}

/** Calls fn(replica) when its connection to the server comes or goes, and after each of its
 * commits (its own, or the server's merged in). Returns a function that stops it. */
export function watchReplica(fn) {
  watchers.add(fn);
  return () => watchers.delete(fn);
}
