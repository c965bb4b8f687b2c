// panels.test.mjs — the side panels in Debian's headless Chromium against a real `arenadb serve`
// on 127.0.0.1, over a database filled by the command line: the schema's counts against the
// command line's SQL, a click that runs its query in the console, a refresh after a write;
// vector search by the selected node and by a pasted vector against `arenadb vector search`,
// its results selected in the graph, bad input refused with a message and no change; the sync
// panel against GET /status; the sidebar folding away.
// Usage: node panels.test.mjs ARENADB UI_DIR. Prints one line per check and closes with
// "ui: N passed, M failed"; exits non-zero on any failure.
import { execFileSync, spawn } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { assert, assertNoSanitizerReport, launchBrowser, runner, serveArenadb } from "../wasm/chromium.mjs";

const [arenadb, uiDir] = process.argv.slice(2).map((p) => path.resolve(p));
const tmp = mkdtempSync(path.join(os.tmpdir(), "arenadb-panels-"));
const db = path.join(tmp, "panels.db");
const { check, done } = runner();

function cli(...args) {
  return execFileSync(arenadb, ["--db", db, ...args], { encoding: "utf8" }).trim();
}
const cliRows = (statement) => JSON.parse(cli("--format", "json", "sql", statement)).map((r) => Object.values(r));
const same = (a, b) => JSON.stringify(a) === JSON.stringify(b);

cli("init");
cli("node", "add", "Person", '{"name":"Ada","born":1815}', "--id", "ada");
cli("node", "add", "Person", '{"name":"Grace","born":1906}', "--id", "grace");
cli("node", "add", "Person", '{"name":"Alan"}', "--id", "alan");
cli("node", "add", "City", '{"name":"London","country":"UK"}', "--id", "london");
cli("node", "add", "City", '{"name":"New York"}', "--id", "nyc");
cli("edge", "add", "ada", "LIVES_IN", "london", '{"since":1820}');
cli("edge", "add", "alan", "LIVES_IN", "london");
cli("edge", "add", "grace", "LIVES_IN", "nyc", '{"since":1930,"name":"home"}');
cli("edge", "add", "ada", "KNOWS", "alan", '{"since":1936}');
cli("edge", "add", "grace", "KNOWS", "ada");
// 40 documents with 4-component vectors, and one without; the first ten cite each other.
const docs = [];
for (let i = 0; i < 40; i++) {
  const vector = [Math.sin(i), Math.cos(i * 1.3), ((i * 7) % 11) / 11 - 0.5, (i % 5) * 0.25 + 0.1];
  docs.push({ type: "node", id: `doc:${String(i).padStart(2, "0")}`, label: "Doc", properties: { title: `Doc ${i}`, n: i }, vector });
}
docs.push({ type: "node", id: "doc:plain", label: "Doc", properties: { title: "no vector" } });
writeFileSync(path.join(tmp, "docs.jsonl"), docs.map((d) => JSON.stringify(d)).join("\n") + "\n");
cli("import", path.join(tmp, "docs.jsonl"));
for (let i = 0; i < 9; i++) cli("edge", "add", docs[i].id, "CITES", docs[i + 1].id);

// The command line's k nearest to a vector: [[id, distance]], nearest first.
function cliSearch(vector, k) {
  return JSON.parse(cli("vector", "search", JSON.stringify(vector), "-k", String(k), "--format", "json"))
    .map((h) => [h.id, h.distance]);
}

const srv = await serveArenadb(arenadb, db, ["--ui", uiDir]);
const base = srv.base;

const browser = await launchBrowser();
const page = await browser.newPage({ viewport: { width: 1400, height: 900 } });
const pageErrors = [];
page.on("pageerror", (e) => pageErrors.push(e.message));
let vectorRequests = 0;
page.on("request", (r) => { if (r.url() === `${base}/vectors/search`) vectorRequests++; });

// A schema table as [[name, count...]], by kind (labels, types, keys).
const schemaTable = (kind) => page.$$eval(`#schema-out table[data-kind="${kind}"] tbody tr`,
  (trs) => trs.map((tr) => [...tr.children].map((c, i) => (i ? Number(c.textContent) : c.textContent))));
const hits = () => page.$$eval("#vec-out tbody tr", (trs) => trs.map((tr) => [tr.dataset.id, Number(tr.dataset.distance)]));
const selected = () => page.evaluate(() => window.arena.view.selected().sort());

