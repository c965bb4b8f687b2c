// uitest.mjs — the browser UI in Debian's headless Chromium against a real `arenadb serve` on
// 127.0.0.1: the graph (sigma.js, WebGL), a click on a node, SQL in the query console
// (console.test.mjs tests the rest of it), live refresh after writes from the command line and
// the HTTP API, paging, neighbourhood expansion, and a server with a token.
// Usage: node uitest.mjs ARENADB UI_DIR SCREENSHOT.png. Prints one line per check and closes
// with "ui: N passed, M failed"; exits non-zero on any failure.
import { chromium } from "playwright-core";
import { execFileSync, spawn } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import net from "node:net";
import os from "node:os";
import path from "node:path";

const [arenadb, uiDir, shot] = process.argv.slice(2).map((p) => path.resolve(p));
const tmp = mkdtempSync(path.join(os.tmpdir(), "arenadb-ui-"));
const db = path.join(tmp, "ui.db");
const procs = [];
const logs = [];
let passed = 0, failed = 0;

function cli(...args) {
  return execFileSync(arenadb, ["--db", db, ...args], { encoding: "utf8" }).trim();
}

function freePort() {
  return new Promise((resolve) => {
    const s = net.createServer().listen(0, "127.0.0.1", () => {
      const { port } = s.address();
      s.close(() => resolve(port));
    });
  });
}

async function serve(...extra) {
  const port = await freePort();
  const p = spawn(arenadb, ["--db", db, "serve", "--listen", `127.0.0.1:${port}`, "--ui", uiDir,
    ...extra], { stdio: ["ignore", "ignore", "pipe"] });
  let log = "";
  p.stderr.on("data", (d) => { log += d; });
  procs.push(p);
  logs.push(() => log);
  const base = `http://127.0.0.1:${port}`;
  for (let i = 0; i < 100; i++) {
    try {
      const r = await fetch(`${base}/`);
      if (r.ok) return { base, proc: p, log: () => log };
    } catch { /* not listening yet */ }
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`server did not start: ${log}`);
}

async function check(name, fn) {
  const t = Date.now();
  try {
    await fn();
    passed++;
    console.log(`ok   ${name} (${Date.now() - t} ms)`);
  } catch (e) {
    failed++;
    console.log(`FAIL ${name} (${Date.now() - t} ms): ${e.message.split("\n").slice(0, 6).join("\n")}`);
  }
}

function assert(cond, msg) {
  if (!cond) throw new Error(msg);
}

// Waits until the page's graph view shows `n` nodes; returns what it shows.
async function waitNodes(page, n, timeout = 10000) {
  await page.waitForFunction((k) => window.arena && window.arena.view.nodes().length === k, n,
    { timeout }).catch(async () => {
    const got = await page.evaluate(() => window.arena && window.arena.view.nodes().length);
    throw new Error(`the graph shows ${got} nodes, not ${n}`);
  });
}

// Waits until the layout stopped moving nodes, so that they are where the view says.
async function settled(page) {
  await page.waitForFunction(() => !window.arena.graph.layingOut);
  await page.evaluate(() => new Promise((r) => requestAnimationFrame(() => requestAnimationFrame(r))));
}

// Clicks a node where the view drew it, as a person would.
async function clickNode(page, id, dbl = false) {
  await settled(page);
  const at = await page.evaluate((nid) => window.arena.view.nodeAt(nid), id);
  if (dbl) await page.mouse.dblclick(at.x, at.y);
  else await page.mouse.click(at.x, at.y);
}

cli("init");
cli("node", "add", "Person", '{"name":"Ada","born":1815}', "--id", "ada");
cli("node", "add", "Person", '{"name":"Grace","born":1906}', "--id", "grace");
cli("node", "add", "Person", '{"name":"Alan"}', "--id", "alan");
cli("node", "add", "City", '{"name":"London"}', "--id", "london");
cli("node", "add", "City", '{"name":"New York"}', "--id", "nyc");
cli("edge", "add", "ada", "LIVES_IN", "london");
cli("edge", "add", "alan", "LIVES_IN", "london");
cli("edge", "add", "grace", "LIVES_IN", "nyc");
cli("edge", "add", "ada", "KNOWS", "alan", '{"since":1936}');

