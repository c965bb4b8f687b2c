// page.test.mjs — the page around the views, in Debian's headless Chromium against a real
// `arenadb serve`: dark mode (the system's choice, the toggle, kept across a reload), the
// keyboard shortcuts and their list, and the URL keeping the query, the selection and the
// label filter across a reload and into a shared link, without running the query.
// Usage: node page.test.mjs ARENADB UI_DIR. Prints one line per check and closes with
// "ui: N passed, M failed"; exits non-zero on any failure.
import { execFileSync } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { assert, assertNoSanitizerReport, launchBrowser, runner, serveArenadb } from "../wasm/chromium.mjs";

const [arenadb, uiDir] = process.argv.slice(2).map((p) => path.resolve(p));
const tmp = mkdtempSync(path.join(os.tmpdir(), "arenadb-page-"));
const db = path.join(tmp, "page.db");
const { check, done } = runner();
const cli = (...args) => execFileSync(arenadb, ["--db", db, ...args], { encoding: "utf8" }).trim();
const count = () => cli("--format", "csv", "sql", "SELECT count(*) FROM nodes").split("\n").pop();

cli("init");
cli("node", "add", "Person", '{"name":"Ada"}', "--id", "ada");
cli("node", "add", "Person", '{"name":"Alan"}', "--id", "alan");
cli("node", "add", "City", '{"name":"London"}', "--id", "london");
cli("edge", "add", "ada", "LIVES_IN", "london", "--id", "e1");

const srv = await serveArenadb(arenadb, db, ["--ui", uiDir]);
const browser = await launchBrowser();

// A page in a new context whose system colour scheme is scheme; waits for the first status.
async function open(url, scheme = "light") {
  const context = await browser.newContext({ colorScheme: scheme, viewport: { width: 1200, height: 900 } });
  const page = await context.newPage();
  const errors = [];
  page.on("pageerror", (e) => errors.push(e.message));
  await page.goto(url);
  await page.waitForSelector('#status [data-key="version"]');
  return { context, page, errors };
}

const theme = (page) => page.evaluate(() => ({
  mode: document.documentElement.dataset.theme,
  bg: getComputedStyle(document.body).backgroundColor,
  editor: getComputedStyle(document.querySelector("#console-editor").shadowRoot.querySelector(".cm-editor")).backgroundColor,
  ink: window.arena.view.ink(),
}));

// The perceived brightness (0-255) of a CSS rgb() colour.
function brightness(rgb) {
  const [r, g, b] = rgb.match(/\d+/g).map(Number);
  return 0.299 * r + 0.587 * g + 0.114 * b;
}