// The panel's hits equal the command line's: ids in order, distances within 1e-6.
function sameHits(got, want) {
  assert(got.length === want.length && got.every((h, i) => h[0] === want[i][0]),
    `ids ${got.map((h) => h[0])} against the command line's ${want.map((h) => h[0])}`);
  for (let i = 0; i < got.length; i++) {
    assert(Math.abs(got[i][1] - want[i][1]) <= 1e-6, `distance of ${got[i][0]}: ${got[i][1]} against ${want[i][1]}`);
  }
}

// Runs a vector search with the button, and waits for new hits or a message.
async function search(button) {
  const before = await page.$eval("#vec-out", (e) => e.innerHTML);
  await page.evaluate(() => { document.getElementById("vec-msg").hidden = true; });
  await page.click(button);
  await page.waitForFunction((b) => !document.getElementById("vec-msg").hidden
    || document.getElementById("vec-out").innerHTML !== b, before);
}

// The console's answer as JSON rows, once one is shown.
async function consoleJson() {
  await page.waitForSelector("#sql-out .result-summary, #sql-out .error");
  const err = await page.$("#sql-out .error");
  if (err) throw new Error(`the console says ${await err.textContent()}`);
  await page.click('#sql-out [data-view="json"]');
  return JSON.parse(await page.textContent("#sql-out pre.json"));
}

