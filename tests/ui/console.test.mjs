// console.test.mjs — the query console in Debian's headless Chromium against a real `arenadb
// serve` on 127.0.0.1: Cypher and SQL answers as table, JSON and graph, sorting and paging,
// history across a reload, saved queries, parameters, writes seen by the command line, errors
// with their position, EXPLAIN, the one-statement rule, and completion of the graph's names.
// Usage: node console.test.mjs ARENADB UI_DIR. Prints one line per check and closes with
// "ui: N passed, M failed"; exits non-zero on any failure.
import { execFileSync } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { assert, assertNoSanitizerReport, launchBrowser, runner, serveArenadb } from "../wasm/chromium.mjs";

const [arenadb, uiDir] = process.argv.slice(2).map((p) => path.resolve(p));
const tmp = mkdtempSync(path.join(os.tmpdir(), "arenadb-console-"));
const db = path.join(tmp, "console.db");
const { check, done } = runner();

function cli(...args) {
  return execFileSync(arenadb, ["--db", db, ...args], { encoding: "utf8" }).trim();
}

// One value from SQL run by the command line, not through the server.
function cliValue(statement) {
  const rows = JSON.parse(cli("--format", "json", "sql", statement));
  return Object.values(rows[0])[0];
}

const same = (a, b) => JSON.stringify(a) === JSON.stringify(b);

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
const items = [];
for (let i = 0; i < 250; i++) items.push(JSON.stringify({ type: "node", id: `item:${String(i).padStart(3, "0")}`, label: "Item", properties: { n: (i * 37) % 250 } }));
writeFileSync(path.join(tmp, "items.jsonl"), items.join("\n") + "\n");
cli("import", path.join(tmp, "items.jsonl"));

const srv = await serveArenadb(arenadb, db, ["--ui", uiDir]);
const base = srv.base;

const browser = await launchBrowser();
const page = await browser.newPage({ viewport: { width: 1200, height: 900 } });
const pageErrors = [];
page.on("pageerror", (e) => pageErrors.push(e.message));

const editorText = () => page.evaluate(() => window.arena.console.editor.text());
const language = () => page.$eval('input[name="console-lang"]:checked', (r) => r.value);
const table = () => page.$$eval("#sql-out tr", (trs) => trs.map((tr) => [...tr.children].map((c) => c.textContent)));

// Puts a query in the editor and runs it (Ctrl+Enter), with params in the parameters box;
// resolves once the answer or the error is shown.
async function run(text, params = "", how = "key") {
  await page.fill("#sql", text);
  await page.fill("#console-params", params);
  await page.evaluate(() => document.getElementById("sql-out").replaceChildren());
  if (how === "key") await page.press("#sql", "Control+Enter");
  else await page.click(how);
  await page.waitForSelector("#sql-out .result-summary, #sql-out .error");
}

async function tab(view) {
  await page.click(`#sql-out [data-view="${view}"]`);
}

async function json() {
  await tab("json");
  return JSON.parse(await page.textContent("#sql-out pre.json"));
}

// Waits until the graph view selects exactly these ids (nodes and edges).
async function selectedInGraph(ids) {
  const want = [...ids].sort();
  await page.waitForFunction((w) => JSON.stringify(window.arena.view.selected().sort()) === JSON.stringify(w),
    want, { timeout: 5000 }).catch(async () => {
    const got = await page.evaluate(() => window.arena.view.selected());
    throw new Error(`the graph selects ${got}, not ${want}`);
  });
}

