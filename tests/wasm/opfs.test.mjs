// opfs.test.mjs — the WebAssembly build keeping a database in the Origin Private File System, in
// Debian's headless Chromium: a dedicated worker opens it through the VFS "opfs" (wasm/opfs_vfs.c,
// wasm/opfs.mjs), and it survives a page reload, a browser restart and a kill -9 mid-write; a
// second worker is refused it while the first holds it; a spent quota fails a transaction
// cleanly. Usage: node tests/wasm/opfs.test.mjs [build/wasm] (after make wasm, and npm ci in
// tests/ui for playwright-core; `make test-wasm-opfs` does both). Prints one line per check and
// closes with "opfs: P passed, F failed"; exits non-zero on any failure.
import { mkdtempSync, rmSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { assert, kill, launch, repo, runner, serve } from "./chromium.mjs";

const wasmDir = path.resolve(process.argv[2] || path.join(repo, "build/wasm"));
const { check, fail, done } = runner();

// ---- the page and its worker ---------------------------------------------------------------

// The page runs one worker and relays requests to it: window.call(op, args) -> its answer.
// Each commit the worker reports in its write loop is logged to the console ("committed N").
const PAGE = `<!doctype html><meta charset="utf-8"><title>opfs</title><script type="module">
const worker = new Worker("/worker.mjs", { type: "module" });
const waiting = new Map();
let next = 0;
worker.onmessage = ({ data }) => {
  if (data.committed !== undefined) { console.log("committed " + data.committed); return; }
  const { resolve, reject } = waiting.get(data.id);
  waiting.delete(data.id);
  if (data.ok) resolve(data.value);
  else reject(Object.assign(new Error(data.message), { code: data.code }));
};
window.call = (op, args = {}) => new Promise((resolve, reject) => {
  const id = next++;
  waiting.set(id, { resolve, reject });
  worker.postMessage({ id, op, args });
});
// What the page's own thread (not a worker) gets from opfsOpen.
window.openHere = async () => {
  const { opfsOpen } = await import("/opfs.mjs");
  try { await opfsOpen({}, "here.db"); return "opened"; } catch (e) { return e.code + ": " + e.message; }
};
</script>`;

// The worker holds one replica (replica.mjs, the layer the API's own worker runs) with the
// storage "opfs", and reaches into the VFS's handles to fake a spent quota.
const WORKER = `import { Replica } from "/replica.mjs";
import { opfsDelete } from "/opfs.mjs";
let r = null;

const ops = {
  async open({ path, wait = 0 }) {
    if (r) throw new Error("this worker has a database open already");
    r = await Replica.open(path, { storage: "opfs", lockWaitMs: wait });
    return { dbId: r.dbId, replicaId: r.replicaId, journal: r.sql("PRAGMA journal_mode")[0].journal_mode };
  },
  close() {
    r.close();
    r = null;
  },
  // n nodes "prefix0".. in one transaction, each with pad bytes of payload.
  create({ prefix, n, pad = 0 }) {
    r.transaction(() => {
      for (let i = 0; i < n; i++) r.nodeCreate("Note", { i, pad: "x".repeat(pad) }, prefix + i);
    });
  },
  // Transactions of k nodes, without end, each reported once committed.
  loop({ k }) {
    for (let t = 0; ; t++) {
      ops.create({ prefix: "t" + t + "-", n: k, pad: 100 });
      postMessage({ committed: t });
    }
  },
  // The ids of "prefix0".."prefix(n-1)" that are not there.
  missing({ prefix, n }) {
    const gone = [];
    for (let i = 0; i < n; i++) if (!r.nodeGet(prefix + i)) gone.push(prefix + i);
    return gone;
  },
  // Writes n nodes, then reads the database file's size at once and again after a quiet
  // moment, in one task of the worker so that no timer runs in between.
  async quietSizes({ path, n, waitMs }) {
    const h = r.module.opfsFiles.get(path);
    ops.create({ prefix: "quiet", n, pad: 1000 });
    const before = h.getSize();
    await new Promise((res) => setTimeout(res, waitMs));
    return [before, h.getSize()];
  },
  // The first column of each row, as text.
  sql({ q }) { return r.sql(q).map((row) => String(Object.values(row)[0])); },
  // adb_check's verdict: "ok" or its report.
  check() { return r.check() ?? "ok"; },
  // Makes writes to the handles of path and its sidecars ("-wal", "-journal") throw
  // QuotaExceededError, as a spent quota does.
  failWrites({ path }) {
    for (const [name, h] of r.module.opfsFiles) {
      if (name.startsWith(path)) h.write = () => { throw new DOMException("quota", "QuotaExceededError"); };
    }
  },
  healWrites({ path }) {
    for (const [name, h] of r.module.opfsFiles) if (name.startsWith(path)) delete h.write;
  },
  async remove({ path }) { await opfsDelete(path); },
  async size({ path }) {
    const root = await navigator.storage.getDirectory();
    return (await (await root.getFileHandle(path)).getFile()).size;
  },
  // Writes bytes that are not a database to path.
  async writeRaw({ path, text }) {
    const root = await navigator.storage.getDirectory();
    const w = await (await root.getFileHandle(path, { create: true })).createWritable();
    await w.write(text);
    await w.close();
  },
  async exists({ path }) {
    const root = await navigator.storage.getDirectory();
    return root.getFileHandle(path).then(() => true, () => false);
  },
};

onmessage = async ({ data }) => {
  try {
    postMessage({ id: data.id, ok: true, value: await ops[data.op](data.args) });
  } catch (e) {
    postMessage({ id: data.id, ok: false, message: String(e && e.message), code: e && (e.codeName || e.code) });
  }
};
`;

async function newPage(context, base) {
  const page = await context.newPage();
  await page.goto(`${base}/`);
  await page.waitForFunction(() => typeof window.call === "function");
  return page;
}

const call = (page, op, args) => page.evaluate(([o, a]) => window.call(o, a), [op, args]);

// Resolves to the error a call throws (its code and message), failing when it succeeds.
async function refused(page, op, args) {
  const r = await page.evaluate(([o, a]) => window.call(o, a).then(() => null,
    (e) => ({ code: e.code, message: e.message })), [op, args]);
  assert(r, `${op} succeeded`);
  return r;
}

// ---- the checks ----------------------------------------------------------------------------

const { server, base } = await serve({ "/": wasmDir },
  { "/": [PAGE, "text/html"], "/worker.mjs": [WORKER, "text/javascript"] });
const profile = mkdtempSync(path.join(os.tmpdir(), "arenadb-opfs-"));
let b = await launch(profile);
let ids, committed = -1;
const K = 5; // nodes per transaction of the write loop

try {
  let page = await newPage(b.context, base);

  await check("opfsOpen outside a dedicated worker fails with EOPFS_UNAVAILABLE", async () => {
    const r = await page.evaluate(() => window.openHere());
    assert(r.startsWith("EOPFS_UNAVAILABLE: "), r);
  });

  await check("a new database in OPFS: 50 nodes in one transaction, in WAL mode", async () => {
    ids = await call(page, "open", { path: "notes.db" });
    assert(/^[0-9a-f]{32}$/.test(ids.dbId) && /^[0-9a-f]{32}$/.test(ids.replicaId), JSON.stringify(ids));
    assert(ids.journal === "wal", `journal_mode ${ids.journal}`);
    await call(page, "create", { prefix: "n", n: 50 });
    const gone = await call(page, "missing", { prefix: "n", n: 50 });
    assert(gone.length === 0, `missing ${gone}`);
    await call(page, "close");
  });

  await check("a commit leaves its pages in the WAL; a quiet moment later they are checkpointed", async () => {
    await call(page, "open", { path: "quiet.db" });
    const [before, after] = await call(page, "quietSizes", { path: "quiet.db", n: 100, waitMs: 1000 });
    assert(after >= before + 100 * 1000, `the database file grew from ${before} to ${after} bytes`);
    await call(page, "close");
    await call(page, "remove", { path: "quiet.db" });
  });

  await check("after a page reload: the same nodes, database id and replica id", async () => {
    await page.reload();
    await page.waitForFunction(() => typeof window.call === "function");
    const again = await call(page, "open", { path: "notes.db" });
    assert(again.dbId === ids.dbId && again.replicaId === ids.replicaId,
      `${JSON.stringify(again)} != ${JSON.stringify(ids)}`);
    const gone = await call(page, "missing", { prefix: "n", n: 50 });
    assert(gone.length === 0, `missing ${gone}`);
    const n = await call(page, "sql", { q: "SELECT count(*) FROM nodes" });
    assert(n[0] === "50", `${n} nodes`);
    const c = await call(page, "check");
    assert(c === "ok", c);
  });

  await check("a second page is refused the database while the first holds it (EOPFS_LOCKED)", async () => {
    const page2 = await newPage(b.context, base);
    const e = await refused(page2, "open", { path: "notes.db" });
    assert(e.code === "EOPFS_LOCKED", `${e.code}: ${e.message}`);
    assert(e.message.includes("'notes.db' is open in another tab or worker"), e.message);
    // With lockWaitMs, opfsOpen waits for the first page to let go.
    const t = Date.now();
    setTimeout(() => call(page, "close").catch(() => {}), 500);
    const got = await call(page2, "open", { path: "notes.db", wait: 5000 });
    assert(got.dbId === ids.dbId, "another database");
    assert(Date.now() - t >= 500, "opened before the first page closed it");
    await call(page2, "close");
    await page2.close();
  });

  await check("a page reloaded while its worker holds the database can open it again", async () => {
    await call(page, "open", { path: "notes.db" });
    await page.reload();
    await page.waitForFunction(() => typeof window.call === "function");
    const t = Date.now();
    const again = await call(page, "open", { path: "notes.db" });
    console.log(`     (opfsOpen took ${Date.now() - t} ms)`);
    assert(again.dbId === ids.dbId, "another database");
    await call(page, "close");
  });

  await check("a QuotaExceededError from a write fails its transaction cleanly (SQLITE_FULL)", async () => {
    await call(page, "open", { path: "quota.db" });
    await call(page, "create", { prefix: "q", n: 10 });
    await call(page, "failWrites", { path: "quota.db" });
    const e = await refused(page, "create", { prefix: "big", n: 2000, pad: 500 });
    assert(/full/.test(e.message), e.message);
    await call(page, "healWrites", { path: "quota.db" });
    const n = await call(page, "sql", { q: "SELECT count(*) FROM nodes" });
    assert(n[0] === "10", `${n} nodes after the failed transaction`);
    const c = await call(page, "check");
    assert(c === "ok", c);
    await call(page, "create", { prefix: "r", n: 10 });
    await call(page, "close");
  });

  await check("the browser's own quota (CDP Storage.overrideQuotaForOrigin) fails a transaction cleanly", async () => {
    const cdp = await b.context.newCDPSession(page);
    await call(page, "open", { path: "quota2.db" });
    await call(page, "create", { prefix: "q", n: 10 });
    const { usage } = await cdp.send("Storage.getUsageAndQuota", { origin: base });
    await cdp.send("Storage.overrideQuotaForOrigin", { origin: base, quotaSize: usage + 256 * 1024 });
    const page2 = await newPage(b.context, base);
    try {
      const e = await refused(page, "create", { prefix: "big", n: 4000, pad: 500 });
      assert(/full/.test(e.message), e.message);
      // A new database: its empty files cost nothing, the schema's first write fails.
      const o = await refused(page2, "open", { path: "quota3.db" });
      assert(/full/.test(o.message), `opening a new database: ${o.code}: ${o.message}`);
    } finally {
      await cdp.send("Storage.overrideQuotaForOrigin", { origin: base });
    }
    const n = await call(page, "sql", { q: "SELECT count(*) FROM nodes" });
    assert(n[0] === "10", `${n} nodes after the failed transaction`);
    const c = await call(page, "check");
    assert(c === "ok", c);
    await call(page, "close");
    await call(page2, "remove", { path: "quota3.db" });
    await page2.close();
  });

  await check("opfsDelete refuses an open database and removes a closed one", async () => {
    await call(page, "open", { path: "quota.db" });
    const e = await refused(page, "remove", { path: "quota.db" });
    assert(e.code === "EOPFS_LOCKED", `${e.code}: ${e.message}`);
    await call(page, "close");
    await call(page, "remove", { path: "quota.db" });
    await call(page, "remove", { path: "quota2.db" });
    for (const f of ["quota.db", "quota.db-journal", "quota.db-wal"])
      assert(!(await call(page, "exists", { path: f })), `${f} is still there`);
    assert(await call(page, "exists", { path: "notes.db" }), "notes.db is gone too");
  });

  await check("a file that is not a database: a clear error, the file untouched", async () => {
    const junk = "this is a shopping list, not a database\n".repeat(200);
    await call(page, "writeRaw", { path: "foreign.db", text: junk });
    const e = await refused(page, "open", { path: "foreign.db" });
    assert(/not a database/.test(e.message), `${e.code}: ${e.message}`);
    assert((await call(page, "size", { path: "foreign.db" })) === junk.length, "the file changed");
    const again = await call(page, "open", { path: "notes.db" });
    assert(again.dbId === ids.dbId, "the worker cannot open another database afterwards");
    await call(page, "close");
    await call(page, "remove", { path: "foreign.db" });
  });

  await check("a path with directories: created, reopened, deleted", async () => {
    const first = await call(page, "open", { path: "app/sub/x.db" });
    await call(page, "create", { prefix: "x", n: 3 });
    await call(page, "close");
    const again = await call(page, "open", { path: "app/sub/x.db" });
    assert(again.dbId === first.dbId, "another database");
    const gone = await call(page, "missing", { prefix: "x", n: 3 });
    assert(gone.length === 0, `missing ${gone}`);
    await call(page, "close");
    await call(page, "remove", { path: "app/sub/x.db" });
    const fresh = await call(page, "open", { path: "app/sub/x.db" });
    assert(fresh.dbId !== first.dbId, "the deleted database is still there");
    await call(page, "close");
    await call(page, "remove", { path: "app/sub/x.db" });
  });

  await check("kill -9 of the browser in a write loop: every reported commit survives", async () => {
    await call(page, "open", { path: "crash.db" });
    page.on("console", (m) => {
      const t = /^committed (\d+)$/.exec(m.text());
      if (t) committed = Math.max(committed, Number(t[1]));
    });
    page.evaluate(() => window.call("loop", { k: 5 })).catch(() => {});
    const start = Date.now();
    while (committed < 30 && Date.now() - start < 20000) await new Promise((r) => setTimeout(r, 20));
    assert(committed >= 30, `only ${committed + 1} commits in 20 s`);
    await new Promise((r) => setTimeout(r, 137));
    const seen = committed; // what the page had reported before the kill
    await kill(b, profile);
    b = await launch(profile);
    page = await newPage(b.context, base);
    // The commits since the last checkpoint are only in the WAL: reopening must replay it.
    const wal = await call(page, "size", { path: "crash.db-wal" });
    assert(wal > 0, "the killed writer left an empty WAL: nothing to recover");
    await call(page, "open", { path: "crash.db" });
    const c = await call(page, "check");
    assert(c === "ok", c);
    const integrity = await call(page, "sql", { q: "PRAGMA integrity_check" });
    assert(integrity.join() === "ok", integrity.join());
    const n = Number((await call(page, "sql", { q: "SELECT count(*) FROM nodes" }))[0]);
    assert(n % K === 0, `${n} nodes: a transaction was torn`);
    assert(n >= (seen + 1) * K, `${n} nodes, but ${seen + 1} transactions of ${K} were reported`);
    for (let t = 0; t <= seen; t++) {
      const gone = await call(page, "missing", { prefix: `t${t}-`, n: K });
      assert(gone.length === 0, `transaction ${t} lost ${gone}`);
    }
    console.log(`     (${seen + 1} commits reported before the kill, ${n / K} found after; ` +
      `the WAL had ${wal} bytes to replay at reopening)`);
    await call(page, "close");
  });

  await check("after the restart: notes.db has the same ids and nodes", async () => {
    const again = await call(page, "open", { path: "notes.db" });
    assert(again.dbId === ids.dbId && again.replicaId === ids.replicaId, "other ids");
    const gone = await call(page, "missing", { prefix: "n", n: 50 });
    assert(gone.length === 0, `missing ${gone}`);
    await call(page, "close");
  });
} catch (e) {
  fail(e);
} finally {
  await b.browser.close().catch(() => {});
  await kill(b, profile);
  server.close();
  rmSync(profile, { recursive: true, force: true });
}
process.exit(done("opfs"));