try {
  await page.goto(`${base}/`);
  await page.waitForFunction(() => window.arena && window.arena.view.nodes().length > 0);
  await page.waitForSelector('#schema-out table[data-kind="keys"]');

  await check("the schema's labels, relationship types and property keys with the command line's counts", async () => {
    const labels = cliRows("SELECT label, count(*) FROM nodes GROUP BY label ORDER BY label");
    const types = cliRows("SELECT label, count(*) FROM edges GROUP BY label ORDER BY label");
    const keys = new Map();
    for (const [k, n] of cliRows("SELECT j.key, count(DISTINCT nodes.id) FROM nodes, json_each(nodes.properties) AS j GROUP BY j.key")) keys.set(k, [n, 0]);
    for (const [k, n] of cliRows("SELECT j.key, count(DISTINCT edges.id) FROM edges, json_each(edges.properties) AS j GROUP BY j.key")) keys.set(k, [(keys.get(k) || [0])[0], n]);
    const wantKeys = [...keys].sort(([a], [b]) => (a < b ? -1 : 1)).map(([k, [n, e]]) => [k, n, e]);
    assert(same(await schemaTable("labels"), labels), `labels ${JSON.stringify(await schemaTable("labels"))} against ${JSON.stringify(labels)}`);
    assert(same(await schemaTable("types"), types), `types ${JSON.stringify(await schemaTable("types"))} against ${JSON.stringify(types)}`);
    assert(same(await schemaTable("keys"), wantKeys), `keys ${JSON.stringify(await schemaTable("keys"))} against ${JSON.stringify(wantKeys)}`);
    assert(same(wantKeys.find((k) => k[0] === "since"), ["since", 0, 3]) && same(wantKeys.find((k) => k[0] === "name"), ["name", 5, 1]),
      "the data set does not test what it should");
  });

  await check("clicking a label, a type and a key runs its query and the console shows those rows", async () => {
    const ids = (rows, col) => rows.map((r) => r[col].id).sort();
    await page.click('#schema-out table[data-kind="labels"] button:text-is("Person")');
    let rows = await consoleJson();
    const text = await page.evaluate(() => window.arena.console.editor.text());
    assert(text === "MATCH (n:Person) RETURN n LIMIT 25", `the editor holds ${text}`);
    assert(same(ids(rows, "n"), cliRows("SELECT id FROM nodes WHERE label = 'Person' ORDER BY id").flat()), JSON.stringify(rows));
    await page.click('#schema-out table[data-kind="types"] button:text-is("KNOWS")');
    await page.waitForFunction(() => window.arena.console.editor.text().includes("KNOWS"));
    rows = await consoleJson();
    assert(same(ids(rows, "r"), cliRows("SELECT id FROM edges WHERE label = 'KNOWS' ORDER BY id").flat()), JSON.stringify(rows));
    await page.click('#schema-out table[data-kind="keys"] button:text-is("born")');
    await page.waitForFunction(() => window.arena.console.editor.text().includes("born"));
    rows = await consoleJson();
    assert(same(ids(rows, "n"), cliRows("SELECT id FROM nodes WHERE json_extract(properties, '$.born') IS NOT NULL ORDER BY id").flat()),
      JSON.stringify(rows));
  });

  await check("the schema follows a write made by the command line while the page is open", async () => {
    cli("node", "add", "Planet", '{"name":"Mars","moons":2}', "--id", "mars");
    await page.waitForFunction(() => [...document.querySelectorAll('#schema-out table[data-kind="labels"] tr')]
      .some((tr) => tr.textContent === "Planet1"), undefined, { timeout: 10000 });
    const keys = await schemaTable("keys");
    assert(same(keys.find((k) => k[0] === "moons"), ["moons", 1, 0]) && same(keys.find((k) => k[0] === "name"), ["name", 6, 1]),
      JSON.stringify(keys));
  });

  await check("vector search by the selected node: the command line's nearest, selected in the graph", async () => {
    const id = "doc:03";
    // Select the node as a person would: through the view (the details pane then shows it).
    await page.fill("#label-filter", "Doc");
    await page.press("#label-filter", "Enter");
    await page.waitForFunction((i) => window.arena.view.nodes().includes(i), id);
    await page.waitForTimeout(1500); // the layout settles
    const at = await page.evaluate((i) => window.arena.view.nodeAt(i), id);
    await page.mouse.click(at.x, at.y);
    await page.waitForFunction((i) => document.querySelector("#details h2")?.textContent.includes(i), id);
    assert((await page.getAttribute("#vec-node", "placeholder")).includes(id), "the node field does not name the selected node");
    await page.fill("#vec-node", "");
    await search("#vec-by-node");
    assert(await page.$eval("#vec-msg", (e) => e.hidden), await page.textContent("#vec-msg"));
    const want = cliSearch(JSON.parse(cli("vector", "get", id)), 10);
    const got = await hits();
    sameHits(got, want);
    assert(got[0][0] === id, "the node is not its own nearest");
    await page.waitForFunction((w) => JSON.stringify(window.arena.view.selected().sort()) === JSON.stringify(w),
      want.map((h) => h[0]).sort(), { timeout: 5000 }).catch(async () => { throw new Error(`the graph selects ${await selected()}`); });
  });

  await check("vector search by a pasted vector and k: the command line's nearest, selected in the graph", async () => {
    const vector = [0.3, -0.8, 0.125, 0.6];
    await page.fill("#vec-json", JSON.stringify(vector));
    await page.fill("#vec-k", "7");
    await search("#vec-by-vector");
    const want = cliSearch(vector, 7);
    sameHits(await hits(), want);
    await page.waitForFunction((w) => JSON.stringify(window.arena.view.selected().sort()) === JSON.stringify(w),
      want.map((h) => h[0]).sort(), { timeout: 5000 }).catch(async () => { throw new Error(`the graph selects ${await selected()}`); });
    // A node typed in by id, other than the selected one.
    await page.fill("#vec-node", "doc:17");
    await page.fill("#vec-k", "5");
    await search("#vec-by-node");
    sameHits(await hits(), cliSearch(JSON.parse(cli("vector", "get", "doc:17")), 5));
  });

  await check("bad vector input shows a message and changes nothing", async () => {
    // The last search's results join the view and are selected after a reload: let that land.
    await page.waitForFunction(() => {
      const ids = [...document.querySelectorAll("#vec-out tbody tr")].map((tr) => tr.dataset.id).sort();
      return JSON.stringify(window.arena.view.selected().sort()) === JSON.stringify(ids);
    });
    const before = { out: await page.$eval("#vec-out", (e) => e.innerHTML), sel: await selected() };
    const cases = [
      ["#vec-by-vector", () => page.fill("#vec-json", "[0.1, 0.2,"), /not JSON/, false],
      ["#vec-by-vector", () => page.fill("#vec-json", '[0.1, "x", 0.2, 0.3]'), /component 1/, false],
      ["#vec-by-vector", () => page.fill("#vec-json", "[0.1, 0.2, 0.3]"), /3 components; the index holds vectors of 4/, true],
      ["#vec-by-node", () => page.fill("#vec-node", "doc:plain"), /no vector/, true],
      ["#vec-by-node", () => page.fill("#vec-node", "nobody"), /does not exist/, true],
      ["#vec-by-vector", async () => { await page.fill("#vec-json", "[1, 2, 3, 4]"); await page.fill("#vec-k", "0"); }, /k must be/, false],
    ];
    for (const [button, put, says, asks] of cases) {
      await put();
      const sent = vectorRequests;
      await search(button);
      await page.waitForTimeout(200);
      const msg = await page.$eval("#vec-msg", (e) => (e.hidden || !e.offsetParent ? null : e.textContent));
      assert(msg && says.test(msg), `the message for ${says} is ${msg}`);
      assert((vectorRequests > sent) === asks, `${vectorRequests - sent} requests for ${says}`);
      assert(await page.$eval("#vec-out", (e) => e.innerHTML) === before.out, `the results changed for ${says}`);
      assert(same(await selected(), before.sel), `the selection changed for ${says}: ${await selected()}`);
    }
    await page.fill("#vec-k", "10");
  });

  await check("the sync panel shows the replica, the database and the version vector of GET /status", async () => {
    cli("node", "add", "Planet", '{"name":"Venus"}', "--id", "venus");
    await page.evaluate(() => window.arena.poll());
    const st = await (await fetch(`${base}/status`)).json();
    await page.waitForFunction((vv) => JSON.stringify(Object.fromEntries([...document.querySelectorAll("#sync-out table.sync-vv tbody tr")]
      .map((tr) => [tr.dataset.replica, Number(tr.children[1].textContent)]))) === vv,
    JSON.stringify(Object.fromEntries(Object.entries(st.vv).sort(([a], [b]) => a.localeCompare(b)))), { timeout: 5000 })
      .catch(async () => { throw new Error(`the panel's vv is ${await page.textContent("#sync-out table.sync-vv")}, /status says ${JSON.stringify(st.vv)}`); });
    const ids = await page.$$eval("#sync-out table.sync-ids tr", (trs) => trs.map((tr) => [...tr.children].map((c) => c.textContent)));
    assert(same(ids, [["replica", st.replica], ["database", st.db], ["live sessions", String(st.sessions)]]), JSON.stringify(ids));
    assert(await page.$(`#sync-out tr.own[data-replica="${st.replica}"]`), "this server's own entry is not marked");
    assert(/none/.test(await page.textContent("#sync-out")) && /Lag/.test(await page.textContent("#sync-out .sync-lag")), "no peers line or lag note");
  });

  await check("the sync panel shows a live session's lag as the server pushes it: up to date, behind while it is stopped, then caught up", async () => {
    const st = await (await fetch(`${base}/status`)).json();
    const rep = path.join(tmp, "replica.db");
    execFileSync(arenadb, ["--db", rep, "init", "--db-id", st.db]);
    const client = spawn(arenadb, ["--db", rep, "sync", `ws://${new URL(base).host}`, "--live"], { stdio: "ignore" });
    const row = () => page.$$eval("#sync-out table.sync-sessions tbody tr", (trs) => trs.map((tr) => tr.children[1].textContent));
    const shows = async (want, what) => {
      await page.waitForFunction((w) => JSON.stringify([...document.querySelectorAll("#sync-out table.sync-sessions tbody tr")]
        .map((tr) => tr.children[1].textContent.replace(/, waiting.*/, ""))) === w, JSON.stringify(want), { timeout: 10000 })
        .catch(async () => { throw new Error(`${what}: the panel shows ${JSON.stringify(await row())}`); });
    };
    try {
      await shows(["up to date"], "after the initial sync");
      process.kill(client.pid, "SIGSTOP");
      for (let i = 0; i < 3; i++) cli("node", "add", "Planet", JSON.stringify({ name: `P${i}` }));
      await shows(["3 behind"], "with the client stopped and three writes made");
      process.kill(client.pid, "SIGCONT");
      await shows(["up to date"], "after the client resumed");
    } finally {
      process.kill(client.pid, "SIGCONT");
      client.kill();
    }
  });

  await check("the sidebar folds away and back, the graph pane taking its place", async () => {
    const width = () => page.$eval("#graph", (e) => e.getBoundingClientRect().width);
    const open = await width();
    await page.click("#sidebar-toggle");
    assert(!(await page.isVisible("#schema-panel")), "the panels are still shown");
    await page.waitForFunction((w) => document.getElementById("graph").getBoundingClientRect().width > w + 100, open);
    const canvas = await page.$eval("#graph canvas", (c) => c.getBoundingClientRect().width);
    assert(Math.abs(canvas - await width()) < 2, `sigma's canvas is ${canvas} wide in a pane of ${await width()}`);
    await page.reload();
    await page.waitForFunction(() => window.arena && window.arena.view.nodes().length > 0);
    assert(!(await page.isVisible("#schema-panel")), "folding is not kept across a reload");
    await page.click("#sidebar-toggle");
    assert(await page.isVisible("#vector-panel"), "the panels did not come back");
  });

  await check("no script error", async () => {
    assert(pageErrors.length === 0, pageErrors.join("; "));
  });
} finally {
  await browser.close();
  await srv.stop();
  rmSync(tmp, { recursive: true, force: true });
}
await check("the server logged no sanitizer report", async () => {
  assertNoSanitizerReport(srv.log());
});
process.exit(done("ui"));
