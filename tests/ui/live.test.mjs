// live.test.mjs — pushed updates and presence (web/src/live.js, GET /events) in Debian's headless
// Chromium: two browser contexts on one `arenadb serve`. Edits made by the command line (another
// process on the file) and by the other context appear within a second; each context sees the
// other in presence; a node selected in one is ringed in the other's graph and named in its
// details pane; "live peers" counts the other tab; the page makes no periodic /status requests;
// a context that goes leaves the other's presence.
// Usage: node live.test.mjs ARENADB UI_DIR. Prints one line per check and closes with
// "ui: N passed, M failed"; exits non-zero on any failure.
import { execFileSync } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { assert, assertNoSanitizerReport, launchBrowser, runner, serveArenadb } from "../wasm/chromium.mjs";

const [arenadb, uiDir] = process.argv.slice(2).map((p) => path.resolve(p));
const tmp = mkdtempSync(path.join(os.tmpdir(), "arenadb-live-"));
const db = path.join(tmp, "live.db");
const { check, done, fail } = runner();
const SOON_MS = 1000; // what "at once" means here

function cli(...args) {
  return execFileSync(arenadb, ["--db", db, ...args], { encoding: "utf8" }).trim();
}

cli("init");
cli("node", "add", "Person", '{"name":"Ada"}', "--id", "ada");
cli("node", "add", "Person", '{"name":"Grace"}', "--id", "grace");
cli("node", "add", "City", '{"name":"London"}', "--id", "london");
cli("edge", "add", "ada", "LIVES_IN", "london");
cli("edge", "add", "grace", "KNOWS", "ada");

const srv = await serveArenadb(arenadb, db, ["--ui", uiDir]);
const base = srv.base;

const browser = await launchBrowser();
const pageErrors = [];
const statusRequests = { a: 0, b: 0 };

async function open(name) {
  const context = await browser.newContext({ viewport: { width: 1200, height: 800 } });
  const page = await context.newPage();
  page.on("pageerror", (e) => pageErrors.push(`${name}: ${e.message}`));
  page.on("request", (r) => {
    if (new URL(r.url()).pathname === "/status") statusRequests[name]++;
  });
  await page.goto(base);
  await page.waitForFunction(() => window.arena && window.arena.view.nodes().includes("ada"), null, { timeout: 15000 });
  return { context, page };
}

// Resolves once fn (run in the page with arg) is truthy, within ms; else fails saying what.
async function within(page, ms, what, fn, arg) {
  try {
    await page.waitForFunction(fn, arg, { timeout: ms, polling: 20 });
  } catch {
    throw new Error(`not within ${ms} ms: ${what}`);
  }
}

const rgb = (hex) => `rgb(${[1, 3, 5].map((i) => parseInt(hex.slice(i, i + 2), 16)).join(", ")})`;

