// browser.test.mjs — the browser as a full replica, in Debian's headless Chromium: the notes
// example (examples/browser-notes, built by `make example-notes`) served by a real
// `arenadb serve --ui`, in two browser contexts, with the native CLI writing to the server's
// file. Edits on each side appear live on the others; concurrent edits of one node and of one
// text converge; a reload keeps the data and the ids; a second open of the database in the same
// origin is refused; offline edits on every side, and a reload while offline, all converge once
// the network returns. Usage: node tests/wasm/browser.test.mjs [build/arenadb]. Last line:
// "browser: P passed, F failed".
import { execFileSync, spawn } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { assert, kill, launch, repo, runner } from "./chromium.mjs";

const cli = path.resolve(process.argv[2] || path.join(repo, "build/arenadb"));
const ui = path.join(repo, "build/examples/browser-notes");
const tmp = mkdtempSync(path.join(os.tmpdir(), "arenadb-browser-"));
const hubDb = path.join(tmp, "hub.db");
const { check, fail, done } = runner();

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

async function until(cond, what, ms = 15000) {
  const end = Date.now() + ms;
  let last;
  for (;;) {
    last = await cond();
    if (last) return last;
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await sleep(50);
  }
}

function arenadb(...args) {
  return execFileSync(cli, ["--db", hubDb, ...args], { encoding: "utf8", stdio: ["ignore", "pipe", "pipe"] });
}

const DUMP = "SELECT id, label, properties FROM nodes ORDER BY id";
const hubDump = () => JSON.stringify(JSON.parse(arenadb("sql", DUMP, "--format", "json")));
const pageDump = (page) => page.evaluate(async (q) => JSON.stringify(await window.notesApp.db.sql(q)), DUMP);
const pageIds = (page) => page.evaluate(async () => window.notesApp.db.info());

async function serveHub() {
  const p = spawn(cli, ["--db", hubDb, "serve", "--listen", "127.0.0.1:0", "--ui", ui],
    { stdio: ["ignore", "pipe", "pipe"] });
  let log = "";
  const port = await new Promise((resolve, reject) => {
    const seen = (d) => {
      log += d;
      const m = /on http:\/\/127\.0\.0\.1:(\d+)/.exec(log);
      if (m) resolve(Number(m[1]));
    };
    p.stdout.on("data", seen);
    p.stderr.on("data", seen);
    p.on("exit", (c) => reject(new Error(`serve exited (${c}): ${log}`)));
  });
  return { proc: p, base: `http://127.0.0.1:${port}` };
}

// A page of the example, synced live with the hub.
async function notesPage(context, base, name) {
  const page = await context.newPage();
  page.on("pageerror", (e) => console.log(`     [${name}] page error: ${e.message}`));
  await page.goto(`${base}/?name=${name}`);
  await page.waitForFunction(() => window.notesApp && window.notesApp.sync.state === "connected", null,
    { timeout: 20000 });
  return page;
}

const listed = (page) => page.$$eval("#notes li", (lis) => lis.map((li) => li.textContent));

async function addNote(page, title) {
  await page.fill("#new-title", title);
  await page.click("#new-note button");
  await page.waitForFunction((t) => [...document.querySelectorAll("#notes li")]
    .some((li) => li.textContent === t), title);
}

