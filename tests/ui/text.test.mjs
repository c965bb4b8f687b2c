// text.test.mjs — collaborative text in the browser UI, in Debian's headless Chromium: two
// browser contexts on one `arenadb serve`, each editing a node's text property through the
// page's own WebAssembly replica (web/dist/wasm, from `make wasm` + `make ui`) syncing live with
// the server. Typing at both ends at once converges in both editors and in the command line's
// reading of the file; each editor shows the other's cursor with its name; an edit by the command
// line shows up in both; a plain string property becomes text on its first edit; the page's
// replica is kept in OPFS, so a reload syncs only what changed; and a UI built without the
// package says what it needs instead of failing.
// Usage: node text.test.mjs ARENADB UI_DIR. Prints one line per check and closes with
// "ui: N passed, M failed"; exits non-zero on any failure.
import { execFileSync } from "node:child_process";
import { cpSync, existsSync, mkdtempSync, rmSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { assert, assertNoSanitizerReport, launchBrowser, runner, serveArenadb } from "../wasm/chromium.mjs";

const [arenadb, uiDir] = process.argv.slice(2).map((p) => path.resolve(p));
const tmp = mkdtempSync(path.join(os.tmpdir(), "arenadb-text-"));
const db = path.join(tmp, "text.db");
const { check, done } = runner();
const cli = (...args) => execFileSync(arenadb, ["--db", db, ...args], { encoding: "utf8" }).trim();
const WITHIN = 2000; // ms: convergence, cursors and the command line's edit

cli("init");
cli("node", "add", "Doc", '{"title":"Plain words"}', "--id", "d1");
for (let i = 0; i < 40; i++) cli("node", "add", "Filler", JSON.stringify({ n: i }), "--id", `f:${String(i).padStart(2, "0")}`);
cli("text", "insert", "d1", "body", "0", "hello world");

const srv = await serveArenadb(arenadb, db, ["--ui", uiDir]);
const browser = await launchBrowser();
const pages = [];

// A page as the user `name` (live.js keeps a tab's name and colour in sessionStorage), showing
// node d1 with the text editor open on key.
async function open(base, name, colour, key = "body") {
  const context = await browser.newContext({ viewport: { width: 1200, height: 900 } });
  await context.addInitScript(([n, c]) => sessionStorage.setItem("arenadb.presence.me",
    JSON.stringify({ id: n.toLowerCase().padEnd(16, "0"), name: n, colour: c })), [name, colour]);
  const page = await context.newPage();
  const errors = [];
  page.on("pageerror", (e) => errors.push(e.message));
  await page.goto(`${base}/#node=d1`);
  await page.waitForFunction(() => document.querySelector("#details h2")?.textContent.includes("d1"));
  await page.click(`#details button.edit-text[data-key="${key}"]`);
  const p = { context, page, errors, name };
  pages.push(p);
  return p;
}

const ready = (p) => p.page.waitForSelector('#text-editor[data-ready="1"]', { timeout: 15000 });
const text = (p) => p.page.evaluate(() => window.arena.text.text());
const caret = (p, name) => p.page.$(`#text-editor .cm-remote-caret[data-name="${name}"]`);

// Waits until fn() is true, up to ms; throws msg() otherwise. Resolves with the time it took.
async function within(ms, fn, msg) {
  const t = Date.now();
  for (;;) {
    if (await fn()) return Date.now() - t;
    if (Date.now() - t > ms) throw new Error(await msg());
    await new Promise((r) => setTimeout(r, 25));
  }
}

const hasWasm = existsSync(path.join(uiDir, "wasm", "arenadb.mjs"));
try {
  await check("the page carries the WebAssembly package the editor runs on", async () => {
    assert(hasWasm, `${uiDir}/wasm is missing: make wasm, then make ui`);
  });
  if (hasWasm) {
    let A, B;
    await check("both pages open the editor on the same text, synced from the server", async () => {
      [A, B] = await Promise.all([open(srv.base, "Alice", "#d62728"), open(srv.base, "Bob", "#2ca02c")]);
      await Promise.all([ready(A), ready(B)]);
      assert((await text(A)) === "hello world" && (await text(B)) === "hello world",
        `A "${await text(A)}", B "${await text(B)}"`);
    });

    await check("each editor shows the other's cursor, with its name, within 2 s", async () => {
      await A.page.click("#text-editor .cm-content");
      await A.page.keyboard.press("Control+Home");
      await B.page.click("#text-editor .cm-content");
      await B.page.keyboard.press("Control+End");
      await within(WITHIN, async () => (await caret(A, "Bob")) && (await caret(B, "Alice")),
        async () => `A sees Bob: ${!!(await caret(A, "Bob"))}, B sees Alice: ${!!(await caret(B, "Alice"))}`);
      // Its own cursor is not drawn as a remote one, and the name is shown.
      assert(!(await caret(A, "Alice")) && !(await caret(B, "Bob")), "a page draws its own cursor as remote");
      const label = await A.page.textContent('#text-editor .cm-remote-caret[data-name="Bob"] .cm-remote-name');
      assert(label === "Bob", `the caret is labelled ${label}`);
    });

    const expected = "abcdef" + "hello world" + "UVWXYZ";
    await check("A types at the start while B types at the end: both converge within 2 s", async () => {
      await Promise.all([A.page.keyboard.type("abcdef", { delay: 60 }), B.page.keyboard.type("UVWXYZ", { delay: 60 })]);
      const ms = await within(WITHIN, async () => (await text(A)) === expected && (await text(B)) === expected,
        async () => `A "${await text(A)}", B "${await text(B)}", expected "${expected}"`);
      console.log(`     converged ${ms} ms after the last key`);
    });

    await check("the command line reads the same text from the file", async () => {
      await within(WITHIN, () => cli("text", "get", "d1", "body") === expected,
        () => `arenadb text get: "${cli("text", "get", "d1", "body")}"`);
      const node = JSON.parse(cli("node", "get", "d1"));
      assert(node.properties.body === expected, JSON.stringify(node));
    });

    await check("the remote cursors followed the typing (Bob's caret after the end in A's editor)", async () => {
      await within(WITHIN, () => A.page.evaluate(() => {
        const c = document.querySelector("#text-editor").shadowRoot.querySelector('.cm-remote-caret[data-name="Bob"]');
        const line = c && c.closest(".cm-line");
        if (!line) return false;
        const r = document.createRange();
        r.setStart(line, 0);
        r.setEndBefore(c);
        return r.toString() === "abcdefhello worldUVWXYZ";
      }), async () => `Bob's caret is not at the end in A's editor: ${await A.page.evaluate(() =>
        document.querySelector("#text-editor").shadowRoot.querySelector(".cm-line")?.innerHTML)}`);
    });

    await check("an edit by the command line shows up in both editors within 2 s, cursors kept", async () => {
      cli("text", "insert", "d1", "body", "11", ",");
      const now = "abcdefhello, worldUVWXYZ";
      await within(WITHIN, async () => (await text(A)) === now && (await text(B)) === now,
        async () => `A "${await text(A)}", B "${await text(B)}"`);
      // Typing goes on where each cursor was: after A's "abcdef", at B's end.
      await A.page.keyboard.type("1");
      await B.page.keyboard.type("2");
      const next = "abcdef1hello, worldUVWXYZ2";
      await within(WITHIN, async () => (await text(A)) === next && (await text(B)) === next,
        async () => `A "${await text(A)}", B "${await text(B)}"`);
      await within(WITHIN, () => cli("text", "get", "d1", "body") === next, () => cli("text", "get", "d1", "body"));
    });

    await check("a plain string property becomes text on its first edit, from both pages", async () => {
      for (const p of [A, B]) {
        await p.page.click('#details button.edit-text[data-key="title"]');
        await ready(p);
      }
      assert((await text(A)) === "Plain words", await text(A));
      await A.page.click("#text-editor .cm-content");
      await A.page.keyboard.press("Control+Home");
      await B.page.click("#text-editor .cm-content");
      await B.page.keyboard.press("Control+End");
      await Promise.all([A.page.keyboard.type(">", { delay: 30 }), B.page.keyboard.type("!", { delay: 30 })]);
      const want = ">Plain words!";
      await within(WITHIN, async () => (await text(A)) === want && (await text(B)) === want &&
        cli("text", "get", "d1", "title") === want,
      async () => `A "${await text(A)}", B "${await text(B)}", cli "${cli("text", "get", "d1", "title")}"`);
    });

    await check("the page's replica is kept in OPFS: after a reload it receives only what changed since", async () => {
      const first = await A.page.evaluate(() => window.arena.text.replica());
      assert(first.storage === "opfs" && first.received >= 41, `before the reload: ${JSON.stringify(first)}`);
      await A.page.reload();
      await A.page.waitForFunction(() => document.querySelector("#details h2")?.textContent.includes("d1"));
      cli("node", "set", "f:07", "n", "700");
      await A.page.click('#details button.edit-text[data-key="body"]');
      await ready(A);
      const again = await A.page.evaluate(() => window.arena.text.replica());
      assert(again.storage === "opfs" && again.received >= 1 && again.received <= 3, `after the reload: ${JSON.stringify(again)}`);
      assert((await text(A)) === cli("text", "get", "d1", "body"), `the editor shows "${await text(A)}"`);
    });

    await check("no script error in either page", async () => {
      const errs = pages.flatMap((p) => p.errors);
      assert(errs.length === 0, errs.join("; "));
    });
  }

  await check("a UI built without the WebAssembly package says so instead of failing", async () => {
    const bare = path.join(tmp, "ui-bare");
    cpSync(uiDir, bare, { recursive: true });
    rmSync(path.join(bare, "wasm"), { recursive: true, force: true });
    const db2 = path.join(tmp, "bare.db");
    execFileSync(arenadb, ["--db", db2, "init"]);
    execFileSync(arenadb, ["--db", db2, "node", "add", "Doc", '{"body":"x"}', "--id", "d1"]);
    const srv2 = await serveArenadb(arenadb, db2, ["--ui", bare]);
    try {
      const p = await open(srv2.base, "Carol", "#9467bd");
      await p.page.waitForFunction(() => /WebAssembly build \(make wasm\)/.test(document.querySelector("#text-state")?.textContent),
        null, { timeout: 10000 });
      const msg = await p.page.textContent("#text-state");
      assert(msg === "the page's replica (collaborative text, working offline) needs the WebAssembly build (make wasm)", msg);
      assert(p.errors.length === 0, p.errors.join("; "));
    } finally {
      await srv2.stop();
    }
  });
} finally {
  await browser.close();
  await srv.stop();
}
await check("the server logged no sanitizer report", async () => {
  assertNoSanitizerReport(srv.log());
});
rmSync(tmp, { recursive: true, force: true });
process.exit(done("ui"));
