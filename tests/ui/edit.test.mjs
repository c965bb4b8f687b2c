// edit.test.mjs — editing in the browser UI (web/src/edit.js) in Debian's headless Chromium
// against a real `arenadb serve` on 127.0.0.1, every result checked through the command line
// (which reads the file while the server has it open): a node created with its exact label and
// properties; an edit that changes, adds and removes keys (also one added meanwhile by another
// process) leaving exactly the editor's object; invalid JSON and non-objects refused as you
// type with Save disabled and nothing written; an edge created by clicking its target in the
// graph; an edge and a node deleted after a confirmation in the page; the undo of each kind
// (button and Ctrl+Z) bringing the database back; refusals by the server (a node deleted
// meanwhile, a read-only token) shown, with nothing changed.
// Usage: node edit.test.mjs ARENADB UI_DIR. Prints one line per check and closes with
// "ui: N passed, M failed"; exits non-zero on any failure.
import { execFileSync } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { assert, assertNoSanitizerReport, launchBrowser, runner, serveArenadb } from "../wasm/chromium.mjs";

const [arenadb, uiDir] = process.argv.slice(2).map((p) => path.resolve(p));
const tmp = mkdtempSync(path.join(os.tmpdir(), "arenadb-edit-"));
const db = path.join(tmp, "edit.db");
const { check, done } = runner();

function cli(...args) {
  return execFileSync(arenadb, ["--db", db, ...args], { encoding: "utf8", stdio: ["ignore", "pipe", "pipe"] }).trim();
}

// A node or an edge as the command line prints it, or null when it does not exist.
function cliGet(kind, id) {
  try {
    return JSON.parse(cli(kind, "get", id));
  } catch {
    return null;
  }
}

function cliRows(statement) {
  return JSON.parse(cli("--format", "json", "sql", statement));
}

// Everything in the database that an edit could touch, as text to compare.
function dump() {
  return JSON.stringify({
    nodes: cliRows("SELECT id, label, properties FROM nodes ORDER BY id"),
    edges: cliRows("SELECT id, source_node_id, target_node_id, label, properties FROM edges ORDER BY id"),
  });
}

// Equal as JSON values: the command line prints an object's keys in its own order.
function canonical(v) {
  if (Array.isArray(v)) return v.map(canonical);
  if (v && typeof v === "object") return Object.fromEntries(Object.keys(v).sort().map((k) => [k, canonical(v[k])]));
  return v;
}
const same = (a, b) => JSON.stringify(canonical(a)) === JSON.stringify(canonical(b));

cli("init");
cli("node", "add", "Person", '{"name":"Ada","born":1815}', "--id", "ada");
cli("node", "add", "Person", '{"name":"Alan"}', "--id", "alan");
cli("node", "add", "Person", '{"name":"Grace"}', "--id", "grace");
cli("node", "add", "City", '{"name":"London"}', "--id", "london");
cli("edge", "add", "ada", "LIVES_IN", "london");
const knows = cli("edge", "add", "ada", "KNOWS", "alan", '{"since":1936}');

const srv = await serveArenadb(arenadb, db, ["--ui", uiDir]);
const base = srv.base;

const browser = await launchBrowser();
const page = await browser.newPage({ viewport: { width: 1200, height: 900 } });
const pageErrors = [];
page.on("pageerror", (e) => pageErrors.push(e.message));
// window.confirm and friends must never be used: a dialog fails the test.
page.on("dialog", (d) => {
  pageErrors.push(`a ${d.type()} dialog: ${d.message()}`);
  d.dismiss();
});