try {
  const a = await open("a");
  const b = await open("b");
  const meA = await a.page.evaluate(() => window.arena.live.me);
  const meB = await b.page.evaluate(() => window.arena.live.me);

  await check("each tab has its own name and colour, kept across a reload", async () => {
    assert(meA.id !== meB.id, `both tabs are ${meA.id}`);
    await b.page.reload();
    await b.page.waitForFunction(() => window.arena && window.arena.view.nodes().includes("ada"));
    const again = await b.page.evaluate(() => window.arena.live.me);
    assert(JSON.stringify(again) === JSON.stringify(meB), `${JSON.stringify(again)} after a reload, was ${JSON.stringify(meB)}`);
  });

  await check("each context shows the other in presence within a second", async () => {
    const chips = (me) => [...document.querySelectorAll("#presence .chip")].some((c) => c.textContent === me.name);
    await within(a.page, SOON_MS, `${meB.name} in A's header`, chips, meB);
    await within(b.page, SOON_MS, `${meA.name} in B's header`, chips, meA);
    const own = await a.page.evaluate((me) => [...document.querySelectorAll("#presence .chip")].some((c) => c.textContent === me.name), meA);
    assert(!own, "a tab lists itself");
  });

  await check("'live peers' counts the other tab", async () => {
    const peers = () => document.querySelector('#status [data-key="live peers"] span')?.textContent === "1";
    await within(a.page, SOON_MS, "A says live peers 1", peers);
    await within(b.page, SOON_MS, "B says live peers 1", peers);
  });

  await check("an edit by the command line appears in both contexts within a second", async () => {
    cli("node", "add", "Person", '{"name":"Cli"}', "--id", "from-cli");
    const has = (id) => window.arena.view.nodes().includes(id);
    await Promise.all([within(a.page, SOON_MS, "A shows from-cli", has, "from-cli"),
      within(b.page, SOON_MS, "B shows from-cli", has, "from-cli")]);
  });

  await check("an edit made through the other context appears within a second", async () => {
    const id = await b.page.evaluate(async () => {
      const r = await fetch("/nodes", { method: "POST", headers: { "Content-Type": "application/json" },
        body: JSON.stringify({ label: "Person", properties: { name: "FromB" } }) });
      return (await r.json()).id;
    });
    assert(id, "POST /nodes answered no id");
    await within(a.page, SOON_MS, `A shows ${id}`, (nid) => window.arena.view.nodes().includes(nid), id);
  });

  await check("a node selected in A is ringed in B's graph in A's colour, and named in B's details pane", async () => {
    await a.page.waitForFunction(() => !window.arena.graph.layingOut);
    await a.page.evaluate(() => new Promise((r) => requestAnimationFrame(() => requestAnimationFrame(r))));
    const at = await a.page.evaluate(() => window.arena.view.nodeAt("ada"));
    await a.page.mouse.click(at.x, at.y);
    await a.page.waitForFunction(() => document.querySelector("#details h2")?.textContent.includes("ada"));
    await within(b.page, SOON_MS, "a ring around ada in B", (colour) =>
      window.arena.view.rings().some((r) => r.node === "ada" && r.colour === colour), rgb(meA.colour));
    // B looks at the same node: its pane says who else does
    await b.page.waitForFunction(() => !window.arena.graph.layingOut);
    const bAt = await b.page.evaluate(() => window.arena.view.nodeAt("ada"));
    await b.page.mouse.click(bAt.x, bAt.y);
    await within(b.page, SOON_MS, `B's pane says also viewing: ${meA.name}`, (name) => {
      const line = document.querySelector("#details .also-viewing");
      return line && !line.hidden && line.textContent === `also viewing: ${name}`;
    }, meA.name);
    // and A's pane says B
    await within(a.page, SOON_MS, `A's pane says also viewing: ${meB.name}`, (name) =>
      document.querySelector("#details .also-viewing")?.textContent === `also viewing: ${name}`, meB.name);
    // A moves on: B's ring goes
    const gAt = await a.page.evaluate(() => window.arena.view.nodeAt("grace"));
    await a.page.mouse.click(gAt.x, gAt.y);
    await within(b.page, SOON_MS, "B's ring moves from ada to grace", () => {
      const rings = window.arena.view.rings();
      return rings.some((r) => r.node === "grace") && !rings.some((r) => r.node === "ada");
    });
  });

  await check("no periodic /status requests: 3 s with the socket and no poll", async () => {
    statusRequests.a = statusRequests.b = 0;
    await a.page.waitForTimeout(3000);
    assert(statusRequests.a === 0 && statusRequests.b === 0,
      `/status asked ${statusRequests.a} times by A and ${statusRequests.b} by B in 3 s`);
  });

  await check("a context that closes leaves the other's presence at once", async () => {
    await a.context.close();
    await within(b.page, SOON_MS + 500, "A gone from B's header and graph", (name) =>
      ![...document.querySelectorAll("#presence .chip")].some((c) => c.textContent === name) &&
      window.arena.view.rings().length === 0, meA.name);
    await within(b.page, SOON_MS, "B says live peers 0", () =>
      document.querySelector('#status [data-key="live peers"] span')?.textContent === "0");
  });

  await check("no script error", async () => {
    assert(pageErrors.length === 0, pageErrors.join("; "));
  });
} catch (e) {
  fail(e);
} finally {
  await browser.close();
  await srv.stop();
  rmSync(tmp, { recursive: true, force: true });
}
await check("the server logged no sanitizer report", async () => {
  assertNoSanitizerReport(srv.log());
});
process.exit(done("ui"));