try {
  await check("dark mode follows the system: a dark page, editor and graph captions", async () => {
    const { context, page, errors } = await open(`${srv.base}/`, "dark");
    const t = await theme(page);
    assert(t.mode === "dark", `data-theme ${t.mode}`);
    assert(brightness(t.bg) < 60 && brightness(t.editor) < 60, `background ${t.bg}, editor ${t.editor}`);
    assert(brightness(t.ink.label.replace(/^#(..)(..)(..)$/, (_, r, g, b) => `rgb(${parseInt(r, 16)},${parseInt(g, 16)},${parseInt(b, 16)})`)) > 150,
      `captions drawn in ${t.ink.label} on a dark canvas`);
    assert(errors.length === 0, errors.join("; "));
    await context.close();
  });

  await check("the theme toggle cycles system, dark, light and is kept across a reload", async () => {
    const { context, page } = await open(`${srv.base}/`, "light");
    assert((await theme(page)).mode === "light", "a light system gives a light page");
    await page.click("#theme");
    assert((await page.textContent("#theme")) === "Theme: dark", await page.textContent("#theme"));
    assert((await theme(page)).mode === "dark", "the toggle did not darken the page");
    await page.reload();
    await page.waitForSelector('#status [data-key="version"]');
    assert((await theme(page)).mode === "dark", "the choice was lost on reload");
    await page.click("#theme");
    assert((await theme(page)).mode === "light", "the second click gives light");
    await page.click("#theme");
    assert((await page.textContent("#theme")) === "Theme: auto", "the third click goes back to the system's");
    await context.close();
  });

  await check("'?' lists the shortcuts; 't' switches the theme; '/' goes to the editor", async () => {
    const { context, page } = await open(`${srv.base}/`);
    await page.keyboard.press("?");
    await page.waitForSelector("dialog#shortcuts[open]");
    const rows = await page.$$eval("dialog#shortcuts tr", (trs) => trs.map((tr) => tr.cells[0].textContent));
    for (const k of ["?", "/", "f", "+", "-", "l", "e", "t", "Escape", "Ctrl+Enter"])
      assert(rows.includes(k), `the list lacks ${k}: ${rows}`);
    await page.keyboard.press("Escape");
    assert(!(await page.$("dialog#shortcuts[open]")), "Escape did not close the list");
    await page.keyboard.press("t");
    assert((await theme(page)).mode === "dark", "'t' did not switch the theme");
    await page.keyboard.press("/");
    const focused = await page.evaluate(() => document.querySelector("#console-editor").shadowRoot.activeElement?.id);
    assert(focused === "sql", `the focus is on ${focused}`);
    // Typed into the editor, the same keys are text, not shortcuts.
    await page.keyboard.type("t/e");
    const typed = await page.evaluate(() => window.arena.console.editor.text());
    assert(typed.includes("t/e"), `the keys did not reach the editor: ${typed}`);
    assert((await theme(page)).mode === "dark", "a 't' typed into the editor switched the theme");
    await context.close();
  });

  await check("'e' expands the selected node and again collapses it; Escape clears the selection, also while the collapse is loading", async () => {
    const { context, page } = await open(`${srv.base}/#node=alan`);
    await page.waitForFunction(() => document.querySelector("#details h2")?.textContent.includes("alan"));
    await page.keyboard.press("e");
    await page.waitForFunction(() => window.arena.graph.isExpanded("alan"));
    // Escape while the collapse's request is out (held 800 ms here): the selection stays cleared
    // when the answer comes.
    let answered = 0;
    await page.route("**/subgraph", async (route) => {
      await new Promise((r) => setTimeout(r, 800));
      await route.continue();
      answered++;
    });
    await page.keyboard.press("e");
    await page.waitForFunction(() => !window.arena.graph.isExpanded("alan"));
    await page.keyboard.press("Escape");
    await page.waitForFunction(() => window.arena.view.selected().length === 0);
    while (!answered) await page.waitForTimeout(50);
    await page.waitForTimeout(300);
    await page.unroute("**/subgraph");
    assert((await page.evaluate(() => window.arena.view.selected())).length === 0, "the collapse selected the node again");
    assert(/Nothing selected/.test(await page.textContent("#details")), "the details pane shows the node again");
    assert(!(await page.evaluate(() => location.hash)).includes("node="), "the URL still names the node");
    await context.close();
  });

  await check("the URL keeps the query, the selection and the label filter across a reload", async () => {
    const { context, page } = await open(`${srv.base}/`);
    await page.fill("#sql", "MATCH (p:Person) RETURN p.name ORDER BY p.name");
    await page.press("#sql", "Control+Enter");
    await page.waitForSelector("#sql-out .result-summary");
    await page.fill("#label-filter", "Person");
    await page.press("#label-filter", "Enter");
    // The view's click on a node (mouse clicks on the canvas are graph.test.mjs's).
    await page.waitForFunction(() => window.arena.view.nodes().includes("ada"));
    await page.evaluate(() => window.arena.graph.sigma.emit("clickNode", { node: "ada" }));
    await page.waitForFunction(() => location.hash.includes("node=ada"));
    const hash = await page.evaluate(() => location.hash);
    assert(hash.includes("label=Person") && hash.includes("q=MATCH"), hash);
    await page.reload();
    await page.waitForSelector('#status [data-key="version"]');
    await page.waitForFunction(() => document.querySelector("#details h2")?.textContent.includes("ada"));
    assert((await page.inputValue("#label-filter")) === "Person", "the label filter was lost");
    const text = await page.evaluate(() => window.arena.console.editor.text());
    assert(text === "MATCH (p:Person) RETURN p.name ORDER BY p.name", `the editor holds ${text}`);
    assert((await page.evaluate(() => window.arena.view.selected())).includes("ada"), "the selection was lost");
    await context.close();
  });

  await check("a shared link selects an edge, and its query is shown but not run", async () => {
    const before = count();
    const q = encodeURIComponent("CREATE (:Trap {name: 'from a link'})");
    const { context, page } = await open(`${srv.base}/#edge=e1&q=${q}`);
    await page.waitForFunction(() => document.querySelector("#details h2")?.textContent.includes("e1"));
    assert((await page.evaluate(() => window.arena.console.editor.text())).startsWith("CREATE (:Trap"), "the query is not in the editor");
    await page.waitForTimeout(500);
    assert(count() === before, `the link's query ran: ${before} -> ${count()} nodes`);
    assert((await page.$$("#sql-out .result-summary")).length === 0, "an answer is shown for a query nobody ran");
    await context.close();
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