arenadb("init");
const hub = await serveHub();
const profile = mkdtempSync(path.join(os.tmpdir(), "arenadb-browser-profile-"));
const b = await launch(profile);
let a, c, other;
try {
  other = await b.browser.newContext();
  a = await notesPage(b.context, hub.base, "alice");
  c = await notesPage(other, hub.base, "bob");

  await check("a note made in one browser appears live in the other and at the server", async () => {
    await addNote(a, "groceries");
    await until(async () => (await listed(c)).includes("groceries"), "the note in the other browser");
    await until(() => hubDump().includes("groceries"), "the note at the server");
  });

  await check("a CLI write to the server's file appears live in both browsers", async () => {
    arenadb("node", "add", "Note", '{"title":"from the shell"}', "--id", "cli-note");
    await until(async () => (await listed(a)).includes("from the shell") &&
      (await listed(c)).includes("from the shell"), "the CLI note in both");
  });

  await check("typing into one text at once in both browsers: both typings survive, identical", async () => {
    const id = await a.evaluate(async () => (await window.notesApp.db.sql(
      "SELECT id FROM nodes WHERE json_extract(properties, '$.title') = 'groceries'"))[0].id);
    await a.evaluate((i) => window.notesApp.open(i), id);
    await c.evaluate((i) => window.notesApp.open(i), id);
    await Promise.all([a.type("#body", "apples and pears ", { delay: 15 }),
      c.type("#body", "BREAD BUTTER ", { delay: 15 })]);
    const text = (page) => page.evaluate((i) => window.notesApp.db.textGet(i, "body"), id);
    const merged = await until(async () => {
      const [x, y] = [await text(a), await text(c)];
      return x === y && x.length === "apples and pears ".length + "BREAD BUTTER ".length && x;
    }, "the same text in both");
    assert(merged.includes("apples and pears ") && merged.includes("BREAD BUTTER "), `interleaved: ${merged}`);
    await until(async () => (await a.inputValue("#body")) === merged && (await c.inputValue("#body")) === merged,
      "both editors showing the merged text");
    await until(() => arenadb("text", "get", id, "body").replace(/\n$/, "") === merged, "the text at the server");
  });

  await check("concurrent writes of one property converge to one value everywhere", async () => {
    await Promise.all([a.evaluate(() => window.notesApp.db.nodeSet("cli-note", "color", "red")),
      c.evaluate(() => window.notesApp.db.nodeSet("cli-note", "color", "blue"))]);
    arenadb("node", "set", "cli-note", "color", '"green"');
    await until(async () => {
      const [x, y, z] = [await pageDump(a), await pageDump(c), hubDump()];
      return x === y && y === z;
    }, "identical dumps");
  });

  let ids;
  await check("a reload keeps the notes, the database id, the replica id and the vector", async () => {
    ids = await pageIds(a);
    const before = await pageDump(a);
    await a.reload();
    await a.waitForFunction(() => window.notesApp && window.notesApp.db, null, { timeout: 20000 });
    const after = await pageIds(a);
    assert(after.db === ids.db && after.replica === ids.replica, `${JSON.stringify(after)} vs ${JSON.stringify(ids)}`);
    assert(JSON.stringify(after.vv) === JSON.stringify(ids.vv) || after.vv[ids.replica] === ids.vv[ids.replica],
      "the vector changed");
    assert((await pageDump(a)) === before, "the notes changed");
    await a.waitForFunction(() => window.notesApp.sync.state === "connected", null, { timeout: 20000 });
  });

  await check("a second open of the database in this origin is refused with ADB_BUSY, and the page says so", async () => {
    const r = await a.evaluate(async () => {
      const { ArenaDB } = await import("./arenadb/arenadb.mjs");
      return ArenaDB.open("notes.db", { storage: "opfs", lockWaitMs: 200 })
        .then(() => "opened", (e) => ({ name: e.name, code: e.code, message: e.message }));
    });
    assert(r.name === "ArenaDBError" && r.code === -10, JSON.stringify(r));
    assert(/open in another tab or worker/.test(r.message), r.message);
    const second = await b.context.newPage();
    await second.goto(`${hub.base}/?name=alice2`);
    await second.waitForFunction(() => /another tab/.test(document.getElementById("status").textContent),
      null, { timeout: 10000 });
    await second.close();
  });

  await check("offline edits everywhere and a reload while offline: all converge, nothing lost", async () => {
    await b.context.setOffline(true);
    await other.setOffline(true);
    await until(() => a.evaluate(() => window.notesApp.sync.state !== "connected"), "alice noticing");
    await until(() => c.evaluate(() => window.notesApp.sync.state !== "connected"), "bob noticing");
    await addNote(a, "written offline");
    await addNote(c, "written by bob meanwhile");
    arenadb("node", "add", "Note", '{"title":"written at the server meanwhile"}');
    await a.reload(); // from the service worker's cache: the network is off
    await a.waitForFunction(() => window.notesApp && window.notesApp.db, null, { timeout: 20000 });
    assert((await listed(a)).includes("written offline"), "the offline note after the reload");
    assert((await pageIds(a)).replica === ids.replica, "another replica after the offline reload");
    await b.context.setOffline(false);
    await other.setOffline(false);
    const want = ["written offline", "written by bob meanwhile", "written at the server meanwhile"];
    await until(async () => {
      const [x, y] = [await listed(a), await listed(c)];
      return want.every((t) => x.includes(t) && y.includes(t));
    }, "every note in both browsers", 45000);
    await until(async () => {
      const [x, y, z] = [await pageDump(a), await pageDump(c), hubDump()];
      return x === y && y === z;
    }, "identical dumps", 20000);
  });
} catch (e) {
  fail(e);
} finally {
  await b.browser.close().catch(() => {});
  await kill(b, profile);
  hub.proc.kill("SIGTERM");
  rmSync(profile, { recursive: true, force: true });
  rmSync(tmp, { recursive: true, force: true });
}
process.exit(done("browser"));