const server = await serve();
const profile = mkdtempSync(path.join(tmp, "profile-"));
const browser = await chromium.launchPersistentContext(profile, {
  executablePath: "/usr/bin/chromium",
  headless: true,
  viewport: { width: 1400, height: 900 },
  // WebGL without a GPU: SwiftShader.
  args: ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
    "--disable-background-networking", "--disable-component-update", "--disable-sync",
    "--use-angle=swiftshader", "--enable-unsafe-swiftshader"],
});
const page = browser.pages()[0] || await browser.newPage();
const pageErrors = [];
page.on("pageerror", (e) => pageErrors.push(e.message));
const offsite = [];
page.on("request", (r) => { if (!r.url().startsWith(server.base)) offsite.push(r.url()); });
// What the page sent to /sql: only the console's statements, its completion's look-ups of names
// (relationship types, property keys) and the schema panel's counts, never other SQL of its own.
const sqlSent = [];
const typed = new Set();
async function typeSql(text) {
  typed.add(text);
  await page.fill("#sql", text);
}
page.on("request", (r) => { if (r.url() === `${server.base}/sql`) sqlSent.push(JSON.parse(r.postData()).sql); });

try {
  await check("the page loads from the server with no request elsewhere", async () => {
    const r = await page.goto(`${server.base}/`);
    assert(r.status() === 200, `GET / answered ${r.status()}`);
    await waitNodes(page, 5);
    assert(offsite.length === 0, `requests elsewhere: ${offsite}`);
  });

  await check("the graph has every node and edge, coloured by label", async () => {
    const g = await page.evaluate(() => {
      const view = window.arena.view;
      const colour = (id) => view.colour(id);
      return { edges: view.edges().length, ada: colour("ada"), grace: colour("grace"),
        london: colour("london"), legend: [...document.querySelectorAll(".legend-item")].map((e) => e.textContent),
        count: document.getElementById("graph-count").textContent };
    });
    assert(g.edges === 4, `${g.edges} edges drawn, not 4`);
    assert(g.ada === g.grace && g.ada !== g.london, `colours: ${JSON.stringify(g)}`);
    assert(JSON.stringify(g.legend) === '["City","Person"]', `legend ${g.legend}`);
    assert(g.count === "5 nodes, 4 edges shown of 5 nodes", `count line '${g.count}'`);
  });

  await check("the status shows replica, version vector and peers", async () => {
    const st = await (await fetch(`${server.base}/status`)).json();
    await page.waitForFunction((r) => document.querySelector('[data-key="replica"]')?.title === r, st.replica);
    const text = await page.textContent("#status");
    assert(text.includes(st.version) && text.includes("vv") && text.includes("live peers"), text);
  });

  await check("clicking a node shows its properties and edges", async () => {
    await clickNode(page, "ada");
    await page.waitForSelector("#details h2 code", { timeout: 5000 });
    const d = await page.textContent("#details");
    assert(d.includes("ada") && d.includes("Person"), d);
    const rows = await page.$$eval("#details table tr", (trs) => trs.map((t) => t.textContent));
    assert(rows.includes("born1815") && rows.includes("nameAda"), `properties ${rows}`);
    const edges = await page.$$eval("#details .edges li", (li) => li.map((l) => l.textContent).sort());
    assert(JSON.stringify(edges) === '["→ KNOWS Alan","→ LIVES_IN London"]', `edges ${edges}`);
    const sel = await page.evaluate(() => window.arena.view.selected());
    assert(JSON.stringify(sel) === '["ada"]', `selected ${sel}`);
  });

  await check("the console shows SQL results as a table", async () => {
    await typeSql("SELECT id, json_extract(properties, '$.name') AS name FROM nodes WHERE label = 'Person' ORDER BY id");
    await page.click("#sql-form button");
    await page.waitForSelector("#sql-out table");
    const t = await page.$$eval("#sql-out tr", (trs) => trs.map((tr) => [...tr.children].map((c) => c.textContent)));
    assert(JSON.stringify(t) === '[["id","name"],["ada","Ada"],["alan","Alan"],["grace","Grace"]]', JSON.stringify(t));
    // Escape in the editor closes its completion and keeps the graph's selection.
    await page.focus("#sql");
    await page.keyboard.press("Escape");
    await page.waitForSelector(".cm-tooltip-autocomplete", { state: "detached" });
    const sel = await page.evaluate(() => window.arena.view.selected());
    assert(JSON.stringify(sel) === '["ada"]', `Escape in the editor changed the selection: ${sel}`);
    await page.screenshot({ path: shot });
  });

  await check("a long answer shows its first 10000 rows and says so, 100 a page", async () => {
    await typeSql("WITH RECURSIVE c(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM c LIMIT 10005) SELECT x FROM c");
    await page.click("#sql-form button");
    await page.waitForFunction(() => /10000/.test(document.querySelector("#sql-out .row-count")?.textContent || ""));
    const hint = await page.textContent("#sql-out .row-count");
    assert(hint === "the first 10000 rows", hint);
    assert((await page.$$("#sql-out tr")).length === 101, "a header and 100 rows");
  });

  await check("a bad SQL statement shows the server's error and no table", async () => {
    await typeSql("SELEC nonsense");
    await page.press("#sql", "Control+Enter");
    await page.waitForSelector("#sql-out .error");
    const e = await page.textContent("#sql-out");
    assert(/syntax|error/i.test(e), e);
    assert(await page.$("#sql-out table") === null, "a table is still shown");
  });

  await check("clicking an edge shows its ends and properties", async () => {
    // Sigma's edge picking misses the exact middle of a short edge now and then (the cause is
    // not found yet): a person clicks again a little further along, and so does the test, with
    // the ends looked up again each time (a pushed change may have redrawn the view).
    const shown = () => page.waitForFunction(() => document.querySelector("#details h2")?.textContent.includes("KNOWS"),
      null, { timeout: 2000 }).then(() => true, () => false);
    let hit = false;
    for (const f of [0.5, 0.4, 0.6, 0.3, 0.7, 0.45, 0.55, 0.35]) {
      await settled(page);
      const [from, to] = await page.evaluate(() => {
        const view = window.arena.view;
        const e = view.edges().find((x) => x.label === "KNOWS");
        return [view.nodeAt(e.source), view.nodeAt(e.target)];
      });
      await page.mouse.click(from.x + f * (to.x - from.x), from.y + f * (to.y - from.y));
      if ((hit = await shown())) break;
    }
    assert(hit, "no click along the KNOWS edge selected it");
    const d = await page.textContent("#details");
    assert(d.includes("ada → alan") && d.includes("since1936"), d);
  });

  await check("a node created by the command line appears without reloading", async () => {
    cli("node", "add", "Person", '{"name":"Barbara"}', "--id", "barbara");
    await waitNodes(page, 6);
  });

  await check("a node and edge created through the HTTP API appear, with the edge", async () => {
    const post = (p, b) => fetch(`${server.base}${p}`, {
      method: "POST", headers: { "Content-Type": "application/json" }, body: JSON.stringify(b) });
    assert((await post("/nodes", { id: "acme", label: "Company", properties: { name: "Acme" } })).status === 201, "POST /nodes");
    assert((await post("/edges", { source: "barbara", target: "acme", label: "WORKS_AT" })).status === 201, "POST /edges");
    await waitNodes(page, 7);
    await page.waitForFunction(() => window.arena.view.edges().length === 5);
  });

  await check("a write in the console updates the graph and the open details", async () => {
    await clickNode(page, "alan");
    await page.waitForFunction(() => document.querySelector("#details h2")?.textContent.includes("alan"));
    await typeSql("UPDATE nodes SET properties = json_set(properties, '$.born', 1912) WHERE id = 'alan'");
    await page.click("#sql-form button");
    await page.waitForFunction(() => [...document.querySelectorAll("#details table tr")].some((t) => t.textContent === "born1912"));
    const said = await page.textContent("#sql-out .changes");
    assert(said === "1 row changed", `the console says "${said}" after an UPDATE of one node`);
  });

  await check("a deleted node leaves the graph and its edges with it", async () => {
    cli("node", "del", "barbara");
    await waitNodes(page, 6);
    const e = await page.evaluate(() => window.arena.view.edges().length);
    assert(e === 4, `${e} edges`);
  });

  await check("a big graph is paged: 200 nodes first (the connected ones among them), more on request", async () => {
    const lines = [];
    for (let i = 0; i < 300; i++) lines.push(JSON.stringify({ type: "node", id: `item:${String(i).padStart(3, "0")}`, label: "Item", properties: { n: i } }));
    const file = path.join(tmp, "items.jsonl");
    writeFileSync(file, lines.join("\n") + "\n");
    cli("import", file);
    await waitNodes(page, 200);
    const c = await page.textContent("#graph-count");
    assert(c === "200 nodes, 4 edges shown of 306 nodes", c);
    await page.click("#more");
    await waitNodes(page, 306);
  });

  await check("a label filter, then double-click expands a node's neighbourhood", async () => {
    await page.fill("#label-filter", "Person");
    await page.press("#label-filter", "Enter");
    await waitNodes(page, 3);
    await clickNode(page, "grace", true);
    await waitNodes(page, 4);
    const ids = await page.evaluate(() => window.arena.view.nodes().sort());
    assert(JSON.stringify(ids) === '["ada","alan","grace","nyc"]', `${ids}`);
    await page.click("#details .edges a");
    await page.waitForFunction(() => document.querySelector("#details h2")?.textContent.includes("nyc"));
  });

  await check("the UI reads through the routes: its only SQL is what was typed, completion's and the schema panel's", async () => {
    const own = (s) => s.startsWith("SELECT label, count(*) FROM edges GROUP BY label") ||
      s.includes("json_each(s.properties)") || s.startsWith("SELECT key, sum(n), sum(e) FROM (SELECT j.key AS key");
    const unknown = sqlSent.filter((s) => !typed.has(s) && !own(s));
    assert(sqlSent.length >= 3 && unknown.length === 0, `SQL the UI wrote itself: ${JSON.stringify(unknown)}`);
  });

  await check("the page raised no script error", async () => {
    assert(pageErrors.length === 0, pageErrors.join("; "));
  });

  await check("a server with --token asks for it, then shows the graph", async () => {
    const locked = await serve("--token", "s3cret");
    const p2 = await browser.newPage();
    await p2.goto(`${locked.base}/`);
    await p2.waitForSelector("#token-form:not([hidden])");
    await p2.fill("#token", "s3cret");
    await p2.click("#token-form button");
    await waitNodes(p2, 200);
    assert(await p2.isHidden("#token-form"), "the token form stays");
    const role = await p2.textContent('#status [data-key="role"]');
    assert(role.includes("admin"), `the status shows the role: ${role}`);
    await p2.close();
    locked.proc.kill("SIGTERM");
  });
} finally {
  await browser.close();
  await Promise.all(procs.map((p) => p.exitCode === null && p.signalCode === null && new Promise((r) => {
    p.on("exit", r);
    p.kill("SIGTERM");
  })));
  rmSync(tmp, { recursive: true, force: true });
}
await check("the servers logged no sanitizer report", async () => {
  const bad = logs.map((l) => l()).filter((l) => /Sanitizer|runtime error:/.test(l));
  assert(bad.length === 0, bad.join("\n").slice(0, 2000));
});
console.log(`ui: ${passed} passed, ${failed} failed`);
process.exit(failed ? 1 : 0);