// Waits until cond() (run in the page or here) holds, else fails with what(): the state seen.
async function until(cond, what, timeout = 8000) {
  const t = Date.now();
  for (;;) {
    if (await cond()) return;
    if (Date.now() - t > timeout) throw new Error(`timed out: ${await what()}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

async function settled() {
  await page.waitForFunction(() => !window.arena.graph.layingOut);
}

// Shows a node or an edge in the details pane as a click in the graph does (sigma's own click
// event: an edge of the small test graph is a few pixels wide).
async function select(kind, id) {
  await page.evaluate(([k, i]) => window.arena.graph.sigma.emit(k === "edge" ? "clickEdge" : "clickNode",
    k === "edge" ? { edge: i } : { node: i }), [kind, id]);
  await page.waitForFunction((i) => document.querySelector("#details h2 code")?.textContent === i, id);
}

// Fills the open form's JSON editor (CodeMirror, in a shadow root Playwright looks into).
async function props(text) {
  await page.fill("#edit-props", text);
}

async function save() {
  await page.click("#edit-save");
}

// Waits until the form closed after a write the server took (the panel is hidden again).
async function saved() {
  await page.waitForSelector("#edit-panel", { state: "hidden" }).catch(async () => {
    throw new Error(`the form stays: ${await page.textContent("#edit-panel")}`);
  });
}

async function errorShown(re) {
  await page.waitForSelector("#edit-error:not([hidden])");
  const e = await page.textContent("#edit-error");
  assert(re.test(e), `the message is: ${e}`);
  return e;
}

const undoList = () => page.evaluate(() => window.arena.editing.undoList());

// Makes the page use token t, as its token form does: kept, the live socket opened again with
// it, the status asked anew.
async function useToken(t) {
  await page.evaluate((tok) => {
    localStorage.setItem("arenadb.token", tok);
    window.arena.live.restart();
    return window.arena.poll();
  }, t);
}

// Ctrl+Z with the focus outside any text field.
async function ctrlZ() {
  await page.evaluate(() => document.activeElement?.blur());
  await page.keyboard.press("Control+z");
}

try {
  await page.goto(`${base}/`);
  await page.waitForFunction(() => window.arena && window.arena.view.nodes().length === 4);
  const initial = dump();

  await check("New node: the command line sees it with its exact label and properties", async () => {
    assert(await page.isDisabled("#undo"), "Undo is enabled with nothing to undo");
    await page.click("#new-node");
    await page.fill("#edit-label", "Robot");
    await page.fill("#edit-id", "r2");
    const p = { name: "R2-D2", model: "astromech", tags: ["a", 1, true], nested: { x: 1.5, y: null }, "odd key": "<b>x</b>" };
    await props(JSON.stringify(p, null, 2));
    await save();
    await saved();
    const got = cliGet("node", "r2");
    assert(same(got, { id: "r2", label: "Robot", properties: p }), JSON.stringify(got));
    // The page shows it: in the graph, in the details (as text, not HTML), and it can be undone.
    await page.waitForFunction(() => window.arena.view.nodes().includes("r2"));
    await page.waitForFunction(() => document.querySelector("#details h2 code")?.textContent === "r2");
    const cells = await page.$$eval("#details table td", (td) => td.map((c) => c.textContent));
    assert(cells.includes("<b>x</b>"), `cells ${cells}`);
    assert(await page.$("#details b") === null, "a property became HTML");
    assert(await page.getAttribute("#undo", "title") === "undo creating node r2 (Ctrl+Z)", await page.getAttribute("#undo", "title"));
  });

  let beforeEdit;
  await check("Edit: changed, added and removed keys; the stored properties equal the editor's", async () => {
    await select("node", "r2");
    await page.click("#edit-node");
    const shown = JSON.parse(await page.textContent("#edit-props"));
    assert(same(shown, cliGet("node", "r2").properties), `the editor shows ${JSON.stringify(shown)}`);
    assert(await page.inputValue("#edit-label") === "Robot", "the label field");
    // Another process adds a key while the form is open: it is not in the editor, so it goes.
    cli("node", "set", "r2", "extra", '"from the CLI"');
    beforeEdit = dump();
    const want = { name: "R2-D2", model: "astromech mk2", height: 1.09, nested: { x: 1.5 } };
    await page.fill("#edit-label", "Droid");
    await props(JSON.stringify(want));
    await save();
    await saved();
    const got = cliGet("node", "r2");
    assert(same(got, { id: "r2", label: "Droid", properties: want }), JSON.stringify(got));
    await page.waitForFunction(() => [...document.querySelectorAll("#details table tr")].some((t) => t.textContent === "height1.09"));
    assert(same(await undoList(), ["creating node r2", "the edit of node r2"]), JSON.stringify(await undoList()));
  });

  await check("invalid JSON or a non-object: a message with line and column, Save disabled, nothing written", async () => {
    const before = dump();
    await page.click("#edit-node");
    await props('{\n  "name": "R2",\n  "model" "x"\n}');
    let m = await page.textContent("#edit-json-msg");
    assert(/line 3, column 11/.test(m) && await page.isVisible("#edit-json-msg"), `message: ${m}`);
    assert(await page.isDisabled("#edit-save"), "Save is enabled");
    await page.press("#edit-label", "Enter"); // a submit by the keyboard does nothing either
    // Ctrl+Z in a text field undoes typing there, not an edit of the database.
    await page.press("#edit-label", "Control+z");
    await page.press("#edit-props", "Control+z");
    await props('{"name": tru}');
    m = await page.textContent("#edit-json-msg");
    assert(/^invalid JSON at line 1, column \d+/.test(m), `message: ${m}`);
    await props("[1, 2]");
    m = await page.textContent("#edit-json-msg");
    assert(m === "the properties must be a JSON object, not an array", `message: ${m}`);
    assert(await page.isDisabled("#edit-save"), "Save is enabled for an array");
    await props('{"name": null}');
    assert(/"name" is null/.test(await page.textContent("#edit-json-msg")), "a null property passes");
    assert(await page.isDisabled("#edit-save"), "Save is enabled for a null");
    await props('{"name": "R2"}');
    assert(await page.isHidden("#edit-json-msg") && await page.isEnabled("#edit-save"), "valid JSON is still refused");
    await page.click("#edit-cancel");
    await page.waitForTimeout(300);
    assert(dump() === before, "the database changed");
    assert((await undoList()).length === 2, "the undo list changed");
  });

  await check("Undo of a property edit (the button) puts back the label and the properties", async () => {
    await page.click("#undo");
    await until(() => dump() === beforeEdit, () => `${dump()}\nnot\n${beforeEdit}`);
    assert(same(await undoList(), ["creating node r2"]), JSON.stringify(await undoList()));
    await page.waitForFunction(() => document.querySelector("#details .badge")?.textContent === "Robot");
  });

  let edgeId;
  await check("New edge from here: the target picked by a click in the graph; Ctrl+Z deletes it", async () => {
    const before = dump();
    await select("node", "r2");
    await page.click("#new-edge");
    await settled();
    const at = await page.evaluate(() => window.arena.view.nodeAt("london"));
    await page.mouse.click(at.x, at.y);
    await page.waitForFunction(() => document.getElementById("edit-target")?.value === "london");
    assert(await page.textContent("#details h2 code") === "r2", "the click selected the target instead");
    await page.fill("#edit-label", "VISITED");
    await props('{"year": 1977}');
    await save();
    await saved();
    const rows = cliRows("SELECT id, source_node_id, target_node_id, label, properties FROM edges WHERE label = 'VISITED'");
    assert(rows.length === 1 && rows[0].source_node_id === "r2" && rows[0].target_node_id === "london" &&
      same(rows[0].properties, { year: 1977 }), JSON.stringify(rows));
    edgeId = rows[0].id;
    await page.waitForFunction((e) => window.arena.view.edges().some((x) => x.id === e), edgeId);
    assert(await page.getAttribute("#undo", "title") === `undo creating edge ${edgeId} (Ctrl+Z)`, "the Undo title");
    await ctrlZ();
    await until(() => dump() === before, () => dump());
    assert(cliGet("edge", edgeId) === null, "the edge is still there");
  });

  await check("Delete an edge after a confirmation in the page; Undo re-creates it", async () => {
    const before = dump();
    const was = cliGet("edge", knows);
    await select("edge", knows);
    await page.click("#delete-edge");
    await page.waitForSelector("#edit-confirm");
    assert(cliGet("edge", knows) !== null, "deleted before the confirmation");
    await page.click("#edit-confirm");
    await saved();
    assert(cliGet("edge", knows) === null, "the edge is still there");
    await page.waitForFunction((e) => !window.arena.view.edges().some((x) => x.id === e), knows);
    assert((await page.getAttribute("#undo", "title")).includes(`deleting edge ${knows}`), "the Undo title");
    await page.click("#undo");
    await until(() => dump() === before, () => dump());
    assert(same(cliGet("edge", knows), was), JSON.stringify(cliGet("edge", knows)));
  });

  await check("Delete a node (a cancel first changes nothing); Ctrl+Z re-creates it with its edges", async () => {
    const before = dump();
    await select("node", "ada");
    await page.click("#delete-node");
    await page.click("#edit-cancel");
    await page.waitForTimeout(200);
    assert(dump() === before, "a cancelled delete changed the database");
    await page.click("#delete-node");
    const asked = await page.textContent("#edit-panel");
    assert(/Its 2 edges will be hidden/.test(asked), asked);
    await page.click("#edit-confirm");
    await saved();
    assert(cliGet("node", "ada") === null, "the node is still there");
    assert(cliRows("SELECT id FROM edges WHERE source_node_id = 'ada' OR target_node_id = 'ada'").length === 0, "its edges are visible");
    await page.waitForFunction(() => !window.arena.view.nodes().includes("ada"));
    await page.waitForFunction(() => /no longer exists/.test(document.getElementById("details").textContent));
    await ctrlZ();
    await until(() => dump() === before, () => dump());
    await page.waitForFunction(() => window.arena.view.nodes().includes("ada"));
  });

  await check("the undo list survives a reload; Undo of a created node then deletes it: the database is as it began", async () => {
    assert(same(await undoList(), ["creating node r2"]), JSON.stringify(await undoList()));
    await page.reload();
    await page.waitForFunction(() => window.arena && window.arena.view.nodes().includes("r2"));
    assert(same(await undoList(), ["creating node r2"]), `after the reload: ${JSON.stringify(await undoList())}`);
    assert(await page.getAttribute("#undo", "title") === "undo creating node r2 (Ctrl+Z)", await page.getAttribute("#undo", "title"));
    await page.click("#undo");
    await until(() => dump() === initial, () => `${dump()}\nnot\n${initial}`);
    assert(await page.isDisabled("#undo"), "Undo is enabled with nothing to undo");
    await page.waitForFunction(() => !window.arena.view.nodes().includes("r2"));
  });

  await check("a node deleted meanwhile by the command line: the server's 404 is shown, nothing changes", async () => {
    await select("node", "grace");
    await page.click("#edit-node");
    cli("node", "del", "grace");
    const before = dump();
    await props('{"name": "Grace Hopper"}');
    await save();
    await errorShown(/no node with id 'grace'.*\(404\)/);
    assert(await page.isVisible("#edit-save"), "the form closed");
    assert(JSON.parse(await page.textContent("#edit-props")).name === "Grace Hopper", "the editor lost the text");
    assert(dump() === before, "the database changed");
    assert((await undoList()).length === 0, "an undo was recorded");
    await page.click("#edit-close");
  });

  await check("an edge to a node that does not exist: the server's error is shown", async () => {
    const before = dump();
    await select("node", "alan");
    await page.click("#new-edge");
    await page.fill("#edit-target", "nobody");
    await page.fill("#edit-label", "KNOWS");
    await save();
    await errorShown(/'nobody' does not exist/);
    assert(dump() === before, "the database changed");
    await page.click("#edit-close");
  });

  await check("a read-only token: edits, creations and an undo are refused with 403 and change nothing", async () => {
    const write = cli("token", "create", "--role", "write", "--name", "rw").split("\n")[0];
    const read = cli("token", "create", "--role", "read", "--name", "ro").split("\n")[0];
    await useToken(write);
    await page.waitForFunction(() => document.querySelector('[data-key="role"]')?.textContent.includes("write"));
    // An edit with the write token, to undo later.
    const before = dump();
    await select("node", "london");
    await page.click("#edit-node");
    await props('{"name": "London", "country": "UK"}');
    await save();
    await saved();
    assert(same(cliGet("node", "london").properties, { name: "London", country: "UK" }), "the write token's edit");
    const edited = dump();
    await useToken(read);
    await page.waitForFunction(() => document.querySelector('[data-key="role"]')?.textContent.includes("read"));
    await page.click("#undo");
    await errorShown(/\(403\)/);
    assert(same(await undoList(), ["the edit of node london"]), "a refused undo left the list");
    await page.click("#edit-node");
    await props('{"name": "Londinium"}');
    await save();
    await errorShown(/\(403\)/);
    await page.click("#new-node");
    await page.fill("#edit-label", "City");
    await save();
    await errorShown(/\(403\)/);
    await page.click("#edit-close");
    await select("node", "london");
    await page.click("#delete-node");
    await page.click("#edit-confirm");
    await errorShown(/\(403\)/);
    await page.click("#edit-close");
    assert(dump() === edited, "a read-only token changed the database");
    await useToken(write);
    await page.click("#undo");
    await until(() => dump() === before, () => dump());
    cli("token", "revoke", "ro");
    cli("token", "revoke", "rw");
  });

  await check("no script error and no dialog", async () => {
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