try {
  await page.goto(`${base}/`);
  await page.waitForFunction(() => window.arena && window.arena.view.nodes().length > 0);
  const knows = cliValue("SELECT id FROM edges WHERE label = 'KNOWS'");

  await check("a Cypher query: detected, highlighted, shown as table, JSON and graph", async () => {
    // Only cities in the view, so that the graph tab has something to add.
    await page.fill("#label-filter", "City");
    await page.press("#label-filter", "Enter");
    await page.waitForFunction(() => window.arena.view.nodes().length === 2);
    await run("MATCH (p:Person)-[r:KNOWS]->(q) RETURN p, r, q.name AS name");
    assert(await language() === "cypher", "the switch says SQL");
    const styled = await page.$$eval(".cm-line span[class]", (s) => s.length);
    assert(styled >= 3, `${styled} highlighted tokens`);
    const t = await table();
    assert(same(t[0], ["p", "r", "name"]) && t.length === 2 && t[1][2] === "Alan", JSON.stringify(t));
    const j = await json();
    assert(j.length === 1 && j[0].p.id === "ada" && same(j[0].p.labels, ["Person"]) && j[0].r.type === "KNOWS" &&
      j[0].r.start === "ada" && j[0].r.end === "alan" && j[0].name === "Alan", JSON.stringify(j));
    await tab("graph");
    await selectedInGraph(["ada", "alan", knows]);
    const said = await page.textContent("#sql-out .graph-said");
    assert(said.startsWith("2 nodes and 1 relationship"), said);
  });

  await check("an SQL query: detected, shown as table, JSON and graph", async () => {
    await run("SELECT id, source_node_id, target_node_id, label FROM edges WHERE label = 'LIVES_IN' ORDER BY source_node_id");
    assert(await language() === "sql", "the switch says Cypher");
    await tab("table");
    const t = await table();
    assert(same(t.map((r) => r[1]), ["source_node_id", "ada", "alan", "grace"]), JSON.stringify(t));
    const j = await json();
    assert(j.length === 3 && j[2].target_node_id === "nyc" && j[0].label === "LIVES_IN", JSON.stringify(j));
    await tab("graph");
    const ids = j.map((e) => e.id);
    await selectedInGraph(["ada", "alan", "grace", "london", "nyc", ...ids]);
    await page.fill("#label-filter", "");
    await page.press("#label-filter", "Enter");
  });

  await check("a long table is paged 100 rows at a time and sorts by a clicked header", async () => {
    await run("SELECT id, json_extract(properties, '$.n') AS n FROM nodes WHERE label = 'Item' ORDER BY id");
    await tab("table");
    assert((await table()).length === 101, "a header and 100 rows on the first page");
    assert((await page.textContent("#sql-out .page-info")).startsWith("rows 1–100 of 250"), "page info");
    await page.click("#sql-out .pager .next");
    await page.click("#sql-out .pager .next");
    let t = await table();
    assert(t.length === 51 && t[1][0] === "item:200" && t[50][0] === "item:249", `the last page: ${t[1]} … ${t[t.length - 1]}`);
    assert(await page.isDisabled("#sql-out .pager .next"), "Next on the last page");
    await page.click("#sql-out th:nth-child(2)");
    t = await table();
    assert(t[1][1] === "0" && t[2][1] === "1" && t[100][1] === "99", `ascending by n: ${t.slice(1, 4)}`);
    assert((await page.textContent("#sql-out .page-info")).startsWith("rows 1–100"), "sorting goes back to the first page");
    await page.click("#sql-out th:nth-child(2)");
    t = await table();
    assert(t[1][1] === "249" && t[2][1] === "248", `descending by n: ${t.slice(1, 3)}`);
    await page.click("#sql-out th:nth-child(1)");
    t = await table();
    assert(t[1][0] === "item:000", `by id: ${t[1]}`);
  });

  await check("parameters: a JSON object for Cypher, an array for SQL, anything else refused", async () => {
    await run("MATCH (p:Person) WHERE p.born < $y RETURN p.name AS name ORDER BY name", '{"y": 1900}');
    await tab("table");
    assert(same(await table(), [["name"], ["Ada"]]), JSON.stringify(await table()));
    await run("SELECT id FROM nodes WHERE label = ?1 ORDER BY id", '["City"]');
    assert(same(await table(), [["id"], ["london"], ["nyc"]]), JSON.stringify(await table()));
    await run("SELECT id FROM nodes WHERE label = ?1", '{"label": "City"}');
    const e = await page.textContent("#sql-out .error");
    assert(/SQL takes its parameters as a JSON array/.test(e), e);
  });

  await check("history survives a reload: listed, loaded by a click and by Ctrl+Up", async () => {
    await page.reload();
    await page.waitForFunction(() => window.arena && window.arena.view.nodes().length > 0);
    await page.click("#history-menu summary");
    const listed = await page.$$eval("#console-history a", (a) => a.map((x) => x.title));
    // The query with parameters that do not fit was refused before it ran: not in the history.
    assert(listed[0] === "SELECT id FROM nodes WHERE label = ?1 ORDER BY id" && listed.includes("MATCH (p:Person)-[r:KNOWS]->(q) RETURN p, r, q.name AS name"),
      `history: ${JSON.stringify(listed.slice(0, 4))}`);
    await page.click('#console-history a[title^="MATCH (p:Person) WHERE"]');
    assert(await editorText() === "MATCH (p:Person) WHERE p.born < $y RETURN p.name AS name ORDER BY name", await editorText());
    assert(await page.inputValue("#console-params") === '{"y": 1900}', "the parameters come back too");
    assert(await language() === "cypher", "the language comes back too");
    await page.fill("#sql", "RETURN 1");
    await page.press("#sql", "Control+ArrowUp");
    assert(await editorText() === "SELECT id FROM nodes WHERE label = ?1 ORDER BY id", `Ctrl+Up: ${await editorText()}`);
    await page.press("#sql", "Control+ArrowUp");
    assert(await editorText() === "MATCH (p:Person) WHERE p.born < $y RETURN p.name AS name ORDER BY name", `Ctrl+Up twice: ${await editorText()}`);
    await page.press("#sql", "Control+ArrowDown");
    await page.press("#sql", "Control+ArrowDown");
    assert(await editorText() === "RETURN 1", `back to the draft: ${await editorText()}`);
  });

  await check("a saved query is listed after a reload, loads, runs, and can be deleted", async () => {
    await page.fill("#sql", "MATCH (c:City) RETURN c.name AS name ORDER BY name");
    await page.fill("#console-save-name", "cities");
    await page.click("#console-save");
    await page.reload();
    await page.waitForFunction(() => window.arena && window.arena.view.nodes().length > 0);
    await page.fill("#sql", "RETURN 2");
    await page.click("#saved-menu summary");
    await page.click('#console-saved a:text-is("cities")');
    assert(await editorText() === "MATCH (c:City) RETURN c.name AS name ORDER BY name", await editorText());
    await run("MATCH (c:City) RETURN c.name AS name ORDER BY name", "", "#console-run");
    assert(same(await table(), [["name"], ["London"], ["New York"]]), JSON.stringify(await table()));
    await page.click("#saved-menu summary");
    await page.click("#console-saved li:has(a:text-is('cities')) .delete");
    assert(await page.$('#console-saved a:text-is("cities")') === null, "still listed");
    await page.click("#saved-menu summary");
  });

  await check("writes show what changed and the time, and the command line sees them", async () => {
    await run("CREATE (n:Robot {name: 'R2', model: 'astromech'}) RETURN n.name AS name");
    const said = await page.textContent("#sql-out .changes");
    assert(said === "1 node created, 2 properties set, 1 label added", said);
    assert(/^\d+ ms$/.test(await page.textContent("#sql-out .timing")), "no timing");
    assert(cliValue("SELECT json_extract(properties, '$.model') FROM nodes WHERE label = 'Robot'") === "astromech", "the CLI sees no robot");
    await run("UPDATE nodes SET properties = json_set(properties, '$.born', 1912) WHERE id = 'alan'");
    assert(await page.textContent("#sql-out .changes") === "1 row changed", await page.textContent("#sql-out"));
    assert(cliValue("SELECT json_extract(properties, '$.born') FROM nodes WHERE id = 'alan'") === 1912, "the CLI sees no update");
  });

  await check("a Cypher syntax error shows its message and position, marks it, and changes nothing", async () => {
    const before = cliValue("SELECT count(*) FROM nodes");
    await run("CREATE (n:Bad {name: 'x'})\n  RETRN n");
    const e = await page.textContent("#sql-out .error");
    assert(/RETRN/.test(e), e);
    const where = await page.textContent("#sql-out .error-where");
    assert(where === "SyntaxError (UnexpectedSyntax) at line 2, column 3", where);
    assert(await page.textContent(".cm-error-mark") === "RETRN", "the editor marks no RETRN");
    assert(cliValue("SELECT count(*) FROM nodes") === before, "a node was made");
  });

  await check("refused SQL shows the server's message and changes nothing", async () => {
    const before = cliValue("SELECT count(*) FROM nodes");
    await run("SELECT 1; DELETE FROM nodes");
    let e = await page.textContent("#sql-out");
    assert(/more than one SQL statement/.test(e) && /one SQL statement at a time/.test(e), e);
    await run("DROP TABLE nodes");
    e = await page.textContent("#sql-out .error");
    assert(/not allowed/.test(e), e);
    assert(await page.$("#sql-out table") === null, "a table is shown");
    assert(cliValue("SELECT count(*) FROM nodes") === before, "nodes changed");
  });

  await check("EXPLAIN shows SQLite's plan as a tree and Cypher's as a list", async () => {
    await run("SELECT id FROM nodes WHERE label = 'City'", "", "#console-explain");
    let plan = await page.$$eval("#sql-out .plan li", (li) => li.map((l) => l.textContent));
    assert(plan.length >= 1 && /SEARCH|SCAN/.test(plan[0]), JSON.stringify(plan));
    await run("MATCH (c:City)<-[:LIVES_IN]-(p) RETURN p", "", "#console-explain");
    plan = await page.$$eval("#sql-out .plan li", (li) => li.map((l) => l.textContent));
    assert(/NodeByLabelScan\(c:City\)/.test(plan[0]) && plan[plan.length - 1] === "Return(p)", JSON.stringify(plan));
    assert(await editorText() === "MATCH (c:City)<-[:LIVES_IN]-(p) RETURN p", "EXPLAIN went into the editor");
  });

  await check("completion offers the graph's labels, relationship types and property keys", async () => {
    await page.fill("#sql", "MATCH (n:Pe");
    await page.press("#sql", "Control+Space");
    await page.waitForSelector(".cm-tooltip-autocomplete li");
    const offered = await page.$$eval(".cm-tooltip-autocomplete li .cm-completionLabel", (l) => l.map((x) => x.textContent));
    assert(offered.includes("Person"), `offered ${offered}`);
    // CodeMirror ignores Enter for a moment after the list opens, against accidental picks.
    await page.waitForTimeout(200);
    await page.press("#sql", "Enter");
    assert(await editorText() === "MATCH (n:Person", await editorText());
    await page.fill("#sql", "MATCH (a)-[r:KN");
    await page.press("#sql", "Control+Space");
    await page.waitForSelector(".cm-tooltip-autocomplete li");
    const types = await page.$$eval(".cm-tooltip-autocomplete li .cm-completionLabel", (l) => l.map((x) => x.textContent));
    assert(types.includes("KNOWS"), `offered ${types}`);
    await page.press("#sql", "Escape");
    await page.fill("#sql", "MATCH (a) RETURN a.bo");
    await page.press("#sql", "Control+Space");
    await page.waitForSelector(".cm-tooltip-autocomplete li");
    const keys = await page.$$eval(".cm-tooltip-autocomplete li .cm-completionLabel", (l) => l.map((x) => x.textContent));
    assert(keys.includes("born"), `offered ${keys}`);
    await page.press("#sql", "Escape");
  });

  await check("the editor is styled despite the server's Content-Security-Policy, and no script error", async () => {
    // The policy refuses inline <style>: CodeMirror's styles must reach its shadow root.
    const font = await page.$eval(".cm-scroller", (e) => getComputedStyle(e).fontFamily);
    assert(/monospace/.test(font), `the editor's font is ${font}`);
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
