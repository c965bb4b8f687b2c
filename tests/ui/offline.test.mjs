// offline.test.mjs — the browser UI with the server out of reach, in Debian's headless Chromium:
// the page keeps a replica of its own once asked (web/src/replica.js, in OPFS); with the
// network off the console, the details pane and editing work on it through the server's own
// routes (db.http), the header says so, and nothing reaches the server; the command line writes meanwhile; once
// the network is back, both sides' writes meet, the note goes, and nothing is lost. With the
// server stopped, a reload gets the page from its service worker and resumes the replica; the
// server back on its port, both sides meet again. A page without a replica says why a request
// failed.
// Usage: node offline.test.mjs ARENADB UI_DIR. Prints one line per check and closes with
// "ui: N passed, M failed"; exits non-zero on any failure.
import { execFileSync } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { assert, assertNoSanitizerReport, launchBrowser, runner, serveArenadb } from "../wasm/chromium.mjs";

const [arenadb, uiDir] = process.argv.slice(2).map((p) => path.resolve(p));
const tmp = mkdtempSync(path.join(os.tmpdir(), "arenadb-offline-"));
const db = path.join(tmp, "offline.db");
const { check, done } = runner();
const cli = (...args) => execFileSync(arenadb, ["--db", db, ...args], { encoding: "utf8" }).trim();
const cliNode = (id) => {
  const out = cli("sql", `SELECT label, properties FROM nodes WHERE id = '${id}'`, "--format", "json");
  return JSON.parse(out)[0] || null;
};

cli("init");
for (const [id, name] of [["p1", "Ada"], ["p2", "Brian"], ["p3", "Cleo"]]) {
  cli("node", "add", "Person", JSON.stringify({ name }), "--id", id);
}
cli("node", "add", "City", '{"name":"Oslo"}', "--id", "c1");
cli("edge", "add", "p1", "LIVES_IN", "c1", "--id", "e1");
cli("edge", "add", "p2", "KNOWS", "p1", "--id", "e2");

let srv = await serveArenadb(arenadb, db, ["--ui", uiDir]);
let log = "";
const browser = await launchBrowser();

async function open() {
  const context = await browser.newContext({ viewport: { width: 1200, height: 900 } });
  const page = await context.newPage();
  const errors = [];
  page.on("pageerror", (e) => errors.push(e.message));
  page.on("console", (m) => { if (/no replica|no service worker/.test(m.text())) console.log(`  page: ${m.text()}`); });
  page.on("dialog", (d) => { errors.push(`dialog: ${d.message()}`); d.dismiss(); });
  await page.goto(`${srv.base}/`);
  await page.waitForFunction(() => window.arena && window.arena.view.nodes().length === 4);
  return { context, page, errors };
}

// Runs a query in the console; resolves to the rows of its table, or throws the error shown.
async function run(page, text) {
  await page.fill("#sql", text);
  await page.evaluate(() => document.getElementById("sql-out").replaceChildren());
  await page.press("#sql", "Control+Enter");
  await page.waitForSelector("#sql-out .result-summary, #sql-out .error");
  const err = await page.$("#sql-out .error");
  if (err) throw new Error(await err.textContent());
  return page.$$eval("#sql-out tbody tr", (trs) => trs.map((tr) => [...tr.children].map((c) => c.textContent)));
}

async function until(cond, what, ms = 10000) {
  const t = Date.now();
  for (;;) {
    if (await cond()) return;
    if (Date.now() - t > ms) throw new Error(`timed out: ${await what()}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

let A;
try {
  await check("a page without a replica says the server is out of reach", async () => {
    const early = await open();
    await early.context.setOffline(true);
    let msg = "";
    try {
      await run(early.page, "MATCH (n) RETURN count(n) AS n");
    } catch (e) {
      msg = e.message;
    }
    assert(/out of reach.*no replica of its own yet/.test(msg), `the console shows: ${msg}`);
    assert(await early.page.isHidden("#offline"), "the offline note shows without a replica");
    await early.context.close();
  });

  await check("the sync panel's switch keeps a replica in the page, in OPFS, synced with the server", async () => {
    A = await open();
    assert(!(await A.page.isChecked("#keep-replica")), "the switch is on by default");
    await A.page.check("#keep-replica");
    await A.page.waitForFunction(() => document.body.dataset.replica, null, { timeout: 20000 });
    const kind = await A.page.evaluate(() => document.body.dataset.replica);
    assert(kind === "opfs", `the replica is: ${kind}`);
    assert(await A.page.isHidden("#offline"), "the offline note shows while online");
  });

  await check("offline: the console answers Cypher and SQL from the replica, and the header says so", async () => {
    await A.context.setOffline(true);
    const rows = await run(A.page, "MATCH (p:Person)-[:LIVES_IN]->(c) RETURN p.name AS who, c.name AS city");
    assert(JSON.stringify(rows) === JSON.stringify([["Ada", "Oslo"]]), JSON.stringify(rows));
    await A.page.waitForSelector("#offline", { state: "visible" });
    assert(await A.page.evaluate(() => document.body.classList.contains("offline")), "no offline class");
    const sql = await run(A.page, "SELECT id FROM nodes WHERE label = 'Person' ORDER BY id");
    assert(JSON.stringify(sql) === JSON.stringify([["p1"], ["p2"], ["p3"]]), JSON.stringify(sql));
    const bad = await run(A.page, "MATCH (n RETURN n").then(() => "no error", (e) => e.message);
    assert(/expected '\)'/.test(bad), `a syntax error shows: ${bad}`);
  });

  await check("offline: a node made in the form and a property edited are in the page, not yet on the server", async () => {
    await A.page.click("#new-node");
    await A.page.fill("#edit-label", "Person");
    await A.page.fill("#edit-id", "p4");
    await A.page.fill("#edit-props", '{"name": "Dara"}');
    await A.page.click("#edit-save");
    await A.page.waitForSelector("#edit-panel", { state: "hidden" });
    await A.page.waitForFunction(() => window.arena.view.nodes().includes("p4"));
    await A.page.waitForFunction(() => document.querySelector("#details h2 code")?.textContent === "p4");
    await run(A.page, "MATCH (p {name: 'Cleo'}) SET p.city = 'Oslo' RETURN p.city AS c");
    assert(cliNode("p4") === null, "the server has p4 while the page is offline");
    assert(!cliNode("p3").properties.city, "the server has Cleo's city while the page is offline");
    const left = await run(A.page, "MATCH (p:Person) RETURN count(p) AS n");
    assert(left[0][0] === "4", JSON.stringify(left));
  });

  await check("the command line writes meanwhile; back online, both sides' writes meet and the note goes", async () => {
    cli("node", "add", "Person", '{"name":"Eve"}', "--id", "p5");
    cli("node", "set", "p1", "age", "36");
    await A.context.setOffline(false);
    await until(() => cliNode("p4") !== null && cliNode("p3").properties.city === "Oslo",
      () => `the server has p4: ${JSON.stringify(cliNode("p4"))}, p3: ${JSON.stringify(cliNode("p3"))}`);
    assert(cliNode("p4").properties.name === "Dara", JSON.stringify(cliNode("p4")));
    await A.page.waitForSelector("#offline", { state: "hidden", timeout: 10000 });
    await A.page.waitForFunction(() => window.arena.view.nodes().includes("p5"), null, { timeout: 10000 });
    const rows = await run(A.page, "MATCH (p:Person) RETURN p.name AS n, p.age AS a ORDER BY n");
    assert(JSON.stringify(rows) === JSON.stringify([["Ada", "36"], ["Brian", "null"], ["Cleo", "null"],
      ["Dara", "null"], ["Eve", "null"]].map(([n, a]) => [n, a === "null" ? "NULL" : a])), JSON.stringify(rows));
  });

  await check("a reload with the server stopped: the page from its kept files, the graph and console from the replica", async () => {
    await A.page.waitForFunction(() => navigator.serviceWorker.controller !== null, null, { timeout: 10000 });
    log += srv.log();
    await srv.stop();
    await A.page.reload();
    await A.page.waitForFunction(() => window.arena && window.arena.view.nodes().includes("p5"), null, { timeout: 15000 });
    await A.page.waitForSelector("#offline", { state: "visible" });
    assert(await A.page.evaluate(() => document.body.dataset.replica) === "opfs", "the replica did not resume");
    await run(A.page, "CREATE (:Person {name: 'Finn'})");
    const rows = await run(A.page, "MATCH (p:Person) RETURN count(p) AS n");
    assert(rows[0][0] === "6", JSON.stringify(rows));
  });

  await check("the server back on its port: the reloaded page's write reaches it, the command line's the page", async () => {
    cli("node", "add", "Person", '{"name":"Gus"}', "--id", "p7");
    srv = await serveArenadb(arenadb, db, ["--ui", uiDir], srv.port);
    const finn = () => JSON.parse(cli("sql", "SELECT count(*) AS n FROM nodes WHERE json_extract(properties, '$.name') = 'Finn'", "--format", "json"))[0].n;
    await until(() => finn() === 1, () => `the server has ${finn()} Finn`);
    await A.page.waitForSelector("#offline", { state: "hidden", timeout: 10000 });
    await A.page.waitForFunction(() => window.arena.view.nodes().includes("p7"), null, { timeout: 10000 });
  });

  await check("no script error and no dialog", async () => {
    assert(A.errors.length === 0, A.errors.join("; "));
  });
} finally {
  await browser.close().catch(() => {});
  await srv.stop();
}
await check("the server logged no sanitizer report", async () => assertNoSanitizerReport(log + srv.log()));
rmSync(tmp, { recursive: true, force: true });
process.exit(done("ui"));
